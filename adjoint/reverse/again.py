"""A gradient differentiated again: what its code does that the sweeps must see.

Its `rt.restore(y, i, v)` (the undoing of a dict write) becomes a write, and a stack
its tape brings is copied before it is popped (a callee's backward function shares it
with its forward function, whose reverse pops it too).
"""
from __future__ import annotations

import gast

from .. import runtime as rt
from ..codegen import ir
from .containers import appended, popped, walk


def lower_restores(body) -> None:
    """In a gradient being differentiated again, `rt.restore(y, i, v)` (the undoing of
    a dict write, which deletes a key that was missing) becomes the write `y[i] = v`
    marked `restore`: it is then saved and undone like any write, and still runs as
    rt.restore (`primal`). Unlowered, the second sweep read the emptied dicts."""
    for k, stmt in enumerate(body):
        call = getattr(stmt, "value", None)
        if isinstance(stmt, gast.Expr) and isinstance(call, gast.Call) \
                and ir.helper(call) is rt.restore and len(call.args) == 3 \
                and all(isinstance(a, gast.Name) for a in (call.args[0], call.args[2])):
            obj, index, value = call.args
            target = gast.Subscript(value=obj, slice=index, ctx=gast.Store())
            body[k] = gast.copy_location(gast.Assign(targets=[target], value=value,
                                                     type_comment=None), stmt)
            body[k].restore = True
        for field in ("body", "orelse"):
            lower_restores(getattr(stmt, field, None) or [])


def copy_taken_stacks(body, params) -> None:
    """In a gradient differentiated again, a backward function pops the stack its tape
    brought (`_stack = tape[1]`, `v = _stack.pop()`). That list is the forward
    function's too, whose reverse in the new sweep pops what it pushed: a list taken
    from a parameter and popped or appended to is copied where it is taken (in place),
    so the function leaves what it is given as it was."""
    changed = {found[0] for found in map(popped, walk(body)) if found} | \
        {found[0] for found in map(appended, walk(body)) if found}
    for k in range(len(body) - 1, -1, -1):
        stmt = body[k]
        for field in ("body", "orelse"):
            copy_taken_stacks(getattr(stmt, field, None) or [], params)
        value = getattr(stmt, "value", None)
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) \
                and stmt.targets[0].id in changed and isinstance(value, gast.Subscript) \
                and isinstance(value.value, gast.Name) and value.value.id in params:
            name = stmt.targets[0].id
            body.insert(k + 1, ir.assign(name, ir.call("rt.copy", ir.name(name)), stmt))
