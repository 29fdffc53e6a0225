"""Decorated functions: what a call of a wrapper computes is what is differentiated.

`@functools.wraps(fn)` copies the name, the docstring and `__wrapped__` onto a
wrapper; calling the decorated name runs the wrapper, which may change the value
(`return 2 * fn(*args, **kwargs)`). So adjoint reads the wrapper's own source (its
code object's, never `inspect.unwrap`'s) and differentiates it; the wrapped function
is a call like any other of the user's functions (its own forward/backward pair).
A wrapper that forwards `*args, **kwargs` gets the wrapped function's parameters:

    def wrapper(*args, **kwargs):            def wrapper(x, w=1.0):
        return 2 * fn(*args, **kwargs)  ->       return 2 * fn(x, w=w)

Callables that are not Python functions are followed only when their mark says what
they call (`.generated` of a jvp, the functools caches); any other is refused.
"""
from __future__ import annotations

import ast
import functools
import inspect

import gast

from ..codegen import ast_convert
from ..codegen.emit import literal
from ..errors import Location, SourceUnavailableError, UnsupportedSyntaxError

# the functools caches return what the function they wrap returns
_CACHES = (type(functools.lru_cache(maxsize=None)(lambda: None)),)


def target(fn):
    """The Python function a call of `fn` runs: `fn` itself when it is one (a wrapper
    included), what adjoint's own wrappers and the functools caches call; else an
    error (a callable object would be differentiated as something else)."""
    generated = getattr(fn, "generated", None)  # adjoint.jvp's shape-checking wrapper
    if inspect.isfunction(generated):
        return generated
    if inspect.isfunction(fn):
        return fn
    if isinstance(fn, _CACHES) and inspect.isfunction(getattr(fn, "__wrapped__", None)):
        return fn.__wrapped__
    if getattr(fn, "__wrapped__", None) is not None and not inspect.ismethod(fn):
        name = getattr(fn, "__name__", type(fn).__name__)
        raise SourceUnavailableError(
            f"{name} is a {type(fn).__name__} wrapping a function: adjoint cannot read "
            "what calling it computes", hint="differentiate a Python function (a def) "
            "that calls it, or the wrapped function itself if the wrapper does not "
            f"change its value (adjoint.grad({name}.__wrapped__))")
    return fn


def forward_arguments(tree: gast.FunctionDef, fn, where: Location) -> None:
    """Give a wrapper `def w(*args, **kwargs)` (in place) the parameters of the function
    it wraps, and its calls `f(*args, **kwargs)` those parameters by name."""
    a = tree.args
    if a.vararg is None and a.kwarg is None or getattr(fn, "__wrapped__", None) is None:
        return
    params = _parameters(fn.__wrapped__, fn, where)
    named = [p.id for p in a.posonlyargs + a.args]
    positional = [p for p in params if p[1] != "keyword"][len(named):]
    keyword = [p for p in params if p[1] == "keyword"]
    if a.vararg is None and positional or a.kwarg is None and keyword \
            or {p[0] for p in positional + keyword} & set(named):
        _refuse(fn, where, "its parameters do not line up with the wrapped function's")
    star, double = getattr(a.vararg, "id", None), getattr(a.kwarg, "id", None)
    _replace_forwarding(tree, star, double, [p[0] for p in positional],
                        [p[0] for p in keyword], fn, where)
    defaults = [p[2] for p in positional if p[2] is not None]
    if defaults and (a.defaults or any(p[2] is None for p in positional[-len(defaults):])):
        _refuse(fn, where, "its own parameters have defaults before *args")
    a.args = list(a.args) + [_param(p[0]) for p in positional]
    a.kwonlyargs = list(a.kwonlyargs) + [_param(p[0]) for p in keyword]
    a.defaults = list(a.defaults) + defaults
    a.kw_defaults = list(a.kw_defaults) + [p[2] for p in keyword]
    a.vararg = a.kwarg = None


def _parameters(wrapped, fn, where) -> list:
    """(name, "positional" or "keyword", default expression or None) of the function a
    wrapper calls; of a Python function, as adjoint reads it (a wrapper it is itself
    has the parameters it forwards to)."""
    if inspect.isfunction(wrapped):
        from .parse import parse
        a = parse(wrapped).tree.args
        if a.vararg is not None or a.kwarg is not None:
            _refuse(fn, where, "the function it wraps takes *args or **kwargs itself")
        positional = a.posonlyargs + a.args
        defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
        return [(p.id, "positional", _literal(d, fn, where, p.id))
                for p, d in zip(positional, defaults)] + \
            [(p.id, "keyword", _literal(d, fn, where, p.id))
             for p, d in zip(a.kwonlyargs, a.kw_defaults)]
    kinds = inspect.Parameter
    try:
        sig = inspect.signature(wrapped)
    except (TypeError, ValueError):
        _refuse(fn, where, "the signature of the function it wraps is unknown")
    out = []
    for p in sig.parameters.values():
        if p.kind in (kinds.VAR_POSITIONAL, kinds.VAR_KEYWORD):
            _refuse(fn, where, "the function it wraps takes *args or **kwargs itself")
        default = None
        if p.default is not kinds.empty:
            text = literal(p.default)
            if text is None:
                _refuse(fn, where, f"the default of {p.name} is not a literal")
            default = gast.parse(text, mode="eval").body
        out.append((p.name, "keyword" if p.kind is kinds.KEYWORD_ONLY else "positional",
                    default))
    return out


def _literal(node, fn, where, name):
    """A default written as a literal (it moves to the wrapper, whose globals differ)."""
    if node is None:
        return None
    try:
        value = ast.literal_eval(ast_convert.to_ast(node))
    except (ValueError, TypeError, SyntaxError):
        _refuse(fn, where, f"the default of {name} is not a literal")
    return gast.parse(literal(value) or repr(value), mode="eval").body


def _replace_forwarding(tree, star, double, positional, keyword, fn, where) -> None:
    """`f(*args, **kwargs)` -> `f(a, b, k=k)`; any other use of args or kwargs is
    refused (its value is no longer a tuple or dict)."""
    for node in gast.walk(tree):
        if not isinstance(node, gast.Call):
            continue
        args = []
        for arg in node.args:
            if isinstance(arg, gast.Starred) and isinstance(arg.value, gast.Name) \
                    and arg.value.id == star:
                args += [_load(n) for n in positional]
            else:
                args.append(arg)
        keywords = []
        for kw in node.keywords:
            if kw.arg is None and isinstance(kw.value, gast.Name) and kw.value.id == double:
                keywords += [gast.keyword(arg=n, value=_load(n)) for n in keyword]
            else:
                keywords.append(kw)
        node.args, node.keywords = args, keywords
    for node in (n for stmt in tree.body for n in gast.walk(stmt)):
        if isinstance(node, gast.Name) and node.id in (star, double):
            _refuse(fn, where, f"it reads {node.id} other than to pass it on "
                               f"(f(*{star or 'args'}, **{double or 'kwargs'}))")


def _refuse(fn, where, why: str):
    name = getattr(fn, "__name__", "the function")
    raise UnsupportedSyntaxError(
        f"{name} is decorated: adjoint differentiates what its wrapper computes, but "
        f"cannot read the wrapper's *args/**kwargs here: {why}", where,
        hint="give the wrapper the wrapped function's parameters by name, or "
             "differentiate the undecorated function if the decorator does not "
             f"change its value (adjoint.grad({name}.__wrapped__))")


def _param(name: str) -> gast.Name:
    return gast.Name(id=name, ctx=gast.Param(), annotation=None, type_comment=None)


def _load(name: str) -> gast.Name:
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)
