#!/usr/bin/python3
"""The traffic generator of sim/traffic.ts, written idiomatically with NumPy, for the speed comparison in bench/sim.ts.

Reads the JSON that bench/export-topology.ts writes (the same services, base rates, weekly-shape parameters,
calendar, noise, bursts and dependency edges as the TypeScript run) and generates the same workload:

  rate = external x weekShape(minute of week) x eventFactor(t) x trend(t) x bursts x exp(AR(1) noise)
       + sum of callers' rate x callsPerRequest   (sync edges same minute, async edges lagged one minute)

then realised counts: Poisson below 30, rounded normal approximation above. Only the random streams differ
(NumPy's PCG64 instead of the simulator's sfc32), so per-service means agree within sampling noise.

AR(1) noise, the only sequential part, is vectorised across services and computed in time chunks with the
closed form of the recursion (default, `--ar cumsum`):
  e[t0+k] = phi^k * (phi * e[t0-1] + sum_{i<=k} innov * phi^-i * eps[t0+i])
i.e. one scaled cumulative sum per chunk; the chunk is kept short enough that phi^-k stays far from overflow,
so it is exact to rounding. `--ar lfilter` uses scipy.signal.lfilter (python3-scipy) when it is installed;
`--ar loop` steps minute by minute over a vector of services (the naive formulation, for reference).

Usage: /usr/bin/python3 bench/traffic_numpy.py INPUTS.json [--ar cumsum|lfilter|loop] [--seed N]
Prints one JSON object on stdout: seconds, serviceMinutes, serviceMinutesPerSec, meanRequests (first 5 services), ...
Needs Debian's python3-numpy (apt-get install python3-numpy); exits 3 with a message if NumPy is missing.
"""
import argparse
import json
import resource
import sys
import time

try:
    import numpy as np
except ImportError:  # pragma: no cover - reported to the caller
    print(json.dumps({"error": "numpy-missing", "message": "NumPy is not installed for " + sys.executable
                      + ": install Debian's python3-numpy (apt-get install python3-numpy)"}))
    sys.exit(3)

MINUTES_PER_DAY = 1440
MINUTES_PER_WEEK = 10080


def week_shape(inp, ext):
    """Weekly shape of each service in `ext` (rows, length 10080, mean 1)."""
    tr = inp["traffic"]
    A = tr["dailyAmplitude"]
    offsets = np.asarray(tr["timeZoneOffsetsHours"], dtype=np.float64)           # (Z,)
    tzw = np.asarray(inp["service"]["tzWeights"], dtype=np.float64)[ext]        # (S, Z)
    phase = np.asarray(inp["service"]["phaseShiftHours"], dtype=np.float64)[ext]  # (S,)
    m = np.arange(MINUTES_PER_WEEK, dtype=np.float64)
    local = m[None, :] + inp["startWeekday"] * MINUTES_PER_DAY + offsets[:, None] * 60   # (Z, W)
    day_abs = np.floor(local / MINUTES_PER_DAY)
    hour = (local - day_abs * MINUTES_PER_DAY) / 60
    weekend = np.where(np.mod(day_abs, 7) >= 5, tr["weekendFactor"], 1.0)             # (Z, W)
    x = (2 * np.pi / 24) * (hour[None, :, :] - tr["peakHourLocal"] - phase[:, None, None])  # (S, Z, W)
    daily = 1 + A * (0.85 * np.cos(x) + 0.15 * np.cos(2 * x))
    np.maximum(daily, 0.02, out=daily)
    daily *= weekend[None, :, :]
    shape = np.einsum("sz,szw->sw", tzw, daily)
    shape /= shape.mean(axis=1, keepdims=True)
    return shape


