"""Pass 2b: lower `break`, `continue` and early `return` into flags.

The reverse sweep must know which statements ran in each iteration, so jumps
become structured code it can replay:

    for ...:                          for ...:
        A                                 go = True
        if c:                             A
            break             ->          if c:
        B                                     go = False
                                              stop = True
                                          if go:
                                              B
                                          if stop:
                                              break

`return v` before the end sets `result = v`, clears `running` (and the flags of
every enclosing loop); what follows is guarded by `if running:`; the function
ends with `return result`. Loops keep a real `break` so no iteration is wasted.
"""
from __future__ import annotations

from dataclasses import dataclass

import gast

from ..codegen import ir
from ..context import Source
from ..codegen.naming import Namer


@dataclass
class _Loop:
    go: str            # False once this iteration should skip the rest of the body
    stop: str | None   # True once the loop should end (None: the loop never breaks)


class Lowering:
    def __init__(self, namer: Namer):
        self.namer = namer
        self.loops: list[_Loop] = []
        self.running = None  # flag name, when the function has an early return
        self.result = None

    def function(self, tree: gast.FunctionDef) -> gast.FunctionDef:
        body = tree.body
        early = [n for s in body[:-1] for n in ir.nodes(s) if isinstance(n, gast.Return)]
        early += [n for n in ir.nodes(body[-1]) if isinstance(n, gast.Return)] \
            if not isinstance(body[-1], gast.Return) else []
        if not early and not _has(body, (gast.Break, gast.Continue)):
            return tree
        if early:
            self.running = self.namer.fresh("running")
            self.result = self.namer.fresh("result")
        new = self.block(body)
        if early:
            new = [ir.assign(self.running, ir.const(True), tree.body[0])] + new
            new.append(gast.copy_location(gast.Return(value=ir.name(self.result)),
                                          tree.body[-1]))
        tree.body = new
        return tree

    def guard(self) -> str | None:
        return self.loops[-1].go if self.loops else self.running

    def block(self, stmts) -> list:
        out = []
        for i, stmt in enumerate(stmts):
            jumps = self.may_jump(stmt)  # before stmt() rewrites the jumps inside
            out.extend(self.stmt(stmt))
            rest = stmts[i + 1:]
            if rest and jumps and self.guard():
                inner = self.block(rest)
                if inner:
                    out.append(gast.copy_location(
                        gast.If(test=ir.name(self.guard()), body=inner, orelse=[]), rest[0]))
                return out
        return out

    def may_jump(self, stmt) -> bool:
        if self.running and _has([stmt], (gast.Return,)):
            return True
        return _has([stmt], (gast.Break, gast.Continue), into_loops=False)

    def stmt(self, stmt) -> list:
        if isinstance(stmt, gast.Break):
            loop = self.loops[-1]
            return [ir.assign(loop.go, ir.const(False), stmt),
                    ir.assign(loop.stop, ir.const(True), stmt)]
        if isinstance(stmt, gast.Continue):
            return [ir.assign(self.loops[-1].go, ir.const(False), stmt)]
        if isinstance(stmt, gast.Return) and self.running:
            value = stmt.value if stmt.value is not None else ir.const(None)
            out = [ir.assign(self.result, value, stmt),
                   ir.assign(self.running, ir.const(False), stmt)]
            for loop in self.loops:
                out += [ir.assign(loop.go, ir.const(False), stmt),
                        ir.assign(loop.stop, ir.const(True), stmt)]  # stop: see loop()
            return out
        if isinstance(stmt, gast.If):
            stmt.body = self.block(stmt.body) or [gast.Pass()]
            stmt.orelse = self.block(stmt.orelse)
            return [stmt]
        if isinstance(stmt, (gast.For, gast.While)):
            return self.loop(stmt)
        return [stmt]

    def loop(self, stmt) -> list:
        jumps = _has(stmt.body, (gast.Break, gast.Continue), into_loops=False) or \
            (self.running and _has(stmt.body, (gast.Return,)))
        if not jumps:
            stmt.body = self.block(stmt.body)
            return [stmt]
        ends = _has(stmt.body, (gast.Break,), into_loops=False) or \
            (self.running and _has(stmt.body, (gast.Return,)))
        loop = _Loop(self.namer.fresh("go"), self.namer.fresh("stop") if ends else None)
        self.loops.append(loop)
        body = self.block(stmt.body)
        self.loops.pop()
        stmt.body = [ir.assign(loop.go, ir.const(True), stmt)] + body
        if not ends:  # only `continue`: the loop runs every iteration
            return [stmt]
        stmt.body.append(gast.copy_location(
            gast.If(test=ir.name(loop.stop), body=[gast.Break()], orelse=[]), stmt))
        return [ir.assign(loop.stop, ir.const(False), stmt), stmt]


def _has(stmts, kinds, into_loops=True) -> bool:
    """Whether any statement (not inside nested functions) is of `kinds`;
    break/continue inside inner loops belong to those loops (into_loops=False)."""
    for stmt in stmts:
        if isinstance(stmt, kinds):
            return True
        if isinstance(stmt, (gast.FunctionDef, gast.Lambda)):
            continue
        if isinstance(stmt, (gast.For, gast.While)) and not into_loops:
            if gast.Return in kinds and _has(stmt.body, (gast.Return,)):
                return True
            continue
        children = [c for f in ("body", "orelse") for c in getattr(stmt, f, []) or []]
        if children and _has(children, kinds, into_loops):
            return True
    return False


def lower(source: Source, namer: Namer) -> Source:
    """Rewrite `source.tree` in place so that only a final return remains."""
    Lowering(namer).function(source.tree)
    return source
