"""Forward mode (adjoint.jvp): finite differences along random directions, and the
identity <grad f(x), v> = jvp f(x; v) for every rule in the table."""
import inspect
import math
import pathlib
import tempfile

import numpy as np
import pytest

import adjoint
from adjoint.rules import all_rules
from conftest import numerical_grad
from conftest import load_module
from golden_cases import CASES


def directional_fd(f, args, wrt, tangents, eps=1e-6):
    """Central difference of f along `tangents` (one per index in `wrt`)."""
    hi, lo = list(args), list(args)
    for i, t in zip(wrt, tangents):
        hi[i] = np.asarray(args[i], dtype=float) + eps * t if np.ndim(args[i]) \
            else float(args[i]) + eps * t
        lo[i] = np.asarray(args[i], dtype=float) - eps * t if np.ndim(args[i]) \
            else float(args[i]) - eps * t
    return (np.asarray(f(*hi)) - np.asarray(f(*lo))) / (2 * eps)


def random_like(x, rng):
    return rng.normal(size=np.shape(x)) if np.ndim(x) else float(rng.normal())


def _indices(fn, wrt):
    params = list(inspect.signature(fn).parameters)
    items = wrt if isinstance(wrt, tuple) else (wrt,)
    return [params.index(w) if isinstance(w, str) else w for w in items]


@pytest.mark.parametrize("name", sorted(CASES))
def test_jvp_matches_finite_differences(name):
    fn, wrt, make_args = CASES[name]
    rng = np.random.default_rng(3)
    args = make_args(rng)
    idx = _indices(fn, wrt)
    f = adjoint.jvp(fn, wrt=wrt)
    for _ in range(3):
        tangents = [random_like(args[i], rng) for i in idx]
        value, dvalue = f(*args, *tangents)
        np.testing.assert_allclose(value, fn(*args))
        want = directional_fd(fn, args, idx, tangents)
        np.testing.assert_allclose(dvalue, want, rtol=1e-5, atol=1e-6)


def test_jvp_source_names_and_signature():
    def f(x, y):
        z = np.sin(x) * y
        return z
    g = adjoint.jvp(f, wrt="x")
    assert "def jvp_f_dx(x, y, dx):" in g.source
    assert "dz = " in g.source and "return (z, dz)" in g.source
    assert set(g.stages) == {"parse", "lower", "normalize", "activity", "forward",
                             "optimize"}
    x, y = np.array([0.1, 0.2]), np.array([2.0, 3.0])
    value, dz = g(x, y, np.array([1.0, 0.0]))
    np.testing.assert_allclose(dz, [np.cos(0.1) * 2.0, 0.0])
    assert adjoint.jvp(f, wrt="x") is g  # cached


def scaled_sin(x, scale=None, *, shift=0.0):
    if scale is not None:
        x = x * scale
    return np.sum(np.sin(x + shift))


def test_jvp_of_a_function_with_defaults_takes_the_tangent_last_or_by_name():
    """A tangent never fills an omitted optional parameter: in the generated code it
    is keyword-only, and the returned function takes it as the last positional."""
    g = adjoint.jvp(scaled_sin)
    assert "def jvp_scaled_sin_dx(x, scale=None, *, shift=0.0, dx):" in g.source
    x, dx = np.array([0.3, -1.1]), np.array([0.5, 2.0])

    def along(*args, **kw):
        return directional_fd(lambda x: scaled_sin(x, *args, **kw), [x], (0,), [dx])
    for args, kw in [((), {}), ((2.0,), {}), ((2.0,), {"shift": 0.4}), ((), {"shift": 1.0})]:
        value, tangent = g(x, *args, dx, **kw)
        assert value == pytest.approx(scaled_sin(x, *args, **kw))
        assert tangent == pytest.approx(along(*args, **kw), rel=1e-6)
        assert g(x, *args, dx=dx, **kw)[1] == pytest.approx(tangent)
    assert adjoint.hessian_vector_product(scaled_sin)(x, dx) == pytest.approx(
        -np.sin(x) * dx)
    jac = adjoint.jacobian(sin_scaled, mode="forward")(x)
    np.testing.assert_allclose(jac, np.diag(2.0 * np.cos(2.0 * x)), atol=1e-15)


def sin_scaled(x, s=2.0):
    return np.sin(x * s)


