"""vmap: batched functions against a Python loop over the batch, and the batched
derivatives also against central finite differences.
"""
import math

import numpy as np
import pytest

import adjoint
from adjoint.errors import NotBatchableError, UsageError
from conftest import numerical_grad

R = np.random.default_rng(3)


def loop(fn, args, in_axes, **kwargs):
    """The reference: fn once per example, the results stacked."""
    axes = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
    n = next(np.shape(a)[ax] for a, ax in zip(args, axes) if ax is not None)
    outs = [fn(*[a if ax is None else np.take(a, k, axis=ax) for a, ax in zip(args, axes)],
               **kwargs) for k in range(n)]
    if isinstance(outs[0], tuple):
        return tuple(np.stack(p) for p in zip(*outs))
    return np.stack(outs)


def same(got, want):
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            same(g, w)
        return
    assert np.shape(got) == np.shape(want), (np.shape(got), np.shape(want))
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def check(fn, args, in_axes=0, **kwargs):
    got = adjoint.vmap(fn, in_axes=in_axes)(*args, **kwargs)
    same(got, loop(fn, args, in_axes, **kwargs))
    return got


# ---- elementwise, reductions, products, indexing ---------------------------------------
def mixed_ranks(x, c, W):
    y = x * c + np.sin(c) * W @ x
    return np.sum(y ** 2) + y[0] * c - np.max(x)


def test_values_of_different_ranks_line_up_per_example():
    x, c, W = R.normal(size=(5, 3)), R.normal(size=5), R.normal(size=(3, 3))
    check(mixed_ranks, (x, c, W), (0, 0, None))
    check(mixed_ranks, (x, c, R.normal(size=(5, 3, 3))), 0)
    check(mixed_ranks, (x[0], c, W), (None, 0, None))


def reductions(x):
    a = np.sum(x, axis=0) + x.mean(axis=-1, keepdims=True).T[0]
    return np.cumsum(x) @ np.ones(x.size) + np.max(x) * a + np.argmax(x, axis=1)


def test_axes_count_the_dimensions_of_one_example():
    check(reductions, (R.normal(size=(4, 3, 3)),))


def products(A, B, v):
    return np.einsum("ij,jk->ik", A, B) @ v + np.dot(v, v) * (A @ B @ v) + \
        np.tensordot(A, B, axes=1).T @ v + np.inner(A, v)


def test_products_with_batched_and_unbatched_operands():
    A, B, v = R.normal(size=(4, 3, 3)), R.normal(size=(4, 3, 3)), R.normal(size=(4, 3))
    for axes in [(0, 0, 0), (0, None, 0), (None, 0, 0), (None, None, 0), (0, 0, None)]:
        args = [a if ax == 0 else a[0] for a, ax in zip((A, B, v), axes)]
        check(products, args, axes)


def indexing(x, i, M):
    y = x[1:] * 2.0
    y[0] = x[i]
    z = M[i] + M[:, i] + x[np.array([0, 2])].sum()
    return y.sum() + z


def test_indexing_and_writes_with_batched_arrays_and_positions():
    x, M = R.normal(size=(6, 4)), R.normal(size=(4, 4))
    i = np.array([0, 3, 1, 2, 2, 1])
    check(indexing, (x, 1, M), (0, None, None))
    check(indexing, (x, i, M), (0, 0, None))
    check(indexing, (x[0], i, M), (None, 0, None))


def gathers(x, idx):
    return x[idx] + x[:, 0][idx]


def test_a_batched_index_with_slices_picks_per_example():
    x = R.normal(size=(5, 4, 3))
    idx = np.array([0, 3, 1, 1, 2])
    check(gathers, (x, idx), (0, 0))
    check(gathers, (x[0], idx), (None, 0))


def shapes(x):
    y = np.reshape(x, (2, 3)).T
    z = np.concatenate([y, y[::-1]], axis=1)
    s = np.stack([x, x ** 2])
    return np.transpose(z) @ np.ones(3) + s[:, 0].sum() + len(x) + x.shape[0]


def test_shape_functions_get_the_batch_axis():
    check(shapes, (R.normal(size=(7, 6)),))


def uses_math(x, k):
    return math.sin(x) * math.exp(-k * x) + abs(x) + max(x, k) + float(x) ** 2


def test_math_functions_of_numbers_become_numpy_functions():
    check(uses_math, (R.normal(size=8), R.normal(size=8)))
    check(uses_math, (R.normal(size=8), 0.3), (0, None))


# ---- control flow ------------------------------------------------------------------------
def piecewise(x, a):
    if x > a:
        y = np.sqrt(x - a)
        z = y * 2.0
    else:
        z = -x
    return z * 3.0 if x < 2.0 else z


