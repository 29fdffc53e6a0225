"""One end-to-end run on a real dask.distributed LocalCluster with worker processes:
the gradient adjoint writes is an ordinary Dask graph, shipped to other processes.
The cluster also trains examples/dask_logistic_regression.py (small), whose every
step is checked against NumPy inside the example."""
import importlib.util
import pathlib

import numpy as np
import pytest

import adjoint

pytest.importorskip("dask.array", reason="dask is not installed (the `dask` extra)")
distributed = pytest.importorskip("distributed", reason="distributed is not installed")
EXAMPLE = pathlib.Path(__file__).resolve().parents[1] / "examples" / \
    "dask_logistic_regression.py"


def _example():
    spec = importlib.util.spec_from_file_location("example_dask_logreg", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_value_and_grad_on_a_local_cluster_of_worker_processes():
    import dask
    import dask.array as da
    ex = _example()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 5))
    t = (X @ rng.normal(size=5) + 0.3 * rng.normal(size=4000) > 0).astype(float)
    w, b = 0.1 * rng.normal(size=5), 0.2
    step = adjoint.value_and_grad(ex.loss, wrt=(0, 1))
    want_value, (want_w, want_b) = step(w, b, X, t)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        value, (gw, gb) = step(w, b, da.from_array(X, chunks=1000),
                               da.from_array(t, chunks=1000))
        assert all(dask.is_dask_collection(v) for v in (value, gw, gb))  # lazy
        value, gw, gb = dask.compute(value, gw, gb)  # one graph, on the workers
        trained = ex.train(client, rows=40_000, features=4, chunk=10_000, steps=3)
    np.testing.assert_allclose(value, want_value, rtol=1e-12)
    np.testing.assert_allclose(gw, want_w, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(gb, want_b, rtol=1e-10, atol=1e-14)
    assert trained["loss"] < np.log(2.0) and trained["accuracy"] > 0.75
