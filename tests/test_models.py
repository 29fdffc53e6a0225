"""Whole small models, each checked against finite differences in reverse mode,
forward mode and (where twice differentiable) as Hessian-vector products."""
import numpy as np
import pytest

import adjoint
import golden_cases as gc
import model_cases as mc
from conftest import assert_grad_matches, numerical_grad

R = np.random.default_rng(21)

# (function, arguments, wrt); every case is twice differentiable at these arguments
CASES = [
    (mc.attention, [R.normal(size=(3, 4)), R.normal(size=(5, 4)), R.normal(size=(5, 2))],
     (0, 1, 2)),
    (mc.conv1d, [R.normal(size=8), R.normal(size=3)], (0, 1)),
    (mc.kmeans_energy, [R.normal(size=(6, 2)), R.normal(size=(3, 2))], (1,)),
    (mc.layernorm, [R.normal(size=(2, 5)), R.normal(size=5), R.normal(size=5)],
     (0, 1, 2)),
    (mc.huber, [R.normal(size=6), 0.7], (0, 1)),
    (mc.euler_ode, [R.normal(size=3), 0.5, 5], (0, 1)),
    (mc.piecewise, [R.normal(size=6) * 2], (0,)),
    (mc.horner, [R.normal(size=4), R.normal(size=3)], (0, 1)),
    (mc.cumulative_stats, [R.normal(size=5)], (0,)),
    (mc.fancy_indexing, [R.normal(size=(4, 3)), np.array([0, 2, 2])], (0,)),
    (mc.fixed_point, [0.8], (0,)),
    (mc.augmented_slices, [R.normal(size=5)], (0,)),
    (mc.outer_broadcast, [R.normal(size=4), R.normal(size=3)], (0, 1)),
    (mc.strided_products, [R.normal(size=6)], (0,)),
    (mc.optional_mask, [R.normal(size=4)], (0,)),
    (mc.optional_mask, [R.normal(size=4), np.array([1.0, 0.0, 2.0, 1.0])], (0,)),
    (mc.relu_mlp, [R.normal(size=(4, 3)), R.normal(size=(2, 4)), R.normal(size=3)],
     (0, 1, 2)),
    (mc.softmax_xent, [R.normal(size=(3, 4)), R.normal(size=(5, 3)),
                       np.array([0, 3, 1, 2, 1])], (0, 1)),
    (mc.solve_loss, [R.normal(size=(3, 3)), R.normal(size=3)], (0, 1)),
    (mc.einsum_loss, [R.normal(size=(2, 3)), R.normal(size=(3, 2))], (0, 1)),
    (mc.methods_mix, [R.normal(size=(2, 3))], (0,)),
    (gc.newton_sqrt, [2.0], (0,)),
    (mc.rec_array, [R.normal(size=3), 3], (0,)),
    (mc.cumulative_max_branch, [R.normal(size=6)], (0,)),
    (mc.det_logdet, [R.normal(size=(3, 3))], (0,)),
    (mc.matrix_power_loop, [R.normal(size=(3, 3))], (0,)),
    (mc.heat_equation, [R.normal(size=6), 0.2], (0, 1)),
]
IDS = [f"{fn.__name__}-{len(args)}" for fn, args, _ in CASES]


def _direction(x):
    d = R.normal(size=np.shape(x))
    return float(d) if np.ndim(x) == 0 else d


@pytest.mark.parametrize("fn,args,wrt", CASES, ids=IDS)
def test_reverse(fn, args, wrt):
    before = [np.copy(a) for a in args]
    assert_grad_matches(adjoint.grad(fn, wrt=wrt), fn, args, wrt=wrt)
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)  # nothing the caller passed is changed


@pytest.mark.parametrize("fn,args,wrt", CASES, ids=IDS)
def test_forward(fn, args, wrt):
    for i in wrt:
        d = _direction(args[i])
        value, tangent = adjoint.jvp(fn, wrt=i)(*args, d)
        assert value == pytest.approx(fn(*args))
        want = np.sum(numerical_grad(fn, args, i) * d)
        assert tangent == pytest.approx(want, rel=1e-5, abs=1e-7)


@pytest.mark.parametrize("fn,args,wrt", CASES, ids=IDS)
def test_hessian_vector_product(fn, args, wrt):
    for i in wrt:
        d = _direction(args[i])
        hv = adjoint.hessian_vector_product(fn, wrt=i)(*args, d)
        # finite differences of the gradient (checked against its own FD above) along d
        g = adjoint.grad(fn, wrt=i)
        eps = 1e-5
        hi, lo = list(args), list(args)
        hi[i], lo[i] = args[i] + eps * d, args[i] - eps * d
        want = (np.asarray(g(*hi)) - np.asarray(g(*lo))) / (2 * eps)
        np.testing.assert_allclose(hv, want, rtol=1e-5, atol=1e-6)


def test_scatter_into_adjoint_is_seen_by_the_second_derivative():
    """`x[2 * i]` may repeat an element, so the gradient adds with rt.add_at (in place);
    the version differentiated again adds functionally instead, or H·v would be 0."""
    x, v = R.normal(size=6), R.normal(size=6)
    assert "rt.add_at(" in adjoint.grad(mc.strided_products).source
    hv = adjoint.hessian_vector_product(mc.strided_products)(x, v)
    want = numerical_grad(lambda x: np.dot(numerical_grad(mc.strided_products, [x], 0), v),
                          [x], 0, eps=1e-4)
    np.testing.assert_allclose(hv, want, rtol=1e-4, atol=1e-5)
    assert np.any(hv != 0)


def _fd_dict(fn, p, x):
    out = {}
    for k, v in p.items():
        out[k] = numerical_grad(lambda w: fn({**p, k: w}, x), [v], 0)
    return out


@pytest.mark.parametrize("fn", [mc.dict_model, mc.dict_items_penalty])
def test_dict_parameters(fn):
    p = {"W": R.normal(size=(3, 2)), "b": R.normal(size=(3, 2)) if fn is mc.dict_items_penalty
         else R.normal(size=3)}
    x = R.normal(size=2)
    got = adjoint.grad(fn)(p, x)
    want = _fd_dict(fn, p, x)
    assert sorted(got) == sorted(want)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-5, atol=1e-6)
