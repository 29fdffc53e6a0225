"""Adjoint variables during the reverse sweep: which exist, which arrays the sweep
owns, and how a contribution is added.

`State.defined`: adjoints holding a value at this point (others are implicitly 0,
so the first contribution is assigned, not added). `State.owned`: adjoints whose
value is an object the sweep created itself and nothing else refers to; only
those may be updated in place (`bx += c`, `bx[i] += g`), which avoids allocating
a new array per contribution. A value is owned when it was produced by
arithmetic or by an allocating helper; a bare name or `rt.seed(...)` (which may
be the caller's `grad_out`) is not.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import gast

from .. import runtime as rt
from ..codegen import ir

FRESH_CALLS = {rt.matmul_ga, rt.matmul_gb, rt.dot_ga, rt.dot_gb, rt.getitem_grad,
               rt.mean_grad, rt.max_grad, rt.zeros_like,
               # container adjoints with fresh elements (runtime/containers.py):
               rt.unstack, rt.concatenate_grad, rt.vstack_grad, rt.hstack_grad,
               rt.sum_list_grad, rt.copy}


@dataclass
class State:
    defined: set = field(default_factory=set)
    owned: set = field(default_factory=set)

    def copy(self) -> "State":
        return State(set(self.defined), set(self.owned))

    def assign(self, b: str, fresh: bool) -> None:
        self.defined.add(b)
        (self.owned.add if fresh else self.owned.discard)(b)

    def discard(self, b: str) -> None:
        self.defined.discard(b)
        self.owned.discard(b)

    def absorb(self, other: "State") -> None:
        """Take over `other` (the state after a nested block)."""
        self.defined, self.owned = set(other.defined), set(other.owned)


def fresh(expr) -> bool:
    """Whether `expr` evaluates to a new object nothing else refers to."""
    if isinstance(expr, (gast.BinOp, gast.UnaryOp, gast.Constant)):
        return True
    if isinstance(expr, gast.Call):
        func = ir.helper(expr)
        if any(func is f for f in FRESH_CALLS):
            return True
        if func is rt.unbroadcast:
            return fresh(expr.args[0])
    return False


def is_getitem_grad(expr) -> bool:
    return isinstance(expr, gast.Call) and ir.helper(expr) is rt.getitem_grad


def accumulate(b: str, expr, state: State, indexed: bool, ints, where,
               in_place: bool = True) -> gast.stmt:
    """Add the contribution `expr` to adjoint `b` (assign it if `b` is still zero).
    `in_place=False` never emits `rt.add_at`, a write the next differentiation
    could not see (the sum is then `b += rt.getitem_grad(...)`)."""
    if b not in state.defined:
        state.assign(b, fresh(expr))
        return ir.assign(b, expr, where)
    if b in state.owned and indexed and is_getitem_grad(expr):
        stmt = add_at(b, expr, ints, where, in_place)
        if stmt is not None:
            return stmt
    if b in state.owned and in_place and is_getitem_grad(expr):
        # b[i] += g into b itself (b may still be the number 0.0: rt.add_item checks)
        g, x, index = expr.args
        return ir.assign(b, ir.call("rt.add_item", ir.name(b), g, x, index), where)
    if b in state.owned:
        sub = isinstance(expr, gast.UnaryOp) and isinstance(expr.op, gast.USub)
        node = gast.AugAssign(target=ir.name(b, True), op=gast.Sub() if sub else gast.Add(),
                              value=expr.operand if sub else expr)  # b -= c, not b += -c
        return gast.copy_location(node, where)
    state.assign(b, True)
    return ir.assign(b, ir.add(ir.name(b), expr), where)


def add_at(b: str, expr, ints, where, in_place: bool = True) -> gast.stmt | None:
    """`bx[i] += g` (or rt.add_at, i.e. np.add.at, when `i` might repeat an element;
    None then if not `in_place`)."""
    g, _, index = expr.args
    raw = index.slice if _is_s_(index) else index
    if _basic_index(raw, ints):
        target = gast.Subscript(value=ir.name(b), slice=raw, ctx=gast.Store())
        return gast.copy_location(gast.AugAssign(target=target, op=gast.Add(), value=g),
                                  where)
    if not in_place:
        return None
    return gast.copy_location(ir.expr_stmt(ir.call("rt.add_at", ir.name(b), index, g)),
                              where)


def _is_s_(node) -> bool:
    return isinstance(node, gast.Subscript) and ir.unparse(node.value) == "np.s_"


def _basic_index(node, ints) -> bool:
    """Ints, slices, None and ... only: `b[i] += g` then adds once per element."""
    if isinstance(node, gast.Tuple):
        return all(_basic_index(e, ints) for e in node.elts)
    if isinstance(node, gast.Slice):
        return True
    if isinstance(node, gast.Constant):
        return node.value is None or node.value is Ellipsis or type(node.value) in (int, str)
    return isinstance(node, gast.Name) and node.id in ints
