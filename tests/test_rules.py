"""Every rule of the table, checked numerically: generated from `all_rules()`.

For each rule and each input case (tests/rule_cases.py, or a default by kind), the
vjp template is evaluated with a random cotangent `g` and compared, element by
element, with central finite differences of `sum(g * f(...))`; the jvp template is
evaluated with a random tangent and compared with a directional finite difference.
A rule added to the table is tested here without writing a new test.
"""
import math

import numpy as np
import pytest

from adjoint import runtime as rt
from adjoint.rules import (all_expansions, all_methods, all_nondiff, all_rules, lookup,
                           lookup_expansion)
from adjoint.rules.listing import listing
from adjoint.rules.registry import NonDiff, Rule, lookup_attribute
from rule_cases import CASES, SYMMETRIC, default_cases
from rule_cases_linalg import EXPANSIONS

EPS = 1e-6
RULES = {r.name: r for r in all_rules()}


# ---- evaluating a rule -----------------------------------------------------------
def bind(rule, case):
    """Every parameter's value: the case's, else the evaluated default."""
    out = {}
    for p in rule.params:
        if p.name in case:
            out[p.name] = case[p.name]
        elif p.star:
            out[p.name] = ()
        else:
            assert p.default is not None, f"{rule.name}: case lacks {p.name}"
            out[p.name] = eval(p.default, {"np": np, "math": math})
    return out


def call(rule, values, case):
    """Call the real function: required and star parameters positionally, given
    optional ones by keyword (falling back to positional for builtins). Arrays are
    passed as copies: a helper may write into one (rt.add_item adds in place)."""
    values = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in values.items()}
    args, kwargs = [], {}
    for p in rule.params:
        if p.star:
            args.extend(values[p.name])
        elif p.default is None:
            args.append(values[p.name])
        elif p.name in case:
            kwargs[p.name] = values[p.name]
    try:
        return rule.fn(*args, **kwargs)
    except TypeError:
        if not kwargs:
            raise
    positional = [values[p.name] for p in rule.params]
    while positional and positional[-1] is None:
        positional.pop()
    return rule.fn(*positional)


def template(text, values, **extra):
    return eval(text, {"np": np, "math": math, "rt": rt, **values, **extra})


# ---- vectors: arrays, scalars and lists of arrays --------------------------------
def is_real(v):
    if isinstance(v, dict):
        return len(v) > 0 and all(is_real(e) for e in v.values())
    if isinstance(v, (list, tuple)):
        return len(v) > 0 and all(is_real(e) or isinstance(e, str) for e in v) \
            and any(not isinstance(e, str) for e in v)
    return isinstance(v, float) or isinstance(v, np.ndarray) and v.dtype.kind == "f"


def random_like(v, r):
    if isinstance(v, dict):
        return {k: random_like(e, r) for k, e in v.items()}
    if isinstance(v, str):
        return v  # keys carry no gradient
    if isinstance(v, (list, tuple)):
        return [random_like(e, r) for e in v]
    return r.normal(size=np.shape(v)) if np.ndim(v) else float(r.normal())


def inner(a, b):
    if isinstance(b, dict):
        return sum(inner(a[k], b[k]) for k in b)
    if isinstance(b, str) or isinstance(a, str):
        return 0.0
    if isinstance(b, (list, tuple)):
        return sum(inner(x, y) for x, y in zip(a, b))
    return float(np.sum(np.asarray(a) * np.asarray(b)))


def axpy(x, eps, d):
    if isinstance(x, dict):  # (of its own type: a dict read by attribute stays one)
        return type(x)({k: axpy(e, eps, d[k]) for k, e in x.items()})
    if isinstance(x, str):
        return x
    if isinstance(x, (list, tuple)):
        return [axpy(e, eps, f) for e, f in zip(x, d)]
    return x + eps * d


def _zero(x):
    """A zero direction shaped like x (keys stay keys)."""
    if isinstance(x, dict):
        return {k: _zero(e) for k, e in x.items()}
    if isinstance(x, str):
        return x
    if isinstance(x, (list, tuple)):
        return [_zero(e) for e in x]
    return np.zeros_like(x) if np.ndim(x) else 0.0