def test_if_on_a_batched_value_is_np_where():
    x = np.array([-1.0, 0.5, 1.5, 3.0, 4.0])
    f = adjoint.vmap(piecewise, in_axes=(0, None))
    with np.errstate(invalid="ignore"):
        same(f(x, 0.2), loop(piecewise, (x, 0.2), (0, None)))
    code = [ln.strip() for ln in f.source.split("def ")[1].splitlines()]
    assert "np.where(" in f.source and not any(ln.startswith("if ") for ln in code)


def early_return(x):
    if x < 0.0:
        return -x
    for i in range(3):
        x = x * 0.5 + 1.0
    return x


def test_early_returns_and_fixed_loops():
    check(early_return, (np.array([-2.0, 0.5, 3.0]),))


def accumulate(x, n):
    total = 0.0
    out = np.zeros(3)
    for i in range(n):
        total = total + x[i] * i
        out[i % 3] = total
    return out + total


def test_variables_that_become_batched_in_a_loop_are_lifted_before_it():
    x = R.normal(size=(4, 6))
    f = adjoint.vmap(accumulate, in_axes=(0, None))
    same(f(x, 5), loop(accumulate, (x, 5), (0, None)))
    assert "batched.lift_copy(total" in f.source


def prints(x):
    if x > 0.0:
        print("positive")
        y = x
    else:
        y = -x
    return y


def loops_by_data(x, n):
    s = 0.0
    for i in range(n):
        s = s + x
    return s


def test_refusals_name_the_line_and_say_what_to_do():
    with pytest.raises(NotBatchableError, match=r"test_vmap.py:\d+.*more than assign"):
        adjoint.vmap(prints)(np.array([1.0, -1.0]))
    with pytest.raises(NotBatchableError, match="number of passes differs"):
        adjoint.vmap(loops_by_data)(np.ones(2), np.array([2, 3]))
    with pytest.raises(NotBatchableError, match="numpy.convolve .no batching rule"):
        adjoint.vmap(smoothed)(R.normal(size=(2, 5)))


def smoothed(x):
    return np.convolve(x, np.array([0.25, 0.5, 0.25]), "same") * 2.0


def test_fallback_loop_calls_a_function_without_rule_once_per_example():
    x = R.normal(size=(3, 5))
    f = adjoint.vmap(smoothed, fallback="loop")
    same(f(x), loop(smoothed, (x,), 0))
    assert "batched.loop(np.convolve, x" in f.source


def eigen(a):
    return np.linalg.eigvalsh(a + a.T)


def test_stacks_of_matrices_for_the_decompositions():
    check(eigen, (R.normal(size=(3, 4, 4)),))


# ---- the user's functions ------------------------------------------------------------------
def helper(u, s):
    return np.tanh(u) * s


def calls_helpers(x, w):
    def scaled(v):
        return v * w
    return np.sum(helper(x, 2.0) + helper(w, 0.5) + scaled(x))


def test_helpers_and_nested_defs_are_batched_too():
    x, w = R.normal(size=(4, 3)), R.normal(size=3)
    check(calls_helpers, (x, w), (0, None))
    check(calls_helpers, (x, x), 0)


# ---- axes and errors of use -------------------------------------------------------------------
def test_in_axes_and_out_axes():
    x = R.normal(size=(3, 5))
    f = adjoint.vmap(lambda_free_sin, in_axes=1, out_axes=1)
    same(f(x), np.sin(x) * 2.0)
    g = adjoint.vmap(pair, in_axes=(0, None), out_axes=(0, None))
    a, b = g(x, 1.5)
    same(a, x + 1.5)
    assert b == 3.0


def lambda_free_sin(x):
    return np.sin(x) * 2.0


def pair(x, c):
    return x + c, c * 2.0


def test_usage_errors():
    f = adjoint.vmap(lambda_free_sin)
    with pytest.raises(UsageError, match="first called"):
        f.source
    with pytest.raises(UsageError, match="different batch|batch size"):
        adjoint.vmap(pair)(np.ones(3), np.ones(4))
    with pytest.raises(UsageError, match="in_axes has 1 entries"):
        adjoint.vmap(pair, in_axes=(0,))(np.ones(3), 1.0)
    with pytest.raises(UsageError, match="fallback"):
        adjoint.vmap(pair, fallback="python")


# ---- compositions with derivatives -------------------------------------------------------
def per_example_loss(w, b, x, y):
    return (np.tanh(w @ x + b) - y) ** 2


