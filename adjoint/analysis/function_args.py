"""Functions passed as arguments to the user's own functions, compiled by specialising.

A function is a value: an integrator takes its right-hand side, an optimiser its
objective, a quadrature rule its integrand. Where the function passed is known when
adjoint compiles (a nested def, a lambda, a function of a module, a NumPy function),
the receiving function is compiled once per function it receives, that parameter
bound to it:

    def apply(f, x):                 apply(h, x), where def h(y): return a * y
        return f(x)          ->      apply_h(x, *, f_a=a), in which f(x) is h(x, a=f_a)

The values the function captures (`a`) become keyword parameters of the specialised
function, so their gradients flow back to the caller, through any depth of functions
passing it on. A function picked at run time (from a dict, by a condition) is a
value adjoint cannot know: calling it is refused (expressions.py).
"""
from __future__ import annotations

import copy
import inspect
import sys
import types
import weakref
from dataclasses import dataclass, replace

import gast
import numpy as np

from ..context import Source
from .callees import Nested, callee_source


@dataclass(frozen=True)
class Specialized:
    """A function of the user's (or a Nested) called with functions as arguments."""

    base: object        # the function called
    functions: tuple    # ((parameter, the function it is bound to inside), ...)
    extra: tuple        # ((keyword parameter added, the caller's variable), ...)
    positional: tuple   # the base's positional parameters (to drop bound arguments)

    @property
    def captured(self) -> tuple:  # (a Nested base's own captured values stay its own)
        return ()

    def label(self) -> str:
        """`apply_h`: the base's name and the functions', for generated names."""
        return "_".join([_name(self.base)] + [_name(t) for _, t in self.functions])


def function_value(node, source: Source, locals_):
    """The function an argument is, when adjoint can know it: a nested def or lambda
    (its Nested), or a module's function or NumPy function named directly; else None."""
    if isinstance(node, gast.Name) and node.id in source.nested:
        return source.nested[node.id]
    if isinstance(node, gast.Name) and node.id in locals_:
        return None  # a variable: its value is known only when the code runs
    if not isinstance(node, (gast.Name, gast.Attribute)):
        return None
    from .primitives import resolve
    value = resolve(node, source.namespace)
    if inspect.isfunction(value) or isinstance(value, (types.BuiltinFunctionType,
                                                         np.ufunc)):
        return value
    return None


def specialize(callee, tree, bound, source: Source, locals_):
    """(callee, bound arguments), with the functions among the arguments bound into a
    Specialized callee and replaced by the values they capture."""
    targets = [(p, function_value(node, source, locals_)) for p, node in bound]
    if not any(t is not None for _, t in targets):
        return callee, bound
    tree = tree if tree is not None else source_tree(callee)
    taken = {n.id for n in gast.walk(tree) if isinstance(n, gast.Name)} | \
        {p for p, _ in bound}
    functions, extra, out = [], [], []
    assigned = {n.id for n in gast.walk(tree) if isinstance(n, gast.Name)
                and isinstance(n.ctx, gast.Store)}
    for (param, node), (_, target) in zip(bound, targets):
        if target is None or param in assigned:  # (a parameter it rebinds is data)
            out.append((param, node))
        elif isinstance(target, Nested):
            fresh = tuple(_fresh(f"{param}_{c}", taken) for c in target.captured)
            functions.append((param, replace(target, outer=fresh)))
            extra += list(zip(fresh, target.passed))
        else:
            functions.append((param, target))
    a = tree.args
    positional = tuple(p.id for p in a.posonlyargs + a.args)
    spec = Specialized(callee, tuple(functions), tuple(extra), positional)
    out += [(p, _load(o)) for p, o in extra]
    return spec, out


def specialized_source(spec: Specialized) -> Source:
    """The base's source with its function parameters bound and the captured values
    of the functions bound to them as keyword-only parameters."""
    src = callee_source(spec.base)
    bound = {p for p, _ in spec.functions}
    a = src.tree.args
    positional = a.posonlyargs + a.args
    defaults = dict(zip([p.id for p in positional][len(positional) - len(a.defaults):],
                        a.defaults))
    keep = [p for p in positional if p.id not in bound]
    a.posonlyargs = [p for p in a.posonlyargs if p.id not in bound]
    a.args = [p for p in a.args if p.id not in bound]
    a.defaults = [defaults[p.id] for p in keep if p.id in defaults]
    kw = [(p, d) for p, d in zip(a.kwonlyargs, a.kw_defaults) if p.id not in bound]
    kw += [(gast.Name(id=p, ctx=gast.Param(), annotation=None, type_comment=None), None)
           for p, _ in spec.extra]
    a.kwonlyargs, a.kw_defaults = [p for p, _ in kw], [d for _, d in kw]
    namespace, nested = dict(src.namespace), dict(src.nested)
    closure, passed = set(src.closure) - bound, set()
    for param, target in spec.functions:
        if isinstance(target, Nested):
            nested[param] = target
            continue
        expr, names = _reference(target, src, namespace)
        _rename(src.tree, param, expr)
        if names is not None:  # reachable by no import: the value itself, in-process
            closure |= names
            passed |= names
    return Source(src.fn, src.name, src.filename, src.line_offset, src.col_offset,
                  src.tree, namespace, frozenset(closure), nested=nested,
                  generated=src.generated, passed=frozenset(passed))


