"""Check a compiled gradient against central finite differences.

    adjoint.check_grad(f, x, W, wrt=(0, 1))      # True, or raises GradcheckError

Array-valued functions are checked through a vector-Jacobian product with a fixed
random `grad_out`. `random_inputs` turns a spec such as "x=3,W=4x3,n=int:5" into
arguments (what `adjoint check --args` uses).
"""
from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

import numpy as np

from .errors import GradcheckError, Location, UsageError

SPEC_HELP = ("NAME=SHAPE pairs separated by commas: x=3 (random array of shape (3,)), "
             "W=4x3 (shape (4, 3)), s=scalar (random float), t=0.5 (that float), "
             "n=int:5 (the int 5)")
_SHAPE = re.compile(r"\d+(x\d+)*")


@dataclass(frozen=True)
class ArgCheck:
    """How one argument's gradient compares with finite differences."""

    name: str
    shape: tuple
    abs_err: float      # max |grad - numerical|
    rel_err: float      # abs_err / max |numerical| (or abs_err when that is 0)
    ok: bool
    problem: str = ""   # e.g. a shape mismatch


def check_grad(f, *args, wrt=0, eps=1e-6, rtol=1e-5, atol=1e-6, raise_exception=True,
               optimize=True) -> bool:
    """True when `adjoint.grad(f, wrt=wrt)(*args)` matches central differences.

    Like `torch.autograd.gradcheck`: on disagreement raise `GradcheckError` with a
    table of the largest error per argument, or return False when
    `raise_exception=False`. The test is `|grad - numerical| <= atol + rtol * |numerical|`.
    """
    results = compare(f, args, wrt, eps=eps, rtol=rtol, atol=atol, optimize=optimize)
    if all(r.ok for r in results):
        return True
    if not raise_exception:
        return False
    code = getattr(f, "__code__", None)
    where = Location(code.co_filename, code.co_firstlineno) if code else None
    raise GradcheckError(
        f"the gradient of {getattr(f, '__name__', f)} disagrees with finite "
        f"differences (eps={eps}, rtol={rtol}, atol={atol}):\n" + table(results), where,
        hint="print(adjoint.grad(f).source) and look for the step whose rule is wrong; "
             "non-smooth points (abs, max, branches) also disagree")


def compare(f, args, wrt=0, *, eps=1e-6, rtol=1e-5, atol=1e-6, optimize=True,
            seed=0) -> list[ArgCheck]:
    """One `ArgCheck` per differentiated argument (positional `args` only)."""
    from .api import grad
    gfn = grad(f, wrt=wrt, optimize=optimize)
    names = _positional(f)
    out = f(*args)
    kwargs, scalar_f = {}, f
    if np.ndim(out) != 0:  # check the vector-Jacobian product with a random v
        v = np.random.default_rng(seed).standard_normal(np.shape(out))
        kwargs, scalar_f = {"grad_out": v}, _projected(f, v)
    got = gfn(*args, **kwargs)
    got = got if isinstance(wrt, (tuple, list)) else (got,)
    results = []
    for name, g in zip(gfn.wrt, got):
        if name not in names or names.index(name) >= len(args):
            raise UsageError(f"check_grad needs {name!r} passed positionally",
                             hint="pass every differentiated argument by position")
        i = names.index(name)
        want = numerical_grad(scalar_f, args, i, eps)
        results.append(_judge(name, g, want, rtol, atol))
    return results


def _projected(f, v):
    def scalar_f(*args):
        return np.sum(v * f(*args))
    return scalar_f


def numerical_grad(f, args, i, eps=1e-6):
    """Central differences of scalar `f(*args)` with respect to `args[i]`."""
    args = list(args)
    x = np.array(args[i], dtype=float)
    grad = np.zeros_like(x)
    for j in np.ndindex(x.shape):
        hi, lo = x.copy(), x.copy()
        hi[j] += eps
        lo[j] -= eps
        args[i] = hi if x.ndim else float(hi)
        up = f(*args)
        args[i] = lo if x.ndim else float(lo)
        grad[j] = (up - f(*args)) / (2 * eps)
    return grad if x.ndim else float(grad)


def _judge(name, g, want, rtol, atol) -> ArgCheck:
    shape = np.shape(want)
    if np.shape(g) != shape:
        return ArgCheck(name, shape, np.inf, np.inf, False,
                        f"gradient has shape {np.shape(g)}, argument has {shape}")
    diff = np.abs(np.asarray(g, dtype=float) - want)
    abs_err = float(np.max(diff, initial=0.0))
    scale = float(np.max(np.abs(want), initial=0.0))
    rel = abs_err / scale if scale else abs_err
    ok = bool(np.all(diff <= atol + rtol * np.abs(want)))
    return ArgCheck(name, shape, abs_err, rel, ok)


def table(results) -> str:
    """The per-argument comparison as aligned text."""
    rows = [("argument", "shape", "max abs error", "max rel error", "agrees")]
    for r in results:
        rows.append((r.name, str(r.shape), f"{r.abs_err:.2e}", f"{r.rel_err:.2e}",
                     "yes" if r.ok else "NO " + r.problem))
    widths = [max(len(row[k]) for row in rows) for k in range(4)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[4]
                     for row in rows)


def parse_spec(spec: str) -> dict:
    """"x=3,W=4x3,s=scalar,t=0.5,n=int:5" -> {name: shape tuple | float | int}."""
    out = {}
    for item in spec.split(","):
        name, eq, value = (part.strip() for part in item.partition("="))
        if not eq or not name.isidentifier() or not value:
            raise UsageError(f"--args: cannot read {item.strip()!r}", hint=SPEC_HELP)
        if name in out:
            raise UsageError(f"--args gives {name!r} twice", hint=SPEC_HELP)
        out[name] = _value(name, value)
    return out


def _value(name, value):
    if _SHAPE.fullmatch(value):
        return tuple(int(n) for n in value.split("x"))
    if value in ("scalar", "()"):
        return ()
    try:
        return int(value[4:]) if value.startswith("int:") else float(value)
    except ValueError:
        raise UsageError(f"--args: {name}={value} is neither a shape, 'scalar', a float "
                         "nor int:N", hint=SPEC_HELP) from None


def random_inputs(f, spec: dict, seed=0, positive=False) -> tuple[list, list[str]]:
    """Positional arguments for `f` from a parsed spec, and the names of float ones."""
    names = _positional(f)
    params = inspect.signature(f).parameters
    code = getattr(f, "__code__", None)
    where = Location(code.co_filename, code.co_firstlineno) if code else None
    unknown = [n for n in spec if n not in names]
    if unknown:
        raise UsageError(f"--args names {unknown[0]!r}, which is not a positional "
                         f"parameter of {f.__name__}", where,
                         hint=f"the parameters are: {', '.join(names)}")
    rng = np.random.default_rng(seed)
    last = max((names.index(n) for n in spec), default=-1)
    args, floats = [], []
    for i, name in enumerate(names):
        if name not in spec:
            if params[name].default is inspect.Parameter.empty:
                raise UsageError(f"--args gives no value for {name!r} of {f.__name__}",
                                 where, hint=SPEC_HELP)
            if i < last:
                args.append(params[name].default)
            continue
        value = spec[name]
        if isinstance(value, tuple):
            draw = rng.uniform(0.5, 2.0, value) if positive else rng.standard_normal(value)
            value = float(draw) if value == () else draw
        if isinstance(value, float) or isinstance(value, np.ndarray):
            floats.append(name)
        args.append(value)
    return args, floats


def _positional(f) -> list[str]:
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in inspect.signature(f).parameters.values() if p.kind in kinds]