def basis(v, sym):
    """Unit directions over every element (of every array of a list or dict)."""
    if isinstance(v, dict):
        for k, e in v.items():
            for d in basis(e, sym):
                yield {j: d if j == k else _zero(x) for j, x in v.items()}
        return
    if isinstance(v, str):
        return
    if isinstance(v, (list, tuple)):
        for k, e in enumerate(v):
            for d in basis(e, sym):
                yield [d if j == k else _zero(x) for j, x in enumerate(v)]
        return
    if np.ndim(v) == 0:
        yield 1.0
        return
    for idx in np.ndindex(np.shape(v)):
        d = np.zeros(np.shape(v))
        d[idx] = 1.0
        yield 0.5 * (d + d.T) if sym else d


def check_vjp(rule, param, values, case, r):
    ans = call(rule, values, case)
    g = random_like(ans, r)
    got = template(rule.vjp[param], values, g=g, ans=ans)
    if rule.broadcast:
        got = rt.unbroadcast(got, values[param])
    v = values[param]
    assert _shapes(got, like=v) == _shapes(v), f"{rule.name} vjp[{param}] shape"
    sym = rule.name in SYMMETRIC

    def h(x):
        return inner(g, call(rule, {**values, param: x}, {**case, param: x}))
    for d in basis(v, sym):
        num = (h(axpy(v, EPS, d)) - h(axpy(v, -EPS, d))) / (2 * EPS)
        ana = inner(got, d)
        assert abs(ana - num) <= 1e-6 + 1e-5 * abs(num), \
            f"{rule.name} vjp[{param}] along {d}: {ana} vs finite differences {num}"


def _shapes(x, like=None):
    """The nested shapes of x (keys and strings count as no shape). With `like` (a
    string key position in `like`), the adjoint's entry there is not compared."""
    if isinstance(like, str) or isinstance(x, str):
        return "key"
    if isinstance(x, dict):
        return {k: _shapes(x[k], like[k] if isinstance(like, dict) else None) for k in x}
    if isinstance(x, (list, tuple)):
        likes = like if isinstance(like, (list, tuple)) else [None] * len(x)
        return [_shapes(e, w) for e, w in zip(x, likes)]
    return np.shape(x)


def check_jvp(rule, param, values, case, r):
    v = values[param]
    d = random_like(v, r)
    if rule.name in SYMMETRIC:
        d = 0.5 * (d + d.T)
    ans = call(rule, values, case)
    got = template(rule.jvp[param], values, ans=ans, **{"d" + param: d})

    def f(x):
        return call(rule, {**values, param: x}, {**case, param: x})
    hi, lo = f(axpy(v, EPS, d)), f(axpy(v, -EPS, d))
    _compare_tangent(got, hi, lo, f"{rule.name} jvp[{param}]")


def _compare_tangent(t, a, b, msg):
    """The tangent `t` against (a - b) / 2 eps, through lists, tuples and dicts."""
    if isinstance(a, dict):
        for k in a:
            _compare_tangent(t[k], a[k], b[k], msg)
    elif isinstance(a, str):
        return  # a key: no tangent
    elif isinstance(a, (list, tuple)):
        for ti, ai, bi in zip(t, a, b):
            _compare_tangent(ti, ai, bi, msg)
    else:
        num = (np.asarray(a, float) - np.asarray(b, float)) / (2 * EPS)
        np.testing.assert_allclose(np.broadcast_to(t, num.shape), num, rtol=1e-5,
                                   atol=1e-6, err_msg=msg)


def check_identity(rule, param, values, case, r):
    """Forward and reverse agree: <g, jvp(d)> == <vjp(g), d> for random g, d."""
    v = values[param]
    if isinstance(v, list):
        return
    ans = call(rule, values, case)
    if isinstance(ans, (list, tuple)):
        return
    g, d = random_like(ans, r), random_like(v, r)
    if rule.name in SYMMETRIC:
        d = 0.5 * (d + d.T)
    back = template(rule.vjp[param], values, g=g, ans=ans)
    if rule.broadcast:
        back = rt.unbroadcast(back, v)
    fwd = template(rule.jvp[param], values, ans=ans, **{"d" + param: d})
    lhs = inner(g, fwd if isinstance(ans, dict) else np.broadcast_to(fwd, np.shape(ans)))
    rhs = inner(back, d)
    assert abs(lhs - rhs) <= 1e-8 + 1e-8 * abs(lhs), f"{rule.name}[{param}]: {lhs} vs {rhs}"


