"""float32 in, float32 out: gradients, Hessians, Jacobians (both modes) and tangents keep
the dtype of what was differentiated (of the tangent given, for jvp), also where a
float64 constant or a rule's helper met the values; each checked against float64
finite differences at a float32 tolerance."""
import numpy as np
import pytest

import adjoint
from conftest import numerical_grad

F64_WEIGHTS = np.array([0.5, -1.0, 2.0])


def mixed(x):  # a float64 constant meets the float32 input
    return np.sum(np.tanh(x) * F64_WEIGHTS) + np.sum(x ** 3)


def cholesky_logdet(x):  # rt.phi made a float64 identity matrix
    a = np.outer(x, x) + 2.0 * np.eye(3, dtype=x.dtype)
    return 2.0 * np.sum(np.log(np.diagonal(np.linalg.cholesky(a))))


def traced(x):  # rt.trace_grad spread with float64 ones
    return np.trace(np.outer(x, x) * 0.5) + np.max(x * x)


def powered(x):  # the partial in the exponent: rt.log_or_zero
    return np.sum(np.power(1.5, x) + x ** x)


def spectral(x):
    w = np.linalg.eigvalsh(np.outer(x, x) + np.diag(x))
    return np.sum(w ** 2) + np.sum(np.linalg.svd(np.outer(x, x + 1.0) + np.diag(x))[1])


FUNCTIONS = [mixed, cholesky_logdet, traced, powered, spectral]
X = np.array([0.7, 1.3, 0.9])


def _fd_hessian(f, x, eps=1e-5):
    g = adjoint.grad(f)
    cols = [(g(x + eps * e) - g(x - eps * e)) / (2 * eps) for e in np.eye(len(x))]
    return np.array(cols).T


@pytest.mark.parametrize("f", FUNCTIONS)
def test_gradient_and_hessian_of_float32_are_float32(f):
    x32 = X.astype(np.float32)
    g = adjoint.grad(f)(x32)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, numerical_grad(f, (X,), 0), rtol=1e-3, atol=1e-3)
    h = adjoint.hessian(f)(x32)
    assert h.dtype == np.float32 and h.shape == (3, 3)
    np.testing.assert_allclose(h, _fd_hessian(f, X), rtol=2e-3, atol=2e-3)


def vector_out(x):
    return np.tanh(x) * F64_WEIGHTS + np.linalg.eigvalsh(np.outer(x, x) + np.eye(3))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_of_float32_is_float32(mode):
    x32 = X.astype(np.float32)
    jac = adjoint.jacobian(vector_out, mode=mode)(x32)
    assert jac.dtype == np.float32 and jac.shape == (3, 3)
    eps = 1e-6
    want = np.array([(vector_out(X + eps * e) - vector_out(X - eps * e)) / (2 * eps)
                     for e in np.eye(3)]).T
    np.testing.assert_allclose(jac, want, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("x_dtype", [np.float32, np.float64])
def test_jvp_keeps_the_tangents_dtype(x_dtype):
    x = X.astype(x_dtype)
    d = np.array([1.0, -0.5, 0.25], dtype=np.float32)
    value, tangent = adjoint.jvp(mixed)(x, d)
    assert np.asarray(tangent).dtype == np.float32
    eps = 1e-6
    want = (mixed(X + eps * d) - mixed(X - eps * d)) / (2 * eps)
    assert float(tangent) == pytest.approx(want, rel=1e-4)
    _, t64 = adjoint.jvp(mixed)(x, d.astype(np.float64))
    assert np.asarray(t64).dtype == np.float64
    _, pair = adjoint.jvp(lambda_pair)(x, d)
    assert [np.asarray(t).dtype for t in pair] == [np.float32, np.float32]


def lambda_pair(x):
    return np.sin(x) * F64_WEIGHTS, np.sum(x)
