"""The same gradients on a GPU through CuPy: run when CuPy and a GPU are present,
skipped otherwise (the Strict array type of test_array_types.py keeps the CuPy path
honest on machines without one)."""
import numpy as np
import pytest

import adjoint
import test_models as tm
from benchmarks.workloads import WORKLOADS


def _cupy():
    cupy = pytest.importorskip("cupy", reason="CuPy is not installed (the `gpu` extra)")
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            pytest.skip("no GPU")
    except Exception as e:  # (no driver)
        pytest.skip(f"no usable GPU: {e}")
    return cupy


def _to_gpu(cupy, value):
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return cupy.asarray(value)
    return value


def _check(cupy, fn, args, wrt):
    want = adjoint.grad(fn, wrt=wrt)(*args)
    gpu_args = [_to_gpu(cupy, a) for a in args]
    try:
        fn(*gpu_args)
    except Exception as e:
        pytest.skip(f"CuPy cannot run {fn.__name__} itself: {e}")
    got = adjoint.grad(fn, wrt=wrt)(*gpu_args)
    for g, w, i in zip(got, want, wrt):
        if isinstance(args[i], np.ndarray):
            assert isinstance(g, cupy.ndarray), f"d/d{i}: a {type(g).__name__}"
        np.testing.assert_allclose(cupy.asnumpy(g) if isinstance(g, cupy.ndarray) else g,
                                   w, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("index", range(len(tm.CASES)), ids=tm.IDS)
def test_models_on_the_gpu(index):
    fn, args, wrt = tm.CASES[index]
    _check(_cupy(), fn, args, tuple(wrt))


@pytest.mark.parametrize("workload", WORKLOADS, ids=[w.name for w in WORKLOADS])
def test_benchmark_workloads_on_the_gpu(workload):
    _check(_cupy(), workload.fn, workload.make_inputs(), tuple(workload.wrt))
