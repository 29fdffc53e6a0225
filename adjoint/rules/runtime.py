"""Rules for adjoint's own runtime helpers, so that gradients are differentiable."""
from .. import runtime as rt
from .registry import defrule, nondiff

defrule(rt.unbroadcast, "v, like", v="rt.broadcast_like(g, v)",
        jvp={"v": "rt.unbroadcast(dv, like)"}, name="rt.unbroadcast")
nondiff(rt.seed, rt.zeros_like, rt.log_or_zero, rt.sign)
