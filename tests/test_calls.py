"""Calls to the user's own functions, closures, lambdas and recursion."""
import math

import numpy as np
import pytest

import adjoint
import call_cases as cc
from conftest import assert_grad_matches, load_module, numerical_grad

R = np.random.default_rng(11)

CASES = [
    (cc.uses_module_function, [R.normal(size=3), R.normal(size=3)], (0, 1)),
    (cc.uses_imported_function, [R.normal(size=4)], (0,)),
    (cc.uses_recursion, [1.3, 1], (0,)),
    (cc.uses_recursion, [1.3, 3], (0,)),
    (cc.uses_recursion, [0.9, 6], (0,)),
    (cc.calls_in_loop_and_branch, [0.5 * R.normal(size=(3, 3)), R.normal(size=3), False],
     (0, 1)),
    (cc.calls_in_loop_and_branch, [0.5 * R.normal(size=(3, 3)), R.normal(size=3), True],
     (0, 1)),
    (cc.closure_captures_differentiated, [0.7], (0,)),
    (cc.lambda_applied_twice, [0.7], (0,)),
    (cc.nested_closure_inactive, [0.7], (0,)),
    (cc.builtins_mix, [np.array([0.5, -1.5, 2.0]), 1.2], (0, 1)),
    (cc.nested_calls_sibling, [R.normal(size=3), 0.5 * R.normal(size=(3, 3))], (0, 1)),
    (cc.nested_uses_lambda, [0.4], (0,)),
    (cc.helper_copies_then_writes, [R.normal(size=3)], (0,)),
    (cc.helper_loop_temporaries, [2.0, 0.5], (0, 1)),
    (cc.helpers_with_loops, [0.9, 0.7], (0, 1)),
    (cc.pendulum_helper, [0.8, 2.5], (0, 1)),
]


