"""Pass 5 (analysis): to-be-recorded values, i.e. what the forward sweep must save.

An assignment `v = ...` destroys the old value of `v`. The old value is saved only
when the reverse sweep reads it afterwards:
  * outside loops, when the adjoint of this statement (as an argument) or of any
    statement before it reads `v`: a named copy `_v = v`, restored after;
  * inside a loop, when any adjoint in the (outermost) loop or before it reads
    `v`: pushed on `_stack` before the assignment and popped in the reverse sweep.
A value that is never overwritten is read directly and never saved.
Variables that may be undefined when saved are set to None at the top.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import gast

from ..codegen.naming import Namer


@dataclass
class Saves:
    named: dict = field(default_factory=dict)    # stmt -> name of the saved copy
    stacked: list = field(default_factory=list)  # stmts whose target is pushed
    undefined: list = field(default_factory=list)  # names to set to None first

    def saved(self, stmt) -> bool:
        return stmt in self.named or stmt in self.stacked

    def dump(self) -> str:
        lines = [f"line {s.lineno}: save {_target(s)} as {n}" for s, n in self.named.items()]
        lines += [f"line {s.lineno}: push {_target(s)}" for s in self.stacked]
        lines += [f"set to None first: {', '.join(self.undefined)}"] if self.undefined else []
        return "\n".join(lines) or "nothing is recorded"


def _target(stmt) -> str:
    return stmt.target.id if isinstance(stmt, gast.For) else stmt.targets[0].id


def _assigns(stmt) -> bool:
    """Statements that rebind a name (item writes `y[i] = v` rebind nothing)."""
    return isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) \
        or isinstance(stmt, gast.For)


@dataclass
class _Walk:
    order: list = field(default_factory=list)     # (stmt, outermost loop, defined)
    index: dict = field(default_factory=dict)      # stmt -> position
    span: dict = field(default_factory=dict)       # loop -> (first, last) position


def _walk(body, walk: _Walk, loop, defined: set) -> set:
    for stmt in body:
        walk.index[stmt] = len(walk.order)
        walk.order.append((stmt, loop, frozenset(defined)))
        if isinstance(stmt, gast.If):
            a = _walk(stmt.body, walk, loop, set(defined))
            b = _walk(stmt.orelse, walk, loop, set(defined))
            defined |= a & b
        elif isinstance(stmt, (gast.For, gast.While)):
            start = len(walk.order)
            inner = set(defined) | ({stmt.target.id} if isinstance(stmt, gast.For) else set())
            _walk(stmt.body, walk, loop or stmt, inner)
            walk.span[stmt] = (start, len(walk.order))
        elif isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
            defined.add(stmt.targets[0].id)
    return defined


def analyze(body, params, reads: dict, own: set, namer: Namer, skip=(),
            names: dict | None = None, shapes: dict | None = None) -> Saves:
    """`reads[stmt]`: primal names the stmt's reverse reads; `own`: assignments whose
    adjoint reads the target's value from before the assignment; `skip`: statements
    whose overwritten value is never needed (loop trip counters); `names` keeps the
    saved copies' names stable when the analysis is repeated; `shapes[stmt]`: names
    a zero adjoint is shaped like where the reverse of stmt runs, which may not be
    assigned there (a value only a branch or a loop sets): they are set to None first,
    whose zero is 0.0 (reads too)."""
    names = {} if names is None else names
    shapes = shapes or {}
    walk = _Walk()
    _walk(body, walk, None, set(params))
    seen = [set()]
    for stmt, _, _ in walk.order:  # prefix unions of reads, in program order
        seen.append(seen[-1] | reads.get(stmt, set()))
    saves = Saves()
    for stmt, loop, defined in walk.order:
        for var in sorted(shapes.get(stmt, ())):
            if var not in defined and var not in saves.undefined:
                saves.undefined.append(var)
        if not _assigns(stmt) or stmt in skip:
            continue
        var = _target(stmt)
        if loop is None:
            needed = var in seen[walk.index[stmt]] or stmt in own
        else:
            first, last = walk.span[loop]
            in_loop = set().union(*(reads.get(s, set()) for s, _, _ in walk.order[first:last]))
            needed = var in in_loop or var in seen[walk.index[loop]] or stmt in own
        if not needed:
            continue
        if loop is None:
            if stmt not in names:
                names[stmt] = namer.fresh("_" + var.lstrip("_"))
            saves.named[stmt] = names[stmt]
        else:
            saves.stacked.append(stmt)
        if var not in defined and var not in saves.undefined:
            saves.undefined.append(var)
    return saves