def cases_for(rule, seed=0):
    r = np.random.default_rng(seed)
    spec = CASES.get(rule.name)
    return spec(r) if spec is not None else default_cases(rule, r)


@pytest.mark.parametrize("name", sorted(RULES))
def test_rule(name):
    """vjp and jvp of every differentiable parameter, on every case, vs finite diffs."""
    rule = RULES[name]
    assert set(rule.jvp) == set(rule.vjp), f"{name}: a jvp template for each vjp param"
    r = np.random.default_rng(1)
    checked = 0
    for case in cases_for(rule):
        values = bind(rule, case)
        for param in rule.vjp:
            if param in case and is_real(values[param]):
                check_vjp(rule, param, values, case, r)
                check_jvp(rule, param, values, case, r)
                check_identity(rule, param, values, case, r)
                checked += 1
    assert checked, f"{name}: no case exercises a differentiable parameter; add one " \
                    "to tests/rule_cases.py"


def test_cases_name_registered_rules():
    scipy_missing = not any(n.startswith("scipy.") for n in RULES)
    stale = [n for n in CASES if n not in RULES
             and not (scipy_missing and (n.startswith("scipy.") or n.startswith("rt.")))]
    assert not stale, f"specs for rules that do not exist: {stale}"


def _f32(v):
    if isinstance(v, (list, tuple)):
        return [_f32(e) for e in v]
    return v.astype(np.float32) if isinstance(v, np.ndarray) and v.dtype.kind == "f" else v


def _dtypes(v):
    if isinstance(v, (list, tuple)):
        return {d for e in v for d in _dtypes(e)}
    return {v.dtype} if isinstance(v, (np.ndarray, np.generic)) else set()


@pytest.mark.parametrize("name", [
    "numpy.sin", "numpy.exp2", "numpy.log10", "numpy.sqrt", "numpy.multiply",
    "numpy.divide", "numpy.arctan2", "numpy.hypot", "numpy.sum", "numpy.mean", "numpy.var",
    "numpy.std", "numpy.prod", "numpy.max", "numpy.clip", "numpy.where", "numpy.matmul",
    "numpy.linalg.norm", "numpy.cumsum", "numpy.reshape", "numpy.sinc", "numpy.deg2rad",
    "numpy.logaddexp", "numpy.power", "numpy.trace", "numpy.linalg.cholesky",
    "numpy.linalg.eigh", "numpy.linalg.eigvalsh", "numpy.linalg.svd", "numpy.linalg.qr",
    "numpy.linalg.pinv", "numpy.linalg.lstsq", "numpy.linalg.matrix_power"])
def test_float32_in_float32_out(name):
    """Adjoints and tangents of float32 arguments are float32 (no float64 helper
    constant widens them)."""
    rule = RULES[name]
    r = np.random.default_rng(0)
    for case in cases_for(rule)[:3]:
        case = {k: _f32(v) for k, v in case.items()}
        values = bind(rule, case)
        ans = call(rule, values, case)
        g = _f32(random_like(ans, r))
        for param in rule.vjp:
            if param in case and isinstance(values[param], np.ndarray):
                back = template(rule.vjp[param], values, g=g, ans=ans)
                fwd = template(rule.jvp[param], values, ans=ans,
                               **{"d" + param: _f32(random_like(values[param], r))})
                assert _dtypes(back) == {np.dtype(np.float32)}, (name, param, _dtypes(back))
                assert np.dtype(np.float64) not in _dtypes(fwd), (name, param, _dtypes(fwd))


def test_integer_inputs_get_float_gradients():
    x = np.arange(1, 7).reshape(2, 3)
    for name in ("numpy.sum", "numpy.sin", "numpy.reshape", "numpy.asarray",
                 "numpy.ndarray.astype", "numpy.prod"):
        rule = RULES[name]
        values = bind(rule, {"x": x, "shape": (3, 2), "dtype": np.float64})
        ans = call(rule, values, {"x": x})
        got = template(rule.vjp["x"], values, g=np.ones(np.shape(ans)), ans=ans)
        assert np.asarray(got).dtype.kind == "f", name