def test_jvp_tangent_name_avoids_collision():
    def f(x, dx):
        return x * dx
    g = adjoint.jvp(f, wrt=0)
    assert "def jvp_f_dx(x, dx, dx2):" in g.source
    assert g(2.0, 3.0, 1.0) == (6.0, 3.0)


def test_jvp_broadcast_tangent_of_scalar():
    def f(a, B):
        return np.sum(a + B)
    # the tangent of a + B has B's shape even though only a varies
    assert adjoint.jvp(f)(1.0, np.ones(3), 1.0)[1] == 3.0


def test_jvp_inactive_result_and_nondiff():
    def f(x, n):
        k = np.floor(x)
        return k * n
    value, dvalue = adjoint.jvp(f)(np.array([1.5, 2.5]), 2.0, np.ones(2))
    np.testing.assert_allclose(dvalue, [0.0, 0.0])


def test_jvp_while_loop():
    def newton(a):
        x = a
        while abs(x * x - a) > 1e-12:
            x = 0.5 * (x + a / x)
        return x
    _, d = adjoint.jvp(newton)(2.0, 1.0)
    assert abs(d - 0.5 / math.sqrt(2.0)) < 1e-9


def test_missing_jvp_template_is_a_clear_error():
    def cube(x):
        return x ** 3
    adjoint.rules.defrule(cube, "x", x="g * 3 * x ** 2", name="cube_without_jvp")
    try:
        def f(x):
            y = cube(x)
            return y
        with pytest.raises(adjoint.NoForwardRuleError) as err:
            adjoint.jvp(f)(1.0, 1.0)
        text = str(err.value)
        assert "cube_without_jvp" in text and "test_forward.py:" in text and "jvp=" in text
    finally:
        from adjoint.rules import registry
        registry._RULES.pop(id(cube))
        registry._KEEP.pop(id(cube))


