"""Regression tests for issue #15: bugs fixed as classes. Every gradient is checked
against central finite differences."""
import numpy as np
import pytest

import adjoint
import regression_cases as rc
from conftest import assert_grad_matches, numerical_grad

R = np.random.default_rng(15)

CASES = [
    (rc.builtin_sum_of_arrays, [np.array([0.1, 0.2, 0.3])], (0,)),
    (rc.builtin_sum_item, [np.array([0.1, 0.2, 0.3])], (0,)),
    (rc.builtin_sum_of_numbers, [0.7, -1.3], (0, 1)),
    (rc.reduction_keepdims, [R.normal(size=(2, 3)), 0.5], (0, 1)),
    (rc.calls_helper_rebinding, [np.array([[0.2, -0.4, 0.7], [-0.5, 0.1, 0.6]])], (0,)),
]


@pytest.mark.parametrize("fn,args,wrt", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_gradient(fn, args, wrt):
    assert_grad_matches(adjoint.grad(fn, wrt=wrt), fn, args, wrt=wrt)


def test_builtin_sum_of_numbers_keeps_the_numbers_version():
    """A sum of a list of numbers is still proven a number: no rt.unbroadcast."""
    src = adjoint.grad(rc.builtin_sum_of_numbers, wrt=(0, 1)).source
    first = src.split("\ndef ")[1]
    assert "rt.unbroadcast" not in first and "NUMBERS" in first


ZERO_CASES = [
    (rc.zero_reaches_sum_axis, [R.normal(size=(2, 3)), -1.0], (0,)),
    (rc.zero_reaches_sum_axis, [R.normal(size=(2, 3)), 1.0], (0,)),
    (rc.zero_reaches_outer, [R.normal(size=3), -1.0], (0,)),
    (rc.zero_times_vector_then_item, [R.normal(size=(2, 3)), R.normal(size=3)], (0, 1)),
    (rc.zero_shaped_before_branch, [R.normal(size=(2, 3)), 1.0], (0,)),
    (rc.zero_shaped_before_branch, [R.normal(size=(2, 3)), -1.0], (0,)),
    (rc.zero_filled_each_pass, [R.normal(size=(2, 3)), 3], (0,)),
    (rc.zero_into_helper_result, [np.array([1.0, 2.0])], (0,)),
]


@pytest.mark.parametrize("fn,args,wrt", ZERO_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_zero_adjoint_has_its_value_shape(fn, args, wrt):
    assert_grad_matches(adjoint.grad(fn, wrt=wrt), fn, args, wrt=wrt)


@pytest.mark.parametrize("fn,args,wrt", ZERO_CASES[:4], ids=lambda v: getattr(v, "__name__", ""))
def test_zero_adjoint_unoptimized(fn, args, wrt):
    assert_grad_matches(adjoint.grad(fn, wrt=wrt, optimize=False), fn, args, wrt=wrt)


@pytest.mark.parametrize("fn,args,wrt", ZERO_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_zero_adjoint_second_order(fn, args, wrt):
    """Forward over reverse: the Hessian-vector product against differences of the
    gradient (the first-order gradient is checked above)."""
    v = R.normal(size=np.shape(args[0]))
    hv = adjoint.hessian_vector_product(fn)(*args, v)
    g = adjoint.grad(fn)
    want = numerical_grad(lambda x: np.sum(g(x, *args[1:]) * v), [args[0]], 0)
    np.testing.assert_allclose(hv, want, rtol=1e-5, atol=1e-6)
