"""Logistic regression on a chunked Dask array, trained on a dask.distributed cluster.

The loss is written in plain NumPy; adjoint writes its gradient once, as plain NumPy
code too, so given Dask arrays the gradient is a Dask graph: every gradient-descent
step sends one graph (the loss and its gradient together) to the workers and brings
back 21 numbers. No chunk of the data leaves the worker that made it.

By default the data are 10^7 rows x 20 features of float64 (1.6 GB, in chunks of
10^6 rows), more than one Python process comfortably holds beside the temporaries of
a gradient (X @ w, the exponentials, the gradient's own products: several more arrays
of 80 MB per 10^6 rows). They are generated on the workers, never on this process.

Run:   python examples/dask_logistic_regression.py            (a LocalCluster here)
       python examples/dask_logistic_regression.py --fast     (small: a smoke test)
       python examples/dask_logistic_regression.py --scheduler tcp://host:8786
                                                               (a real cluster)
"""
import argparse
import time

import numpy as np

import adjoint


def loss(w, b, X, y):
    """Mean negative log-likelihood of labels y in {0, 1} under p = sigmoid(X @ w + b):
    log(1 + exp(z)) - y z, written max(z, 0) + log(1 + exp(-|z|)) - y z so that no
    exp overflows (benchmarks/workloads.py's logreg, with a bias)."""
    z = X @ w + b
    return np.mean(np.maximum(z, 0.0) + np.log(1.0 + np.exp(-np.abs(z))) - y * z)


def make_data(rows, features, chunk, seed=0):
    """Features and labels as Dask arrays, generated chunk by chunk on the workers."""
    import dask.array as da
    rng = da.random.default_rng(seed)
    X = rng.normal(size=(rows, features), chunks=(chunk, features))
    w_true = np.linspace(-1.0, 1.0, features)
    y = (X @ w_true + 0.5 + rng.normal(size=rows, chunks=chunk) > 0).astype(float)
    return X, y


def check_against_numpy(step, w, b, X, t, rows=100_000):
    """value_and_grad on the first `rows` rows, as Dask arrays and as NumPy arrays:
    the same numbers (to 1e-10) from the two array types."""
    import dask
    Xs, ts = dask.compute(X[:rows], t[:rows])
    want_value, (want_w, want_b) = step(w, b, Xs, ts)
    value, (gw, gb) = dask.compute(*step(w, b, X[:rows], t[:rows]))
    assert abs(value - want_value) <= 1e-10 * abs(want_value)
    assert np.allclose(gw, want_w, rtol=1e-10, atol=1e-15)
    assert abs(gb - want_b) <= 1e-10 * max(abs(want_b), 1e-15)
    return max(np.max(np.abs(gw - want_w)), abs(gb - want_b))


def train(client, rows, features, chunk, steps, lr=1.0):
    import dask
    X, t = make_data(rows, features, chunk)
    X, t = client.persist([X, t])  # generated once, kept in the workers' memory
    dask.compute(X.sum(), t.sum())  # (wait for it, so the steps time the steps)
    step = adjoint.value_and_grad(loss, wrt=("w", "b"))
    w, b = np.zeros(features), 0.0
    gap = check_against_numpy(step, w, b, X, t, min(rows, 100_000))
    print(f"Dask gradient = NumPy gradient on {min(rows, 100_000):,} rows "
          f"(largest difference {gap:.1e})")
    times = []
    for k in range(steps):
        start = time.perf_counter()
        value, (gw, gb) = step(w, b, X, t)           # lazy: a graph, nothing computed
        value, gw, gb = dask.compute(value, gw, gb)  # one graph on the cluster
        times.append(time.perf_counter() - start)
        w, b = w - lr * gw, b - lr * gb
        print(f"step {k + 1:3d}: loss {value:.6f}  ({times[-1]:.2f} s)")
    accuracy = float(dask.compute(np.mean((X @ w + b > 0) == (t > 0.5)))[0])
    return dict(loss=float(value), accuracy=accuracy, w=w, b=b,
                seconds_per_step=float(np.median(times)))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--fast", action="store_true", help="200,000 rows, 5 steps")
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--features", type=int, default=20)
    p.add_argument("--chunk", type=int, default=1_000_000, help="rows per chunk")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes")
    p.add_argument("--scheduler", help="address of a running scheduler (host:8786) "
                                       "instead of a LocalCluster")
    args = p.parse_args(argv)
    if args.fast:
        args.rows, args.chunk, args.steps = 200_000, 50_000, 5
    from distributed import Client, LocalCluster
    cluster = None
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1,
                               processes=True, dashboard_address=":0")
        client = Client(cluster)
    try:
        gb = args.rows * args.features * 8 / 1e9
        print(f"{args.rows:,} rows x {args.features} features ({gb:.1f} GB) in chunks of "
              f"{args.chunk:,} rows, on {len(client.scheduler_info()['workers'])} "
              f"workers; dashboard: {client.dashboard_link}")
        result = train(client, args.rows, args.features, args.chunk, args.steps)
        print(f"final loss {result['loss']:.6f}, accuracy {result['accuracy']:.1%}, "
              f"{result['seconds_per_step']:.2f} s per step (median)")
        return result
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


if __name__ == "__main__":
    main()
