"""`adjoint.stop_gradient(x)`: x's value, with no gradient flowing through it.

    def loss(w, x, y):
        target = adjoint.stop_gradient(np.tanh(w @ y))   # a fixed target: no gradient
        return np.sum((np.tanh(w @ x) - target) ** 2)

It is registered as a function that carries no gradient (`rules.nondiff`), matched by
identity like every rule, so it works under any name it is imported as. Activity
analysis stops at it: nothing it returns is differentiated, so no adjoint code is
emitted for it or for what only it reads. The generated gradient keeps the call as
written in its forward sweep, so a gradient differentiated again (`grad(grad(f))`,
`hessian`) meets the same stop. In forward mode its tangent is zero.

It returns the object it is given (as `torch.Tensor.detach` shares memory): copy
an array before writing into the result if the original is still read.
"""
from __future__ import annotations

from .rules.registry import nondiff

__all__ = ["stop_gradient"]


def stop_gradient(x):
    """Return `x` unchanged; differentiated code treats the result as a constant
    (its adjoint and tangent are zero), like `jax.lax.stop_gradient` and
    `torch.Tensor.detach`."""
    return x


nondiff(stop_gradient)
