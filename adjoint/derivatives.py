"""Forward mode and higher-order derivatives: jvp, hessian_vector_product, hessian,
jacobian. `jvp` compiles a forward-mode function; the others compose it with `grad`.
"""
from __future__ import annotations

import copy
import functools
import inspect

import numpy as np

from . import display
from .api import _key, grad, on_method
from .batching.derivatives import forward_columns, hessian_rule, hvp_rule, jacobian_rule
from .errors import UsageError, at_the_call
from .pipeline import compile_forward

_CACHE: dict = {}


@at_the_call
def jvp(fn=None, *, wrt=0, optimize=True):
    """Forward mode: `jvp(f, wrt=0)(*args, dx)` returns `(f(*args), <f'(args), dx>)`.

    The returned function takes `fn`'s arguments followed by one tangent per `wrt`
    parameter (named `d<param>`, shaped like it; the tangents may also be passed by
    name, `dx=...`); with several `wrt` parameters the directional derivative is
    along all of them at once. Optional parameters of `fn` may be left out: the
    last positional arguments are always the tangents. It has `.source`
    and `.stages` like `grad`'s result.
    """
    if fn is None:
        return functools.partial(jvp, wrt=wrt, optimize=optimize)
    if inspect.ismethod(fn):
        return on_method(fn, wrt, functools.partial(jvp, optimize=optimize))
    key = _key(fn, wrt, optimize, "jvp")
    hit = _CACHE.get(key)
    if hit is None:
        gen, ctx, mod = compile_forward(fn, wrt, optimize_=optimize)
        hit = _CACHE[key] = _finish(_positional_tangents(
            gen, ctx.wrt, ctx.tangents, getattr(ctx, "array_tangents", ())), fn, ctx, mod)
    return hit