# ---- every rule: jvp against grad and against finite differences -----------------
# rule name -> (expression over the parameters, {param: shape or ("pos", shape)},
#               parameters to differentiate, optional statements before the return)
RULE_CASES = {
    "abs": ("abs(x)", {"x": ()}, "x"),
    "math.cos": ("math.cos(x)", {"x": ()}, "x"),
    "math.exp": ("math.exp(x)", {"x": ()}, "x"),
    "math.log": ("math.log(x)", {"x": ("pos", ())}, "x"),
    "math.pow": ("math.pow(a, b)", {"a": ("pos", ()), "b": ()}, "ab"),
    "math.sin": ("math.sin(x)", {"x": ()}, "x"),
    "math.sqrt": ("math.sqrt(x)", {"x": ("pos", ())}, "x"),
    "math.tan": ("math.tan(x)", {"x": ()}, "x"),
    "math.tanh": ("math.tanh(x)", {"x": ()}, "x"),
    "numpy.absolute": ("np.abs(x)", {"x": (3,)}, "x"),
    "numpy.add": ("np.add(a, b)", {"a": (3,), "b": (2, 3)}, "ab"),
    "numpy.amax": ("np.amax(x, axis=1)", {"x": (3, 4)}, "x"),
    "numpy.amin": ("np.amin(x, axis=0)", {"x": (3, 4)}, "x"),
    "numpy.cos": ("np.cos(x)", {"x": (3,)}, "x"),
    "numpy.divide": ("np.divide(a, b)", {"a": (2, 3), "b": ("pos", (3,))}, "ab"),
    "numpy.dot": ("np.dot(a, b)", {"a": (2, 3), "b": (3,)}, "ab"),
    "numpy.exp": ("np.exp(x)", {"x": (3,)}, "x"),
    "numpy.log": ("np.log(x)", {"x": ("pos", (3,))}, "x"),
    "numpy.matmul": ("np.matmul(a, b)", {"a": (2, 3), "b": (3, 4)}, "ab"),
    "numpy.max": ("np.max(x, axis=0, keepdims=True)", {"x": (3, 4)}, "x"),
    "numpy.maximum": ("np.maximum(a, b)", {"a": (3,), "b": (2, 3)}, "ab"),
    "numpy.mean": ("np.mean(x, axis=1)", {"x": (3, 4)}, "x"),
    "numpy.min": ("np.min(x)", {"x": (3, 4)}, "x"),
    "numpy.minimum": ("np.minimum(a, b)", {"a": (2, 3), "b": (3,)}, "ab"),
    "numpy.multiply": ("np.multiply(a, b)", {"a": (2, 1), "b": (3,)}, "ab"),
    "numpy.ndarray.reshape": ("x.reshape(3, 2)", {"x": (2, 3)}, "x"),
    "numpy.negative": ("np.negative(x)", {"x": (3,)}, "x"),
    "numpy.power": ("np.power(a, b)", {"a": ("pos", (3,)), "b": (3,)}, "ab"),
    "numpy.reshape": ("np.reshape(x, (6,))", {"x": (2, 3)}, "x"),
    "numpy.sin": ("np.sin(x)", {"x": (3,)}, "x"),
    "numpy.sqrt": ("np.sqrt(x)", {"x": ("pos", (3,))}, "x"),
    "numpy.square": ("np.square(x)", {"x": (3,)}, "x"),
    "numpy.subtract": ("np.subtract(a, b)", {"a": (), "b": (3,)}, "ab"),
    "numpy.sum": ("np.sum(x, axis=0)", {"x": (3, 4)}, "x"),
    "numpy.tan": ("np.tan(x)", {"x": (3,)}, "x"),
    "numpy.tanh": ("np.tanh(x)", {"x": (3,)}, "x"),
    "numpy.transpose": ("np.transpose(x, (1, 0, 2))", {"x": (2, 3, 4)}, "x"),
    "operator.add": ("a + b", {"a": (2, 3), "b": ()}, "ab"),
    "operator.getitem": ("x[1:, ::2]", {"x": (3, 4)}, "x"),
    "operator.matmul": ("a @ b", {"a": (3,), "b": (3, 2)}, "ab"),
    "operator.mul": ("a * b", {"a": (3,), "b": (2, 3)}, "ab"),
    "operator.neg": ("-x", {"x": (3,)}, "x"),
    "operator.pos": ("+x", {"x": (3,)}, "x"),
    "operator.pow": ("a ** b", {"a": ("pos", (3,)), "b": ()}, "ab"),
    "operator.sub": ("a - b", {"a": (3,), "b": (3,)}, "ab"),
    "operator.truediv": ("a / b", {"a": (3,), "b": ("pos", ())}, "ab"),
    "ndarray.T": ("x.T", {"x": (2, 3)}, "x"),
    "rt.broadcast_like": ("rt.broadcast_like(v, x)", {"v": (3,), "x": (2, 3)}, "v"),
    "rt.dot_ga": ("rt.dot_ga(v, a, b)", {"v": (2,), "a": (2, 3), "b": (3,)}, "vb"),
    "rt.dot_gb": ("rt.dot_gb(v, a, b)", {"v": (2,), "a": (2, 3), "b": (3,)}, "va"),
    "rt.fit": ("rt.fit(v, x)", {"v": (3,), "x": (2, 3)}, "v"),
    "rt.getitem_grad": ("rt.getitem_grad(v, x, 1)", {"v": (4,), "x": (3, 4)}, "v"),
    "rt.log_or_zero": ("rt.log_or_zero(x)", {"x": ("pos", (3,))}, "x"),
    "rt.matmul_ga": ("rt.matmul_ga(v, a, b)", {"v": (2, 4), "a": (2, 3), "b": (3, 4)},
                     "vb"),
    "rt.matmul_gb": ("rt.matmul_gb(v, a, b)", {"v": (2, 4), "a": (2, 3), "b": (3, 4)},
                     "va"),
    "rt.max_grad": ("rt.max_grad(v, x, m, 1)", {"v": (3,), "x": (3, 4)}, "v",
                    "m = np.max(x, axis=1)"),
    "rt.max_jvp": ("rt.max_jvp(v, x, m, 1)", {"v": (3, 4), "x": (3, 4)}, "v",
                   "m = np.max(x, axis=1)"),
    "rt.mean_grad": ("rt.mean_grad(v, x, 1)", {"v": (3,), "x": (3, 4)}, "v"),
    "rt.reshape_like": ("rt.reshape_like(v, x)", {"v": (6,), "x": (2, 3)}, "v"),
    "rt.sum_grad": ("rt.sum_grad(v, x, 0)", {"v": (4,), "x": (3, 4)}, "v"),
    "rt.transpose_grad": ("rt.transpose_grad(v, (1, 2, 0))", {"v": (2, 3, 4)}, "v"),
    "rt.unbroadcast": ("rt.unbroadcast(v, x)", {"v": (2, 3), "x": (3,)}, "v"),
}


