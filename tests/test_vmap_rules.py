"""vmap of every rule of the table, generated from `all_rules()` and the cases of
tests/rule_cases.py, against a Python loop over the batch.

For each rule and case a small program calls the primitive (options such as axis=1
written as literals, array arguments as parameters); it is batched over each float
argument alone and over all of them at once, and `vmap(prog)(X)` must equal
`np.stack([prog(x) for x in X])`. The same is checked for the program's gradient,
`vmap(grad(prog))`, which batches the rule's vjp template and the runtime helpers it
calls. A primitive with no batching rule must be refused with NotBatchableError.
"""
import itertools
import linecache
import math

import numpy as np
import pytest

import adjoint
from adjoint import runtime as rt
from adjoint.batching import runtime as batched_rt
from adjoint.batching.policies import policy_of
from adjoint.batching.policies.reductions import STRUCTURAL
from adjoint.errors import NotBatchableError
from adjoint.rules import all_rules
from rule_cases import CASES, default_cases

RULES = {r.name: r for r in all_rules()}
B = 3
SCALES = (1.0, 0.95, 0.9)  # example k is the case scaled by SCALES[k] (stays in domain)

# rules whose batching is not (yet) written, with the reason; the test checks that
# they are refused with NotBatchableError rather than computed wrongly
NOT_BATCHED = {}


def batchable(v) -> bool:
    if isinstance(v, (list, tuple)):
        return bool(v) and all(batchable(e) for e in v)
    return isinstance(v, float) or isinstance(v, np.ndarray) and v.dtype.kind == "f"


def scaled(v, s):
    """One example: the case's value times s (a list: each array times s)."""
    if isinstance(v, (list, tuple)):
        return type(v)(scaled(e, s) for e in v)
    return v * s


def literal(v) -> str | None:
    """Python source for a value written into the program, or None (a parameter)."""
    if v is None or isinstance(v, (bool, int, str)):
        return repr(v)
    if isinstance(v, tuple) and all(literal(e) is not None for e in v):
        return "(" + "".join(literal(e) + ", " for e in v) + ")"
    if isinstance(v, list) and v and all(isinstance(e, int) for e in v):
        return repr(v)
    if isinstance(v, slice):
        return f"slice({v.start!r}, {v.stop!r}, {v.step!r})"
    if isinstance(v, float) and not math.isfinite(v):
        return f"float({str(v)!r})"
    return None


_COUNT = itertools.count()


def program(rule, case):
    """(function, names of its parameters, their values): `prog(a, b)` calling the
    rule's function with the case's arguments, options as literals: optional ones by
    keyword, or every one in order when the function takes no keywords (as
    tests/test_rules.py calls them: `math.log(x, base)`, `np.einsum(s, a, b)`)."""
    out = _program(rule, case, keywords=True)
    try:
        out[0](*out[2])
    except TypeError:
        return _program(rule, case, keywords=False)
    except Exception:
        pass
    return out


def _program(rule, case, keywords):
    params, values, args = [], [], []
    positional = True
    names = [p.name for p in rule.params]
    last = max([names.index(n) for n in case if n in names], default=-1)
    for k, p in enumerate(rule.params):
        if p.name not in case:
            if not keywords and not p.star and k < last:
                args.append(p.default)  # (a gap before a given argument: its default)
            elif not p.star:
                positional = positional and p.default is None
            continue
        value = case[p.name]
        text = literal(value)
        if text is None:
            params.append(p.name)
            values.append(value)
            text = p.name
        if p.star and isinstance(value, tuple) and literal(value) is not None:
            args.extend(literal(e) for e in value)
        elif p.star:
            args.append("*" + text)
        elif p.default is None and positional or not keywords:
            args.append(text)
        else:
            args.append(f"{p.name}={text}")
    name = f"prog_{next(_COUNT)}"
    source = f"def {name}({', '.join(params)}):\n    return FN({', '.join(args)})\n"
    filename = f"<vmap rule test {name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"FN": rule.fn, "np": np, "rt": rt, "math": math}
    exec(compile(source, filename, "exec"), namespace)
    fn = namespace[name]
    return fn, params, values


def stacked(value):
    """The batch of examples (a list: a list of batches)."""
    if isinstance(value, (list, tuple)):
        return type(value)(stacked(e) for e in value)
    return np.stack([np.asarray(scaled(value, s)) for s in SCALES])


def loop(fn, values, batched):
    return [fn(*[scaled(v, s) if b else v for v, b in zip(values, batched)])
            for s in SCALES]


