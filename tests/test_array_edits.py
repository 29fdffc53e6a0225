"""np.delete, np.insert, np.convolve/np.correlate and the scatter-add np.add.at through
whole functions: gradients, tangents and second derivatives against finite
differences. (Each rule is also checked on its own by tests/test_rules.py.)
"""
import numpy as np
import pytest

import adjoint
from adjoint.errors import UnsupportedSyntaxError
from conftest import numerical_grad


def _hessian_fd(f, x, eps=1e-5):
    g = adjoint.grad(f)
    cols = []
    for j in np.ndindex(x.shape):
        hi, lo = x.copy(), x.copy()
        hi[j] += eps
        lo[j] -= eps
        cols.append(((g(hi) - g(lo)) / (2 * eps)).ravel())
    return np.array(cols).T.reshape(x.shape + x.shape)


def _tangent_fd(f, args, tangents, eps=1e-6):
    hi = [a + eps * t for a, t in zip(args, tangents)]
    lo = [a - eps * t for a, t in zip(args, tangents)]
    return (f(*hi) - f(*lo)) / (2 * eps)


# ---- np.delete: the determinant by minors (shared/repros/11) ----------------------------
def det_by_minor(A):
    n = A.shape[0]
    if n == 1:
        return A[0, 0]
    det = 0.0
    sign = 1.0
    for j in range(n):
        det = det + sign * A[0, j] * det_by_minor(np.delete(A[1:], j, axis=1))
        sign = -sign
    return det


A3 = np.array([[2.0, 1.0, 0.5], [0.3, 3.0, 1.0], [1.0, 0.2, 4.0]])


def test_determinant_by_minors_matches_cofactors_and_finite_differences():
    got = adjoint.grad(det_by_minor)(A3)
    cofactors = np.linalg.det(A3) * np.linalg.inv(A3).T
    np.testing.assert_allclose(got, cofactors, rtol=1e-12)
    np.testing.assert_allclose(got, numerical_grad(det_by_minor, (A3,), 0), rtol=1e-7)
    np.testing.assert_allclose(adjoint.hessian(det_by_minor)(A3), _hessian_fd(det_by_minor, A3),
                               atol=1e-6)


def deleted(x):
    a = np.delete(x, [0, 3], axis=1)
    b = np.delete(x, slice(0, None, 2))  # flattened
    c = np.delete(x, np.array([True, False, True]), axis=0)
    return np.sum(np.sin(a) * a) + np.sum(b ** 3) + np.sum(np.exp(c)) + np.sum(np.delete(x, -1))


def test_delete_with_int_slice_list_and_mask():
    x = np.random.default_rng(0).normal(size=(3, 4))
    np.testing.assert_allclose(adjoint.grad(deleted)(x), numerical_grad(deleted, (x,), 0),
                               rtol=1e-6, atol=1e-8)
    d = np.random.default_rng(1).normal(size=(3, 4))
    assert adjoint.jvp(deleted)(x, d)[1] == pytest.approx(_tangent_fd(deleted, [x], [d]))


# ---- np.insert ------------------------------------------------------------------------------
def inserted(x, v):
    a = np.insert(x, [1, 2, 2], v[:3], axis=1)  # three columns, two at the same place
    b = np.insert(x, 1, v[3])  # flattened; one value
    return np.sum(a ** 3 * np.arange(1.0, 8.0)) + np.sum(np.cos(b))


def test_insert_in_the_array_and_the_values():
    r = np.random.default_rng(2)
    x, v = r.normal(size=(2, 4)), r.normal(size=4)
    gx, gv = adjoint.grad(inserted, wrt=(0, 1))(x, v)
    np.testing.assert_allclose(gx, numerical_grad(inserted, (x, v), 0), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gv, numerical_grad(inserted, (x, v), 1), rtol=1e-6, atol=1e-8)
    dx, dv = r.normal(size=x.shape), r.normal(size=v.shape)
    got = adjoint.jvp(inserted, wrt=(0, 1))(x, v, dx, dv)[1]
    assert got == pytest.approx(_tangent_fd(inserted, [x, v], [dx, dv]))


# ---- np.convolve, np.correlate ---------------------------------------------------------------
KERNEL = np.array([0.25, 0.5, 0.25, -0.1])


def smoothed(x):
    y = np.convolve(x, KERNEL, mode="same")
    z = np.correlate(np.tanh(y), x[:4], mode="valid")
    return np.sum(y ** 2) + np.sum(z * z) + np.sum(np.convolve(x[:3], y))


