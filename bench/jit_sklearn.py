#!/usr/bin/python3
"""scikit-learn peers for `rolloutlab bench jit`: RandomForest (300 trees) and HistGradientBoosting, default settings,
on exactly the split the TypeScript pipeline uses (bench/jit.ts, datasets/import-jit.ts).

Protocol (ISSTA 2021 within-project): rows in file order, which is commit-date order; the first floor(0.8 N) rows
train, the rest test; ROC AUC of the predicted probability on the test rows (ties get average ranks, as
`rocAuc` in datasets/import-jit.ts). Features: Kamei's 14 change metrics only. The leading unnamed index column,
`_id`, `date`, `bug` and the leaked `__` column (it equals `bug` in every row of the published files) are not
features. Like the importer, the script refuses a file whose `date` ever decreases instead of reordering it,
and accepts `fix` as 0/1 or True/False. Training time is the wall time of `fit` only (RandomForest with
n_jobs=-1 and HistGradientBoosting's OpenMP both use every core; the TypeScript side trains on one thread).

Usage: /usr/bin/python3 bench/jit_sklearn.py DATA.csv [--train-from TRAIN.csv] [--shift JSON] [--validation]
With --train-from, the models are fitted on TRAIN.csv's first floor(0.8 N) rows instead of DATA.csv's, and tested on
DATA.csv's test part as before (cross-project transfer; nTrain is then TRAIN.csv's). With --shift '{"exp": 4, ...}',
the named metrics of the test rows are multiplied by those factors first (the time-shifted stress test of
`bench jit --compare`). With --validation, every file is first cut to its training part (its first floor(0.8 N) rows),
so the split above falls inside it and no test row is read (`bench jit --compare --validation`).
Prints one JSON line: {"project", "nTrain", "nTest",
  "peers": {"randomForest": {"auc", "trainSeconds"}, "histGradientBoosting": {"auc", "trainSeconds"}}, "sklearn"}
Needs Debian's python3-sklearn (apt-get install python3-sklearn). Without it, prints
{"error": "sklearn-missing", "message": ...} and exits 3; a bad file prints {"error": "bad-data", ...} and exits 2.
"""
import csv
import json
import math
import os
import re
import sys
import time

try:
    import numpy as np
    import sklearn
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.metrics import roc_auc_score
except ImportError as e:  # reported to the caller
    print(json.dumps({"error": "sklearn-missing", "message": f"scikit-learn is not importable by {sys.executable} ({e}): "
                      "install Debian's python3-sklearn (apt-get install python3-sklearn)"}))
    sys.exit(3)

FEATURES = ["ns", "nd", "nf", "entrophy", "la", "ld", "lt", "fix", "ndev", "age", "nuc", "exp", "rexp", "sexp"]
TRUE_FALSE = {"true": 1.0, "false": 0.0, "True": 1.0, "False": 0.0, "TRUE": 1.0, "FALSE": 0.0}
# Same grammar as parseNumber in datasets/csv.ts: plain decimal / exponent numbers, nothing else.
NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")


def bad(path, line, msg):
    print(json.dumps({"error": "bad-data", "message": f"{path}: line {line}: {msg}"}))
    sys.exit(2)


def number(path, line, name, s):
    if name == "fix" and s in TRUE_FALSE:
        return TRUE_FALSE[s]
    if not NUMBER.match(s):
        bad(path, line, f'{name} "{s}" is not a number')
    return float(s)


def read(path):
    with open(path, newline="", encoding="utf-8") as fh:
        rows = csv.reader(fh)
        header = next(rows)
        for name in ["_id", "date", "bug", *FEATURES]:
            if name not in header:
                bad(path, 1, f'missing column "{name}"')
        date_i, bug_i = header.index("date"), header.index("bug")
        feat_i = [header.index(f) for f in FEATURES]
        x, y = [], []
        prev = -math.inf
        for line, row in enumerate(rows, start=2):
            if not row:
                continue
            d = number(path, line, "date", row[date_i])
            if d < prev:
                bad(path, line, f"date {row[date_i]} is earlier than the previous row's: rows must be sorted by date")
            prev = d
            if row[bug_i] not in ("0", "1"):
                bad(path, line, f'bug "{row[bug_i]}" is not 0 or 1')
            y.append(1 if row[bug_i] == "1" else 0)
            x.append([number(path, line, f, row[i]) for f, i in zip(FEATURES, feat_i)])
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.int8)


def run(model, x_train, y_train, x_test, y_test):
    t0 = time.perf_counter()
    model.fit(x_train, y_train)
    seconds = time.perf_counter() - t0
    return {"auc": float(roc_auc_score(y_test, model.predict_proba(x_test)[:, 1])), "trainSeconds": seconds}


def main():
    args = [a for a in sys.argv[1:] if a != "--validation"]
    validation = len(args) != len(sys.argv) - 1
    opts = {}
    while len(args) >= 3 and args[-2] in ("--train-from", "--shift"):
        opts[args[-2]] = args[-1]
        args = args[:-2]
    if len(args) != 1:
        print("usage: /usr/bin/python3 bench/jit_sklearn.py DATA.csv [--train-from TRAIN.csv] [--shift JSON] [--validation]", file=sys.stderr)
        sys.exit(1)
    path = args[0]
    for p in [path, opts.get("--train-from", path)]:
        if not os.path.isfile(p):
            bad(p, 0, "file not found")
    x, y = read(path)
    if validation:
        x, y = x[:(4 * len(y)) // 5], y[:(4 * len(y)) // 5]
    n = len(y)
    train_end = (4 * n) // 5  # floor(0.8 n) in integers, as chronologicalSplit
    x_train, y_train, x_test, y_test = x[:train_end], y[:train_end], x[train_end:].copy(), y[train_end:]
    n_test = n - train_end
    if "--train-from" in opts:
        xt, yt = read(opts["--train-from"])
        if validation:
            xt, yt = xt[:(4 * len(yt)) // 5], yt[:(4 * len(yt)) // 5]
        end = (4 * len(yt)) // 5
        x_train, y_train, train_end = xt[:end], yt[:end], end
    if "--shift" in opts:
        try:
            shift = json.loads(opts["--shift"])
        except ValueError:
            shift = None
        if not isinstance(shift, dict) or any(k not in FEATURES or not isinstance(v, (int, float)) for k, v in shift.items()):
            bad(path, 0, f"--shift {opts['--shift']}: expected a JSON object of metric name to factor")
        for k, v in shift.items():
            x_test[:, FEATURES.index(k)] *= v
    if len(set(y_test.tolist())) < 2 or len(set(y_train.tolist())) < 2:
        bad(path, 0, f"{n} rows: both classes are needed in the train and test parts")
    peers = {
        "randomForest": run(RandomForestClassifier(n_estimators=300, random_state=0, n_jobs=-1), x_train, y_train, x_test, y_test),
        "histGradientBoosting": run(HistGradientBoostingClassifier(random_state=0), x_train, y_train, x_test, y_test),
    }
    project = os.path.splitext(os.path.basename(path))[0]
    print(json.dumps({"project": project, "nTrain": int(train_end), "nTest": int(n_test), "peers": peers,
                      "sklearn": sklearn.__version__}))


if __name__ == "__main__":
    main()