def compare(got, outs, msg):
    if isinstance(outs[0], (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(outs[0]), msg
        for i in range(len(outs[0])):
            compare(got[i], [o[i] for o in outs], f"{msg}[{i}]")
        return
    want = np.stack([np.asarray(o) for o in outs])
    got = np.asarray(got)
    assert got.shape == want.shape, f"{msg}: shape {got.shape} vs loop {want.shape}"
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, err_msg=msg)


def batchings(values, params=None):
    """Which parameters to batch: each float one alone, then all of them (not those
    that choose axes or options, such as ord)."""
    floats = [i for i, v in enumerate(values) if batchable(v)
              and (params is None or params[i] not in STRUCTURAL)]
    out = [tuple(i == j for j in range(len(values))) for i in floats]
    if len(floats) > 1:
        out.append(tuple(j in floats for j in range(len(values))))
    return out


# helpers whose table cases are shape-inconsistent for this use: the products' cases
VMAP_CASES = {"rt.dot_ga": "rt.matmul_ga", "rt.dot_gb": "rt.matmul_gb"}


def cases_for(rule):
    r = np.random.default_rng(0)
    spec = CASES.get(VMAP_CASES.get(rule.name, rule.name))
    return spec(r) if spec is not None else default_cases(rule, r)


def has_policy(rule) -> bool:
    from adjoint.batching.sites import Site
    site = Site("call", rule.fn, None, policy=rule.batch, elementwise=rule.elementwise)
    return policy_of(site) is not None


def check(rule, fn, params, values, flags, what):
    in_axes = tuple(0 if b else None for b in flags)
    args = [stacked(v) if b else v for v, b in zip(values, flags)]
    try:
        want = loop(fn, values, flags)
    except Exception:  # the case's function fails on a scaled input: nothing to compare
        return "skip"
    try:
        got = adjoint.vmap(fn, in_axes=in_axes)(*args)
    except NotBatchableError:
        if has_policy(rule) and rule.name not in NOT_BATCHED:
            raise
        return "refused"
    compare(got, want, f"{rule.name} {what} batched={flags}")
    return "ok"


@pytest.mark.parametrize("name", sorted(RULES))
def test_vmap_rule(name):
    rule = RULES[name]
    for case in cases_for(rule):
        fn, params, values = program(rule, case)
        for flags in batchings(values, params):
            check(rule, fn, params, values, flags, f"case {sorted(case)}")


def test_batching_runtime_is_importable_as_batched():
    assert batched_rt.lift(np.ones(2), 3).shape == (3, 2)


def check_grad(rule, fn, params, values, flags, wrt, what):
    """vmap(grad(prog)) against a loop of grad(prog), with one incoming gradient."""
    try:
        ans = fn(*values)
    except Exception:
        return "skip"
    if not isinstance(ans, (float, np.ndarray)) or np.asarray(ans).dtype.kind != "f":
        return "skip"
    seed = np.random.default_rng(5).normal(size=np.shape(ans))
    seed = float(seed) if np.ndim(ans) == 0 else seed
    g = adjoint.grad(fn, wrt=wrt)
    in_axes = tuple(0 if b else None for b in flags)
    args = [stacked(v) if b else v for v, b in zip(values, flags)]
    try:
        want = [g(*[scaled(v, s) if b else v for v, b in zip(values, flags)],
                  grad_out=seed) for s in SCALES]
    except Exception:
        return "skip"
    try:
        got = adjoint.vmap(g, in_axes=in_axes)(*args, grad_out=seed)
    except NotBatchableError:
        if (rule.name, params[wrt]) in GRAD_NOT_BATCHED or not has_policy(rule):
            return "refused"
        raise
    compare(got, want, f"grad of {rule.name} {what} batched={flags}")
    return "ok"


# (rule, parameter) whose gradient (its template, the helpers it calls) vmap refuses,
# and why
GRAD_NOT_BATCHED = {
    ("numpy.average", "weights"): "rt.average_wgrad has no batching rule yet",
    ("numpy.select", "default"): "rt.select_default_grad has no batching rule yet",
}


@pytest.mark.parametrize("name", sorted(RULES))
def test_vmap_of_the_rules_gradient(name):
    rule = RULES[name]
    if name.startswith("rt."):
        return  # (helpers: their gradients are checked through the rules that use them)
    for case in cases_for(rule):
        fn, params, values = program(rule, case)
        for wrt, p in enumerate(params):
            if p not in rule.vjp or not batchable(values[wrt]):
                continue
            alone = tuple(i == wrt for i in range(len(values)))
            every = batchings(values, params)[-1]  # (the last: all of them)
            for flags in dict.fromkeys([alone, every]):
                check_grad(rule, fn, params, values, flags, wrt, f"d{p} case {sorted(case)}")