def test_per_example_gradients_against_finite_differences():
    w, b = R.normal(size=3), 0.2
    X, Y = R.normal(size=(6, 3)), R.normal(size=6)
    g = adjoint.grad(per_example_loss, wrt=(0, 1))
    gw, gb = adjoint.vmap(g, in_axes=(None, None, 0, 0))(w, b, X, Y)
    for k in range(6):
        np.testing.assert_allclose(gw[k], numerical_grad(per_example_loss,
                                                         (w, b, X[k], Y[k]), 0), rtol=1e-6)
        np.testing.assert_allclose(gb[k], numerical_grad(per_example_loss,
                                                         (w, b, X[k], Y[k]), 1), rtol=1e-6)


def reprojection(cam, X):
    r = cam[0:3]
    theta = np.sqrt(np.sum(r * r))
    k = r / theta
    Xr = X * np.cos(theta) + np.cross(k, X) * np.sin(theta) + \
        k * np.dot(k, X) * (1 - np.cos(theta))
    p = (Xr + cam[3:6])[0:2] / (Xr[2] + cam[5])
    r2 = np.sum(p * p)
    return cam[6] * (1 + cam[7] * r2) * p


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_per_observation_jacobians_against_finite_differences(mode):
    cams = np.concatenate([R.normal(0, 0.3, (4, 3)), R.normal(0, 0.3, (4, 2)),
                           5 + R.random((4, 1)), 1 + R.random((4, 1)),
                           R.normal(0, 0.01, (4, 1))], axis=1)
    X = R.normal(size=(4, 3))
    J = adjoint.vmap(adjoint.jacobian(reprojection, mode=mode))(cams, X)
    assert J.shape == (4, 2, 8)
    for k in range(4):
        for i in range(2):
            want = numerical_grad(lambda c: reprojection(c, X[k])[i], (cams[k],), 0)
            np.testing.assert_allclose(J[k, i], want, rtol=1e-5, atol=1e-8)


def test_forward_mode_jacobian_batches_its_basis_directions():
    x = R.normal(size=8)
    J = adjoint.jacobian(reprojection, mode="forward")(x, R.normal(size=3))
    assert J.shape == (2, 8)


def smooth(x, a):
    return np.sum(np.sin(x) * a * x ** 2)


def test_hessians_and_hessian_vector_products_per_example():
    X, a = R.normal(size=(3, 4)), 0.7
    H = adjoint.vmap(adjoint.hessian(smooth), in_axes=(0, None))(X, a)
    g = adjoint.grad(smooth)
    for k in range(3):
        want = np.stack([numerical_grad(lambda x: g(x, a)[j], (X[k],), 0)
                         for j in range(4)])
        np.testing.assert_allclose(H[k], want, rtol=1e-5, atol=1e-8)
    V = R.normal(size=(3, 4))
    hv = adjoint.vmap(adjoint.hessian_vector_product(smooth), in_axes=(0, None, 0))(X, a, V)
    np.testing.assert_allclose(hv, np.einsum("kij,kj->ki", H, V), rtol=1e-8)


def test_jvp_of_a_batch():
    X, D = R.normal(size=(3, 4)), R.normal(size=(3, 4))
    f = adjoint.jvp(smooth)
    got = adjoint.vmap(f, in_axes=(0, None, 0))(X, 0.7, D)
    same(got, loop(lambda x, d: f(x, 0.7, d), (X, D), 0))


def test_vmap_of_a_vmap_batches_both_axes_at_once():
    x, y = R.normal(size=(3, 4, 2)), R.normal(size=(4, 2))
    inner = adjoint.vmap(per_pair, in_axes=(0, 0))        # over the 4 rows
    outer = adjoint.vmap(inner, in_axes=(0, None))        # over the 3 blocks
    want = np.stack([np.stack([per_pair(x[i, j], y[j]) for j in range(4)])
                     for i in range(3)])
    same(outer(x, y), want)
    swapped = adjoint.vmap(adjoint.vmap(per_pair, in_axes=(1, None), out_axes=1),
                           in_axes=(None, 0))
    got = swapped(x[0].T, y)          # inner over x's columns, outer over y's rows
    same(got, np.stack([np.stack([per_pair(x[0, j], y[i]) for j in range(4)], 1)
                        for i in range(4)]))


def per_pair(a, b):
    return np.array([np.dot(a, b), np.sum(a * a)]) + b


