"""Rules for adjoint's own runtime helpers, so that gradients are differentiable.

Most helpers are linear in their first argument (called `v` here: `g` is the
template name of the incoming adjoint); the other arguments only give shapes.
The matmul/dot adjoints are bilinear: <G, ga(v, a, b)> = <G @ b, v>.
"""
from .. import runtime as rt
from .registry import defrule, nondiff, unary

defrule(rt.unbroadcast, "v, like", v="rt.broadcast_like(g, v)",
        jvp={"v": "rt.unbroadcast(dv, like)"}, name="rt.unbroadcast")
defrule(rt.broadcast_like, "v, x", v="rt.unbroadcast(g, v)",
        jvp={"v": "rt.broadcast_like(dv, x)"}, name="rt.broadcast_like")
defrule(rt.fit, "v, x", v="rt.unbroadcast(g, v)",
        jvp={"v": "rt.fit(dv, x)"}, name="rt.fit")
defrule(rt.fit_inner, "v, x", v="rt.unbroadcast(g, v)",
        jvp={"v": "rt.fit_inner(dv, x)"}, name="rt.fit_inner")
defrule(rt.sum_grad, "v, x, axis=None, keepdims=False",
        v="rt.unbroadcast(np.sum(g, axis=axis, keepdims=keepdims), v)",
        jvp={"v": "rt.sum_grad(dv, x, axis, keepdims)"}, name="rt.sum_grad")
defrule(rt.mean_grad, "v, x, axis=None, keepdims=False",
        v="rt.unbroadcast(np.mean(g, axis=axis, keepdims=keepdims), v)",
        jvp={"v": "rt.mean_grad(dv, x, axis, keepdims)"}, name="rt.mean_grad")
defrule(rt.max_grad, "v, x, ans_, axis=None, keepdims=False",
        v="rt.max_jvp(g, x, ans_, axis, keepdims)",
        jvp={"v": "rt.max_grad(dv, x, ans_, axis, keepdims)"}, name="rt.max_grad")
defrule(rt.max_jvp, "v, x, ans_, axis=None, keepdims=False",
        v="rt.max_grad(g, x, ans_, axis, keepdims)",
        jvp={"v": "rt.max_jvp(dv, x, ans_, axis, keepdims)"}, name="rt.max_jvp")
defrule(rt.add_item, "b, v, x, index",  # b + getitem_grad(v, x, index), b written in place
        b="g", v="g if isinstance(g, float) else g[index]",
        jvp={"b": "db", "v": "rt.getitem_grad(dv, x, index)"}, name="rt.add_item")
defrule(rt.getitem_grad, "v, x, index",  # (a number: a zero adjoint not yet spread)
        v="g if isinstance(g, float) else g[index]",
        jvp={"v": "rt.getitem_grad(dv, x, index)"}, name="rt.getitem_grad")
defrule(rt.reshape_like, "v, x", v="rt.reshape_like(g, v)",
        jvp={"v": "rt.reshape_like(dv, x)"}, name="rt.reshape_like")
defrule(rt.transpose_grad, "v, axes=None", v="np.transpose(g, axes)",
        jvp={"v": "rt.transpose_grad(dv, axes)"}, name="rt.transpose_grad")

# ---- bilinear adjoints of products -------------------------------------------
# (g, the cotangent of an adjoint, may still be the number 0.0: rt.shaped makes it
# an array of the adjoint's shape for np.matmul)
defrule(rt.matmul_ga, "v, a, b", v="np.matmul(rt.shaped(g, a), b)",
        b="rt.matmul_gb(v, rt.shaped(g, a), b)",
        jvp={"v": "rt.matmul_ga(dv, a, b)", "b": "rt.matmul_ga(v, a, db)"},
        name="rt.matmul_ga")
defrule(rt.matmul_gb, "v, a, b", v="np.matmul(a, rt.shaped(g, b))",
        a="rt.matmul_ga(v, a, rt.shaped(g, b))",
        jvp={"v": "rt.matmul_gb(dv, a, b)", "a": "rt.matmul_gb(v, da, b)"},
        name="rt.matmul_gb")
defrule(rt.shaped, "v, x", v="rt.unbroadcast(g, v)", jvp={"v": "rt.shaped(dv, x)"},
        name="rt.shaped")
defrule(rt.dot_ga, "v, a, b", v="np.dot(g, b)", b="rt.dot_gb(v, g, b)",
        jvp={"v": "rt.dot_ga(dv, a, b)", "b": "rt.dot_ga(v, a, db)"}, name="rt.dot_ga")
defrule(rt.dot_gb, "v, a, b", v="np.dot(a, g)", a="rt.dot_ga(v, a, g)",
        jvp={"v": "rt.dot_gb(dv, a, b)", "a": "rt.dot_gb(v, da, b)"}, name="rt.dot_gb")

# ---- elementwise -------------------------------------------------------------
unary(rt.log_or_zero, "(x > 0) / np.where(x > 0, x, 1.0)", name="rt.log_or_zero")
nondiff(rt.seed, rt.zeros_like, rt.sign, rt.numbers, rt.vectors, rt.count, rt.star_axes,
        rt.shape_only, rt.shapes, rt.is_container, rt.refuse_view)
# the item a write replaces, saved to be restored: its tangent restores the tangent
defrule(rt.item, "x, index", x="rt.item_grad_saved(g, x, index)",
        jvp={"x": "rt.item(dx, index)"}, name="rt.item")
