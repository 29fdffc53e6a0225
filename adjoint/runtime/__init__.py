"""What generated gradients call, imported there as `from adjoint import runtime as rt`.

One module per family of helpers; this file is the table of what `rt.<name>` may be.
The modules import only downward, and none imports this package:

    kinds            numbers, Shape records, float dtypes (the leaf)
    grad_containers  GradList, GradDict, MISSING: adjoints of containers (numpy only)
    records          namedtuples, dataclasses, objects: their fields' adjoints
    core             seed, unbroadcast, sum_grad, mean_grad     (kinds, records)
    adjoints         zeros_like, fit, broadcast_like, getitem_grad of any value
    containers       item writes and reads, the builtin sum      (adjoints and below)
    dicts            walking dicts                               (adjoints and below)
    numpy_grads, index_grads, shape_grads       the NumPy tables (core and below)
    linalg_grads, tensor_grads, second_order    (numpy_grads and below)
    decompositions, factorizations              eigh, svd, qr, pinv, lstsq (kinds)
    array_edits      np.delete, np.insert, np.convolve, np.add.at        (kinds)
"""
from ..errors import NonScalarOutputError
from .kinds import (float_dtype, NUMBERS, numbers, Shape, shape_of, shape_only, shapes,
                    vectors)
from .core import (log_or_zero, mean_grad, refuse_view, reshape_like, seed, shaped, sign,
                   sum_grad, transpose_grad, unbroadcast, unbroadcast_to)
from .records import field, field_tangent
from .grad_containers import (add_at, as_array, copy, GradDict, GradList, is_container,
                              item, list_of, MISSING, restore)
from .adjoints import (broadcast_like, container_fit, container_zeros, fit, fit_inner,
                       getitem_grad, container_getitem_grad, zeros_like)
from .containers import (add_item, item_grad, item_grad_saved, last_writes, sum_list_grad,
                         sum_of)
from .dicts import (as_sequence, dict_get, dict_items, dict_keys, dict_values, get_default,
                    get_grad, get_pick, items_grad, items_jvp, items_spread, sequence_grad,
                    sequence_jvp, values_grad, values_jvp, values_spread,
                    zeros_like_container)
from .numpy_grads import (average_grad, average_wgrad, average_wjvp, cast_grad, cast_jvp,
                          count, cumprod_grad, cumprod_jvp, cumsum_grad, digamma,
                          linspace_grad, linspace_spread, logsumexp_grad, max_grad, max_jvp,
                          polygamma, prod_grad, reduce_jvp, var_grad)
from .index_grads import (diag_grad, diagonal_grad, histogram_grad, histogram_jvp,
                          select_default_grad, select_grad, take_along_axis_grad,
                          take_grad, trace_grad)
from .linalg_grads import (cholesky_grad, cholesky_jvp, dot_ga, dot_gb, matmul_ga,
                           matmul_ga_sum, matmul_gb, matmul_gb_sum, norm_grad, phi,
                           vector_norm_grad)
from .tensor_grads import (einsum_ga, einsum_gb, einsum_gc, einsum_gd, einsum_ops,
                           inner_ga, inner_gb, kron_ga, kron_gb, tensordot_ga,
                           tensordot_gb)
from .shape_grads import (concatenate_grad, diff_grad, hstack_grad, pad_grad, repeat_grad,
                          sort_grad, sort_jvp, split_grad, star_axes, tile_grad, unstack,
                          vstack_grad)
from .decompositions import (asym, block_upper, complement_check, complete, complete_t,
                             cut, cut_t, diag_embed, div0, entry, gauge_check, kdim,
                             lower_sym, lower_sym_t, lstsq_pinv, outside, pair_div,
                             pinv_grad,
                             pinv_jvp, project, project_sym, resid_weights,
                             resid_weights_t, spread, spread_sym, upper_right)
from .factorizations import (eigh_grad, eigh_jvp, lstsq_grad, lstsq_jvp, qr_grad, qr_jvp,
                             svd_grad, svd_jvp)
from .array_edits import (added_at, convolve_ga, convolve_gb, delete_grad, insert_grad_arr,
                          insert_grad_values)
from .second_order import (group, norm_curved, norm_power, pairs, pairs_one, pairs_t,
                           prod_hess, ungroup, weights_back, weights_like)

__all__ = [  # what generated code may call as rt.<name>
    "add_at", "add_item", "as_array", "as_sequence", "average_grad", "average_wgrad",
    "average_wjvp", "broadcast_like", "cast_grad", "cast_jvp", "cholesky_grad",
    "cholesky_jvp", "concatenate_grad", "container_fit", "container_getitem_grad",
    "container_zeros", "copy", "count", "cumprod_grad", "cumprod_jvp", "cumsum_grad",
    "diag_grad", "diagonal_grad", "dict_get", "dict_items", "dict_keys", "dict_values",
    "diff_grad", "digamma", "dot_ga", "dot_gb", "einsum_ga", "einsum_gb", "einsum_gc",
    "einsum_gd", "einsum_ops", "field", "field_tangent", "fit", "fit_inner", "float_dtype",
    "get_default", "get_grad", "get_pick", "getitem_grad", "GradDict", "GradList", "group",
    "histogram_grad", "histogram_jvp", "hstack_grad", "inner_ga", "inner_gb",
    "is_container", "item", "item_grad", "item_grad_saved", "items_grad", "items_jvp",
    "items_spread", "kron_ga", "kron_gb", "last_writes", "linspace_grad", "linspace_spread",
    "list_of", "log_or_zero", "logsumexp_grad", "matmul_ga", "matmul_ga_sum", "matmul_gb",
    "matmul_gb_sum", "max_grad", "max_jvp", "mean_grad", "MISSING", "NonScalarOutputError",
    "norm_curved", "norm_grad", "norm_power", "NUMBERS", "numbers", "pad_grad", "pairs",
    "pairs_one", "pairs_t", "phi", "polygamma", "prod_grad", "prod_hess", "reduce_jvp",
    "refuse_view", "repeat_grad", "reshape_like", "restore", "seed", "select_default_grad",
    "select_grad", "sequence_grad", "sequence_jvp", "Shape", "shape_of", "shape_only",
    "shaped", "shapes", "sign", "sort_grad", "sort_jvp", "split_grad", "star_axes",
    "sum_grad", "sum_list_grad", "sum_of", "take_along_axis_grad", "take_grad",
    "tensordot_ga", "tensordot_gb", "tile_grad", "trace_grad", "transpose_grad",
    "unbroadcast", "unbroadcast_to", "ungroup", "unstack", "values_grad", "vectors",
    "values_jvp", "values_spread", "var_grad", "vector_norm_grad", "vstack_grad",
    "weights_back", "weights_like", "zeros_like", "zeros_like_container"]
__all__ += [  # runtime/decompositions.py: eigh, svd, qr, pinv, lstsq, matrix_power
    "asym", "block_upper", "complement_check", "complete", "complete_t", "cut", "cut_t",
    "diag_embed", "div0", "entry", "gauge_check", "kdim", "lower_sym", "lower_sym_t",
    "lstsq_pinv", "outside", "pair_div", "pinv_grad", "pinv_jvp", "project", "project_sym",
    "resid_weights", "resid_weights_t", "spread", "spread_sym", "upper_right",
    "eigh_grad", "eigh_jvp", "lstsq_grad", "lstsq_jvp", "qr_grad", "qr_jvp", "svd_grad",
    "svd_jvp"]
__all__ += [  # runtime/array_edits.py
    "added_at", "convolve_ga", "convolve_gb", "delete_grad", "insert_grad_arr",
    "insert_grad_values"]