def test_bundle_adjustment_jacobians_of_the_benchmark():
    """The benchmark's per-observation reprojection error (helpers, an `if` on the
    rotation angle): vmap(jacobian) against its hand-written Jacobian, which is
    itself checked against finite differences."""
    from benchmarks import bundle
    assert bundle.check(n=5) < 1e-8
    P, F = bundle.make(20)
    for mode in ("reverse", "forward"):
        J = adjoint.vmap(adjoint.jacobian(bundle.reproj_err, mode=mode))(P, F)
        np.testing.assert_allclose(J, bundle.hand_jacobian(P, F), rtol=1e-9, atol=1e-12)
    P[3, 0:3] = 0.0  # a rotation of angle zero takes the other branch
    J = adjoint.vmap(adjoint.jacobian(bundle.reproj_err))(P[:5], F[:5])
    same(J, loop(adjoint.jacobian(bundle.reproj_err), (P[:5], F[:5]), 0))


def test_a_gradient_with_item_writes_and_batched_positions():
    x, M = R.normal(size=(6, 4)), R.normal(size=(4, 4))
    i = np.array([0, 3, 1, 2, 2, 1])
    g = adjoint.grad(indexing)
    G = np.arange(4.0)
    for axes, pos in (((0, None, None), 1), ((0, 0, None), i)):
        got = adjoint.vmap(g, in_axes=axes)(x, pos, M, grad_out=G)
        same(got, np.stack([g(x[k], pos if np.ndim(pos) == 0 else pos[k], M, grad_out=G)
                            for k in range(6)]))
    want = numerical_grad(lambda v: np.sum(indexing(v, 1, M) * G), (x[2],), 0)
    np.testing.assert_allclose(adjoint.vmap(g, in_axes=(0, None, None))(
        x, 1, M, grad_out=G)[2], want, rtol=1e-6)


def rotation(xzy):
    tx, ty, tz = xzy[0], xzy[2], xzy[1]
    Rx = np.array([[1.0, 0.0, 0.0],
                   [0.0, np.cos(tx), -np.sin(tx)],
                   [0.0, np.sin(tx), np.cos(tx)]])
    Rz = np.array([[np.cos(tz), -np.sin(tz), 0.0],
                   [np.sin(tz), np.cos(tz), 0.0],
                   [0.0, 0.0, 1.0]])
    return Rz @ Rx * ty


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_arrays_built_from_nested_lists_of_batched_numbers(mode):
    X = R.normal(size=(3, 3))
    check(rotation, (X,))
    J = adjoint.vmap(adjoint.jacobian(rotation, mode=mode))(X)
    for k in range(3):
        for i in range(3):
            for j in range(3):
                want = numerical_grad(lambda x: rotation(x)[i, j], (X[k],), 0)
                np.testing.assert_allclose(J[k, i, j], want, rtol=1e-6, atol=1e-9)


class Scaler:
    def __init__(self, k):
        self.k = k

    def apply(self, x):
        return np.sin(x) * self.k


def test_a_bound_methods_object_is_the_same_for_every_example():
    x = R.normal(size=(4, 3))
    got = adjoint.vmap(Scaler(2.5).apply)(x)
    same(got, np.sin(x) * 2.5)


def test_a_refusal_is_one_error_at_the_call():
    try:
        adjoint.vmap(prints)(np.array([1.0, -1.0]))
    except NotBatchableError as exc:
        assert exc.__traceback__.tb_next is None or "batching" not in \
            exc.__traceback__.tb_next.tb_frame.f_code.co_filename


def sum_along(x, k):
    return np.sum(x, axis=k)


def halve_until_small(x):
    while x > 1.0:
        x = x * 0.5
    return x


def test_options_and_loop_conditions_that_differ_between_examples_are_refused():
    with pytest.raises(NotBatchableError, match="axis that differs between examples"):
        adjoint.vmap(sum_along)(np.ones((2, 3, 3)), np.array([0, 1]))
    with pytest.raises(NotBatchableError, match="while loop whose condition differs"):
        adjoint.vmap(halve_until_small)(np.array([3.0, 9.0]))
    same(adjoint.vmap(sum_along, in_axes=(0, None))(np.ones((2, 3, 4)), 1),
         np.full((2, 3), 4.0))


def branchy(x, a):
    for i in range(3):
        if x > 0.5:
            x = np.sin(x) * a
        else:
            x = x + a
    return x


def test_the_gradient_of_a_branch_in_a_loop_is_refused_with_a_way_out():
    X = np.array([0.3, 0.7])
    with pytest.raises(NotBatchableError, match=r"test_vmap.py:\d+.*gradient of an `if`"):
        adjoint.vmap(adjoint.grad(branchy), in_axes=(0, None))(X, 0.9)
    check(branchy, (X, 0.9), (0, None))  # (the function itself is batched)
