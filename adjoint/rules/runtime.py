"""Rules for adjoint's own runtime helpers, so that gradients are differentiable."""
from .. import runtime as rt
from .registry import defrule, nondiff

defrule(rt.unbroadcast, "v, like", v="rt.broadcast_like(g, v)",
        jvp={"v": "rt.unbroadcast(dv, like)"}, name="rt.unbroadcast")
nondiff(rt.seed, rt.zeros_like, rt.log_or_zero, rt.sign)

# ---- helpers behind the NumPy tables: each is linear in its first argument `v` and
# uses the others only for shapes/indices, so its adjoint is the forward operation.
# (Helpers that are bilinear or nonlinear, e.g. rt.prod_grad, have no rule yet: a
# second derivative through them stops with a no-rule error, never a wrong value.)
_SHAPE_ONLY = {
    "sum_grad": ("v, x, axis=None, keepdims=False",
                 "rt.unbroadcast(np.sum(g, axis=axis, keepdims=keepdims), v)"),
    "mean_grad": ("v, x, axis=None, keepdims=False",
                  "rt.unbroadcast(np.mean(g, axis=axis, keepdims=keepdims), v)"),
    "max_grad": ("v, x, ans_, axis=None, keepdims=False",
                 "rt.max_jvp(g, x, ans_, axis, keepdims)"),
    "cumsum_grad": ("v, x, axis=None", "np.cumsum(g, axis)"),
    "take_grad": ("v, a, indices, axis=None", "np.take(g, indices, axis)"),
    "take_along_axis_grad": ("v, arr, indices, axis",
                             "np.take_along_axis(g, indices, axis)"),
    "diagonal_grad": ("v, a, offset=0, axis1=0, axis2=1",
                      "np.diagonal(g, offset, axis1, axis2)"),
    "trace_grad": ("v, a, offset=0, axis1=0, axis2=1", "np.trace(g, offset, axis1, axis2)"),
    "diag_grad": ("v, w, k=0", "np.diag(g, k)"),
    "tile_grad": ("v, a, reps", "np.tile(g, reps)"),
    "repeat_grad": ("v, a, repeats, axis=None", "np.repeat(g, repeats, axis)"),
    "pad_grad": ("v, array, pad_width, mode='constant'", "np.pad(g, pad_width)"),
    "sort_grad": ("v, a, axis=-1", "rt.sort_jvp(g, a, axis)"),
    "diff_grad": ("v, a, n=1, axis=-1", "np.diff(g, n, axis)"),
    "transpose_grad": ("v, axes=None", "np.transpose(g, axes)"),
    "reshape_like": ("v, x", "np.reshape(g, np.shape(v))"),
    "getitem_grad": ("v, x, index", "g[index]"),
    "broadcast_like": ("v, x", "rt.unbroadcast(g, v)"),
    "fit": ("v, x", "rt.unbroadcast(g, v)"),
    "cast_grad": ("v, x", "rt.cast_grad(g, v)"),
}
for _name, (_sig, _vjp) in _SHAPE_ONLY.items():
    _fwd = f"rt.{_name}({', '.join(p.split('=')[0].strip() for p in _sig.split(','))})"
    defrule(getattr(rt, _name), _sig, v=_vjp, jvp={"v": _fwd.replace("(v,", "(dv,", 1)},
            name=f"rt.{_name}")
nondiff(rt.count, rt.star_axes)
