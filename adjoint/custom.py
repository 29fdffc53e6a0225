"""Gradients you define yourself: `adjoint.custom_gradient`.

    @adjoint.custom_gradient
    def solve(k, y0):                    # anything: scipy, a C extension, a black box
        ...

    @solve.defvjp
    def solve_vjp(g, ans, k, y0):        # g: the result's adjoint, ans: the result
        return gk, gy0                   # one gradient per parameter (a tuple for several)

    @solve.defjvp                        # optional: forward mode
    def solve_jvp(dk, dy0, ans, k, y0):  # the parameters' tangents, then as vjp
        return dans                      # the result's tangent

The function stays the function (`solve` is not wrapped, so calling it costs nothing).
Its rule is an ordinary entry of the rule table, keyed by the function object, whose
templates are calls to your functions: where the differentiated code calls `solve`,
the generated gradient reads `bk, by0 = solve_vjp(by, y, k, y0)` and imports
`solve_vjp` from your module. The vjp receives what the forward computed (the
arguments and the result), like every built-in rule, so the compiler saves those
in loops; values the backward needs besides (residuals) can be returned as part of
a tuple result. With one differentiable parameter the vjp returns the gradient
itself; inactive tangents reach the jvp as zeros shaped like their parameter.

Differentiating twice: the vjp is Python, so `grad(grad(f))` differentiates it from
its source. Forward mode (`jvp`, and `hessian`, which is forward over reverse) uses
the jvp when there is one, and otherwise differentiates the function's own source;
when that fails (no source, or code adjoint cannot differentiate) the error says to
give a jvp. A jvp alone is refused: adjoint is reverse mode first and cannot turn
a jvp into a vjp.
"""
from __future__ import annotations

import functools
import inspect
import keyword
import sys
from dataclasses import dataclass

import gast

from .codegen import ir
from .errors import NoForwardRuleError, UsageError
from .rules import registry

__all__ = ["custom_gradient"]
RESERVED = {"g", "ans", "np", "math", "rt"}  # names the templates give a meaning


@dataclass(frozen=True)
class Custom:
    """What the user gave for one function (the rule's `custom` field)."""

    fn: object
    params: tuple            # registry.Param, in order
    keyword_only: frozenset  # parameters passed by keyword
    diff: tuple              # the differentiable parameters, in order
    vjp: object = None
    jvp: object = None
    names: tuple = ()        # (vjp's name, jvp's name or None) in the generated code

    def call(self, function: str, first: list[str]) -> str:
        """Template text: `function(<first>, ans, <every parameter>)`."""
        args = [p.name if p.name not in self.keyword_only else f"{p.name}={p.name}"
                for p in self.params]
        return f"{function}({', '.join(first + ['ans'] + args)})"


def custom_gradient(fn=None, *, vjp=None, jvp=None, nondiff=(), signature=None):
    """Give `fn` a gradient of your own; usable as a decorator.

    `vjp(g, ans, *params)` returns the gradient of each differentiable parameter (a
    tuple when there are several); `jvp(*tangents, ans, *params)` returns the
    result's tangent. Either may be given here or later with `@fn.defvjp` and
    `@fn.defjvp`. `nondiff`: names of parameters that carry no gradient (options,
    integers); `signature`: the parameters as text (`"x, y, mode='a'"`) for a
    function whose signature Python cannot read (some C functions).
    """
    if fn is None:
        return functools.partial(custom_gradient, vjp=vjp, jvp=jvp, nondiff=nondiff,
                                 signature=signature)
    state = _parameters(fn, (nondiff,) if isinstance(nondiff, str) else tuple(nondiff),
                        signature)
    holder = [state]

    def defvjp(function):
        holder[0] = _define(holder[0], vjp=function)
        return function

    def defjvp(function):
        holder[0] = _define(holder[0], jvp=function)
        return function
    try:
        fn.defvjp, fn.defjvp = defvjp, defjvp
    except (AttributeError, TypeError):  # a C function: give vjp= (and jvp=) here
        if vjp is None:
            raise UsageError(f"custom_gradient({_name(fn)}): this function takes no "
                             "attributes, so @defvjp cannot be added to it",
                             hint="give the rules here: custom_gradient(fn, vjp=..., "
                                  "jvp=...)") from None
    if vjp is not None:
        defvjp(vjp)
    if jvp is not None:
        defjvp(jvp)
    return fn


