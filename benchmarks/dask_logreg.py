"""The gradient of a Dask array's loss, measured: `python -m benchmarks.dask_logreg`.

Logistic regression (examples/dask_logistic_regression.py's loss) on 10^7 rows x 20
features in chunks of 10^6 rows, persisted on a LocalCluster of 2 worker processes:

  * time of one gradient step (the loss and its gradient, one graph) against Dask's
    own evaluation of the loss alone: medians of interleaved rounds, and their ratio;
  * tasks in each optimized graph, and their ratio;
  * peak memory of each worker during a step above what it held before (its share of
    the data), in chunks: nothing is gathered to one place;
  * the gradient of the first 10^6 rows against NumPy's (adjoint on NumPy arrays).

Writes benchmarks/results/dask-<date>.json and prints a summary. `--rows`, `--chunk`,
`--rounds` make it smaller (`--rows 1000000 --chunk 100000` for a quick look).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one BLAS thread per worker (as __main__.py does)

import numpy as np  # noqa: E402

import adjoint  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "examples"))
from dask_logistic_regression import loss, make_data  # noqa: E402


def _tasks(*collections) -> int:
    """Tasks in the graph Dask runs for these collections (optimized, as compute does)."""
    from dask.base import collections_to_expr
    return len(collections_to_expr(list(collections), optimize_graph=True)
               .__dask_graph__())


def _reset_peak():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # (Linux: the peak resident size starts again from now)


def _memory():
    fields = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(rest.split()[0]) * 1024
    return fields


def _peaks(client, run):
    """Each worker's peak resident memory during `run()` above its resident memory
    before, in bytes."""
    client.run(_reset_peak)
    before = client.run(_memory)
    run()
    after = client.run(_memory)
    return {w: after[w]["VmHWM"] - before[w]["VmRSS"] for w in before}


def measure(client, rows, features, chunk, rounds):
    import dask
    X, t = make_data(rows, features, chunk)
    X, t = client.persist([X, t])
    dask.compute(X.sum(), t.sum())
    step = adjoint.value_and_grad(loss, wrt=("w", "b"))
    rng = np.random.default_rng(1)
    w, b = 0.1 * rng.normal(size=features), 0.1

    def loss_alone():
        return dask.compute(loss(w, b, X, t))

    def gradient_step():
        value, (gw, gb) = step(w, b, X, t)
        return dask.compute(value, gw, gb)

    gradient_step(), loss_alone()  # (warm: compiled, workers' imports done)
    loss_s, step_s = [], []
    for _ in range(rounds):  # interleaved, so both see the same machine
        start = time.perf_counter()
        loss_alone()
        loss_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        gradient_step()
        step_s.append(time.perf_counter() - start)
    value, (gw, gb) = step(w, b, X, t)
    tasks_loss, tasks_step = _tasks(loss(w, b, X, t)), _tasks(value, gw, gb)
    chunk_bytes = chunk * features * 8
    peaks = _peaks(client, gradient_step)
    peaks_loss = _peaks(client, loss_alone)
    check_rows = min(rows, 1_000_000)
    Xs, ts = dask.compute(X[:check_rows], t[:check_rows])
    want_value, (want_w, want_b) = step(w, b, Xs, ts)
    got_value, got_w, got_b = dask.compute(*[v for v in _flat(step(
        w, b, X[:check_rows], t[:check_rows]))])
    scale = max(np.max(np.abs(want_w)), abs(want_b))
    gap = max(np.max(np.abs(got_w - want_w)), abs(got_b - want_b)) / scale
    return dict(
        rows=rows, features=features, chunk_rows=chunk, workers=len(peaks),
        loss_seconds=statistics.median(loss_s), step_seconds=statistics.median(step_s),
        time_ratio=statistics.median(step_s) / statistics.median(loss_s),
        tasks_loss=tasks_loss, tasks_step=tasks_step, task_ratio=tasks_step / tasks_loss,
        chunk_mb=chunk_bytes / 1e6,
        peak_step_chunks=max(peaks.values()) / chunk_bytes,
        peak_loss_chunks=max(peaks_loss.values()) / chunk_bytes,
        numpy_check_rows=check_rows, numpy_relative_gap=float(gap),
        value_gap=float(abs(got_value - want_value) / abs(want_value)))


def _flat(value_and_grads):
    value, (gw, gb) = value_and_grads
    return value, gw, gb


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.dask_logreg",
                                description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--features", type=int, default=20)
    p.add_argument("--chunk", type=int, default=1_000_000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--out", default=None, help="JSON output (default: results/dask-DATE)")
    args = p.parse_args(argv)
    from distributed import Client, LocalCluster
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        result = measure(client, args.rows, args.features, args.chunk, args.rounds)
    import dask
    import distributed
    result["meta"] = dict(date=datetime.date.today().isoformat(),
                          machine=f"{platform.machine()}, {os.cpu_count()} cores, "
                                  f"{platform.python_version()}",
                          numpy=np.__version__, dask=dask.__version__,
                          distributed=distributed.__version__)
    out = args.out or os.path.join(HERE, "results",
                                   f"dask-{result['meta']['date']}.json")
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
    r = result
    print(f"{r['rows']:,} x {r['features']} in chunks of {r['chunk_rows']:,} rows "
          f"({r['chunk_mb']:.0f} MB), {r['workers']} workers")
    print(f"loss alone      {r['loss_seconds']:.3f} s   {r['tasks_loss']} tasks   "
          f"peak +{r['peak_loss_chunks']:.2f} chunks per worker")
    print(f"value and grad  {r['step_seconds']:.3f} s   {r['tasks_step']} tasks   "
          f"peak +{r['peak_step_chunks']:.2f} chunks per worker")
    print(f"ratios: time {r['time_ratio']:.2f}x, tasks {r['task_ratio']:.2f}x")
    print(f"gradient vs NumPy on {r['numpy_check_rows']:,} rows: relative difference "
          f"{r['numpy_relative_gap']:.1e} (value {r['value_gap']:.1e})")
    print(f"written to {out}")
    return result


if __name__ == "__main__":
    main()
