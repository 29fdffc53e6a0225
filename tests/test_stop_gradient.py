"""adjoint.stop_gradient: the value passes, its adjoint and tangent are zero.

The independent answer: the same function with the stopped value replaced by a
constant argument `c` (set to the stopped expression's value at the point), whose
derivatives central differences give. Finite differences of the function itself
would see through the stop.
"""
import numpy as np

import adjoint
from adjoint import stop_gradient as sg  # an alias: matched by identity, not by name
from conftest import numerical_grad

X = np.array([0.3, -0.8, 1.1])


def target_loss(w, x):
    target = adjoint.stop_gradient(np.tanh(w * x))
    return np.sum((np.sin(w * x) - target) ** 2)


def target_loss_const(w, x, c):
    return np.sum((np.sin(w * x) - c) ** 2)


def test_reverse_mode_treats_the_stopped_value_as_a_constant():
    w = 0.7
    got = adjoint.grad(target_loss)(w, X)
    want = numerical_grad(target_loss_const, [w, X, np.tanh(w * X)], 0)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    # and it is not the gradient of the function without the stop
    assert abs(got - numerical_grad(target_loss, [w, X], 0)) > 0.05


def test_no_adjoint_code_is_emitted_for_the_stopped_value():
    source = adjoint.grad(target_loss).source
    assert "adjoint.stop_gradient(tanh_" in source      # kept in the forward sweep
    assert "btanh" not in source and "btarget" not in source  # no adjoint of it
    assert "np.cos" in source and "1.0 - " not in source      # sin's rule only


def looped(w):
    s = 0.0
    for i in range(3):
        s = s + sg(w * w) * w
    return s


def looped_const(w, c):
    s = 0.0
    for i in range(3):
        s = s + c * w
    return s


def test_in_a_loop_and_under_an_alias():
    for w in (1.5, np.array([0.5, -2.0])):
        got = adjoint.grad(looped)(w, **({} if np.ndim(w) == 0 else {"grad_out": np.ones(2)}))
        want = numerical_grad(lambda v: np.sum(looped_const(v, w * w)), [w], 0)
        np.testing.assert_allclose(got, want, rtol=1e-6)


def helper(v):
    return sg(v) * v


def through_helper(w):
    return helper(w) + w ** 3


def test_in_a_helper():
    w = 1.3
    got = adjoint.grad(through_helper)(w)
    want = numerical_grad(lambda v: w * v + v ** 3, [w], 0)
    np.testing.assert_allclose(got, want, rtol=1e-6)


def cubic(w):
    return sg(w) * w * w


def test_forward_mode_tangent_is_zero_through_the_stop():
    w, c = 1.5, 1.5
    value, tangent = adjoint.jvp(cubic)(w, 1.0)
    assert value == w ** 3
    np.testing.assert_allclose(tangent, numerical_grad(lambda v: c * v * v, [w], 0),
                               rtol=1e-6)


def second(f, x, eps=1e-4):
    return (f(x + eps) - 2 * f(x) + f(x - eps)) / eps ** 2


def test_second_order_keeps_the_stop():
    """grad(grad(f)) and the Hessian differentiate the generated gradient, whose
    forward sweep still calls stop_gradient: d/dw (2 sg(w) w) = 2 sg(w)."""
    w = 1.5
    gg = adjoint.grad(adjoint.grad(cubic))
    assert "sg(w)" in adjoint.grad(cubic).source
    want = second(lambda v: w * v * v, w)  # the stopped value held at its value
    np.testing.assert_allclose(gg(w), want, rtol=1e-5)
    np.testing.assert_allclose(adjoint.hessian(cubic)(w), want, rtol=1e-5)
    x = np.array([0.4, -1.2])
    h = adjoint.hessian(lambda v: np.sum(sg(v) * v * v))(x)
    np.testing.assert_allclose(h, np.diag(2 * x), rtol=1e-6)


def test_the_value_is_the_object_passed():
    x = np.ones(3)
    assert adjoint.stop_gradient(x) is x