def _name(fn) -> str:
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", repr(fn))


def _parameters(fn, nondiff, signature) -> Custom:
    name = _name(fn)
    if signature is not None:
        params = registry.parse_signature(signature)
        keyword_only = frozenset()
    else:
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):
            raise UsageError(f"custom_gradient: cannot read the parameters of {name}",
                             hint="give them as text: custom_gradient(fn, vjp=..., "
                                  "signature='x, y')") from None
        params, kinds = [], inspect.Parameter
        for p in sig.parameters.values():
            if p.kind in (kinds.VAR_POSITIONAL, kinds.VAR_KEYWORD):
                raise UsageError(f"custom_gradient: {name} takes *{p.name}: a rule needs "
                                 "named parameters", hint="list the parameters")
            params.append(registry.Param(p.name, _default(name, p)))
        keyword_only = frozenset(p.name for p in sig.parameters.values()
                                 if p.kind is kinds.KEYWORD_ONLY)
    names = [p.name for p in params]
    for p in names:
        clash = p in RESERVED or f"d{p}" in names or keyword.iskeyword(p)
        if clash:
            raise UsageError(f"custom_gradient: {name}'s parameter {p!r} has a name the "
                             f"rule's templates use ({', '.join(sorted(RESERVED))}, and "
                             "d<parameter> for tangents)", hint="rename the parameter")
    unknown = [n for n in nondiff if n not in names]
    if unknown:
        raise UsageError(f"custom_gradient: nondiff names {', '.join(unknown)}, not "
                         f"parameters of {name}", hint=f"the parameters are: "
                                                        f"{', '.join(names)}")
    diff = tuple(n for n in names if n not in nondiff)
    if not diff:
        raise UsageError(f"custom_gradient: every parameter of {name} is nondiff",
                         hint="for a function without a gradient, use "
                              "adjoint.rules.nondiff(fn)")
    return Custom(fn, tuple(params), keyword_only, diff)


def _default(name, p) -> str | None:
    """The default as source text for the templates (a literal), or None."""
    if p.default is inspect.Parameter.empty:
        return None
    from .codegen.emit import literal
    text = literal(p.default)
    if text is None:
        raise UsageError(f"custom_gradient: the default of {name}'s parameter {p.name} "
                         f"({p.default!r}) is not a literal the generated code can repeat",
                         hint="use a number, string, None or tuple default (e.g. None, "
                              "and set the value inside the function)")
    return text


def _define(state: Custom, vjp=None, jvp=None) -> Custom:
    vjp, jvp = vjp if vjp is not None else state.vjp, jvp if jvp is not None else state.jvp
    for function, kind in ((vjp, "vjp"), (jvp, "jvp")):
        if function is not None and (not callable(function) or not getattr(
                function, "__name__", "").isidentifier()):
            raise UsageError(f"custom_gradient: the {kind} of {_name(state.fn)} must be "
                             f"a function defined with def, got {function!r}",
                             hint="the generated code calls it by its name")
    if vjp is None:
        raise UsageError(f"custom_gradient: {_name(state.fn)} has a jvp but no vjp",
                         hint="define the vjp first (@f.defvjp): adjoint is reverse mode "
                              "first and cannot make a vjp from a jvp")
    names = (registry.template_name(vjp),
             registry.template_name(jvp) if jvp is not None else None)
    state = Custom(state.fn, state.params, state.keyword_only, state.diff, vjp, jvp, names)
    many = len(state.diff) > 1
    vjp_ = {p: state.call(names[0], ["g"]) + (f"[{i}]" if many else "")
            for i, p in enumerate(state.diff)}
    jvp_ = {p: joint_jvp(state, [p]) for p in state.diff} if jvp is not None else {}
    functions = {n: f for n, f in zip(names, (vjp, jvp)) if f is not None}
    registry.defcustom(state.fn, registry.qualname(state.fn), state.params, vjp_, jvp_,
                       state, functions)
    return state


# ---- what the compiler asks --------------------------------------------------------
def joint_jvp(state: Custom, active) -> str:
    """The template of the result's tangent when the parameters `active` have tangents
    (the others' are zeros): one call of the user's jvp. Each parameter's own jvp
    template is this for that parameter alone; forward mode, given several active
    parameters, pastes this once instead of adding one call per parameter."""
    tangents = [f"d{q}" if q in active else f"rt.zeros_like({q})" for q in state.diff]
    return state.call(state.names[1], tangents)