def global_factor(inp):
    """Per-minute factor shared by all services: calendar events x exponential trend."""
    T = inp["minutes"]
    cal = inp["calendar"]
    ef = np.ones(T, dtype=np.float64)
    for d in cal["holidayDays"]:
        ef[d * MINUTES_PER_DAY:(d + 1) * MINUTES_PER_DAY] = cal["holidayFactor"]
    m = np.arange(MINUTES_PER_DAY)
    bell = np.sin(np.pi * (m + 0.5) / MINUTES_PER_DAY) ** 2
    for p in cal["peakEvents"]:
        day, mult, ramp = p["day"], p["multiplier"], p["rampDays"]
        t = day * MINUTES_PER_DAY + m
        ok = (t >= 0) & (t < T)
        ef[t[ok]] *= 1 + (mult - 1) * (0.35 + 0.65 * bell[ok])
        for k in range(1, ramp + 1):
            frm = (day - k) * MINUTES_PER_DAY
            ef[max(0, frm):min(T, frm + MINUTES_PER_DAY)] *= 1 + (mult - 1) * 0.12 * ((ramp - k + 1) / ramp)
    ef = ef.astype(np.float32).astype(np.float64)  # the simulator keeps the event factor as float32
    growth = np.log1p(inp["traffic"]["trendPerYear"]) / (365 * MINUTES_PER_DAY)
    return ef * np.exp(growth * np.arange(T, dtype=np.float64))


def chunk_length(phi):
    """Largest divisor of a week (so weekly-shape slices never wrap) that keeps phi^-K below 1e100."""
    limit = 4032 if phi <= 0 else min(4032, int(230.0 / -np.log(phi)))
    return max(d for d in range(1, MINUTES_PER_WEEK + 1) if MINUTES_PER_WEEK % d == 0 and d <= max(1, limit))


def external_rates(inp, rng, ext, out, method):
    """Write base x shape x global x exp(AR(1) noise) of the services `ext` into out[ext] (float32)."""
    tr = inp["traffic"]
    T = inp["minutes"]
    S = len(ext)
    phi = tr["noiseCorrelation"]
    sigma = tr["noiseSigma"]
    innov = sigma * np.sqrt(1 - phi * phi)
    log_bias = sigma * sigma / 2
    base = np.asarray(inp["service"]["externalRpm"], dtype=np.float64)[ext]
    # base x exp(-log_bias) x weekly shape: one (S, 10080) table.
    shape_b = week_shape(inp, ext) * (base * np.exp(-log_bias))[:, None]
    glob = global_factor(inp)
    e_prev = sigma * rng.standard_normal(S)
    K = chunk_length(phi) if method == "cumsum" else 2016
    buf = np.empty((S, K), dtype=np.float64)
    if method == "cumsum" and phi > 0:
        i = np.arange(K, dtype=np.float64)
        w = innov * phi ** -i      # innovation weight of step i, in units of phi^-i
        pw = phi ** i              # brings the chunk back to scale
    elif method == "lfilter":
        from scipy.signal import lfilter
    for t0 in range(0, T, K):
        L = min(K, T - t0)
        z = buf if L == K else np.empty((S, L), dtype=np.float64)  # the last chunk may be shorter
        rng.standard_normal(out=z)
        if method == "cumsum":
            if phi > 0:
                z *= w[:L]
                np.cumsum(z, axis=1, out=z)
                z += (phi * e_prev)[:, None]
                z *= pw[:L]
            else:
                z *= innov
        elif method == "lfilter":
            z[:], _ = lfilter([innov], [1.0, -phi], z, axis=1, zi=(phi * e_prev)[:, None])
        else:  # loop: minute by minute, vectorised over services
            zt = z.T  # (L, S) view
            e = e_prev
            for k in range(L):
                e = phi * e + innov * zt[k]
                zt[k] = e
        e_prev = z[:, L - 1].copy()
        np.exp(z, out=z)
        s0 = t0 % MINUTES_PER_WEEK
        if s0 + L <= MINUTES_PER_WEEK:
            z *= shape_b[:, s0:s0 + L]
        else:
            z *= shape_b[:, (s0 + np.arange(L)) % MINUTES_PER_WEEK]
        z *= glob[t0:t0 + L]
        out[ext, t0:t0 + L] = z


def apply_bursts(inp, rng, ext, rates):
    """Short bursts on the external part: fast rise to `mult`, linear decay over `len` minutes."""
    tr = inp["traffic"]
    T = inp["minutes"]
    counts = rng.poisson(tr["burstsPerServicePerDay"] * inp["days"], size=len(ext))
    n = int(counts.sum())
    svc = np.repeat(ext, counts)
    start = rng.integers(0, T, size=n)  # [0, T-1]
    length = np.maximum(1, np.floor(rng.exponential(tr["burstMinutes"], size=n) + 0.5)).astype(np.int64)
    mult = 1 + (tr["burstMultiplier"] - 1) * np.exp(0.3 * rng.standard_normal(n))
    end = np.minimum(T, start + length)
    for j, a, b, ln, mu in zip(svc.tolist(), start.tolist(), end.tolist(), length.tolist(), mult.tolist()):
        rates[j, a:b] *= 1 + (mu - 1) * (1 - np.arange(b - a) / ln)
    return n


