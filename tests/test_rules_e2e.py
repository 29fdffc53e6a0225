"""NumPy functions written the natural way, compiled through `adjoint.grad`.

Each case is a small function and its inputs; the compiled gradient is compared
with central finite differences (tests/conftest.py).
"""
import math

import numpy as np
import pytest

import adjoint
from adjoint.errors import NoGradientRuleError
from conftest import assert_grad_matches, numerical_grad

try:
    import scipy.special as sp
except ImportError:  # the scipy test skips
    sp = None

R = np.random.default_rng(7)
X = R.uniform(0.3, 1.5, (3, 4)) * R.choice([-1.0, 1.0], (3, 4))
POS = R.uniform(0.5, 2.0, (3, 4))
M = R.normal(size=(3, 3)) + 3 * np.eye(3)
V = R.normal(size=3)
IDX = np.array([0, 2, 2])
MASK = X > 0


def norm_rows(x):
    return np.sum(np.linalg.norm(x, ord=2, axis=1))


def clip_method(x):
    return (x.clip(-0.5, 0.5) ** 2).sum()


def leaky(x):
    return np.sum(np.where(x > 0, x, 0.1 * x))


def gather(x):
    return np.sum(x[IDX] * 2.0)


def masked(x):
    return np.sum(x[MASK] ** 2)


def prod_method(x):
    return x.prod()


def einsum_mm(a, b):
    return np.sum(np.einsum('ij,jk->ik', a, b) ** 2)


def solve_vec(a, b):
    return np.sum(np.linalg.solve(a, b) ** 2)


def stats(x):
    return x.var(axis=0, ddof=1).sum() + np.std(x, axis=1, keepdims=True).sum() + x.max()


def reductions(x):
    return np.cumsum(x, axis=1).sum() + np.mean(np.cumprod(x, axis=0)) + np.amin(x, axis=0)[1]


def logdet(a):
    return np.linalg.slogdet(a)[1] + np.log(np.abs(np.linalg.det(a))) + np.trace(np.linalg.inv(a))


def shapes(x):
    y = np.transpose(x).reshape(2, 6)
    z = np.flip(np.roll(y, 1, axis=1), axis=0)
    w = np.expand_dims(z, 0).squeeze()
    return np.sum(np.tile(w, (2, 1)) * np.repeat(w, 2, axis=0)) + np.sum(np.sort(x, axis=1)[:, 0])


def padded(x):
    return np.sum(np.pad(x, 1) * np.broadcast_to(np.arange(5.0), (5, 5)))


def products(x, v):
    return np.sum(np.outer(v, v)) + np.inner(x[0], x[1]) + np.vdot(x, x) + \
        np.sum(np.tensordot(x, x, axes=([0], [0]))) + np.sum(np.kron(x[:2, :2], x[:1]))


def triangles(a):
    return np.sum(np.tril(a) * 2.0 + np.triu(a, 1)) + np.sum(np.diag(a)) + np.sum(np.diagonal(a))


def chol(a):
    s = a @ a.T + 3.0 * np.eye(3)
    return np.sum(np.linalg.cholesky(s))


def elementwise(x):
    y = np.arctan2(x, 2.0) + np.hypot(x, 1.0) + np.logaddexp(x, 0.5) + np.maximum(x, 0.2)
    return np.sum(y * np.exp2(x) + np.cbrt(x) + np.sinc(x) + np.fabs(x) + np.deg2rad(x))


def logs(p):
    return np.sum(np.log2(p) + np.log10(p) + np.log1p(p) + np.sqrt(p) + np.reciprocal(p) +
                  np.arccosh(p + 1.0) + np.power(p, 1.5) + np.float_power(p, 0.5))


def scalars(t):
    return math.atan2(math.sin(t), 2.0) + math.hypot(t, 1.0) + math.log(t * t, 3.0) + \
        math.erf(t) + abs(t) + max(t, 0.1) + float(t) ** 2


def average(x, w):
    return np.average(x, axis=1, weights=w).sum() + np.ptp(x)


def mnorms(x):
    return np.linalg.norm(x, 'nuc') + np.linalg.norm(x, ord=np.inf) + np.linalg.norm(x)


CASES = [
    (norm_rows, (X,), (0,)), (clip_method, (X,), (0,)), (leaky, (X,), (0,)),
    (gather, (X,), (0,)), (masked, (X,), (0,)), (prod_method, (X,), (0,)),
    (einsum_mm, (X, R.normal(size=(4, 2))), (0, 1)), (solve_vec, (M, V), (0, 1)),
    (stats, (X,), (0,)), (reductions, (X,), (0,)), (logdet, (M,), (0,)),
    (shapes, (X,), (0,)), (padded, (X[:, :3] + 0.0,), (0,)),
    (products, (X, V), (0, 1)), (triangles, (M,), (0,)), (chol, (M,), (0,)),
    (elementwise, (X,), (0,)), (logs, (POS,), (0,)), (scalars, (0.7,), (0,)),
    (average, (X, R.uniform(0.5, 2.0, 4)), (0, 1)), (mnorms, (X,), (0,)),
]