def test_coverage_counts():
    assert len(all_rules()) >= 150
    assert len(all_nondiff()) >= 50


def test_methods_and_attributes_map_to_rules():
    for name, fn in all_methods().items():
        assert isinstance(lookup(fn), (Rule, NonDiff)), name
    for name in ("sum", "prod", "clip", "max", "mean", "var", "std", "reshape", "flatten",
                 "transpose", "cumsum", "dot", "trace"):
        assert isinstance(lookup(all_methods()[name]), Rule), name
    assert lookup_attribute("T").vjp == {"self": "g.T"}


def test_listing_lines():
    lines = listing()
    assert any(line.startswith("numpy.sin ") and "wrt x" in line for line in lines)
    assert any(line.startswith("numpy.linalg.solve ") and "wrt a, b" in line
               for line in lines)
    for name in ("numpy.linalg.eigh", "numpy.linalg.svd", "numpy.linalg.qr",
                 "numpy.linalg.lstsq", "numpy.delete", "numpy.insert", "numpy.convolve"):
        assert any(line.startswith(name + " ") for line in lines), name
    assert not any(line.startswith("rt.") for line in lines)  # (nor expansions)
    public = [r for r in all_rules() if not r.name.startswith("rt.")]  # helpers hidden
    assert len([ln for ln in lines if "wrt" in ln]) == len(public) + 1
    nd = listing(nondiff=True)
    assert "numpy.argmax  (no gradient)" in nd and "numpy.ndarray.argmax  (no gradient)" in nd
    public_nd = [r for r in all_nondiff() if not r.name.startswith(("adjoint.", "rt."))]
    assert all(f"{r.name}  (no gradient)" in nd for r in public_nd)
    assert "str.startswith  (no gradient)" in nd and len(nd) == len(set(nd))
    assert not any(line.startswith("adjoint.") for line in nd)
    assert not any("no gradient" in line for line in lines)


def test_rule_level_list_adjoints():
    """split's adjoint joins piece adjoints, with zeros for pieces nothing used."""
    x = np.arange(12.0).reshape(6, 2)
    got = rt.split_grad([None, np.ones((2, 2)), 0.0], x, 3)
    want = np.zeros((6, 2))
    want[2:4] = 1.0
    np.testing.assert_array_equal(got, want)


def test_every_runtime_helper_a_template_calls_has_a_rule():
    """Generated code calls `rt.<name>` from rule templates; a helper without a rule
    of its own (or an expression it expands to, whose helpers have rules in turn)
    would stop a second derivative (grad of grad, hessian) there."""
    import re
    texts = [t for rule in all_rules() for t in list(rule.vjp.values()) + list(rule.jvp.values())]
    texts += [e.template for e in all_expansions()]
    called = {n for text in texts for n in re.findall(r"\brt\.(\w+)", text)}
    missing = sorted(n for n in called if getattr(rt, n, None) is None
                     or (lookup(getattr(rt, n)) is None
                         and lookup_expansion(getattr(rt, n)) is None))
    assert not missing, f"runtime helpers without a rule: {missing}"
    assert {"prod_grad", "cholesky_grad", "einsum_ga", "prod_hess", "svd_grad"} <= called


@pytest.mark.parametrize("name", sorted(e.name for e in all_expansions()))
def test_expansion_equals_its_helper(name):
    """A helper declared by an expression computes that expression: first derivatives
    call the helper, second derivatives differentiate the expression."""
    found = next(e for e in all_expansions() if e.name == name)
    cases = EXPANSIONS[name](np.random.default_rng(0))
    assert cases, f"{name}: add cases to tests/rule_cases_linalg.py EXPANSIONS"
    for case in cases:
        values = bind(found, case)
        got = found.fn(*[values[p.name] for p in found.params])
        _assert_same(got, template(found.template, values), name)


def _assert_same(got, want, msg):
    if isinstance(want, (list, tuple)):
        assert isinstance(got, (list, tuple)) and len(got) == len(want), msg
        for g, w in zip(got, want):
            _assert_same(g, w, msg)
        return
    np.testing.assert_allclose(np.broadcast_to(got, np.shape(want)), want, rtol=1e-9,
                               atol=1e-12, err_msg=msg)