def _reference(fn, src: Source, namespace: dict):
    """An expression naming `fn` in the specialised function's module: a global that
    is it (`rhs`), an attribute of a module there (`np.sin`), else an imported module's
    attribute (`workloads.rhs`) or, reachable by none, a name bound to the value itself
    in-process (returned with that name)."""
    taken = {n.id for n in gast.walk(src.tree) if isinstance(n, gast.Name)}
    name = getattr(fn, "__name__", None)
    for key in sorted(namespace):
        value = namespace[key]
        if value is fn and key not in taken:
            return _load(key), None
        if isinstance(value, types.ModuleType) and name and key not in taken \
                and getattr(value, name, None) is fn:
            return gast.Attribute(value=_load(key), attr=name, ctx=gast.Load()), None
    module = sys.modules.get(getattr(fn, "__module__", None) or "")
    if name and module is not None and getattr(module, name, None) is fn:
        alias = _fresh(module.__name__.split(".")[-1], taken | set(namespace))
        namespace[alias] = module
        return gast.Attribute(value=_load(alias), attr=name, ctx=gast.Load()), None
    alias = _fresh(name if name and name.isidentifier() else "passed",
                   taken | set(namespace))
    namespace[alias] = fn
    return _load(alias), {alias}


def _rename(tree, param: str, expr) -> None:
    """Every read of `param` in the body becomes `expr` (in place)."""
    for node in gast.walk(tree):
        for field, value in gast.iter_fields(node):
            if isinstance(value, gast.Name) and value.id == param \
                    and isinstance(value.ctx, gast.Load):
                setattr(node, field, copy.deepcopy(expr))
            elif isinstance(value, list):
                value[:] = [copy.deepcopy(expr) if isinstance(v, gast.Name)
                            and v.id == param and isinstance(v.ctx, gast.Load) else v
                            for v in value]


def call_arguments(callee, call) -> tuple[list, list]:
    """The arguments of the generated function called for the user's `call` of
    `callee`: a Nested function also takes the values it captures; a Specialized one
    no longer takes the functions, but the values they capture."""
    args, keywords = list(call.args), list(call.keywords)
    if isinstance(callee, Specialized):
        bound = {p for p, _ in callee.functions}
        args = [a for k, a in enumerate(args)
                if k >= len(callee.positional) or callee.positional[k] not in bound]
        keywords = [k for k in keywords if k.arg not in bound]
        keywords += [gast.keyword(arg=p, value=_load(o)) for p, o in callee.extra]
        callee = callee.base
    if isinstance(callee, Nested):
        keywords += [gast.keyword(arg=c, value=_load(o))
                     for c, o in zip(callee.captured, callee.passed)]
    return args, keywords


def identity(target):
    """What makes two callees the same generated function (never a name)."""
    if isinstance(target, Nested):
        return ("nested", id(target.node))
    if isinstance(target, Specialized):
        return ("specialized", identity(target.base),
                tuple((p, identity(t)) for p, t in target.functions))
    return ("function", id(target))


def source_tree(fn) -> gast.FunctionDef:
    """The syntax tree a function of the user's is compiled from, read once per
    function (its parameters decide how a call binds)."""
    if isinstance(fn, Nested):
        return fn.node
    tree = _TREES.get(fn)
    if tree is None:
        tree = _TREES[fn] = callee_source(fn).tree
    return tree


_TREES = weakref.WeakKeyDictionary()


def _name(target) -> str:
    if isinstance(target, Nested):
        name = target.node.name
    else:
        name = getattr(target, "__name__", "f")
    return "lambda" if name == "<lambda>" else name


def _fresh(base: str, taken: set) -> str:
    name, n = base, 2
    while name in taken:
        name, n = f"{base}{n}", n + 1
    taken.add(name)
    return name


def _load(name: str) -> gast.Name:
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)
