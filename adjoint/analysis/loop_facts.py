"""What recompute.py asks of one loop iteration (analyses only, no rewriting).

Which loops qualify (`forward_ok`, `adjoint_ok`, and pushes and pops that mirror
each other: `trace`, `reverse_of`; the stack is the one the marks name, codegen/marks.py), which names an iteration assigns, reads before
assigning (`exposed`: it carries them) or leaves unassigned on some path
(`read_unset`), which values its adjoint reads after popping them (`read_late`),
and what the code between the two sweeps changes (`writes`).
"""
from __future__ import annotations

import gast

from ..codegen import ir
from ..optimize.dead_code import assigned_by, is_pure
from ..codegen.template import names_in


def forward_ok(body, pure_call, made) -> bool:
    for stmt in body:
        if ir.is_comment(stmt):
            continue
        if made.is_push(stmt):
            args = stmt.value.args
            if len(args) != 1 or not isinstance(args[0], gast.Name):
                return False
        elif isinstance(stmt, gast.Assign):
            if not isinstance(stmt.targets[0], gast.Name) or len(stmt.targets) != 1 \
                    or not is_pure(stmt.value, pure_call) or made.uses_stack(stmt.value):
                return False
        elif isinstance(stmt, gast.If):
            if not isinstance(stmt.test, gast.Name) \
                    or not forward_ok(stmt.body, pure_call, made) \
                    or not forward_ok(stmt.orelse, pure_call, made):
                return False
        else:
            return False
    return True


def adjoint_ok(body, made) -> bool:
    for stmt in body:
        if ir.is_comment(stmt) or made.is_pop(stmt) and isinstance(stmt.targets[0], gast.Name):
            continue
        if isinstance(stmt, gast.If):
            if not isinstance(stmt.test, gast.Name) or not adjoint_ok(stmt.body, made) \
                    or not adjoint_ok(stmt.orelse, made):
                return False
        elif not isinstance(stmt, (gast.Assign, gast.AugAssign)) or made.uses_stack(stmt):
            return False
    return True


def trace(body, kind: str, made) -> list:
    """The pushes (pops) of a block in order, branches nested: ('push', 'x') or
    ('if', test, body trace, orelse trace); branches without any are left out."""
    out = []
    for stmt in body:
        if kind == "push" and made.is_push(stmt):
            out.append(("push", stmt.value.args[0].id))
        elif kind == "pop" and made.is_pop(stmt):
            out.append(("push", stmt.targets[0].id))
        elif isinstance(stmt, gast.If):
            a, b = trace(stmt.body, kind, made), trace(stmt.orelse, kind, made)
            if a or b:
                out.append(("if", stmt.test.id, a, b))
    return out


def reverse_of(trace: list) -> list:
    """The pushes a trace of pops undoes, in the order they were made."""
    return [item if item[0] == "push" else
            ("if", item[1], reverse_of(item[2])[::-1], reverse_of(item[3])[::-1])
            for item in trace]


def counters(fwd, back, elsewhere):
    """A `while` loop's pass counter (`n_iter = n_iter + 1`, which the adjoint loop's
    `range(n_iter)` reads): not carried, not re-run. None if a counter is also read
    or written anywhere else; for a `for` loop, no counters."""
    if isinstance(fwd, gast.For):
        return set()
    found = names_in(back.iter) & assigned(fwd.body)
    for c in found:
        steps = [s for s in fwd.body if counting(s, {c})]
        uses = [s for s in ir.statements(fwd.body) if c in names_in(s)]
        if len(steps) != 1 or len(uses) != 1 or c in elsewhere \
                or c in set().union(*(names_in(s) for s in back.body)):
            return None
    return found


def counting(stmt, counters) -> bool:
    """`n = n + 1` for a counter n."""
    return isinstance(stmt, gast.Assign) and stmt.targets[0].id in counters \
        and ir.unparse(stmt.value) == f"{stmt.targets[0].id} + 1"


def assigned(body) -> set:
    return {s.targets[0].id for s in ir.statements(body) if isinstance(s, gast.Assign)}


def order(body) -> list:
    """Names assigned in the iteration, in order of first assignment."""
    seen = []
    for s in ir.statements(body):
        if isinstance(s, gast.Assign) and s.targets[0].id not in seen:
            seen.append(s.targets[0].id)
    return seen