def needs_source(rule) -> bool:
    """Forward mode of a custom rule without a jvp: differentiate the function's source."""
    return rule is not None and getattr(rule, "custom", None) is not None \
        and rule.custom.jvp is None


def source_call(prim, source, where, locals_):
    """The call of a custom function without a jvp, as a call of the user's function
    (compiled from its source), or a clear error when it has none."""
    from .analysis.primitives import _user_call
    fn = prim.rule.fn
    if not inspect.isfunction(fn):
        raise NoForwardRuleError(
            f"{prim.rule.name} has a custom vjp but no jvp, and no Python source to "
            f"derive forward mode from ({source.name})", source.where(where),
            hint=f"give it one: @{fn.__name__}.defjvp, or "
                 f"custom_gradient({fn.__name__}, vjp=..., jvp=...)")
    return _user_call(prim.node, fn, None, source, locals_)


def forward_failed(prim, source, where, exc):
    """The error when differentiating a custom function's source in forward mode
    failed: it names the function and says to give a jvp."""
    return NoForwardRuleError(
        f"{prim.rule.name} has a custom vjp but no jvp, and forward mode through its "
        f"source failed ({source.name}): {exc.message}", source.where(where),
        hint=f"give it a jvp: @{prim.rule.fn.__name__}.defjvp "
             "def f_jvp(<tangents>, ans, <parameters>): return <the result's tangent>")


def one_vjp_call(prim, contribs, adjoint, fresh, where):
    """Reverse mode, several active parameters: their contributions index one call of
    the user's vjp (`f_vjp(g, ans, x, y)[0]`, `[1]`); call it once instead. Returns
    (statements to emit first, contributions): `_bx, _by = f_vjp(by, ans, x, y)`.
    `adjoint(v)`: v's adjoint's name; `fresh(base)`: a new name."""
    if prim.kind != "rule" or prim.rule.custom is None or len(contribs) < 2:
        return [], contribs
    call, index = contribs[0][1].value, {}
    for var, expr in contribs:
        if not (isinstance(expr, gast.Subscript) and isinstance(expr.slice, gast.Constant)
                and ir.unparse(expr.value) == ir.unparse(call)):
            return [], contribs
        index.setdefault(expr.slice.value, []).append(var)
    n = len(prim.rule.custom.diff)
    if sorted(index) == list(range(n)) and all(len(v) == 1 for v in index.values()):
        temps = [fresh("_" + adjoint(index[i][0])) for i in range(n)]
        target = gast.Tuple(elts=[ir.name(t, True) for t in temps], ctx=gast.Store())
        stmt = gast.copy_location(gast.Assign(targets=[target], value=call,
                                              type_comment=None), where)
        return [stmt], [(index[i][0], ir.name(t)) for i, t in enumerate(temps)]
    temp = fresh("_" + prim.rule.custom.names[0])  # some parameters not differentiated
    return [ir.assign(temp, call, where)], [
        (var, gast.Subscript(value=ir.name(temp), slice=ir.clone(expr.slice),
                             ctx=gast.Load())) for var, expr in contribs]


def template_import(name: str, source):
    """How the generated module gets the user function a custom rule's template calls
    as `name`: ("import", "from model import solve_vjp"), ("value", comment, function)
    for one no import reaches (defined inside a function), or None for another name."""
    function = registry.template_global(name)
    if function is None:
        return None
    if source.namespace.get(name, function) is not function:
        if name in {n.id for n in ir.nodes(source.tree) if hasattr(n, "id")}:
            raise UsageError(
                f"{source.name} uses the name {name}, which a custom gradient's rule "
                f"calls for {function.__module__}.{function.__qualname__}",
                source.where(), hint="rename one of the two")
    module = sys.modules.get(function.__module__)
    if module is not None and getattr(module, function.__name__, None) is function:
        alias = "" if name == function.__name__ else f" as {name}"
        return "import", f"from {function.__module__} import {function.__name__}{alias}"
    return "value", f"# {name}: {function.__qualname__}, supplied when compiled " \
        "in-process", function
