"""adjoint.custom_gradient: user-defined vjp/jvp rules, checked against finite
differences of the functions themselves (tests/custom_cases.py)."""
import math

import numpy as np
import pytest

import adjoint
import custom_cases as cc
from adjoint.errors import NoForwardRuleError, UsageError
from conftest import load_module, numerical_grad

A = np.array([0.5, 2.0, -3.0])


def second_fd(f, x, eps=1e-4):
    """The Hessian of scalar f at vector x by central differences of f."""
    n = len(x)
    h = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            e_i, e_j = np.eye(n)[i] * eps, np.eye(n)[j] * eps
            h[i, j] = (f(x + e_i + e_j) - f(x + e_i - e_j) - f(x - e_i + e_j)
                       + f(x - e_i - e_j)) / (4 * eps ** 2)
    return h


# ---- a black box ---------------------------------------------------------------------
def root_loss(a):
    x = cc.cubic_root(a)
    return np.sum(x ** 2 * a)


def test_black_box_gradient_against_differences():
    np.testing.assert_allclose(adjoint.grad(root_loss)(A), numerical_grad(root_loss, [A], 0),
                               rtol=1e-6)


def test_generated_code_calls_the_users_vjp_by_name():
    source = adjoint.grad(root_loss).source
    assert "from custom_cases import cubic_root_vjp" in source
    assert "cubic_root_vjp(" in source.split("def droot_loss_da")[1]


def test_black_box_in_a_loop(tmp_path):
    def looped(a):
        s = 0.0
        for i in range(3):
            a = a * 0.5 + cc.cubic_root(a)
            s = s + np.sum(a)
        return s
    np.testing.assert_allclose(adjoint.grad(looped)(A), numerical_grad(looped, [A], 0),
                               rtol=1e-6)


def test_forward_mode_needs_a_jvp_for_a_black_box():
    with pytest.raises(NoForwardRuleError) as err:
        adjoint.jvp(root_loss)(A, np.ones(3))
    text = str(err.value)
    assert "cubic_root" in text and "defjvp" in text and "test_custom_gradient.py" in text


def fwd_loss(a):
    return np.sum(cc.cubic_root_fwd(a) * a)


def test_jvp_hessian_and_grad_of_grad_with_a_users_jvp():
    v = np.array([1.0, -0.5, 2.0])
    value, tangent = adjoint.jvp(fwd_loss)(A, v)
    np.testing.assert_allclose(value, fwd_loss(A))
    np.testing.assert_allclose(tangent, numerical_grad(fwd_loss, [A], 0) @ v, rtol=1e-6)
    want = second_fd(fwd_loss, A)
    # hessian: the user's jvp for cubic_root_fwd, the vjp differentiated from its source
    np.testing.assert_allclose(adjoint.hessian(fwd_loss)(A), want, rtol=1e-4, atol=1e-6)
    gg = adjoint.grad(adjoint.grad(fwd_loss))
    np.testing.assert_allclose(gg(A, grad_out2=v), want @ v, rtol=1e-4, atol=1e-6)


def test_same_named_backward_functions_of_two_modules():
    def both(a):
        return np.sum(cc.cubic_root_fwd(a) * tripled(a))
    g = adjoint.grad(both)
    assert "from custom_cases import backward\n" in g.source
    assert "from test_custom_gradient import backward as backward_2" in g.source
    np.testing.assert_allclose(g(A), numerical_grad(both, [A], 0), rtol=1e-6)


@adjoint.custom_gradient
def tripled(a):
    return np.vectorize(lambda v: 3.0 * v)(a)


@tripled.defvjp
def backward(g, ans, a):
    return 3.0 * g


# ---- a better gradient for a function adjoint can read -----------------------------
def norm_loss(x):
    return cc.norm(x) * 2.0 + np.sum(x)


def plain_norm_loss(x):
    return np.sqrt(np.sum(x * x)) * 2.0 + np.sum(x)


def test_custom_rule_replaces_the_derived_one():
    zero = np.zeros(3)  # central differences of the norm at 0 are 0 by symmetry
    with np.errstate(invalid="ignore", divide="ignore"):
        assert np.all(np.isnan(adjoint.grad(plain_norm_loss)(zero)))  # 0/0: derived
    got = adjoint.grad(norm_loss)(zero)
    np.testing.assert_allclose(got, numerical_grad(norm_loss, [zero], 0), atol=1e-9)
    np.testing.assert_allclose(adjoint.grad(norm_loss)(A), numerical_grad(norm_loss, [A], 0),
                               rtol=1e-6)


def test_without_a_jvp_forward_mode_differentiates_the_source():
    hess = adjoint.hessian(norm_loss)
    np.testing.assert_allclose(hess(A), second_fd(norm_loss, A), rtol=1e-4, atol=1e-6)
    assert "jvp_norm_dx" in hess.source  # forward mode of norm, from its source