def most(body) -> dict:
    """For each name, the most assignments to it on one path through the block."""
    count = {}
    for stmt in body:
        if isinstance(stmt, gast.Assign):
            name = stmt.targets[0].id
            count[name] = count.get(name, 0) + 1
        elif isinstance(stmt, gast.If):
            a, b = most(stmt.body), most(stmt.orelse)
            for name in a.keys() | b.keys():
                count[name] = count.get(name, 0) + max(a.get(name, 0), b.get(name, 0))
    return count


def exposed(body, made, done=frozenset()) -> set:
    """Names the iteration may read before assigning them (it carries them)."""
    out, done = set(), set(done)
    for stmt in body:
        if ir.is_comment(stmt) or made.is_push(stmt):
            continue
        if isinstance(stmt, gast.If):
            out |= {stmt.test.id} - done
            out |= exposed(stmt.body, made, done) | exposed(stmt.orelse, made, done)
            done |= must(stmt.body) & must(stmt.orelse)
        else:
            out |= names_in(stmt.value) - done
            done.add(stmt.targets[0].id)
    return out


def must(body) -> set:
    """Names assigned on every path through a block."""
    out = set()
    for stmt in body:
        if isinstance(stmt, gast.Assign):
            out.add(stmt.targets[0].id)
        elif isinstance(stmt, gast.If):
            out |= must(stmt.body) & must(stmt.orelse)
    return out


def read_late(body, made) -> set:
    """Names the adjoint body reads after popping them: the value from before the
    iteration's assignment (only a carried name has it)."""
    out, popped = set(), set()

    def walk(block, popped):
        for stmt in block:
            if made.is_pop(stmt):
                popped.add(stmt.targets[0].id)
            elif isinstance(stmt, gast.If):
                out.update({stmt.test.id} & popped)
                a, b = set(popped), set(popped)
                walk(stmt.body, a)
                walk(stmt.orelse, b)
                popped |= a | b
            elif not ir.is_comment(stmt):
                out.update(names_in(stmt.value) & popped)
    walk(body, popped)
    return out


def read_unset(back, fwd, made, ctx=frozenset()) -> set:
    """Names the adjoint body reads where the iteration may not have assigned them:
    their value then comes from an earlier iteration, which only a carried name has.
    (An adjoint branch on `_t1` mirrors the iteration's branch on `_t1`.)"""
    out = set()
    for stmt in back:
        if isinstance(stmt, gast.If):
            t = stmt.test.id
            out |= {t} - must_under(fwd, ctx)
            out |= read_unset(stmt.body, fwd, made, ctx | {(t, True)})
            out |= read_unset(stmt.orelse, fwd, made, ctx | {(t, False)})
        elif not ir.is_comment(stmt) and not made.is_pop(stmt):
            out |= names_in(stmt.value) - must_under(fwd, ctx)
    return out


def must_under(body, ctx) -> set:
    """Names assigned on every path through the iteration that takes the branches
    `ctx` names ((test, True) for the body of `if test`)."""
    out = set()
    for stmt in body:
        if isinstance(stmt, gast.Assign):
            out.add(stmt.targets[0].id)
        elif isinstance(stmt, gast.If):
            t = stmt.test.id
            a, b = must_under(stmt.body, ctx), must_under(stmt.orelse, ctx)
            out |= a if (t, True) in ctx else b if (t, False) in ctx else a & b
    return out


def reads(body, made) -> set:
    return set().union(*(names_in(s.value) if not isinstance(s, gast.If) else
                         {s.test.id} for s in ir.statements(body)
                         if not ir.is_comment(s) and not made.is_push(s)))


def writes(stmt) -> set:
    """Names a statement rebinds, and the objects it writes into or calls methods of
    (`y[0] = v`, `o.a = v`, `ys.append(v)`), for which the name stands."""
    out = set().union(*(assigned_by(s) for s in ir.statements([stmt])))
    for node in ir.nodes(stmt):
        if isinstance(node, (gast.Attribute, gast.Subscript)) \
                and isinstance(node.ctx, gast.Store) or isinstance(node, gast.Call) \
                and isinstance(node.func, gast.Attribute) \
                and not is_pure(node, lambda call: False):  # (math.sin: no method)
            base = node.func if isinstance(node, gast.Call) else node
            while isinstance(base, (gast.Attribute, gast.Subscript)):
                base = base.value
            if isinstance(base, gast.Name):
                out.add(base.id)
    return out


def writes_all(body) -> set:
    return set().union(*(writes(s) for s in body)) if body else set()
