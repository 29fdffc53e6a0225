"""Pass 9 (numbers only): temporaries read once are written into their reader.

Normal form gives every operation its own statement, which costs the Python
interpreter a store and a load per temporary. In the gradient's version for
Python numbers (no arrays, so no aliasing and no memory to save), a temporary
the compiler made (`_t3`, `sin_x`, `bsin_x`) that is read exactly once, later in
the same block, before anything it reads changes, is substituted into that
reader: `_t3 = -x; exp_t3 = math.exp(_t3)` becomes `exp_t3 = math.exp(-x)`.

Two `if`s on the same flag in one block with nothing between them that either
depends on become one (`if _t1:` re-running a branch of the iteration, then
`if _t1:` for its adjoint), so values move next to their only reader first.
User variables and their adjoints keep their statements (they are what a reader
steps through in pdb).
"""
from __future__ import annotations

import gast

from ..codegen import ir
from ..codegen.marks import NONE
from .dead_code import assigned_by, eliminate, is_pure, loop_end
from ..codegen.template import names_in

BIGGEST = 24  # nodes in a fused expression: beyond, the statements stay apart


def run(fn: gast.FunctionDef, pure_call, keep: set, made=NONE) -> gast.FunctionDef:
    """Merge `if`s and fuse temporaries of `fn` in place; `keep` names stay."""
    _merge_ifs(fn.body, pure_call)
    _fuse(fn.body, set(), pure_call, keep, made.seed_in(fn.body))
    fn.body, _ = eliminate(fn.body, set(), pure_call)
    _updates(fn.body)
    return fn


# ---- updates and copies ---------------------------------------------------------

def _updates(body) -> None:
    """`b += u; b -= v` of one line becomes `b = b + u - v` (the same operations in
    the same order), and a copy `x = _x` both branches of an `if` begin with (or
    could: nothing before it in the branch touches x) is made once before it."""
    for stmt in body:
        for field in ("body", "orelse"):
            if getattr(stmt, field, None):
                _updates(getattr(stmt, field))
    k = 0
    while k < len(body) - 1:
        a, b = body[k], body[k + 1]
        if _update(a) and _update(b) and a.target.id == b.target.id \
                and getattr(a, "lineno", None) == getattr(b, "lineno", None) \
                and a.target.id not in names_in(a.value) | names_in(b.value):
            a = body[k] = gast.copy_location(gast.Assign(
                targets=[ir.name(a.target.id, True)], type_comment=None,
                value=gast.BinOp(left=gast.BinOp(left=ir.name(a.target.id), op=a.op,
                                                 right=a.value), op=b.op, right=b.value)), a)
            del body[k + 1]
        elif _update(b) and isinstance(a, gast.Assign) and isinstance(a.targets[0], gast.Name) \
                and a.targets[0].id == b.target.id and _chain(a.value, b.target.id) \
                and getattr(a, "lineno", None) == getattr(b, "lineno", None) \
                and b.target.id not in names_in(b.value):
            a.value = gast.BinOp(left=a.value, op=b.op, right=b.value)
            del body[k + 1]
        else:
            k += 1
    for k, stmt in enumerate(list(body)):
        if isinstance(stmt, gast.If) and stmt.orelse:
            for copy in _common_copies(stmt):
                body.insert(body.index(stmt), copy)


def _update(stmt) -> bool:
    return isinstance(stmt, gast.AugAssign) and isinstance(stmt.target, gast.Name) \
        and isinstance(stmt.op, (gast.Add, gast.Sub))


def _chain(value, name: str) -> bool:
    """Whether `value` is `name + ...` or `name - ...` (so `+ v` may follow it)."""
    while isinstance(value, gast.BinOp) and isinstance(value.op, (gast.Add, gast.Sub)):
        value = value.left
    return isinstance(value, gast.Name) and value.id == name


def _common_copies(stmt) -> list:
    """Copies `v = w` both branches make before anything in them touches v or w."""
    out = []
    for copy in [s for s in stmt.body if _copy(s)]:
        v, w = copy.targets[0].id, copy.value.id
        if v in names_in(stmt.test):
            continue
        twin = [s for s in stmt.orelse if _copy(s) and s.targets[0].id == v
                and s.value.id == w]
        if twin and _first_touch(stmt.body, copy, v, w) \
                and _first_touch(stmt.orelse, twin[0], v, w):
            stmt.body.remove(copy)
            stmt.orelse.remove(twin[0])
            stmt.body = stmt.body or [gast.Pass()]
            out.append(gast.copy_location(copy, stmt))  # (under the if's comment)
    return out


def _copy(stmt) -> bool:
    return isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) \
        and isinstance(stmt.value, gast.Name)


def _first_touch(block, copy, v, w) -> bool:
    for s in block:
        if s is copy:
            return True
        if v in names_in(s) or w in assigned_by(s):
            return False
    return False


# ---- if merging -----------------------------------------------------------------