# ---- several parameters, an option, a tuple result ---------------------------------
def two_args(a, b):
    s = 0.0
    for i in range(2):
        s = s + np.sum(cc.weighted(a, b) ** 2) + np.sum(cc.weighted(a, b, how="sum"))
    return s


def test_several_parameters_one_call_of_the_vjp_and_jvp():
    b = np.array([1.5, -0.5, 0.25])
    g = adjoint.grad(two_args, wrt=("a", "b"))
    got = g(A, b)
    for i in (0, 1):
        np.testing.assert_allclose(got[i], numerical_grad(two_args, [A, b], i), rtol=1e-6)
    body = g.source.split("def dtwo_args_da_b")[1]
    assert body.count("weighted_vjp(") == 2  # one per call site, not per parameter
    fwd = adjoint.jvp(two_args, wrt=("a", "b"))
    da, db = np.ones(3), np.array([0.5, 1.0, -1.0])
    want = numerical_grad(two_args, [A, b], 0) @ da + numerical_grad(two_args, [A, b], 1) @ db
    np.testing.assert_allclose(fwd(A, b, da, db)[1], want, rtol=1e-6)
    assert fwd.source.count("weighted_jvp(") == 2
    np.testing.assert_allclose(adjoint.hessian(two_args, wrt="a")(A, b),
                               second_fd(lambda a: two_args(a, b), A), rtol=1e-4, atol=1e-5)


def test_a_differentiated_value_given_to_a_nondiff_parameter_is_an_error():
    def bad(a):
        return np.sum(cc.weighted(a, a, how=a))
    with pytest.raises(adjoint.NoGradientRuleError, match="parameter how"):
        adjoint.grad(bad)(A)


def polar_loss(x, y):
    r, t = cc.polar(x, y)
    return r * math.sin(t) + r ** 2


def test_tuple_result():
    args = [0.8, -1.3]
    got = adjoint.grad(polar_loss, wrt=(0, 1))(*args)
    for i in (0, 1):
        np.testing.assert_allclose(got[i], numerical_grad(polar_loss, args, i), rtol=1e-6)
    value, tangent = adjoint.jvp(polar_loss, wrt=(0, 1))(*args, 1.0, 0.5)
    want = numerical_grad(polar_loss, args, 0) + 0.5 * numerical_grad(polar_loss, args, 1)
    np.testing.assert_allclose(tangent, want, rtol=1e-6)


def test_generated_module_imports_the_rules(tmp_path):
    b = np.array([1.5, -0.5, 0.25])
    g = adjoint.grad(two_args, wrt=("a", "b"))
    mod = load_module(tmp_path / "dtwo.py", g.source)
    for got, want in zip(mod.dtwo_args_da_b(A, b), g(A, b)):
        np.testing.assert_allclose(got, want)


# ---- the functional form and refusals -----------------------------------------------
def test_functional_form_returns_the_function_unchanged():
    def f(x):
        return x

    def f_vjp(g, ans, x):
        return g
    assert adjoint.custom_gradient(f, vjp=f_vjp) is f


@pytest.mark.parametrize("make, words", [
    (lambda: adjoint.custom_gradient(lambda *xs: 0.0), "takes *xs"),
    (lambda: adjoint.custom_gradient(lambda g, x: 0.0), "'g' has a name the rule"),
    (lambda: adjoint.custom_gradient(lambda x, dx: 0.0), "'x' has a name"),
    (lambda: adjoint.custom_gradient(lambda x, k=np.ones(2): x), "not a literal"),
    (lambda: adjoint.custom_gradient(lambda x: x, vjp=lambda g, ans, x: g),
     "defined with def"),
    (lambda: adjoint.custom_gradient(lambda x: x, nondiff="y"), "not parameters"),
    (lambda: adjoint.custom_gradient(lambda x: x, jvp=_a_jvp), "has a jvp but no vjp"),
    (lambda: adjoint.custom_gradient(math.erf), "@defvjp cannot be added"),
])
def test_refusals(make, words):
    with pytest.raises(UsageError) as err:
        make()
    assert words in str(err.value)


def _a_jvp(dx, ans, x):
    return dx


def partly(a, b, c):
    return np.sum(cc.affine(a, b, c) ** 2)


def test_some_parameters_differentiated_one_call_indexed():
    b, c = np.array([1.5, -0.5, 0.25]), np.array([0.1, 0.2, 0.3])
    g = adjoint.grad(partly, wrt=("a", "c"))
    got = g(A, b, c)
    for k, i in enumerate((0, 2)):
        np.testing.assert_allclose(got[k], numerical_grad(partly, [A, b, c], i), rtol=1e-6)
    body = g.source.split("def dpartly_da_c")[1]
    assert body.count("affine_vjp(") == 1 and "_affine_vjp[2]" in body
