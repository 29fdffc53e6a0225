"""Rules for NumPy's shape, reordering and joining functions (all linear).

Functions of a *list* of arrays (concatenate, stack, vstack, hstack, split) take
or give one adjoint per array, as a Python list.
"""
import numpy as np

from .registry import defrule, method

_BACK = "np.reshape(g, np.shape({}))"  # the adjoint of any pure reshape

# ---- reshaping ---------------------------------------------------------------
defrule(np.reshape, "x, shape", x="rt.reshape_like(g, x)",
        jvp={"x": "np.reshape(dx, shape)"})
defrule(np.ndarray.reshape, "x, *shape", x="rt.reshape_like(g, x)",
        jvp={"x": "np.reshape(dx, np.shape(ans))"}, name="numpy.ndarray.reshape")
defrule(np.ravel, "x, order='C'", x=_BACK.format("x"), jvp={"x": "np.ravel(dx)"})
defrule(np.ndarray.flatten, "x, order='C'", x=_BACK.format("x"),
        jvp={"x": "np.ravel(dx)"}, name="numpy.ndarray.flatten")
defrule(np.expand_dims, "x, axis", x=_BACK.format("x"),
        jvp={"x": "np.expand_dims(dx, axis)"})
defrule(np.squeeze, "x, axis=None", x=_BACK.format("x"),
        jvp={"x": "np.squeeze(dx, axis)"})
for _fn in (np.atleast_1d, np.atleast_2d, np.atleast_3d):
    defrule(_fn, "x", x=_BACK.format("x"), jvp={"x": f"np.{_fn.__name__}(dx)"})
defrule(np.broadcast_to, "x, shape", x="rt.unbroadcast(g, x)",
        jvp={"x": "np.broadcast_to(dx, shape)"})
defrule(np.ndarray.astype, "x, dtype", x="rt.cast_grad(g, x, dtype)",
        jvp={"x": "rt.cast_jvp(dx, dtype)"}, name="numpy.ndarray.astype")
defrule(np.ndarray.item, "x", x="rt.cast_grad(g + np.zeros(np.shape(x)), x)",
        jvp={"x": "np.sum(dx)"}, name="numpy.ndarray.item")  # one-element arrays

# ---- reordering --------------------------------------------------------------
defrule(np.transpose, "x, axes=None", x="rt.transpose_grad(g, axes)",
        jvp={"x": "np.transpose(dx, axes)"})
defrule(np.ndarray.transpose, "x, *axes", x="rt.transpose_grad(g, rt.star_axes(axes))",
        jvp={"x": "np.transpose(dx, rt.star_axes(axes))"}, name="numpy.ndarray.transpose")
defrule(np.swapaxes, "x, axis1, axis2", x="np.swapaxes(g, axis1, axis2)",
        jvp={"x": "np.swapaxes(dx, axis1, axis2)"})
defrule(np.moveaxis, "x, source, destination", x="np.moveaxis(g, destination, source)",
        jvp={"x": "np.moveaxis(dx, source, destination)"})
defrule(np.flip, "m, axis=None", m="np.flip(g, axis)", jvp={"m": "np.flip(dm, axis)"})
defrule(np.fliplr, "m", m="np.fliplr(g)", jvp={"m": "np.fliplr(dm)"})
defrule(np.flipud, "m", m="np.flipud(g)", jvp={"m": "np.flipud(dm)"})
defrule(np.roll, "a, shift, axis=None", a="np.roll(g, np.negative(shift), axis)",
        jvp={"a": "np.roll(da, shift, axis)"})
defrule(np.rot90, "m, k=1, axes=(0, 1)", m="np.rot90(g, -k, axes)",
        jvp={"m": "np.rot90(dm, k, axes)"})
defrule(np.sort, "a, axis=-1, kind=None, order=None", a="rt.sort_grad(g, a, axis)",
        jvp={"a": "rt.sort_jvp(da, a, axis)"})

# ---- repeating and padding ---------------------------------------------------
defrule(np.tile, "a, reps", a="rt.tile_grad(g, a, reps)", jvp={"a": "np.tile(da, reps)"})
defrule(np.repeat, "a, repeats, axis=None", a="rt.repeat_grad(g, a, repeats, axis)",
        jvp={"a": "np.repeat(da, repeats, axis)"})
defrule(np.pad, "array, pad_width, mode='constant'",
        array="rt.pad_grad(g, array, pad_width, mode)",
        jvp={"array": "np.pad(darray, pad_width, mode)"})
defrule(np.diff, "a, n=1, axis=-1", a="rt.diff_grad(g, a, n, axis)",
        jvp={"a": "np.diff(da, n, axis)"})

# ---- removing and inserting entries, convolution -----------------------------
defrule(np.delete, "arr, obj, axis=None", arr="rt.delete_grad(g, arr, obj, axis)",
        jvp={"arr": "np.delete(darr, obj, axis)"})
defrule(np.insert, "arr, obj, values, axis=None",
        arr="rt.insert_grad_arr(g, arr, obj, values, axis)",
        values="rt.insert_grad_values(g, arr, obj, values, axis)",
        jvp={"arr": "np.insert(darr, obj, rt.zeros_like(values), axis)",
             "values": "np.insert(rt.zeros_like(arr), obj, dvalues, axis)"})
defrule(np.convolve, "a, v, mode='full'", a="rt.convolve_ga(g, a, v, mode)",
        v="rt.convolve_gb(g, a, v, mode)",
        jvp={"a": "np.convolve(da, v, mode)", "v": "np.convolve(a, dv, mode)"})
defrule(np.correlate, "a, v, mode='valid'", a="rt.convolve_ga(g, a, v, mode, True)",
        v="rt.convolve_gb(g, a, v, mode, True)",
        jvp={"a": "np.correlate(da, v, mode)", "v": "np.correlate(a, dv, mode)"})

# ---- joining and splitting (list arguments and results) ----------------------
defrule(np.concatenate, "arrays, axis=0", arrays="rt.concatenate_grad(g, arrays, axis)",
        jvp={"arrays": "np.concatenate(darrays, axis)"})
defrule(np.stack, "arrays, axis=0", arrays="rt.unstack(g, axis, len(arrays))",
        jvp={"arrays": "np.stack(darrays, axis)"})
defrule(np.vstack, "tup", tup="rt.vstack_grad(g, tup)", jvp={"tup": "np.vstack(dtup)"})
defrule(np.hstack, "tup", tup="rt.hstack_grad(g, tup)", jvp={"tup": "np.hstack(dtup)"})
for _fn in (np.split, np.array_split):
    defrule(_fn, "ary, indices_or_sections, axis=0",
            ary="rt.split_grad(g, ary, indices_or_sections, axis)",
            jvp={"ary": f"np.{_fn.__name__}(dary, indices_or_sections, axis)"})

# ---- array methods -----------------------------------------------------------
for _name, _fn in (("reshape", np.ndarray.reshape), ("flatten", np.ndarray.flatten),
                   ("ravel", np.ravel), ("squeeze", np.squeeze),
                   ("transpose", np.ndarray.transpose), ("swapaxes", np.swapaxes),
                   ("repeat", np.repeat), ("astype", np.ndarray.astype),
                   ("item", np.ndarray.item)):
    method(_name, _fn)