def _module():
    lines = ["import math", "import numpy as np", "from adjoint import runtime as rt", ""]
    for i, (name, case) in enumerate(sorted(RULE_CASES.items())):
        expr, shapes, _, *pre = case
        lines += [f"def case_{i}({', '.join(shapes)}):"] + [f"    {s}" for s in pre]
        lines += [f"    return np.sum(np.sin({expr}))  # {name}", ""]
    return load_module(pathlib.Path(tempfile.mkdtemp()) / "forward_rule_cases.py",
                       "\n".join(lines))


@pytest.fixture(scope="module")
def rule_module():
    return _module()


def test_rule_cases_name_registered_rules():
    """These end-to-end cases cover each kind of rule through generated code; every
    rule's jvp template is also checked on its own (tests/test_rules.py: jvp and vjp
    against finite differences, and <g, jvp(d)> == <vjp(g), d>)."""
    names = {r.name for r in all_rules()} | {"ndarray.T"}
    stale = sorted(n for n in RULE_CASES if n not in names)
    assert not stale, f"cases for rules that do not exist: {stale}"
    assert len(RULE_CASES) >= 60


def _arg(spec, rng):
    pos = isinstance(spec, tuple) and spec[:1] == ("pos",)
    shape = spec[1] if pos else spec
    x = rng.uniform(0.5, 2.0, size=shape) if pos else rng.normal(size=shape)
    return float(x) if shape == () else x


@pytest.mark.parametrize("name", sorted(RULE_CASES))
def test_rule_jvp_agrees_with_grad_and_fd(name, rule_module):
    i = sorted(RULE_CASES).index(name)
    fn = getattr(rule_module, f"case_{i}")
    expr, shapes, params, *_ = RULE_CASES[name]
    rng = np.random.default_rng(11 + i)
    for p in params:
        args = [_arg(s, rng) for s in shapes.values()]
        k = list(shapes).index(p)
        v = random_like(args[k], rng)
        value, d = adjoint.jvp(fn, wrt=p)(*args, v)
        g = adjoint.grad(fn, wrt=p)(*args)
        np.testing.assert_allclose(d, np.sum(np.asarray(g) * v), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(d, directional_fd(fn, args, [k], [v]),
                                   rtol=1e-5, atol=1e-6)


def test_jvp_broadcast_tangent_can_be_item_written():
    """`y = x + c` gives dy = rt.broadcast_like(dx, y): a new writable array, so the
    later `dy[0] = 0.0` works and the caller's tangent is not changed."""
    def f(x, c):
        y = x + c
        y[0] = 0.0
        return np.sum(y * y)
    x, c, dx = np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 5.0]), np.ones(3)
    want = numerical_grad(f, (x, c), 0) @ dx
    assert abs(adjoint.jvp(f)(x, c, dx)[1] - want) < 1e-6
    np.testing.assert_array_equal(dx, np.ones(3))


def test_tangent_of_another_shape_is_an_error():
    """A scalar tangent for an array would broadcast into a wrong derivative
    (np.sum(dx) counts it once): refused, also inside hessian_vector_product."""
    def f(x):
        return np.sum(x) + np.mean(x * x)
    x = np.array([1.0, 2.0, 3.0])
    for bad in (1.0, np.ones(2), np.ones((3, 1))):
        with pytest.raises(adjoint.AdjointError) as info:
            adjoint.jvp(f)(x, bad)
        assert "tangent dx has shape" in str(info.value) and "hint:" in str(info.value)
        with pytest.raises(adjoint.AdjointError):
            adjoint.hessian_vector_product(f)(x, bad)
    value, tangent = adjoint.jvp(f)(x, np.ones(3))
    assert tangent == pytest.approx(directional_fd(f, [x], (0,), [np.ones(3)]))
    assert adjoint.jvp(f)(x, dx=np.ones(3))[1] == pytest.approx(tangent)


def remainder_of_two_inputs(a, b):
    return divmod(a, b)[1] + divmod(a * 2.5, a)[1]


