"""The syntax the batching pass writes, built from small snippets of source text.

`code("np.sum(x, axis=a)", x=node, a=node)` parses the snippet once and pastes the
given nodes in (codegen/template.py); `expand(x, 2)` is `x[:, None, None]`.
"""
from __future__ import annotations

import gast

from ..codegen import ir
from ..codegen.template import instantiate

RT = "batched"  # the name generated code calls the batching runtime by


def code(text: str, **nodes) -> gast.expr:
    """The expression `text` with its placeholder names replaced by nodes."""
    return instantiate(text, nodes)


def lit(value) -> gast.expr:
    """A Python literal (a number, None, a string, or a tuple of them) as syntax."""
    if isinstance(value, tuple):
        return gast.Tuple(elts=[lit(v) for v in value], ctx=gast.Load())
    if isinstance(value, slice):
        return gast.Slice(lower=_opt(value.start), upper=_opt(value.stop),
                          step=_opt(value.step))
    return ir.const(value)


def _opt(value):
    return None if value is None else lit(value)


def helper(name: str, *args, **kwargs) -> gast.Call:
    """`batched.<name>(args...)`: a call into adjoint/batching/runtime.py."""
    return ir.call(f"{RT}.{name}", *args, **kwargs)


def expand(node, k: int) -> gast.expr:
    """`node[:, None, ...]` with k Nones: k axes of length 1 after the batch axis."""
    if k <= 0:
        return node
    index = gast.Tuple(elts=[gast.Slice(lower=None, upper=None, step=None)] +
                       [ir.const(None)] * k, ctx=gast.Load())
    return gast.Subscript(value=ir.clone(node), slice=index, ctx=gast.Load())


def batch_index(index) -> gast.expr:
    """`:` followed by the parts of `index` (a tuple index or a single part)."""
    parts = index.elts if isinstance(index, gast.Tuple) else [index]
    return gast.Tuple(elts=[gast.Slice(lower=None, upper=None, step=None)] +
                      [ir.clone(p) for p in parts], ctx=gast.Load())


def tuple_of(nodes) -> gast.Tuple:
    return gast.Tuple(elts=list(nodes), ctx=gast.Load())


def assign(target: str, value, where=None) -> gast.Assign:
    return ir.assign(target, value, where)


def name(id_: str) -> gast.Name:
    return ir.name(id_)
