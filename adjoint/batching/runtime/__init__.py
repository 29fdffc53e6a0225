"""What batched code calls, as `batched.<name>` (`import adjoint.batching.runtime as
batched`): the steps that need the values' actual shapes. A batched value has its
batch axis first; `batched=(1, 0)` flags tell a helper which operands are batched.

    core       lift, example, aligned, array, axes; products of unknown ranks; loop
    indexing   positions that differ between examples; adjoints of reads and writes
    adjoints   the runtime helpers of generated gradients, for each example
    shapes     whole-array functions (tile, pad, diag, kron, average, ...) and adjoints
"""
from .core import (aligned, array, batch_shape, batch_size, concatenate, dot, example,
                   hstack, lift, lift_copy, loop, matmul, rest_axes, shift_axes, size,
                   stack, transpose, vstack)
from .indexing import (advanced, getitem, getitem_grad, index, item, item_grad)
from .adjoints import (broadcast_like, cast_grad, concatenate_grad, dot_ga, dot_gb,
                       fit, hstack_grad, matmul_ga, matmul_gb, reshape_like, seed,
                       shaped, sum_list_grad, transpose_grad, unbroadcast, unstack,
                       vstack_grad)
from .shapes import (atleast, atleast_1d, atleast_2d, atleast_3d, average,
                     average_grad, broadcast_to, diag, diag_grad, erf, erfc, kron,
                     kron_ga, kron_gb, outer, pad, pad_grad, select, select_grad,
                     squeeze, tile, tile_grad, vdot)


__all__ = ['advanced', 'aligned', 'array', 'atleast', 'atleast_1d', 'atleast_2d',
           'atleast_3d', 'average', 'average_grad', 'batch_shape', 'batch_size',
           'broadcast_like', 'broadcast_to', 'cast_grad', 'concatenate',
           'concatenate_grad', 'diag', 'diag_grad', 'dot', 'dot_ga', 'dot_gb', 'erf',
           'erfc', 'example', 'fit', 'getitem', 'getitem_grad', 'hstack', 'hstack_grad',
           'index', 'item', 'item_grad', 'kron', 'kron_ga', 'kron_gb', 'lift',
           'lift_copy', 'loop', 'matmul', 'matmul_ga', 'matmul_gb', 'outer', 'pad',
           'pad_grad', 'reshape_like', 'rest_axes', 'seed', 'select', 'select_grad',
           'shaped', 'shift_axes', 'size', 'squeeze', 'stack', 'sum_list_grad', 'tile',
           'tile_grad', 'transpose', 'transpose_grad', 'unbroadcast', 'unstack', 'vdot',
           'vstack', 'vstack_grad']
