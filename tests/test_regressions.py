"""Regression tests for issue #15: bugs fixed as classes. Every gradient is checked
against central finite differences."""
import numpy as np
import pytest

import adjoint
import regression_cases as rc
from conftest import assert_grad_matches

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