defrule(rt.item_grad_saved, "v, x, index",  # (a missing key was saved as MISSING)
        v="g[index] if not isinstance(x, dict) or index in x else 0.0",
        jvp={"v": "rt.item_grad_saved(dv, x, index)"}, name="rt.item_grad_saved")

# ---- containers (runtime_containers.py) ----------------------------------------
defrule(rt.copy, "x", x="g", jvp={"x": "rt.copy(dx)"}, name="rt.copy")
defrule(rt.item_grad, "v, index, like",  # (a repeated index keeps its last write only)
        v="rt.getitem_grad(rt.last_writes(g, index, v), v, index)",
        jvp={"v": "rt.item_grad(dv, index, like)"}, name="rt.item_grad")
defrule(rt.last_writes, "v, index, base",
        v="rt.unbroadcast(rt.last_writes(g, index, base), v)",
        jvp={"v": "rt.last_writes(dv, index, base)"}, name="rt.last_writes")
defrule(rt.sum_list_grad, "v, xs", v="rt.sum_of(g, v)",
        jvp={"v": "rt.sum_list_grad(dv, xs)"}, name="rt.sum_list_grad")
defrule(rt.as_array, "x", x="rt.cast_grad(g, x)", jvp={"x": "rt.as_array(dx)"},
        name="rt.as_array")
defrule(rt.cast_jvp, "dx, dtype=None", dx="rt.cast_grad(g, dx, dtype)",
        jvp={"dx": "rt.cast_jvp(ddx, dtype)"}, name="rt.cast_jvp")

# ---- helpers behind the NumPy tables: each is linear in its first argument `v` and
# uses the others only for shapes/indices, so its adjoint is the forward operation.
# (Helpers that are bilinear or nonlinear, e.g. rt.prod_grad, have their rules in
# runtime_higher.py.) A list-valued `v` or result holds one adjoint per array.
_SHAPE_ONLY = {
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
    "pad_grad": ("v, array, pad_width, mode='constant'", "np.pad(g, pad_width, mode)"),
    "sort_grad": ("v, a, axis=-1", "rt.sort_jvp(g, a, axis)"),
    "diff_grad": ("v, a, n=1, axis=-1", "np.diff(g, n, axis)"),
    "cast_grad": ("v, x, dtype=None", "rt.cast_grad(g, v, dtype)"),
    "sort_jvp": ("v, a, axis=-1", "rt.sort_grad(g, a, axis)"),
    "concatenate_grad": ("v, arrays, axis=0", "np.concatenate(g, axis)"),
    "unstack": ("v, axis=0, n=None", "np.stack(g, axis)"),
    "vstack_grad": ("v, tup", "np.vstack(g)"),
    "hstack_grad": ("v, tup", "np.hstack(g)"),
    "split_grad": ("v, ary, indices_or_sections, axis=0",
                   "np.array_split(g, indices_or_sections, axis)"),
    "select_grad": ("v, condlist, choicelist",
                    "rt.broadcast_like(np.select(condlist, g, 0.0), v)"),
    "select_default_grad": ("v, condlist, default", "rt.broadcast_like(np.select("
                            "condlist, [0.0] * len(condlist), g), v)"),
    "delete_grad": ("v, arr, obj, axis=None", "np.delete(g, obj, axis)"),
    "insert_grad_arr": ("v, arr, obj, values, axis=None",
                        "np.insert(g, obj, rt.zeros_like(values), axis)"),
    "insert_grad_values": ("v, arr, obj, values, axis=None",
                           "np.insert(rt.zeros_like(arr), obj, g, axis)"),
}
for _name, (_sig, _vjp) in _SHAPE_ONLY.items():
    _fwd = f"rt.{_name}({', '.join(p.split('=')[0].strip() for p in _sig.split(','))})"
    defrule(getattr(rt, _name), _sig, v=_vjp, jvp={"v": _fwd.replace("(v,", "(dv,", 1)},
            name=f"rt.{_name}")


# ---- np.convolve/np.correlate (corr): <g, F(a, v)> is bilinear; convolve_ga is F's
# adjoint in a, convolve_gb in v (runtime/array_edits.py) ---------------------------
_F = "np.correlate({}, {}, mode) if corr else np.convolve({}, {}, mode)"
defrule(rt.convolve_ga, "c, a, v, mode='full', corr=False", name="rt.convolve_ga",
        c=_F.format("g", "v", "g", "v"), v="rt.convolve_gb(c, g, v, mode, corr)",
        jvp={"c": "rt.convolve_ga(dc, a, v, mode, corr)",
             "v": "rt.convolve_ga(c, a, dv, mode, corr)"})
defrule(rt.convolve_gb, "c, a, v, mode='full', corr=False", name="rt.convolve_gb",
        c=_F.format("a", "g", "a", "g"), a="rt.convolve_ga(c, a, g, mode, corr)",
        jvp={"c": "rt.convolve_gb(dc, a, v, mode, corr)",
             "a": "rt.convolve_gb(c, da, v, mode, corr)"})
# np.add.at(a, index, v) is the item write a[index] = rt.added_at(a, index, v)
# (frontend/normalize): the new entries are a[index] + S(v)[index], S(v) the scatter-add
defrule(rt.added_at, "a, index, v", name="rt.added_at",
        a="rt.getitem_grad(g, a, index)",
        v="rt.unbroadcast(rt.getitem_grad(g, a, index)[index], v)",
        jvp={"a": "da[index]", "v": "rt.getitem_grad(dv, a, index)[index]"})