def propagate(inp, rates):
    """Callers' rates flow to callees in topological (index) order; async edges arrive one minute later."""
    e = inp["edges"]
    order = sorted(range(len(e["callee"])), key=lambda k: (e["callee"][k], e["caller"][k]))
    tmp = np.empty(rates.shape[1], dtype=rates.dtype)
    for k in order:
        i, j, c = e["caller"][k], e["callee"][k], np.float32(e["callsPerRequest"][k])
        if e["async"][k]:
            np.multiply(rates[i, :-1], c, out=tmp[:-1])
            rates[j, 1:] += tmp[:-1]
        else:
            np.multiply(rates[i], c, out=tmp)
            rates[j] += tmp


def realise_counts(rng, rates):
    """Counts around each rate: Poisson below 30, rounded normal approximation above; returns per-service means."""
    n, T = rates.shape
    means = np.empty(n, dtype=np.float64)
    z = np.empty(T, dtype=np.float64)
    k = np.empty(T, dtype=np.float64)
    for j in range(n):
        lam = rates[j]
        small = lam < 30
        rng.standard_normal(out=z)
        np.sqrt(lam, out=k)
        k *= z
        k += lam
        k += 0.5
        np.floor(k, out=k)
        np.maximum(k, 0, out=k)
        if small.any():
            k[small] = rng.poisson(lam[small])
        rates[j] = k
        means[j] = k.mean()
    return means


def generate(inp, seed, method):
    n, T = inp["services"], inp["minutes"]
    rng = np.random.default_rng(seed)
    ext = np.flatnonzero(np.asarray(inp["service"]["externalRpm"]) > 0)
    rates = np.zeros((n, T), dtype=np.float32)  # one row per service, like the simulator's Float32Arrays
    external_rates(inp, rng, ext, rates, method)
    n_bursts = apply_bursts(inp, rng, ext, rates)
    propagate(inp, rates)
    means = realise_counts(rng, rates)
    return rates, means, n_bursts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", help="JSON written by bench/export-topology.ts")
    ap.add_argument("--ar", choices=["auto", "cumsum", "lfilter", "loop"], default="auto",
                    help="AR(1) formulation (auto = cumsum, the fastest measured)")
    ap.add_argument("--seed", type=int, default=None, help="NumPy seed (default: the exported seed)")
    args = ap.parse_args()
    with open(args.inputs) as f:
        inp = json.load(f)
    if inp.get("format") != "rolloutlab-traffic-inputs/1":
        print(json.dumps({"error": "bad-input", "message": args.inputs + ": not a rolloutlab-traffic-inputs/1 file"}))
        return 2
    method = "cumsum" if args.ar == "auto" else args.ar
    if method == "lfilter":
        try:
            import scipy.signal  # noqa: F401
        except ImportError:
            print(json.dumps({"error": "scipy-missing",
                              "message": "--ar lfilter needs Debian's python3-scipy (apt-get install python3-scipy)"}))
            return 3
    seed = inp["seed"] if args.seed is None else args.seed
    t0 = time.perf_counter()
    c0 = time.process_time()
    rates, means, n_bursts = generate(inp, seed, method)
    seconds = time.perf_counter() - t0
    cpu_seconds = time.process_time() - c0  # CPU time of the process: less sensitive to a shared machine's load
    service_minutes = inp["services"] * inp["minutes"]
    print(json.dumps({
        "seconds": seconds,
        "cpuSeconds": cpu_seconds,
        "serviceMinutes": service_minutes,
        "serviceMinutesPerSec": service_minutes / seconds,
        "meanRequests": means[:5].tolist(),
        "meanRequestsAll": means.tolist(),
        "bursts": n_bursts,
        "arMethod": method,
        "chunkMinutes": chunk_length(inp["traffic"]["noiseCorrelation"]) if method == "cumsum" else 2016,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