def _merge_ifs(body, pure_call) -> None:
    for stmt in body:
        for field in ("body", "orelse"):
            if getattr(stmt, field, None):
                _merge_ifs(getattr(stmt, field), pure_call)
    k = 0
    while k < len(body):
        first = body[k]
        m = _same_test_later(body, k, pure_call) if isinstance(first, gast.If) \
            and isinstance(first.test, gast.Name) else None
        if m is None:
            k += 1
            continue
        second = body[m]
        second.body = _real(first.body) + _real(second.body) or [gast.Pass()]
        second.orelse = _real(first.orelse) + _real(second.orelse)
        del body[k]


def _same_test_later(body, k, pure_call):
    """The index of the next `if` on the same flag, if the statements between
    neither change nor read what the first `if` writes (nor write what it reads)."""
    first = body[k]
    writes = _writes([first])
    if first.test.id in writes:
        return None  # (the second `if` would test the flag the first one changed)
    reads = names_in(first) - writes | {first.test.id}
    for m in range(k + 1, len(body)):
        stmt = body[m]
        if ir.is_comment(stmt):
            continue
        if isinstance(stmt, gast.If) and isinstance(stmt.test, gast.Name) \
                and stmt.test.id == first.test.id:
            return m
        if isinstance(stmt, (gast.For, gast.While)) or not _simple(stmt, pure_call):
            return None
        if _writes([stmt]) & (writes | reads) or names_in(stmt) & writes:
            return None
    return None


def _simple(stmt, pure_call) -> bool:
    """An assignment without calls that could have effects (a pop, a user call)."""
    return isinstance(stmt, (gast.Assign, gast.AugAssign)) \
        and is_pure(stmt.value, pure_call)


def _real(block) -> list:
    return [s for s in block if not isinstance(s, gast.Pass)]


def _writes(block) -> set:
    return set().union(*(assigned_by(s) for s in block)) if block else set()


# ---- fusion ---------------------------------------------------------------------

def _fuse(body, live_out: set, pure_call, keep, seed) -> None:
    """Fuse within `body` (and the blocks inside it), given the names live after it."""
    after = _live_after(body, live_out, pure_call)
    for stmt, live in zip(body, after):
        if isinstance(stmt, gast.If):
            _fuse(stmt.body, live, pure_call, keep, seed)
            _fuse(stmt.orelse, live, pure_call, keep, seed)
        elif isinstance(stmt, (gast.For, gast.While)):
            _fuse(stmt.body, loop_end(stmt, live, pure_call), pure_call, keep, seed)
    k = 0
    while k < len(body):
        if _inline(body, k, after, pure_call, keep, seed):
            del body[k]
            del after[k]
        else:
            k += 1


def _inline(body, k, after, pure_call, keep, seed) -> bool:
    """Substitute `t = E` (body[k]) into its only reader, if that is safe."""
    stmt = body[k]
    if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)):
        return False
    t, value = stmt.targets[0].id, stmt.value
    if t in keep or t in names_in(value) or not is_pure(value, pure_call) \
            or stmt is seed:
        return False
    operands = names_in(value)
    for m in range(k + 1, len(body)):
        use = body[m]
        if ir.is_comment(use):
            continue
        if use is seed:
            return False  # forward values stay in the forward sweep
        if t in names_in(use):
            spot = _spot(use)
            slots = [n for n in ir.nodes(spot) if isinstance(n, gast.Name) and n.id == t] \
                if spot is not None else []
            rebinds = isinstance(use, gast.Assign) and isinstance(use.targets[0], gast.Name) \
                and use.targets[0].id == t
            if len(slots) != 1 or t in names_in(use) - names_in(spot) and not rebinds \
                    or t in after[m] and not rebinds \
                    or _size(spot) + _size(value) > BIGGEST:
                return False
            _replace(use, spot, slots[0], value)
            return True
        if assigned_by(use) & (operands | {t}) or not _simple(use, pure_call) \
                and not isinstance(use, gast.If):
            return False
    return False


def _spot(stmt):
    """Where a value can go: the expression a simple statement or an `if` reads."""
    if isinstance(stmt, (gast.Assign, gast.AugAssign, gast.Return, gast.Expr)):
        return stmt.value
    if isinstance(stmt, gast.If):
        return stmt.test
    return None


def _replace(stmt, spot, slot, value) -> None:
    if spot is slot:
        if isinstance(stmt, gast.If):
            stmt.test = value
        else:
            stmt.value = value
        return
    for node in ir.nodes(spot):
        for field in node._fields:
            child = getattr(node, field)
            if child is slot:
                setattr(node, field, value)
                return
            if type(child) is list and any(c is slot for c in child):
                setattr(node, field, [value if c is slot else c for c in child])
                return


def _size(tree) -> int:
    return sum(1 for _ in ir.nodes(tree))


# ---- liveness ---------------------------------------------------------------------

def _live_after(body, live_out: set, pure_call) -> list:
    """For each statement of a block, the names live right after it."""
    out, live = [], set(live_out)
    for stmt in reversed(body):
        out.append(live)
        _, live = eliminate([stmt], set(live), pure_call, apply=False)
    return out[::-1]