def test_divmod_tangents_of_both_operands_add_up():
    """Each operand's tangent is a (quotient, remainder) pair: they add element by
    element (`+` joined the tuples, keeping only a's part)."""
    f = remainder_of_two_inputs
    for da, db in ((0.0, 1.0), (1.0, 1.0), (1.0, 0.0)):
        want = (f(2.7 + 1e-6 * da, 1.3 + 1e-6 * db) - f(2.7 - 1e-6 * da, 1.3 - 1e-6 * db)) / 2e-6
        got = adjoint.jvp(f, wrt=("a", "b"))(2.7, 1.3, da, db)[1]
        np.testing.assert_allclose(got, want, rtol=1e-6)


def powers_at_zero(x, k):
    return np.sum(x ** k) + np.sum(x ** 0) + math.pow(x[0], 0.0) + pow(x[1], 0)


def test_a_power_with_exponent_zero_at_zero_has_derivative_zero():
    x = np.array([0.0, 0.0, 2.0])
    np.testing.assert_allclose(adjoint.grad(powers_at_zero)(x, 0), [0.0, 0.0, 0.0])
    np.testing.assert_allclose(adjoint.jvp(powers_at_zero)(x, 0, np.ones(3))[1], 0.0)
    np.testing.assert_allclose(adjoint.grad(powers_at_zero)(x, 2), 2 * x)


def squares_of_a_dict_by_comprehension(x):
    d = {"a": x[0], "b": x[1]}
    return sum([d[k] ** 2 for k in d]) + sum(d[k] * 3.0 for k in d)


def test_a_comprehension_over_a_dict_walks_its_keys():
    f = squares_of_a_dict_by_comprehension
    x = np.array([0.3, -1.2])
    np.testing.assert_allclose(adjoint.grad(f)(x), 2 * x + 3.0)
    np.testing.assert_allclose(adjoint.jvp(f)(x, np.array([1.0, 0.0]))[1], 2 * 0.3 + 3.0)


def appended_rows(x):
    r = []
    for i in range(3):
        r.append(x * i)
    return r


def test_jacobian_of_a_function_returning_a_list():
    x = np.array([0.3, -0.7, 1.1])
    rev = adjoint.jacobian(appended_rows, mode="reverse")(x)
    fwd = adjoint.jacobian(appended_rows, mode="forward")(x)
    want = np.stack([i * np.eye(3) for i in range(3)])
    np.testing.assert_allclose(rev, want)
    np.testing.assert_allclose(fwd, want)


def average_and_weight(a, w):
    avg, sw = np.average(a, weights=w, returned=True)
    return avg * sw


def test_average_with_returned_is_refused_with_a_way_out():
    a, w = np.array([1.0, 2.0, 3.0]), np.array([0.5, 1.0, 2.0])
    with pytest.raises(adjoint.NoGradientRuleError, match="returned=True") as info:
        adjoint.grad(average_and_weight)(a, w)
    assert "np.sum(weights)" in str(info.value)


def list_arithmetic(xs, ys):
    z = np.add(xs, ys)
    w = np.subtract(1.0, xs)
    return np.sum(z ** 2) + np.sum(w * np.sin(ys))


@pytest.mark.parametrize("kind", [list, tuple])
def test_list_tangents_of_lists_numpy_reads_as_arrays(kind):
    """np.add(xs, ys) of two lists adds them as arrays; their list tangents are read
    the same way (added element by element, not joined; negated, not refused)."""
    xs, ys = kind([0.3, 0.5, -0.2]), kind([1.0, 2.0, 0.4])
    dxs, dys = kind([1.0, 0.0, 0.5]), kind([0.0, 1.0, -1.0])
    value, tangent = adjoint.jvp(list_arithmetic, wrt=(0, 1))(xs, ys, dxs, dys)
    eps = 1e-6
    plus = list_arithmetic(np.add(xs, np.multiply(eps, dxs)), np.add(ys, np.multiply(eps, dys)))
    minus = list_arithmetic(np.subtract(xs, np.multiply(eps, dxs)),
                            np.subtract(ys, np.multiply(eps, dys)))
    np.testing.assert_allclose(value, list_arithmetic(xs, ys))
    np.testing.assert_allclose(tangent, (plus - minus) / (2 * eps), rtol=1e-6)
