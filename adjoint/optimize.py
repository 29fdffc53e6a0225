"""Pass 7: remove assignments nothing reads (liveness over the structured body).

The reverse pass already avoids most waste by construction; this pass removes
what only becomes dead once both sweeps are together: forward values that no
adjoint reads, restores after the last read, zero fills no branch needs.
Only pure right-hand sides are removed; pops, prints and user calls stay.
"""
from __future__ import annotations

import gast

from . import ir
from .template import names_in

PURE_PREFIXES = ("np.", "math.", "rt.")
PURE_BUILTINS = {"len", "range", "reversed", "abs", "min", "max", "float", "int",
                 "bool", "tuple", "isinstance", "sum", "round"}


def is_pure(value, pure_call) -> bool:
    for node in gast.walk(value):
        if isinstance(node, gast.Call):
            func = ir.unparse(node.func)
            if func == "rt.seed" or func.startswith("_stack"):
                return False
            if not (func.startswith(PURE_PREFIXES) or func in PURE_BUILTINS
                    or pure_call(node)):
                return False
    return True


def eliminate(body, live: set, pure_call) -> tuple[list, set]:
    """Return the body without dead assignments, and the names live on entry."""
    out = []
    for stmt in reversed(body):
        if isinstance(stmt, gast.Assign):
            target = stmt.targets[0].id
            value = stmt.value
            if isinstance(value, gast.Name) and value.id == target:
                continue
            if target not in live and is_pure(value, pure_call):
                continue
            live = (live - {target}) | names_in(value)
        elif isinstance(stmt, gast.If):
            body_, a = eliminate(stmt.body, set(live), pure_call)
            orelse, b = eliminate(stmt.orelse, set(live), pure_call)
            if not body_ and not orelse:
                continue
            stmt.body, stmt.orelse = body_ or [gast.Pass()], orelse
            live = a | b | {stmt.test.id}
        elif isinstance(stmt, (gast.For, gast.While)):
            stmt, live = _loop(stmt, live, pure_call)
            if stmt is None:
                continue
        elif isinstance(stmt, gast.Pass):
            continue
        else:
            live = live | names_in(stmt)
        out.append(stmt)
    return out[::-1], live


def _loop(stmt, live, pure_call):
    head = names_in(stmt.iter) if isinstance(stmt, gast.For) else {stmt.test.id}
    target = {stmt.target.id} if isinstance(stmt, gast.For) else set()
    at_end = set(live) | head
    while True:
        _, entry = eliminate([_clone(s) for s in stmt.body], set(at_end), pure_call)
        if entry - target <= at_end:
            break
        at_end |= entry - target
    body, entry = eliminate(stmt.body, set(at_end), pure_call)
    if not body:
        return None, live
    stmt.body = body
    return stmt, (live | entry | head) - (target - (entry | live))


def _clone(stmt):
    import copy
    return copy.deepcopy(stmt)


def run(fn: gast.FunctionDef, pure_call) -> gast.FunctionDef:
    body, _ = eliminate(fn.body, set(), pure_call)
    fn.body = body
    return fn