def _positional_tangents(gen, wrt, tangents, arrays=()):
    """The jvp function users call: the tangents come last among the positionals or
    by name, and each must have its parameter's shape. When `fn` has defaults the
    generated tangents are keyword-only (`f(x, mask=None, *, dx)`), so `(x, dx)`,
    `(x, mask, dx)` and `(x, dx=dx)` all mean what they say. A tangent of another
    shape would broadcast into a wrong derivative (a scalar `dx` for an array `x`
    enters `np.sum(dx)` once, not once per entry), so it is an error."""
    params = [p for p in inspect.signature(gen).parameters.values()
              if p.kind is not inspect.Parameter.VAR_KEYWORD]
    keyword = params and params[[p.name for p in params].index(tangents[0])].kind \
        is inspect.Parameter.KEYWORD_ONLY
    positional = [p.name for p in params if p.name not in tangents and p.kind in
                  (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    slots = [(w, t, positional.index(w) if w in positional else None,
              None if keyword else len(positional) + i)
             for i, (w, t) in enumerate(zip(wrt, tangents))]
    n = len(tangents)

    @functools.wraps(gen)
    def call(*args, **kwargs):
        if keyword and not any(t in kwargs for t in tangents) and len(args) >= n:
            kwargs.update(zip(tangents, args[len(args) - n:]))
            args = args[:len(args) - n]
        for w, t, at, t_at in slots:
            value = args[at] if at is not None and at < len(args) else kwargs.get(w)
            tangent = args[t_at] if t_at is not None and t_at < len(args) else \
                kwargs.get(t)
            _check_tangent(w, value, t, tangent)
            if w in arrays and isinstance(tangent, (list, tuple)):
                tangent = _as_array(tangent)  # NumPy reads the list as an array
                if t_at is not None and t_at < len(args):
                    args = args[:t_at] + (tangent,) + args[t_at + 1:]
                else:
                    kwargs[t] = tangent
        dtype = _tangent_dtype([args[t_at] if t_at is not None and t_at < len(args)
                                else kwargs.get(t) for _, t, _, t_at in slots])
        value, tangent = gen(*args, **kwargs)
        return value, _as_dtype(tangent, dtype)
    call.generated = gen
    return call


_NUMBERS = (float, int, np.float64)


def _tangent_dtype(tangents):
    """The float dtype of the given tangents (None when none is a NumPy float)."""
    dtypes = [t.dtype for t in tangents if isinstance(t, (np.ndarray, np.floating))
              and t.dtype.kind == "f"]
    return np.result_type(*dtypes) if dtypes else None


def _as_dtype(tangent, dtype):
    """The tangent of the result in the dtype of the tangents given (float32 in,
    float32 out), through tuples and lists."""
    if dtype is None:
        return tangent
    if isinstance(tangent, (tuple, list)):
        return type(tangent)(_as_dtype(t, dtype) for t in tangent)
    if isinstance(tangent, (np.ndarray, np.floating)) and tangent.dtype.kind == "f" \
            and tangent.dtype != dtype:
        return tangent.astype(dtype)
    return tangent


def _as_array(tangent):
    """A list or tuple tangent as the float array NumPy would read it as (kept as it
    is when it is not one: ragged, or holding containers)."""
    try:
        out = np.asarray(tangent, dtype=float)
    except (TypeError, ValueError):
        return tangent
    return out


def _check_tangent(w, value, t, tangent) -> None:
    if type(value) in _NUMBERS and type(tangent) in _NUMBERS:
        return
    if type(value) is np.ndarray and type(tangent) is np.ndarray:
        if value.shape == tangent.shape:
            return
    elif value is None or tangent is None or isinstance(value, (list, tuple, dict)):
        return
    if np.shape(value) != np.shape(tangent):
        raise UsageError(f"the tangent {t} has shape {np.shape(tangent)} but {w} has "
                         f"shape {np.shape(value)}",
                         hint=f"pass one tangent entry per entry of {w} (for the same "
                              f"value everywhere: {t}=np.full_like({w}, v))")


def _call_tangent(fwd, args, tangent, kwargs=None):
    """Call a jvp function with `args` (and keyword arguments) and one tangent, passed
    by keyword."""
    return fwd(*args, **(kwargs or {}), **{fwd.tangents[0]: tangent})


def _finish(gen, fn, ctx, mod):
    gen.tangents = ctx.tangents
    gen.source = mod.text
    display.attach(gen)
    gen.stages = ctx.stages.copy()
    gen.wrt = ctx.wrt
    gen.line_map = dict(mod.line_map)
    gen.fn = fn
    gen.__module__ = getattr(fn, "__module__", None)
    gen.__doc__ = f"Forward mode (value, JVP) of {fn.__name__} with respect to " \
        f"{', '.join(ctx.wrt)}."
    return gen


@at_the_call
def hessian_vector_product(fn=None, *, wrt=0, optimize=True):
    """`hvp(f, wrt=0)(*args, v)` is H·v, H the Hessian of scalar `f` in `wrt`.

    Forward-over-reverse: the forward mode (`jvp`) of the generated gradient."""
    if fn is None:
        return functools.partial(hessian_vector_product, wrt=wrt, optimize=optimize)
    if inspect.ismethod(fn):
        return on_method(fn, wrt, functools.partial(hessian_vector_product,
                                                     optimize=optimize))
    key = _key(fn, wrt, optimize, "hvp")
    hit = _CACHE.get(key)
    if hit is None:
        inner = jvp(grad(fn, wrt=_single(fn, wrt), optimize=optimize), wrt=wrt,
                    optimize=optimize)

        def hvp(*args, **kwargs):
            if not args:
                raise UsageError(f"the Hessian-vector product of {fn.__name__} takes "
                                 "its arguments followed by the direction v",
                                 hint=f"call it as hvp(<arguments of {fn.__name__}>, v)")
            *primal, v = args
            return _call_tangent(inner, primal, v, kwargs)[1]
        hvp.source = inner.source
        hvp.jvp = inner
        hvp.vmap_rule = hvp_rule(inner)  # vmap(hvp): the batched jvp of the gradient
        display.attach(hvp)
        hit = _CACHE[key] = functools.update_wrapper(hvp, fn, updated=())
        hit.__doc__ = f"Hessian-vector product of {fn.__name__}."
    return hit


@at_the_call
def hessian(fn=None, *, wrt=0, optimize=True):
    """`hessian(f, wrt=0)(*args)`: the Hessian of scalar `f` in one parameter, with
    shape `x.shape + x.shape`; one Hessian-vector product per entry of `x`."""
    if fn is None:
        return functools.partial(hessian, wrt=wrt, optimize=optimize)
    hvp = hessian_vector_product(fn, wrt=wrt, optimize=optimize)
    argument = _argument(fn, wrt)

    def hess(*args, **kwargs):
        x = argument(args, kwargs)
        cols = [hvp(*args, e, **kwargs) for e in _basis(x)]
        return _assemble(cols, np.shape(x), np.shape(x), _float_dtype(x))
    hess = functools.update_wrapper(hess, fn, updated=())
    hess.source = hvp.source  # the forward-over-reverse module that computes it
    hess.vmap_rule = hessian_rule(fn, wrt, optimize)
    display.attach(hess)
    return hess


@at_the_call
def jacobian(fn=None, *, wrt=0, mode="reverse", optimize=True):
    """`jacobian(f, wrt=0)(*args)` with shape `out.shape + x.shape`.

    mode="reverse": one vector-Jacobian product (`grad` with `grad_out`) per output
    entry; mode="forward": one `jvp` per input entry."""
    if fn is None:
        return functools.partial(jacobian, wrt=wrt, mode=mode, optimize=optimize)
    if mode not in ("reverse", "forward"):
        raise UsageError(f"jacobian mode={mode!r} is neither 'reverse' nor 'forward'",
                         hint="pass mode='reverse' (few outputs) or mode='forward' "
                              "(few inputs)")
    argument = _argument(fn, wrt)
    single = _single(fn, wrt)
    if mode == "forward":
        fwd = jvp(fn, wrt=single, optimize=optimize)

        def jac(*args, **kwargs):
            x = argument(args, kwargs)
            basis = _basis(x)
            out = _call_tangent(fwd, args, _zero(x), kwargs)[0]
            cols = forward_columns(fwd, args, kwargs, x) if np.ndim(x) and \
                isinstance(x, np.ndarray) else None  # one jvp batched over the basis
            if cols is None:
                cols = [_call_tangent(fwd, args, e, kwargs)[1] for e in basis]
            return _assemble(list(cols), np.shape(out), np.shape(x), _float_dtype(x))
    else:
        vjp = grad(fn, wrt=single, optimize=optimize)

        def jac(*args, **kwargs):
            x = argument(args, kwargs)
            out = fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))  # (f may write
            # a list or tuple output is seeded with a list or tuple of the same length
            shaped = (lambda e: type(out)(e)) if isinstance(out, (list, tuple)) \
                else (lambda e: e)
            rows = [np.reshape(vjp(*args, **kwargs, **{vjp.seed_name: shaped(e)}),
                               np.shape(x))  # (f may write its input)
                    for e in _basis(out, f"the value of {fn.__name__}")]
            return np.reshape(np.array(rows, dtype=_float_dtype(x)),
                              np.shape(out) + np.shape(x))
    jac = functools.update_wrapper(jac, fn, updated=())
    jac.source = (fwd if mode == "forward" else vjp).source
    jac.vmap_rule = jacobian_rule(fn, wrt, mode, optimize)
    display.attach(jac)
    return jac


