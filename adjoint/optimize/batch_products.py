"""Loop products in the adjoint sweep, batched: one matrix product after the loop
instead of a rank-one update per iteration."""
from __future__ import annotations

import gast

from .. import runtime as rt
from ..codegen import ir
from ..codegen.naming import Namer
from ..codegen.template import names_in
from .dead_code import assigned_by


# helper -> (batched helper, position of the per-iteration operand, of the fixed matrix)
PRODUCTS = {rt.matmul_ga: ("rt.matmul_ga_sum", 2, 1), rt.matmul_gb: ("rt.matmul_gb_sum", 1, 2)}
BATCHED = (rt.matmul_ga_sum, rt.matmul_gb_sum)  # what the batched module calls


def batch_products(body, taken: Namer) -> list:
    """In a loop of the adjoint sweep, `bW += rt.matmul_ga(g, W, v)` (a rank-one
    update per iteration when g and v are vectors) becomes `bW_terms.append((g, v))`
    with one `bW += rt.matmul_ga_sum(bW_terms, W)` after the loop: one matrix product
    instead of an outer product and an addition per iteration. Only when nothing else
    in the loop touches bW, W is fixed in the loop, and g and v are only rebound."""
    out = []
    for stmt in body:
        for field in ("body", "orelse"):
            if getattr(stmt, field, None) and not isinstance(stmt, gast.For):
                setattr(stmt, field, batch_products(getattr(stmt, field), taken))
        if not isinstance(stmt, gast.For):
            out.append(stmt)
            continue
        stmt.body = batch_products(stmt.body, taken)
        before, after = [], []
        for i, inner in enumerate(stmt.body):
            found = _product_update(inner, stmt.body, i)
            if found is None:
                continue
            b, helper, pair, matrix = found
            terms = taken.fresh(f"{b}_terms")
            before.append(ir.assign(terms, gast.List(elts=[], ctx=gast.Load())))
            stmt.body[i] = gast.copy_location(ir.expr_stmt(ir.call(
                f"{terms}.append", gast.Tuple(elts=[ir.name(n) for n in pair],
                                              ctx=gast.Load()))), inner)
            update = gast.AugAssign(target=ir.name(b, True), op=gast.Add(),
                                    value=ir.call(helper, ir.name(terms), ir.name(matrix)))
            after.append(gast.copy_location(update, inner))
        out += before + [stmt] + after
    return out


def _product_update(stmt, body, i):
    """(adjoint, helper, per-iteration pair, fixed matrix) if `stmt` can be batched."""
    value = getattr(stmt, "value", None)
    if not (isinstance(stmt, gast.AugAssign) and isinstance(stmt.target, gast.Name)
            and isinstance(stmt.op, gast.Add) and isinstance(value, gast.Call)
            and ir.helper(value) in PRODUCTS and len(value.args) == 3
            and all(isinstance(a, gast.Name) for a in value.args)):
        return None
    helper, first, matrix_at = PRODUCTS[ir.helper(value)]
    g, matrix = value.args[0].id, value.args[matrix_at].id
    pair = (g, value.args[first].id)
    b = stmt.target.id
    others = body[:i] + body[i + 1:]
    rebound = set().union(*(assigned_by(s) for s in body)) if body else set()
    mutated = set()
    for s in body:
        for node in ir.nodes(s):
            if isinstance(node, gast.AugAssign):
                mutated |= names_in(node.target)
            elif isinstance(node, gast.Assign) and not _rebinds(node.targets[0]):
                mutated |= names_in(node.targets[0])
    if any(b in names_in(s) for s in others) or matrix in rebound \
            or set(pair) & (mutated - {b}) or _restores_items(body):
        return None
    return b, helper, pair, matrix


def _restores_items(body) -> bool:
    """Whether the loop writes items of an array back (`h[:] = _pop()`): an operand
    kept for after the loop may be another name for that array (h_prev = h), so its
    saved value would change under it; such loops keep their per-iteration products."""
    return any(isinstance(node, gast.Assign) and isinstance(node.targets[0], gast.Subscript)
               for s in body for node in ir.nodes(s))


def _rebinds(target) -> bool:
    """`x = ...` or `a, b = ...`: names bound anew, no object written into."""
    return isinstance(target, gast.Name) or isinstance(target, (gast.Tuple, gast.List)) \
        and all(isinstance(e, gast.Name) for e in target.elts)