@pytest.mark.parametrize("fn,args,wrt", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_reverse_mode(fn, args, wrt):
    assert_grad_matches(adjoint.grad(fn, wrt=wrt), fn, args, wrt=wrt)


@pytest.mark.parametrize("fn,args,wrt", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_forward_mode(fn, args, wrt):
    i = wrt[0]
    direction = np.asarray(R.normal(size=np.shape(args[i])))
    direction = float(direction) if np.ndim(args[i]) == 0 else direction
    value, tangent = adjoint.jvp(fn, wrt=i)(*args, direction)
    assert value == pytest.approx(fn(*args))
    want = np.sum(numerical_grad(fn, args, i) * direction)
    assert tangent == pytest.approx(want, rel=1e-5, abs=1e-7)


def test_tuple_returning_callee_unpacked():
    v = R.normal(size=5)
    assert_grad_matches(adjoint.grad(cc.tuple_return), cc.tuple_return, [v])


def test_each_callee_generated_once_and_visible():
    src = adjoint.grad(cc.uses_recursion).source
    assert src.count("def power_fwd_dx(") == 1 and src.count("def power_bwd_dx(") == 1
    assert "power_fwd_dx(x, n)" in src or "power_fwd_dx(x, _t" in src  # recursive call
    src = adjoint.grad(cc.uses_module_function, wrt=(0, 1)).source
    assert src.count("def square_sum_fwd_dv(") == 1  # shared by both call sites


def test_recursion_cost_is_linear_in_depth():
    """Each level runs its forward once: the tape holds the recursion's values."""
    calls = []
    src = adjoint.grad(cc.uses_recursion).source
    ns = {}
    exec(compile(src.replace("def power_fwd_dx(x, n):",
                             "def power_fwd_dx(x, n):\n    calls.append(n)"), "<t>", "exec"),
         ns)
    ns["calls"] = calls
    ns["duncalled"] = None
    g = ns[adjoint.grad(cc.uses_recursion).__name__]
    g.__globals__["calls"] = calls
    g(1.1, 6)
    assert sorted(calls) == sorted(list(range(7)) + list(range(3)))


def test_closure_gradient_reaches_captured_variable():
    src = adjoint.grad(cc.closure_captures_differentiated).source
    assert "*, w)" in src  # the lifted nested def takes the captured w


def test_inputs_not_mutated():
    W, h = R.normal(size=(3, 3)), R.normal(size=3)
    before = (W.copy(), h.copy())
    adjoint.grad(cc.calls_in_loop_and_branch, wrt=(0, 1))(W, h, True)
    np.testing.assert_array_equal(W, before[0])
    np.testing.assert_array_equal(h, before[1])


def test_callee_with_star_args_is_a_clear_error(tmp_path):
    mod = load_module(tmp_path / "star_callee.py",
                      "import numpy as np\n\ndef helper(*xs):\n    return sum(xs)\n\n"
                      "def f(x):\n    return helper(x, x) * 2.0\n")
    with pytest.raises(adjoint.AdjointError) as info:
        adjoint.grad(mod.f)
    assert "star_callee.py:7" in str(info.value)


def test_lambda_passed_to_a_helper_is_followed(tmp_path):
    mod = load_module(tmp_path / "lam_arg.py",
                      "def apply(fn, x):\n    return fn(x)\n\n"
                      "def f(x):\n    return apply(lambda t: t * 2.0, x)\n")
    assert adjoint.grad(mod.f)(1.5) == 2.0


def test_lambda_used_as_a_value_is_a_clear_error(tmp_path):
    mod = load_module(tmp_path / "lam_value.py",
                      "def f(x):\n    fs = [1.0, lambda t: t * 2.0]\n"
                      "    return x * fs[0]\n")
    with pytest.raises(adjoint.UnsupportedSyntaxError) as info:
        adjoint.grad(mod.f)
    assert "lam_value.py:2" in str(info.value) and "lambda" in str(info.value)


def test_hessian_vector_product_through_calls():
    x, v = R.normal(size=3), R.normal(size=3)
    hvp = adjoint.hessian_vector_product(cc.uses_imported_function)(x, v)
    g = adjoint.grad(cc.uses_imported_function)
    eps = 1e-5
    want = (g(x + eps * v) - g(x - eps * v)) / (2 * eps)
    np.testing.assert_allclose(hvp, want, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("make", [list, tuple])
def test_a_list_or_tuple_passed_to_two_helpers_gets_one_summed_gradient(make):
    p = make([np.array([0.5, -0.3]), 0.7])
    got = adjoint.grad(cc.list_to_two_helpers)(p)
    assert type(got) is make and len(got) == 2
    np.testing.assert_allclose(got[0], 2 * p[0] + np.cos(p[0]))
    np.testing.assert_allclose(got[1], 2.0)


def test_a_dict_passed_to_two_helpers_gets_one_summed_plain_dict():
    d = {"w": np.array([0.5, -0.3]), "b": 1.3}
    got = adjoint.grad(cc.dict_to_two_helpers)(d)
    assert type(got) is dict and set(got) == {"w", "b"}
    np.testing.assert_allclose(got["w"], 2 * d["w"] + np.cos(d["w"]) * d["b"])
    np.testing.assert_allclose(got["b"], np.sum(np.sin(d["w"])))


def test_a_dict_passed_to_a_helper_in_a_loop():
    p = {"w": np.array([0.5, -0.3]), "b": np.array([0.1, 0.2])}
    xs = R.normal(size=(3, 2))
    got = adjoint.grad(cc.dict_to_a_helper_in_a_loop)(p, xs)
    for key in p:
        def part(v, key=key):
            return cc.dict_to_a_helper_in_a_loop({**p, key: v}, xs)
        np.testing.assert_allclose(got[key], numerical_grad(part, [p[key]], 0), rtol=1e-6)


def test_second_derivatives_of_helpers_writing_their_own_list_or_array():
    """The helper's list (append) and array (item writes) travel on its tape; the
    backward function's restores into them are differentiated again (HVP, grad of
    grad) without being taken for writes through a view."""
    f = cc.helpers_writing_their_own_locals
    x = np.array([0.5, -0.3, 0.2])
    v = np.array([1.0, 0.4, -0.6])
    g = adjoint.grad(f)
    assert_grad_matches(g, f, [x])
    fd = (g(x + 1e-6 * v) - g(x - 1e-6 * v)) / 2e-6
    np.testing.assert_allclose(adjoint.hessian_vector_product(f)(x, v), fd, rtol=1e-5)
    np.testing.assert_allclose(adjoint.grad(g)(x, grad_out2=v), fd, rtol=1e-5)


def test_second_derivative_through_a_helper_walking_a_ragged_list():
    """A list of (array, number) pairs has no single shape: what the sweep keeps of it
    is the list itself."""
    f = cc.ragged_items_to_a_helper
    x = np.array([0.3, 0.4])
    g = adjoint.grad(f)
    assert_grad_matches(g, f, [0.9, x])
    fd = (g(0.9 + 1e-6, x) - g(0.9 - 1e-6, x)) / 2e-6
    np.testing.assert_allclose(adjoint.grad(g)(0.9, x), fd, rtol=1e-6)
    np.testing.assert_allclose(adjoint.hessian_vector_product(f)(0.9, x, 1.0), fd, rtol=1e-6)


def test_parameters_rebound_in_a_loop_and_passed_to_a_helper():
    """The gradient of a parameter whose old values the sweep kept only as shapes is
    still shaped like the parameter (the Shape left in its name is not a tuple)."""
    X = R.normal(size=(4, 2))
    args = [R.normal(size=2), 0.3, X]
    g = adjoint.grad(cc.parameters_stepped_in_a_loop, wrt=(0, 1, 2))
    assert_grad_matches(g, cc.parameters_stepped_in_a_loop, args, wrt=(0, 1, 2))


def _clipped_square(cap, pair):
    def f(x):
        return np.sum(np.minimum(x, cap) ** 2) * pair[0] + pair[1]
    return f


@pytest.mark.parametrize("cap", [float("inf"), float("nan"), np.float64(np.inf), 1.5])
def test_captured_constants_without_a_literal_are_written_out(cap, tmp_path):
    """inf and nan have no Python literal (the module said `cap = inf`); NumPy scalars
    and tuples of numbers are written as constants, so the dumped module stands alone."""
    f = _clipped_square(cap, (2.0, 0.5))
    g = adjoint.grad(f)
    x = np.array([0.3, 2.0, -1.0])
    want = 2.0 * 2 * np.minimum(x, cap) * (x <= cap) if cap == cap else np.full(3, np.nan)
    np.testing.assert_allclose(g(x), want)
    assert "supplied when compiled in-process" not in g.source
    mod = load_module(tmp_path / "dumped_closure.py", g.source)
    np.testing.assert_allclose(getattr(mod, g.__name__)(x), want)


def _fall(v0, angle, drag):
    x, y = 0.0, 1.0
    vx, vy = v0 * math.cos(angle), v0 * math.sin(angle)
    for step in range(400):
        speed = math.sqrt(vx * vx + vy * vy)
        x, y = x + 0.01 * vx, y + 0.01 * vy
        if y < 0.0:
            return x, step * 0.01
        vx, vy = vx - 0.01 * drag * speed * vx, vy - 0.01 * (9.81 + drag * speed * vy)
    return x, 4.0


def landing(v0, angle, drag):
    x, t = _fall(v0, angle, drag)
    return (x - 3.0) ** 2 + 0.01 * t


def test_a_helper_of_numbers_gets_a_backward_without_unbroadcast():
    """The helper's backward checks its parameters once and runs a version without
    rt.unbroadcast for numbers; a 0-d array takes the general one (same answer)."""
    g = adjoint.grad(landing, wrt=("v0", "angle", "drag"))
    bwd = g.source[g.source.index("def _fall_bwd"):]
    assert bwd.index("if rt.numbers(v0, angle, drag):") < bwd.index("rt.unbroadcast")
    args = (6.0, 0.7, 0.05)
    got = g(*args)
    for i in range(3):
        np.testing.assert_allclose(got[i], numerical_grad(landing, args, i), rtol=1e-6)
    zero_d = (np.array(6.0), 0.7, 0.05)  # a 0-d array is not a number: the general one
    np.testing.assert_allclose(adjoint.grad(landing, wrt="v0")(*zero_d), got[0], rtol=1e-12)
    hv = adjoint.hessian_vector_product(landing, wrt="angle")(*args, 1.0)
    h = 1e-4
    second = (landing(6.0, 0.7 + h, 0.05) - 2 * landing(*args)
              + landing(6.0, 0.7 - h, 0.05)) / h ** 2
    np.testing.assert_allclose(hv, second, rtol=1e-4)


def _norm_cdf(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def call_price(S, K, sigma, T):
    d1 = (math.log(S / K) + 0.5 * sigma ** 2 * T) / (sigma * math.sqrt(T))
    d2 = d1 - sigma * math.sqrt(T)
    return S * _norm_cdf(d1) - K * _norm_cdf(d2)


def test_a_number_helper_keeps_its_caller_on_the_numbers_only_version():
    """_norm_cdf returns a number for a number argument, so the caller's values stay
    numbers and its gradient runs without rt.unbroadcast."""
    g = adjoint.grad(call_price, wrt=("S", "K", "sigma", "T"))
    fast = g.source[g.source.index("def dcall_price"):]
    fast = fast[:fast.index("\ndef ")]  # the entry point: the numbers-only version
    assert "rt.numbers(S, K, sigma, T)" in fast and "rt.unbroadcast" not in fast
    args = (100.0, 95.0, 0.25, 0.75)
    got = g(*args)
    for i in range(4):
        np.testing.assert_allclose(got[i], numerical_grad(call_price, args, i), rtol=1e-6)


def _loop_rebinds_parameter(x, y):
    s = 0.0
    for x in [y, y * 2.0]:      # the loop's variable is the parameter x
        s = s + x * y
    return s


def rebinds_in_a_helper(a, b):
    return _loop_rebinds_parameter(a, b) + np.sum(_loop_rebinds_parameter(b, np.array([a, b])))


def rebinds_at_the_top(p, a):
    p = [a, a * 2.0]
    return p[0] * p[1]


def test_a_parameter_rebound_before_it_is_read_has_no_gradient():
    """A parameter whose first value never reaches the result (a loop variable or a
    plain assignment rebinds it): its gradient is zeros shaped like the argument,
    not the adjoint of the value that replaced it."""
    args = (0.8, 1.3)
    got = adjoint.grad(rebinds_in_a_helper, wrt=("a", "b"))(*args)
    for i in range(2):
        np.testing.assert_allclose(got[i], numerical_grad(rebinds_in_a_helper, args, i),
                                   rtol=1e-6)
    for p in ([1.0, 2.0, 3.0], np.array([1.0, 2.0, 3.0])):
        gp, ga = adjoint.grad(rebinds_at_the_top, wrt=("p", "a"))(p, 0.5)
        assert type(gp) is type(p) and np.shape(gp) == (3,) and not np.any(gp)
        np.testing.assert_allclose(ga, numerical_grad(rebinds_at_the_top, (p, 0.5), 1))


def _scaled(x, w=np.array([1.0, 2.0, 3.0])):
    return x * w


def _rescaled(x):
    x = x * np.ones(2)          # a number argument, an array result
    return x


def through_array_default(a):
    return np.sum(_scaled(a) * a)


def through_a_rebound_parameter(a):
    return np.sum(_rescaled(a) * a)


def rebound_to_an_array(x, a):
    x = np.zeros(3)
    return np.sum(x + a)


@pytest.mark.parametrize("fn,want", [(through_array_default, 2 * 0.7 * 6.0),
                                     (through_a_rebound_parameter, 2 * 0.7 * 2.0)])
def test_a_helper_with_an_array_default_or_rebinding_is_not_a_number_function(fn, want):
    """A helper whose result is an array for number arguments (an array default, or
    a parameter rebound to an array) keeps its caller on the general version: the
    sum over the broadcast array was lost (the gradient came back an array)."""
    got = adjoint.grad(fn)(0.7)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(got, numerical_grad(fn, (0.7,), 0), rtol=1e-6)


def test_a_number_parameter_rebound_to_an_array_is_not_a_number():
    gx, ga = adjoint.grad(rebound_to_an_array, wrt=(0, 1))(1.5, 0.5)
    assert gx == 0.0 and ga == 3.0