def _single(fn, wrt):
    if isinstance(wrt, (tuple, list)):
        if len(wrt) != 1:
            raise UsageError(f"wrt={wrt!r}: Hessians and Jacobians take one parameter "
                             f"of {getattr(fn, '__name__', fn)}",
                             hint="pack the parameters into one array, or ask for "
                                  "each parameter separately")
        wrt = wrt[0]
    return wrt


def _argument(fn, wrt):
    """`(args, kwargs) -> the value passed for wrt`, given by position or by name."""
    wrt = _single(fn, wrt)
    names = list(inspect.signature(fn).parameters)
    if isinstance(wrt, int):
        index, name = wrt, names[wrt] if -len(names) <= wrt < len(names) else None
    elif wrt in names:
        index, name = names.index(wrt), wrt
    else:
        raise UsageError(f"wrt={wrt!r} names no parameter of {fn.__name__}",
                         hint=f"the parameters are: {', '.join(names)}")

    def argument(args, kwargs):
        if name is not None and name in kwargs:
            return kwargs[name]
        if not -len(args) <= index < len(args):
            raise UsageError(f"{fn.__name__} was called without its differentiated "
                             f"argument {name or index}",
                             hint=f"pass {name or f'argument {index}'} by position or "
                                  "by name")
        return args[index]
    return argument


def _zero(x):
    return np.zeros(np.shape(x)) if np.ndim(x) else 0.0


def _basis(x, what="the differentiated parameter"):
    """Unit vectors shaped like `x` (floats for scalars), in C order."""
    if isinstance(x, (list, tuple)):  # numbers or arrays of one shape: an array
        try:
            x = np.asarray(x, dtype=float)
        except (TypeError, ValueError):
            pass
    if isinstance(x, (dict, list, tuple)) or not np.issubdtype(np.result_type(x),
                                                               np.number):
        raise UsageError(
            f"{what} is a {type(x).__name__}: hessian and jacobian build one unit "
            "direction per entry of an array or number",
            hint="pass an array (e.g. np.concatenate the parts and split them inside "
                 "the function), or use jvp / hessian_vector_product with a direction "
                 "of the same structure")
    shape = np.shape(x)
    if shape == ():
        return [1.0]
    out = []
    dtype = np.result_type(x, np.float32)  # float32 directions keep float32 (ints: f64)
    dtype = dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)
    for i in range(int(np.prod(shape))):
        e = np.zeros(int(np.prod(shape)), dtype)
        e[i] = 1.0
        out.append(e.reshape(shape))
    return out


def _assemble(cols, out_shape, in_shape, dtype=None):
    """Stack per-input-entry columns into an `out_shape + in_shape` array."""
    cols = [np.reshape(c, (-1,)) if out_shape else np.reshape(c, ()) for c in cols]
    mat = np.stack(cols, axis=-1) if cols else np.zeros(out_shape + in_shape, dtype)
    mat = mat if dtype is None else mat.astype(dtype, copy=False)
    return np.reshape(mat, out_shape + in_shape)


def _float_dtype(x):
    """The float dtype of derivatives in x: x's own (float32 stays), else float64."""
    dtype = np.result_type(x) if isinstance(x, (np.ndarray, np.generic)) else None
    return dtype if dtype is not None and dtype.kind == "f" else np.dtype(np.float64)