def test_convolve_and_correlate_to_second_order():
    x = np.random.default_rng(3).normal(size=7)
    np.testing.assert_allclose(adjoint.grad(smoothed)(x), numerical_grad(smoothed, (x,), 0),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(adjoint.hessian(smoothed)(x), _hessian_fd(smoothed, x),
                               rtol=1e-5, atol=1e-6)


# ---- np.add.at: the scatter-add, an item write whose index may repeat ------------------------
SRC = np.array([0, 1, 2, 3, 3, 1])
DST = np.array([1, 2, 0, 1, 1, 3])  # node 1 receives three messages


def message_passing(h, W):
    out = np.zeros_like(h)
    np.add.at(out, DST, np.tanh(h[SRC] @ W))
    out = out + h
    np.add.at(out, (DST, 0), h[SRC, 1])  # integer arrays among ints: also repeating
    return np.sum(out ** 2)


H = np.random.default_rng(4).normal(size=(4, 3))
WM = np.random.default_rng(5).normal(size=(3, 3))


def messages_of(h):
    return message_passing(h, WM)


def test_scatter_add_of_messages_matches_finite_differences():
    gh, gW = adjoint.grad(message_passing, wrt=(0, 1))(H, WM)
    np.testing.assert_allclose(gh, numerical_grad(message_passing, (H, WM), 0), rtol=1e-6)
    np.testing.assert_allclose(gW, numerical_grad(message_passing, (H, WM), 1), rtol=1e-6)
    dh = np.random.default_rng(6).normal(size=H.shape)
    keep = dh.copy()
    got = adjoint.jvp(message_passing)(H, WM, dh)[1]
    np.testing.assert_array_equal(dh, keep)  # the tangent given is not written into
    assert got == pytest.approx(_tangent_fd(messages_of, [H], [dh]))
    np.testing.assert_allclose(adjoint.hessian(message_passing)(H, WM),
                               _hessian_fd(messages_of, H), atol=1e-5)


BINS = np.array([0, 2, 2, 4, 2, 0])


def weighted_counts(w, counts):
    np.add.at(counts, BINS, w * w)  # writes into a parameter
    for k in range(2):
        np.add.at(counts, BINS[k:], w[k:] * counts[0])  # in a loop, reading what it adds
    return np.sum(counts ** 2)


def test_scatter_add_into_a_parameter_in_a_loop():
    w, counts = np.linspace(-1.0, 1.0, 6), np.arange(5.0)
    before = counts.copy()
    gw, gc = adjoint.grad(weighted_counts, wrt=(0, 1))(w, counts)
    np.testing.assert_array_equal(counts, before)  # the caller's array is unchanged
    def fresh(w, counts):  # (the function writes into counts)
        return weighted_counts(w, counts.copy())
    np.testing.assert_allclose(gw, numerical_grad(fresh, (w, counts), 0), rtol=1e-6)
    np.testing.assert_allclose(gc, numerical_grad(fresh, (w, counts), 1), rtol=1e-6)


def list_index(x):
    y = np.zeros(3)
    np.add.at(y, [0, 0], x[:2])
    return np.sum(y ** 2)


def test_scatter_add_at_a_repeated_list_index():
    x = np.array([0.5, -1.5, 2.0])
    np.testing.assert_allclose(adjoint.grad(list_index)(x), [-2.0, -2.0, 0.0])
    assert adjoint.jvp(list_index)(x, np.array([1.0, 0.0, 0.0]))[1] == pytest.approx(-2.0)


def product_at(x):
    y = x * 1.0
    np.multiply.at(y, [0, 0], 2.0)
    return np.sum(y)


def test_other_ufunc_at_is_refused_pointing_at_add_at():
    with pytest.raises(UnsupportedSyntaxError) as info:
        adjoint.grad(product_at)
    assert "np.add.at is differentiated" in str(info.value)


def test_a_repeated_index_among_ints_keeps_the_last_write():
    def written(x, v):
        a = x * 1.0
        a[np.array([0, 2, 0]), 1] = v  # a[0, 1] keeps v[2]
        return np.sum(a ** 2 * np.arange(1.0, 7.0).reshape(3, 2))
    x, v = np.arange(6.0).reshape(3, 2) / 5, np.array([0.3, -0.2, 0.7])
    np.testing.assert_allclose(adjoint.grad(written, wrt=1)(x, v),
                               numerical_grad(written, (x, v), 1), atol=1e-8)


def test_scatter_add_keeps_float32():
    h32, w32 = H.astype(np.float32), WM.astype(np.float32)
    gh = adjoint.grad(message_passing)(h32, w32)
    assert gh.dtype == np.float32
    np.testing.assert_allclose(gh, numerical_grad(message_passing, (H, WM), 0), rtol=2e-3,
                               atol=2e-3)
