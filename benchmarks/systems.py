"""One adapter per AD system.

An adapter knows how to convert the NumPy inputs (`convert`), run the forward
function (`forward`), build a gradient callable (`build(fn, wrt)` returning
`(grad_callable, setup_seconds)`), and turn its gradients back into NumPy
(`to_numpy`). Peers whose package is missing report `available() == False`.
"""
from __future__ import annotations

import importlib
import time
import types
import warnings

import numpy as np

NUMPY_MEMORY = "tracemalloc"          # how peak memory is measured, per system


def rebind(fn, np_like, math_like):
    """The same code object as `fn`, with the globals `np` and `math` replaced."""
    env = dict(fn.__globals__)
    env.update(np=np_like, math=math_like)
    new = types.FunctionType(fn.__code__, env, fn.__name__, fn.__defaults__,
                             fn.__closure__)
    new.__qualname__ = fn.__qualname__
    return new


def _wrt_arg(wrt):
    return wrt[0] if len(wrt) == 1 else tuple(wrt)


def _as_tuple(grads, wrt):
    return tuple(grads) if len(wrt) > 1 else (grads,)


def _timed(make):
    start = time.perf_counter()
    out = make()
    return out, time.perf_counter() - start


class System:
    """Base adapter: plain NumPy, no gradient."""

    name = "numpy"
    module = "numpy"
    memory = NUMPY_MEMORY

    def available(self):
        try:
            mod = importlib.import_module(self.module)
        except Exception as exc:  # ImportError, or a broken install
            return False, f"not importable: {str(exc).splitlines()[0]}"
        return True, getattr(mod, "__version__", "")

    def convert(self, args, wrt):
        return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)

    def forward(self, fn):
        return fn

    def build(self, fn, wrt):
        raise NotImplementedError("numpy has no gradient")

    def to_numpy(self, grads, wrt):
        return tuple(np.asarray(g, dtype=float) for g in _as_tuple(grads, wrt))


class Adjoint(System):
    name = module = "adjoint"

    def available(self):
        ok, note = super().available()
        return ok, note or "repo"

    def forward(self, fn):
        return None                       # the forward pass is the NumPy function

    def build(self, fn, wrt):
        import adjoint
        return _timed(lambda: adjoint.grad(fn, wrt=_wrt_arg(wrt)))


class Autograd(System):
    name = module = "autograd"

    def forward(self, fn):
        return None

    def build(self, fn, wrt):
        import autograd
        import autograd.numpy as anp
        shim = types.SimpleNamespace(sin=anp.sin, cos=anp.cos, exp=anp.exp,
                                     log=anp.log, tanh=anp.tanh, sqrt=anp.sqrt)
        return _timed(lambda: autograd.grad(rebind(fn, anp, shim),
                                            argnum=_wrt_arg(wrt)))


class Tangent(System):
    name = module = "tangent"

    def forward(self, fn):
        return None

    def build(self, fn, wrt):
        import tangent
        with warnings.catch_warnings():    # its generated code trips SyntaxWarnings
            warnings.simplefilter("ignore")
            return _timed(lambda: tangent.grad(fn, wrt=tuple(wrt), verbose=0))


class Jax(System):
    name = "jax"
    module = "jax"
    memory = "n/a (XLA allocations are invisible to tracemalloc)"
    jit = False

    def _jnp(self, fn):
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        return rebind(fn, jnp, jnp)

    def _wrap(self, f):
        import jax
        f = jax.jit(f) if self.jit else f
        return lambda *a: jax.block_until_ready(f(*a))

    def convert(self, args, wrt):
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        return tuple(jnp.asarray(a) if isinstance(a, np.ndarray) else a
                     for a in args)

    def forward(self, fn):
        return self._wrap(self._jnp(fn))

    def build(self, fn, wrt):
        import jax
        return _timed(lambda: self._wrap(jax.grad(self._jnp(fn),
                                                  argnums=_wrt_arg(wrt))))


class JaxJit(Jax):
    name = "jax-jit"
    jit = True


class _TorchNP:
    """The NumPy names the workloads use, mapped onto torch (float64 tensors)."""

    def __init__(self, torch):
        self.t = torch
        for name in ("sin", "cos", "exp", "log", "tanh", "abs", "sqrt", "log1p"):
            setattr(self, name, getattr(torch, name))

    def maximum(self, a, b):
        if isinstance(b, (int, float)):
            return self.t.clamp(a, min=b)
        return self.t.maximum(a, b)

    def _reduce(self, op, x, axis, keepdims):
        if axis is None:
            return op(x)
        return op(x, dim=axis, keepdim=keepdims)

    def sum(self, x, axis=None, keepdims=False):
        return self._reduce(self.t.sum, x, axis, keepdims)

    def mean(self, x, axis=None, keepdims=False):
        return self._reduce(self.t.mean, x, axis, keepdims)

    def max(self, x, axis=None, keepdims=False):
        return self._reduce(self.t.amax, x, axis, keepdims)


class Torch(System):
    name = module = "torch"
    memory = "n/a (torch allocations are invisible to tracemalloc)"

    def _fn(self, fn):
        import torch
        shim = _TorchNP(torch)
        return rebind(fn, shim, shim)

    def convert(self, args, wrt):
        import torch
        out = []
        for i, a in enumerate(args):
            if isinstance(a, np.ndarray) or (i in wrt and isinstance(a, float)):
                a = torch.tensor(a, dtype=torch.float64)
            out.append(a)
        return tuple(out)

    def forward(self, fn):
        import torch
        f = self._fn(fn)

        def run(*args):
            with torch.no_grad():
                return f(*args)
        return run

    def build(self, fn, wrt):
        f = self._fn(fn)

        def grad(*args):
            args = list(args)
            leaves = [args[i].detach().requires_grad_(True) for i in wrt]
            for i, leaf in zip(wrt, leaves):
                args[i] = leaf
            f(*args).backward()
            return tuple(leaf.grad for leaf in leaves)
        return grad, 0.0

    def to_numpy(self, grads, wrt):
        return tuple(g.detach().numpy().astype(float) for g in grads)


ALL = [System(), Adjoint(), Autograd(), Tangent(), Jax(), JaxJit(), Torch()]
BY_NAME = {s.name: s for s in ALL}
