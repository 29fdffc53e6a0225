"""The statements a container mutation becomes in each sweep (see containers.py
for the planning: which writes keep their old item in a named copy or on the stack).

    forward sweep     save              keep the item `y[i] = v` overwrites
    adjoint sweep     backward_write    bv (+)= by[i];  by[i] = 0;  y[i] restored
                      backward_append   xs.pop();  bv (+)= bxs.pop()
                      backward_pop      xs.append(v);  bxs.append(bv)
    forward mode      forward_write     y[i] = v;  dy[i] = dv
"""
from __future__ import annotations

import copy

import gast

from ..codegen import ir
from .adjoint_state import State, accumulate
from .containers import appended, ir_names, mutated, popped

# ---- the forward sweep -------------------------------------------------------------
def save(rev, stmt) -> list:
    """The statement that keeps the item a write overwrites."""
    obj, index = stmt.targets[0].value, stmt.targets[0].slice
    old = ir.call("rt.item", ir.name(obj.id), _index_value(index))
    name = rev.writes[stmt]
    if name is None:
        return [ir.expr_stmt(ir.call(rev.stack.push, old), stmt)]
    return [ir.assign(name, old, stmt)]


def _index_value(index):
    from ..codegen.template import as_value
    index = copy.deepcopy(index)
    has_slice = isinstance(index, gast.Slice) or isinstance(index, gast.Tuple) and any(
        isinstance(e, gast.Slice) for e in index.elts)
    return as_value(index) if has_slice else index


# ---- the adjoint sweep -------------------------------------------------------------
def backward_write(rev, stmt, state: State) -> list:
    """Reverse of `y[i] = v`: v's adjoint is by[i]; by[i] is zeroed; y[i] restored.
    In an array, zero is the number 0.0 written into the item; in a list or dict it
    replaces the entry, so it is zeros shaped like the item restored (Reverse.zeros)."""
    obj, index, value = stmt.targets[0].value.id, stmt.targets[0].slice, stmt.value
    name = rev.writes[stmt]
    old = ir.call(rev.stack.pop) if name is None else ir.name(name)
    out = []
    if obj in rev.dicts or obj in rev.lists:  # (the item restored shapes the zero)
        if name is None:
            if stmt not in rev.popped:
                rev.popped[stmt] = rev.namer.fresh(f"_{obj.lstrip('_')}_item")
            out.append(ir.assign(rev.popped[stmt], old, stmt))
            old = ir.name(rev.popped[stmt])
        zero = ir.call("rt.zeros_like", ir.clone(old))
    else:
        zero = ir.const(0.0)
    if rev.activity.active(obj):
        by = rev.adjoint(obj)
        if by in state.defined:
            if isinstance(value, gast.Name) and rev.activity.active(value.id):
                part = ir.call("rt.item_grad", ir.name(by), _index_value(index),
                               ir.name(value.id))
                out.append(accumulate(rev.adjoint(value.id), part, state,
                                      value.id in rev.indexed, rev.ints, stmt,
                                      rev.program.in_place))
            out += _own(by, state, stmt)
            item = gast.Subscript(value=ir.name(by), slice=copy.deepcopy(index),
                                  ctx=gast.Store())
            out.append(gast.copy_location(gast.Assign(targets=[item], value=zero,
                                                      type_comment=None), stmt))
    if obj in rev.dicts or getattr(stmt, "restore", False):
        out.append(ir.expr_stmt(ir.call("rt.restore", ir.name(obj), _index_value(index),
                                        old), stmt))
    else:
        back = gast.Subscript(value=ir.name(obj), slice=copy.deepcopy(index),
                              ctx=gast.Store())
        out.append(gast.copy_location(gast.Assign(targets=[back], value=old,
                                                  type_comment=None), stmt))
    return out


