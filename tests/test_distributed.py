"""One end-to-end run on a real dask.distributed LocalCluster with worker processes:
the gradient adjoint writes is an ordinary Dask graph, shipped to other processes."""
import numpy as np
import pytest

import adjoint

pytest.importorskip("dask.array", reason="dask is not installed (the `dask` extra)")
distributed = pytest.importorskip("distributed", reason="distributed is not installed")


def logistic_loss(w, b, X, t):
    z = X @ w + b
    return np.mean(np.logaddexp(0.0, -t * z))


def test_value_and_grad_on_a_local_cluster_of_worker_processes():
    import dask
    import dask.array as da
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 5))
    t = np.sign(X @ rng.normal(size=5) + 0.3 * rng.normal(size=4000))
    w, b = 0.1 * rng.normal(size=5), 0.2
    want_value, (want_w, want_b) = adjoint.value_and_grad(logistic_loss, wrt=(0, 1))(
        w, b, X, t)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        Xd, td = da.from_array(X, chunks=1000), da.from_array(t, chunks=1000)
        value, (gw, gb) = adjoint.value_and_grad(logistic_loss, wrt=(0, 1))(w, b, Xd, td)
        assert all(dask.is_dask_collection(v) for v in (value, gw, gb))  # lazy
        value, gw, gb = dask.compute(value, gw, gb)  # one graph, on the workers
        assert len(client.scheduler_info()["workers"]) == 2
    np.testing.assert_allclose(value, want_value, rtol=1e-12)
    np.testing.assert_allclose(gw, want_w, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(gb, want_b, rtol=1e-10, atol=1e-14)
