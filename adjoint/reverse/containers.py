"""Mutations in the reverse pass: `xs.append(v)` and item writes `y[i] = v`.

A mutation is undone in the reverse sweep at its own position, so every statement
before it sees its objects exactly as the forward sweep did (TBR stays about
rebinding names only):

    forward                       reverse
    xs.append(v)                  xs.pop();  bv (+)= bxs.pop()
    _push(rt.item(y, i))          bv (+)= rt.item_grad(by, i, v);  by[i] = 0.0
    y[i] = v                      y[i] = _pop()          (rt.restore for dicts)

Outside loops the overwritten item is kept in a named copy instead of the stack.
A parameter the function writes into is copied on entry (`x = rt.copy(x)`), so
the caller's arrays, lists and dicts are never changed.
"""
from __future__ import annotations

import builtins

import gast
import numpy as np

from .. import runtime as rt
from ..codegen import ir
from .adjoint_state import _basic_index
from ..errors import UnsupportedSyntaxError
from ..codegen.naming import describe
from ..analysis.primitives import Prim

# Rules whose list-valued argument makes the variable bound to it a container.
# Functions (matched by identity) whose list-valued argument makes the variable bound to
# it a container; NumPy's conversions, which read a list as one array; containers walked.
LIST_ARGS = (np.stack, np.concatenate, np.vstack, np.hstack, builtins.sum)
CONVERSIONS = (np.array, np.asarray, np.asanyarray, np.ascontiguousarray)
WALKED = (rt.dict_items, rt.dict_values, rt.as_sequence)


def read_by_numpy(body, names, prim_of) -> set:
    """Those of `names` a NumPy function takes as they are (`np.add(xs, ys)`): a list
    there is read as an array, and so are its tangent and adjoint."""
    found = set()
    for stmt in ir.statements(body):
        if isinstance(stmt, gast.Assign) and isinstance(stmt.value, gast.Call) \
                and not is_write(stmt):
            prim = prim_of(stmt)
            if prim.kind == "rule" and array_like(prim.rule):
                found |= {n.id for _, n in prim.args if isinstance(n, gast.Name)}
    return found & set(names)


def array_like(rule) -> bool:
    """A NumPy function reading its arguments as arrays (not one made for lists). (The
    registry names a rule after its function's module: `numpy.` is NumPy's.)"""
    return rule.name.startswith("numpy.") and not _among(rule.fn, LIST_ARGS + CONVERSIONS)


def _among(fn, functions) -> bool:
    return any(fn is f for f in functions)


def is_write(stmt) -> bool:
    """`y[i] = v` (after normalisation: atoms only)."""
    return isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Subscript)


def appended(stmt):
    """(list name, appended atom) for `xs.append(v)`, else None."""
    value = getattr(stmt, "value", None)
    if isinstance(stmt, gast.Expr) and isinstance(value, gast.Call) \
            and isinstance(value.func, gast.Attribute) and value.func.attr == "append" \
            and isinstance(value.func.value, gast.Name) and len(value.args) == 1 \
            and not value.keywords:
        return value.func.value.id, value.args[0]
    return None


def popped(stmt):
    """(list name, target) for `v = xs.pop()` (as in the stack of a gradient), else None."""
    value = getattr(stmt, "value", None)
    if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) \
            and isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) \
            and value.func.attr == "pop" and isinstance(value.func.value, gast.Name) \
            and not value.args and not value.keywords:
        return value.func.value.id, stmt.targets[0].id
    return None


def mutated(stmt) -> str | None:
    """The variable a mutation statement changes, else None."""
    if is_write(stmt):
        return stmt.targets[0].value.id
    found = appended(stmt) or popped(stmt)
    return found[0] if found else None


def equation(stmt):
    """(target, Prim) of a mutation for activity analysis: `y` depends on `v`."""
    if is_write(stmt):
        return stmt.targets[0].value.id, Prim("pack", stmt.value,
                                              args=((stmt.targets[0].slice, stmt.value),))
    found = appended(stmt)
    if found:
        return found[0], Prim("pack", stmt.value, args=((None, found[1]),))
    found = popped(stmt)
    if found:  # v = xs.pop(): v depends on xs
        return found[1], Prim("pop", stmt.value, args=(("xs", ir.name(found[0])),))
    return None


walk = ir.statements


# ---- a gradient differentiated again (again.py lowers its restores) -----------------
def primal(stmt) -> gast.stmt:
    """The statement the forward sweep runs for a write (`rt.restore` when lowered)."""
    if not getattr(stmt, "restore", False):
        return stmt
    target = stmt.targets[0]
    call = ir.call("rt.restore", target.value, target.slice, stmt.value)
    return gast.copy_location(ir.expr_stmt(call), stmt)