def backward_append(rev, stmt, state: State) -> list:
    """Reverse of `xs.append(v)`: pop the list, and pop v's adjoint off bxs."""
    xs, value = appended(stmt)
    out = [ir.expr_stmt(ir.call(f"{xs}.pop"), stmt)]
    bxs = rev.adjoint(xs) if rev.activity.active(xs) else None
    if bxs is None or bxs not in state.defined:
        return out
    out += _own(bxs, state, stmt)
    part = ir.call(f"{bxs}.pop")
    if isinstance(value, gast.Name) and rev.activity.active(value.id):
        out.append(accumulate(rev.adjoint(value.id), part, state, False, rev.ints, stmt))
    else:
        out.append(ir.expr_stmt(part, stmt))
    return out


def backward_pop(rev, stmt, state: State, bv: str | None) -> list:
    """Reverse of `v = xs.pop()`: put v back on xs, and v's adjoint on bxs."""
    xs, v = popped(stmt)
    back = ir.expr_stmt(ir.call(f"{xs}.append", ir.name(v)), stmt)
    if not rev.activity.active(xs):
        return [back]
    bxs, out = rev.adjoint(xs), []
    if bxs not in state.defined:  # the elements still on xs have no adjoint yet: zeros
        out.append(ir.assign(bxs, ir.call("rt.zeros_like", ir.name(xs)), stmt))
        state.assign(bxs, True)  # shaped like them, made before v goes back on xs
    out += [back] + _own(bxs, state, stmt)
    # (v's zero adjoint, shaped like v: Reverse.zeros; v is read here anyway)
    part = ir.name(bv) if bv is not None and bv in state.defined else \
        ir.const(0.0) if v in rev.scalar else ir.call("rt.zeros_like", ir.name(v))
    out.append(ir.expr_stmt(ir.call(f"{bxs}.append", part), stmt))
    return out


def moves(rev, badj: str, contribs, state: State) -> str | None:
    """A copy `xs = ys` of a container hands the owned adjoint bxs to bys (bxs is
    consumed right after): the variable that takes ownership, or None. Only when
    the adjoint occurs once among the contributions (nothing else aliases it)."""
    if badj not in state.owned:
        return None
    bare = [v for v, e in contribs if isinstance(e, gast.Name) and e.id == badj]
    uses = sum(ir_names(e) >= {badj} for _, e in contribs)
    if len(bare) == 1 and uses == 1 and bare[0] in rev.shaped \
            and rev.adjoint(bare[0]) not in state.defined:
        return bare[0]
    return None


def _own(b: str, state: State, where) -> list:
    """Copy an adjoint the sweep does not own before changing it in place."""
    if b in state.owned:
        return []
    state.assign(b, True)
    return [ir.assign(b, ir.call("rt.copy", ir.name(b)), where)]


# ---- forward mode ----------------------------------------------------------------
def forward_prologue(fwd, fn) -> list:
    """Copy each written parameter (and its tangent) on entry."""
    targets = {mutated(s) for s in ir.statements(fn.body) if mutated(s)}
    params = [a.id for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]
    out = []
    for p in params:
        if p in targets:
            out.append(ir.assign(p, ir.call("rt.copy", ir.name(p)), fn))
            if fwd.active(p):
                t = fwd.tangent(p)
                out.append(ir.assign(t, ir.call("rt.copy", ir.name(t)), fn))
    return out


def forward_write(fwd, stmt) -> list:
    """`y[i] = v` and, when y is active, `dy[i] = dv` (the tangent object mirrors y).
    A v without a tangent gives rt.zeros_like(v): in a list or dict the entry is
    replaced, and keeps v's shape (Reverse.zeros); a number costs no array."""
    obj = stmt.targets[0].value.id
    if not fwd.active(obj):
        return [stmt]
    target = gast.Subscript(value=ir.name(fwd.tangent(obj)),
                            slice=copy.deepcopy(stmt.targets[0].slice), ctx=gast.Store())
    value = fwd.tangent_of(stmt.value)
    tan = gast.Assign(targets=[target], value=value, type_comment=None)
    return [stmt, gast.copy_location(tan, stmt)]
