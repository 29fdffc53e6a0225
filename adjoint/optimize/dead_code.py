"""Pass 7: remove assignments nothing reads (liveness over the structured body).

The reverse pass already avoids most waste by construction; this pass removes
what only becomes dead once both sweeps are together: forward values that no
adjoint reads, restores after the last read, zero fills no branch needs.
Only pure right-hand sides are removed; pops, prints and user calls stay.
"""
from __future__ import annotations


import gast

from .. import runtime as rt
from ..codegen import ir
from ..codegen.template import names_in

# The modules the compiler's own templates call, by the names the module header it
# writes binds (`import numpy as np`, `from adjoint import runtime as rt`; the
# namer reserves them), and the builtins they call: their calls have no effect.
PURE_PREFIXES = ("np.", "math.", "rt.")
PURE_BUILTINS = {"len", "range", "reversed", "abs", "min", "max", "float", "int",
                 "bool", "tuple", "isinstance", "sum", "round"}


def is_pure(value, pure_call) -> bool:
    """Whether evaluating `value` has no effect: every call in it is one the templates
    make or one `pure_call` knows (by the function it resolves to; a stack's `_pop`,
    a list's `append` and `pop` resolve to none), except rt.seed, which checks
    grad_out and must run."""
    for node in ir.nodes(value):
        if isinstance(node, gast.Call):
            func = ir.dotted(node.func) or ""
            if ir.helper(node) is rt.seed:
                return False
            if not (func.startswith(PURE_PREFIXES) or func in PURE_BUILTINS
                    or pure_call(node)):
                return False
    return True


def eliminate(body, live: set, pure_call, apply: bool = True,
              removed: list | None = None) -> tuple[list, set]:
    """Return the body without dead assignments, and the names live on entry.
    With apply=False nothing is changed (a loop's fixpoint only needs liveness);
    `removed` collects the assignments found dead."""
    out = []
    for stmt in reversed(body):
        if isinstance(stmt, gast.Assign) and not isinstance(stmt.targets[0], gast.Name):
            if isinstance(stmt.targets[0], (gast.Tuple, gast.List)):
                stored = _stored(stmt.targets[0])  # `_ba, _bb = f_bwd(...)`: kept whole
                live = (live - stored) | names_in(stmt.value)
            else:
                live = live | names_in(stmt)  # y[i] = v: a write into a live object
        elif isinstance(stmt, gast.Assign):
            target = stmt.targets[0].id
            value = stmt.value
            if isinstance(value, gast.Name) and value.id == target:
                continue
            if target not in live and is_pure(value, pure_call):
                if removed is not None:
                    removed.append(stmt)
                continue
            live = (live - {target}) | names_in(value)
        elif isinstance(stmt, gast.If):
            body_, a = eliminate(stmt.body, set(live), pure_call, apply, removed)
            orelse, b = eliminate(stmt.orelse, set(live), pure_call, apply, removed)
            if not body_ and not orelse:
                continue
            if apply:
                stmt.body, stmt.orelse = body_ or [gast.Pass()], orelse
            live = a | b | names_in(stmt.test)
        elif isinstance(stmt, (gast.For, gast.While)):
            stmt, live = _loop(stmt, live, pure_call, apply, removed)
            if stmt is None:
                continue
        elif isinstance(stmt, gast.Pass):
            continue
        else:
            live = live | names_in(stmt)
        out.append(stmt)
    return out[::-1], live


def loop_end(stmt, live, pure_call) -> set:
    """The names live at the end of a loop's body, given those live after the loop:
    what a later pass or the code after it reads (a fixpoint over the passes)."""
    head = names_in(stmt.iter) if isinstance(stmt, gast.For) else names_in(stmt.test)
    target = {stmt.target.id} if isinstance(stmt, gast.For) else set()
    at_end = set(live) | head
    while True:
        _, entry = eliminate(stmt.body, set(at_end), pure_call, apply=False)
        if entry - target <= at_end:
            return at_end
        at_end |= entry - target


def _loop(stmt, live, pure_call, apply=True, removed=None):
    head = names_in(stmt.iter) if isinstance(stmt, gast.For) else {stmt.test.id}
    target = {stmt.target.id} if isinstance(stmt, gast.For) else set()
    body, entry = eliminate(stmt.body, loop_end(stmt, live, pure_call), pure_call, apply,
                            removed)
    if not body:
        if isinstance(stmt, gast.For) and stmt.target.id in live:
            body = [gast.Pass()]  # nothing left to do but leave its counter behind
        else:
            return None, live
    if apply:
        stmt.body = body
    return stmt, (live | entry | head) - (target - (entry | live))


def propagate_copies(body) -> list:
    """After `a = b` (two names), read `b` for `a` in the statements that follow in
    the same block, until either name is assigned again; DCE then drops the copy."""
    body = [s for s in body if not _self_copy(s)]  # `x = x` does nothing
    for stmt in body:
        for field in ("body", "orelse"):
            if getattr(stmt, field, None):
                setattr(stmt, field, propagate_copies(getattr(stmt, field)))
    assigned = [assigned_by(s) for s in body]  # computed once per block: linear, not
    names = [names_in(s) for s in body]      # quadratic, in the block's length
    for i, stmt in enumerate(body):
        if not (isinstance(stmt, gast.Assign) and isinstance(stmt.value, gast.Name)
                and isinstance(stmt.targets[0], gast.Name)):
            continue
        a, b = stmt.targets[0].id, stmt.value.id
        for j in range(i + 1, len(body)):
            later = body[j]
            if isinstance(later, (gast.If, gast.For, gast.While)):
                if a in assigned[j] or b in assigned[j] or a in names[j]:
                    break
                continue
            if a in names[j]:
                _rename(later.value if hasattr(later, "value") and not
                        isinstance(later, gast.Expr) else later, a, b)
                names[j] = names_in(later)
            if a in assigned[j] or b in assigned[j]:
                break
    return body


def _self_copy(stmt) -> bool:
    return isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) \
        and isinstance(stmt.value, gast.Name) and stmt.value.id == stmt.targets[0].id


def _stored(target) -> set:
    return {n.id for n in ir.nodes(target)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}


def assigned_by(stmt) -> set:
    """Names a statement rebinds or mutates (x = .., a, b = .., x[i] = .., x += ..)."""
    if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], gast.Name):  # the common case, quickly
        target = stmt.targets[0]
        return {target.id} if isinstance(target.ctx, gast.Store) else set()
    out = set()
    for node in ir.statements([stmt]):  # expressions hold no statements: not walked
        if isinstance(node, (gast.Assign, gast.AugAssign)):
            targets = node.targets if isinstance(node, gast.Assign) else [node.target]
            for t in targets:
                out |= _stored(t)
                out |= {n.id for n in ir.nodes(t) if isinstance(t, gast.Subscript)
                        and isinstance(n, gast.Name)}
        elif isinstance(node, gast.For):
            out.add(node.target.id)
    return out


def _rename(tree, old: str, new: str) -> None:
    """Read `new` wherever `tree` reads `old` (in place)."""
    for node in ir.nodes(tree):
        if isinstance(node, gast.Name) and node.id == old and isinstance(node.ctx, gast.Load):
            node.id = new