@pytest.mark.parametrize("fn, args, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_natural_numpy_compiles_and_matches(fn, args, wrt):
    gfn = adjoint.grad(fn, wrt=wrt if len(wrt) > 1 else wrt[0])
    assert_grad_matches(gfn, fn, args, wrt=wrt, rtol=1e-5, atol=1e-5)


def test_scipy_special_end_to_end():
    if sp is None:
        pytest.skip("scipy is not installed")
    assert_grad_matches(adjoint.grad(_special), _special, (X,), rtol=1e-5, atol=1e-5)


def _special(x):
    return np.sum(sp.expit(x) * sp.gammaln(x * x + 1.0)) + sp.logsumexp(x, axis=1).sum() + \
        np.sum(sp.softmax(x, axis=0) * x) + np.sum(sp.erf(x)) + np.sum(sp.xlogy(x * x, 2.0))


def test_float32_gradient_end_to_end():
    x32 = X.astype(np.float32)
    for fn in (leaky, norm_rows, stats, clip_method, gather):
        g = adjoint.grad(fn)(x32)
        assert g.dtype == np.float32, fn.__name__


def test_integer_input_gets_float_gradient():
    def f(x):
        return np.sum(np.sin(x) * x)
    g = adjoint.grad(f)(np.arange(4))
    assert g.dtype.kind == "f"
    np.testing.assert_allclose(g, np.sin(np.arange(4)) + np.arange(4) * np.cos(np.arange(4)))


def unknown(x):
    return np.sum(np.i0(x))


def test_missing_rule_names_function_file_line_and_fix():
    with pytest.raises(NoGradientRuleError) as err:
        adjoint.grad(unknown)
    text = str(err.value)
    assert "np.i0" in text and "test_rules_e2e.py" in text and "defrule" in text


def stacked(x):
    return np.sum(np.stack((x, x)) ** 2)


def test_tuple_of_arrays_is_differentiated():
    """A literal tuple argument becomes a pack: each element gets its slice of g."""
    x = np.array([0.5, -1.0, 2.0])
    assert_grad_matches(adjoint.grad(stacked), stacked, [x])


# ---- values that depend on a float argument of a creation function, and `%` -------
def time_grid(T):
    return np.sum(np.sin(np.linspace(0.0, T, 5)))


def stepped_grid(T):
    t, h = np.linspace(0.0, T, 5, retstep=True)
    return np.sum(np.sin(t)) * h


def log_grid(a):
    return np.sum(np.logspace(0.0, a, 4, base=2.0) ** 0.5)


def filled(x):
    return np.sum(np.full(3, x) ** 2) + np.sum(np.full_like(np.zeros(2), x) * x)


def offset_grid(t0, h):
    return np.sum(np.sin(np.arange(t0, t0 + 2.0, h)))


def segment_sums(w):
    return np.sum(np.bincount(np.array([0, 1, 1, 3]), weights=w) ** 2)


HIST_X = np.array([0.05, 0.42, 0.93, 0.31, 0.66, 1.7])  # the last one is out of range


def weighted_histogram(w):
    counts, edges = np.histogram(HIST_X, bins=4, range=(0.0, 1.0), weights=w * w)
    return np.sum(counts ** 2 * np.arange(1.0, 5.0)) + np.sum(edges)


def frac(x):
    q, r = divmod(x * 1.7, 0.4)
    return np.sum((x % 0.3) ** 2 * r + q)


@pytest.mark.parametrize("fn, args", [
    (time_grid, (1.2,)), (stepped_grid, (1.2,)), (log_grid, (0.7,)), (filled, (0.7,)), (offset_grid, (0.31, 0.45)),
    (segment_sums, (np.array([1.0, 2.0, -3.0, 0.5]),)), (frac, (1.3,)),
    (weighted_histogram, (np.array([1.0, 2.0, -3.0, 0.5, 0.7, 1.1]),)),
    (frac, (np.array([0.2, 0.5, 1.1]),))], ids=lambda v: getattr(v, "__name__", ""))
def test_float_arguments_of_creation_functions_and_mod(fn, args):
    """grad, jvp and HVP against finite differences (these used to give a silent 0)."""
    wrt = tuple(range(len(args)))
    assert_grad_matches(adjoint.grad(fn, wrt=wrt), fn, args, wrt=wrt)
    x, dx = args[0], np.ones(np.shape(args[0])) if np.ndim(args[0]) else 1.0
    want = np.sum(numerical_grad(fn, args, 0) * dx)
    np.testing.assert_allclose(adjoint.jvp(fn)(*args, dx)[1], want, rtol=1e-5, atol=1e-6)
    g = adjoint.grad(fn)
    fd = (g(x + 1e-5 * dx, *args[1:]) - g(x - 1e-5 * dx, *args[1:])) / 2e-5
    np.testing.assert_allclose(adjoint.hessian_vector_product(fn)(*args, dx), fd,
                               rtol=1e-4, atol=1e-5)


def trace_einsum(a):
    return np.einsum("ii", a) * np.einsum("ij,jj->", a, a)


def edge_pad(x):
    return np.sum(np.pad(x, 1, mode="edge") ** 2 * np.arange(25.0).reshape(5, 5)) \
        + np.sum(np.pad(x, ((2, 1), (1, 2)), mode="reflect") ** 3)


@pytest.mark.parametrize("fn", [trace_einsum, edge_pad])
def test_einsum_diagonal_and_pad_copy_modes(fn):
    """A repeated einsum index and np.pad's edge/reflect modes: grad and HVP vs FD."""
    x = X[:, :3]
    assert_grad_matches(adjoint.grad(fn), fn, (x,))
    g, v = adjoint.grad(fn), R.normal(size=x.shape)
    fd = (g(x + 1e-6 * v) - g(x - 1e-6 * v)) / 2e-6
    np.testing.assert_allclose(adjoint.hessian_vector_product(fn)(x, v), fd,
                               rtol=1e-5, atol=1e-5)


def test_histogram_of_differentiated_values_has_zero_gradient_but_weights_do_not():
    """The counts move between bins only at edges (a derivative of zero), while the
    weighted counts are linear in the weights; density=True with differentiated
    weights is refused when the gradient runs, naming the user's line."""
    def counts_only(x):
        return np.sum(np.histogram(x, bins=3, weights=np.ones(6))[0] * x[0]) + np.sum(x)
    x = HIST_X.copy()
    assert_grad_matches(adjoint.grad(counts_only), counts_only, (x,))

    def normalised(w):
        return np.sum(np.histogram(HIST_X, bins=3, density=True, weights=w)[0] ** 2)
    with pytest.raises(NotImplementedError, match="density=False") as info:
        adjoint.grad(normalised)(np.ones(6))
    assert "test_rules_e2e.py" in "".join(getattr(info.value, "__notes__", []))


def test_pad_mode_without_a_gradient_is_a_clear_error():
    def f(x):
        return np.sum(np.pad(x, 1, mode="linear_ramp") ** 2)
    with pytest.raises(NoGradientRuleError, match="linear_ramp") as info:
        adjoint.grad(f)(V)
    assert "np.concatenate" in str(info.value)


def test_unique_of_differentiated_values_is_refused_and_of_constants_allowed():
    """np.unique's values are a gather of its input (ties make it non-differentiable):
    there is no rule, so differentiated values reaching it are an error rather than a
    silent zero; labels that are not differentiated pass through as constants."""
    def spread(x):
        return np.sum(np.unique(x) ** 2)
    with pytest.raises(NoGradientRuleError, match="np.unique"):
        adjoint.grad(spread)(V)

    def per_label(x):
        labels = np.array([0, 2, 2, 1])
        return np.sum(x[np.unique(labels)] ** 2)
    assert_grad_matches(adjoint.grad(per_label), per_label, (R.normal(size=4),))


def _int_parts(x):
    return np.sum(x.astype(int) * x) + np.sum(np.asarray(x * 2, dtype=np.int64) ** 2)


def _bool_mask(x):
    return np.sum(x.astype(bool) * x ** 2)


@pytest.mark.parametrize("fn", [_int_parts, _bool_mask])
def test_casts_to_integer_or_bool_types_are_piecewise_constant(fn):
    """x.astype(int) and np.asarray(x, dtype=np.int64) contribute a zero gradient
    (they used to pass the gradient straight through); jvp and HVP agree."""
    x = np.array([0.3, 1.4, 2.6, -1.2])
    assert_grad_matches(adjoint.grad(fn), fn, (x,))
    d = R.normal(size=4)
    want = np.sum(numerical_grad(fn, [x], 0) * d)
    np.testing.assert_allclose(adjoint.jvp(fn)(x, d)[1], want, rtol=1e-6)
    g = adjoint.grad(fn)
    fd = (g(x + 1e-6 * d) - g(x - 1e-6 * d)) / 2e-6
    np.testing.assert_allclose(adjoint.hessian_vector_product(fn)(x, d), fd, atol=1e-6)


def many_way_extremes(x):
    return max(x[0] * 2.0, x[1], x[2] ** 2, 0.1) + min(x[0], x[1], x[2])


def test_builtin_max_and_min_of_several_values_and_of_a_list():
    """max(a, b, c, ...) nests the two-value rule; max(list) is refused with the
    NumPy spelling that works."""
    x = np.array([0.3, 0.7, 1.1])
    assert_grad_matches(adjoint.grad(many_way_extremes), many_way_extremes, (x,))

    def of_list(x):
        return max([x[0], x[1]])
    with pytest.raises(NoGradientRuleError, match="max of one iterable") as info:
        adjoint.grad(of_list)(x)
    assert "np.max(xs)" in str(info.value)
