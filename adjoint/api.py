"""The public entry points: grad and value_and_grad, with a compile cache."""
from __future__ import annotations

import functools
import inspect
import types

from . import disk_cache, display
from .codegen import emit
from .context import Stages
from .errors import at_the_call
from .pipeline import IN_PLACE, STAGES, compile_reverse

_CACHE: dict = {}


def _key(fn, wrt, *flags):
    wrt_key = tuple(wrt) if isinstance(wrt, (list, tuple)) else wrt
    return (fn, getattr(fn, "__code__", None), type(wrt).__name__, wrt_key) + flags


def _finish(gen, fn, ctx, mod, kind: str):
    gen.source = mod.text
    display.attach(gen)  # a notebook shows the value as its source
    gen.stages = ctx.stages.copy()
    gen.wrt = ctx.wrt
    gen.line_map = dict(mod.line_map)
    gen.fn = fn
    gen.generic = gen.__globals__.get(gen.__name__ + "_arrays")  # see scalar fast path
    gen.__module__ = getattr(fn, "__module__", None)
    doc = inspect.getdoc(fn)
    gen.__doc__ = f"{kind} of {fn.__name__} with respect to {', '.join(ctx.wrt)}." + \
        (f"\n\n{doc}" if doc else "")
    gen.seed_name = _seed_name(gen)
    try:
        sig = inspect.signature(fn)
        extra = inspect.Parameter(gen.seed_name, inspect.Parameter.KEYWORD_ONLY,
                                  default=None)
        params = list(sig.parameters.values()) + [extra]
        gen.__signature__ = sig.replace(parameters=params, return_annotation=sig.empty)
    except (TypeError, ValueError):
        pass
    return gen


def _seed_name(gen) -> str:
    """The keyword of the output's incoming gradient: `grad_out`, or `grad_out2` for a
    gradient of a gradient (the inner one keeps `grad_out`); always the last one."""
    code = gen.__code__
    return code.co_varnames[code.co_argcount + code.co_kwonlyargcount - 1]


def on_method(fn, wrt, make):
    """`make(function, wrt=...)` for a bound method: `self` is passed first (its attributes
    are constants) and integer `wrt` positions count from the first argument."""
    def shift(w):
        return w + 1 if isinstance(w, int) and not isinstance(w, bool) and w >= 0 else w
    inner_wrt = type(wrt)(shift(w) for w in wrt) if isinstance(wrt, (tuple, list)) \
        else shift(wrt)
    inner, owner = make(fn.__func__, wrt=inner_wrt), fn.__self__

    @functools.wraps(fn)
    def method_derivative(*args, **kwargs):
        return inner(owner, *args, **kwargs)
    method_derivative.__name__ = inner.__name__
    for attr in ("source", "stages", "wrt", "line_map", "tangents", "jvp", "seed_name"):
        if hasattr(inner, attr):
            setattr(method_derivative, attr, getattr(inner, attr))
    method_derivative.fn = fn
    display.attach(method_derivative)
    return method_derivative


def _compiled(fn, wrt, optimize, value, batch=True):
    if inspect.ismethod(fn):
        return on_method(fn, wrt, lambda f, wrt: _compiled(f, wrt, optimize, value))
    key = _key(fn, wrt, optimize, value, batch)
    hit = _CACHE.get(key)
    if hit is None:
        gen, ctx, mod = _build(fn, wrt, optimize, value, batch)
        hit = _CACHE[key] = _finish(gen, fn, ctx, mod,
                                    "Value and gradient" if value else "Gradient")
        in_place = getattr(ctx, "in_place", None)  # (from disk: the text is read)
        if batch and (in_place if in_place is not None else emit.calls_helper(mod, IN_PLACE)):
            # batched loop products or in-place scatters: differentiate the plain
            hit.differentiable = functools.partial(  # version, made on demand
                _compiled, fn, wrt, optimize, value, False)
    return hit


def _build(fn, wrt, optimize, value, batch):
    """compile_reverse, or the module stored on disk by an earlier process when the
    optional cache is on (disk_cache.py); stages are then made again only if read."""
    def compile_():
        return compile_reverse(fn, wrt, optimize_=optimize, value=value, batch=batch)
    name = None
    if disk_cache.cache_dir() is not None and _plain(fn):
        name = disk_cache.key(fn, wrt, ("reverse", optimize, value, batch))
        entry = disk_cache.load(name) if name is not None else None
        if entry is not None:
            mod = emit.Module(entry["text"], entry["name"], entry["filename"], {},
                              entry["line_map"], entry.get("user_file", ""))
            again = functools.lru_cache(maxsize=None)(compile_)
            stages = Stages()
            for stage in STAGES:
                stages.later(stage, lambda stage=stage: again()[1].stages[stage])
            ctx = types.SimpleNamespace(stages=stages, wrt=tuple(entry["wrt"]))
            return emit.load(mod), ctx, mod
    gen, ctx, mod = compile_()
    if name is not None:
        disk_cache.store(name, mod, ctx.wrt)
    return gen, ctx, mod


def _plain(fn) -> bool:
    """A function from the user's source (not a generated gradient or a wrapper)."""
    return inspect.isfunction(fn) and not hasattr(fn, "differentiable") \
        and not hasattr(fn, "generic") and not hasattr(fn, "__wrapped__") \
        and not emit.generated(fn)


@at_the_call
def grad(fn=None, *, wrt=0, optimize=True):
    """The gradient of `fn` with respect to `wrt` (a position, a name, or a tuple).

    Usable as `@adjoint.grad`, `@adjoint.grad(wrt="w")` or `adjoint.grad(f, wrt=(0, 1))`.
    The returned function takes `fn`'s arguments plus an optional keyword
    `grad_out` (the output's incoming gradient; needed for array outputs) and has
    `.source` (the generated module) and `.stages` (each compiler stage as text).
    """
    if fn is None:
        return functools.partial(grad, wrt=wrt, optimize=optimize)
    return _compiled(fn, wrt, optimize, False)


@at_the_call
def value_and_grad(fn=None, *, wrt=0, optimize=True):
    """Like `grad`, but the function returns `(value, gradient)` from one sweep."""
    if fn is None:
        return functools.partial(value_and_grad, wrt=wrt, optimize=optimize)
    return _compiled(fn, wrt, optimize, True)
