#!/usr/bin/python3
"""Reference values for test/judges.test.ts (run once; the test only reads the JSON it writes).

    /usr/bin/python3 scripts/mann-whitney-reference.py > test/fixtures/mann-whitney-reference.json

Needs Debian's python3-scipy (apt-get install -y python3-scipy). For each frozen pair of arrays
(x = experiment, y = control) it records scipy's asymptotic two-sided Mann-Whitney U of x and p-value with
continuity correction, and the Hodges-Lehmann shift: numpy's median of all pairwise differences x_i - y_j.
The arrays come from a seeded NumPy generator and are rounded, so the script is deterministic.
"""
import json
import sys

import numpy as np
import scipy
from scipy.stats import mannwhitneyu

rng = np.random.RandomState(20240611)


def r(a, d=3):
    return [float(v) for v in np.round(np.asarray(a, dtype=float), d)]


cases = [
    # integer-valued with many ties, unequal sizes
    ("ties-10-vs-11", [1, 2, 2, 3, 3, 3, 4, 5, 5, 6], [0, 1, 1, 2, 2, 3, 3, 4, 4, 4, 5]),
    ("unequal-7-vs-23", r(rng.normal(100, 15, 7)), r(rng.normal(95, 15, 23))),
    ("shifted-30-vs-30", r(rng.normal(11, 2, 30)), r(rng.normal(10, 2, 30))),
    # error counts per minute: mostly zero, real increase (kayenta#426 shape)
    ("sparse-mostly-zero-60-vs-60", r(rng.binomial(1, 0.2, 60) * rng.randint(1, 3, 60), 0),
     r(rng.binomial(1, 0.04, 60), 0)),
    ("n10-vs-n10", r(rng.lognormal(3, 0.4, 10)), r(rng.lognormal(3, 0.4, 10))),
    ("n50-vs-n60", r(rng.lognormal(5, 0.3, 50) * 1.1), r(rng.lognormal(5, 0.3, 60))),
    ("decrease-40-vs-35", r(rng.gamma(2.0, 1.5, 40), 2), r(rng.gamma(2.0, 2.0, 35), 2)),
    ("tiny-3-vs-4", [0.5, 1.5, 2.5], [1.0, 2.0, 3.0, 4.0]),
    ("strong-shift-50-vs-50", r(rng.normal(12, 1, 50)), r(rng.normal(10, 1, 50))),
    ("far-apart-5-vs-6", [10.0, 11.0, 12.0, 13.0, 14.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
]

out = {
    "generator": "scripts/mann-whitney-reference.py",
    "scipy": scipy.__version__,
    "numpy": np.__version__,
    "call": "mannwhitneyu(x, y, alternative='two-sided', method='asymptotic', use_continuity=True); "
            "estimate = np.median(np.subtract.outer(x, y))",
    "cases": [],
}
for name, x, y in cases:
    x = [float(v) for v in x]
    y = [float(v) for v in y]
    res = mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", use_continuity=True)
    est = float(np.median(np.subtract.outer(np.array(x), np.array(y))))
    out["cases"].append({"name": name, "x": x, "y": y, "u": float(res.statistic), "pValue": float(res.pvalue),
                         "estimate": est})
json.dump(out, sys.stdout, indent=1)
sys.stdout.write("\n")