# ---- planning (before TBR) ---------------------------------------------------------
def plan(rev, body, params) -> None:
    """Decide how each mutation is saved, which parameters are copied on entry,
    which adjoints are containers (zeroed with rt.zeros_like) and which are dicts."""
    rev.writes = {}
    _plan_saves(rev, body, False)
    targets = {mutated(s) for s in walk(body) if mutated(s)}
    rev.copied = [p for p in params if p in targets]
    rev.dicts = set()
    shaped = set(targets)
    lists = {appended(s)[0] for s in walk(body) if appended(s)}
    for stmt in walk(body):
        if is_write(stmt) and _str_key(stmt.targets[0].slice):
            rev.dicts.add(mutated(stmt))
        if not isinstance(stmt, gast.Assign) or is_write(stmt):
            continue
        value, target = stmt.value, stmt.targets[0].id
        if isinstance(value, gast.Dict):
            rev.dicts.add(target)
        if isinstance(value, (gast.Tuple, gast.List, gast.Dict)):
            shaped.add(target)
        if isinstance(value, (gast.Tuple, gast.List)):
            lists.add(target)
        if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name) \
                and _str_key(value.slice):
            shaped.add(value.value.id)
            rev.dicts.add(value.value.id)
        prim = rev.prim(stmt)
        if prim.kind == "pack":  # Params(W=w, b=b): a record (analysis/records.py)
            shaped.add(target)
        fn = prim.rule.fn if prim.kind == "rule" else None
        if fn is builtins.getattr:  # p.W: p is a record
            shaped |= {v for _, v in prim.diff_inputs()}
        if _among(fn, LIST_ARGS):
            shaped |= {v for _, v in prim.diff_inputs()}
        if _among(fn, WALKED):  # d.items(), for k in d
            shaped |= {v.id for _, v in prim.args if isinstance(v, gast.Name)}
        if fn is rt.dict_get:  # p.get("w", 1.0)
            d = dict(prim.args).get("d")
            if isinstance(d, gast.Name):
                shaped.add(d.id)
                rev.dicts.add(d.id)
    shaped |= _unpacked(body, params)
    rev.shaped = _copies(body, shaped)
    rev.lists = _copies(body, lists)
    _index_gathered(rev, body, _copies(body, lists | rev.dicts))
    _check_concatenation(rev, body, _copies(body, lists))


def _unpacked(body, params) -> set:
    """Parameters used only as `p[<constant>]` (e.g. `a, b = p`): containers, whose
    gradient is returned as a plain tuple/list/dict."""
    uses = {p: [] for p in params}
    for stmt in walk(body):
        for node in ir.nodes(stmt):  # the count of uses matters, not their order
            if isinstance(node, gast.Name) and node.id in uses:
                uses[node.id].append(node)
    found = set()
    for stmt in walk(body):
        value = getattr(stmt, "value", None)
        if isinstance(stmt, gast.Assign) and isinstance(value, gast.Subscript) \
                and isinstance(value.value, gast.Name) and value.value.id in uses \
                and isinstance(value.slice, gast.Constant):
            uses[value.value.id].remove(value.value)
            found.add(value.value.id)
    return {p for p in found if not uses[p]}


def _index_gathered(rev, body, known: set) -> None:
    """A container's adjoint gathers `bxs[i] += g` in place only when every index
    is one element (np.add.at, the fallback for arrays, cannot take a list)."""
    for stmt in walk(body):
        value = getattr(stmt, "value", None)
        if isinstance(stmt, gast.Assign) and isinstance(value, gast.Subscript) \
                and isinstance(value.value, gast.Name) and value.value.id in known \
                and not _basic_index(value.slice, rev.ints):
            rev.indexed.discard(value.value.id)


def _copies(body, names: set) -> set:
    """`names` and every variable copied to or from one of them (`a = b`, or
    `a = rt.copy(b)` in a gradient differentiated again)."""
    names = set(names)
    pairs = []
    for stmt in walk(body):
        if isinstance(stmt, gast.Assign) and not is_write(stmt):
            value = stmt.value
            if isinstance(value, gast.Call) and ir.helper(value) is rt.copy \
                    and len(value.args) == 1:
                value = value.args[0]
            if isinstance(value, gast.Name):
                pairs.append((value.id, stmt.targets[0].id))
    changed = True
    while changed:
        changed = False
        for a, b in pairs:
            if (a in names) != (b in names):
                names |= {a, b}
                changed = True
    return names


def _plan_saves(rev, body, in_loop) -> None:
    for stmt in body:
        if is_write(stmt):
            base = describe(gast.Subscript(value=stmt.targets[0].value,
                                           slice=stmt.targets[0].slice, ctx=gast.Load()))
            rev.writes[stmt] = None if in_loop else rev.namer.fresh(
                "_" + (base or stmt.targets[0].value.id + "_item").lstrip("_"))
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, []) or []
            _plan_saves(rev, inner, in_loop or isinstance(stmt, (gast.For, gast.While)))


def _str_key(node) -> bool:
    return isinstance(node, gast.Constant) and isinstance(node.value, str)


def _check_concatenation(rev, body, shaped) -> None:
    if rev.source.generated:
        return  # a gradient's `+` on containers adds adjoints item by item (GradList)
    for stmt in walk(body):
        if isinstance(stmt, gast.Assign) and isinstance(stmt.value, gast.BinOp) \
                and isinstance(stmt.value.op, (gast.Add, gast.Mult)) \
                and rev.activity.active(stmt.targets[0].id if not is_write(stmt) else ""):
            sides = [stmt.value.left, stmt.value.right]
            if any(isinstance(s, gast.Name) and s.id in shaped for s in sides):
                raise UnsupportedSyntaxError(
                    f"joining or repeating lists with + or * is not differentiated "
                    f"({rev.source.name})", rev.source.where(stmt),
                    hint="append in a loop, or use np.concatenate / np.stack on arrays")


def reads(stmt) -> set:
    """Primal names the reverse of a mutation reads (for TBR)."""
    if is_write(stmt):
        found = ir_names(stmt.targets[0]) | ir_names(stmt.value)
        return found
    found = appended(stmt)
    if found:
        return {found[0]} | ir_names(found[1])
    found = popped(stmt)
    return set(found) if found else set()


def ir_names(node) -> set:
    return {n.id for n in ir.nodes(node) if isinstance(n, gast.Name)}


def prologue(rev) -> list:
    """`x = rt.copy(x)` for each parameter the function writes into."""
    return [ir.assign(p, ir.call("rt.copy", ir.name(p)), rev.source.tree)
            for p in rev.copied]


def uses_stack(rev) -> bool:
    return any(v is None for v in rev.writes.values())
