"""Pass 6: reverse mode. Builds the forward sweep (with saves) and the adjoint sweep.

The adjoint sweep walks the normalised statements backwards. For `t = f(a, b)` it
pastes each rule template with `g` = `bt`; the first contribution to an adjoint is
assigned, later ones are added (`ba = ba + ...`). Which adjoints exist is tracked
statically (`defined`), so no zero-initialisation is emitted unless a loop or a
branch needs one. An assignment consumes the adjoint of its target: contributions
to the old value start afresh.
"""
from __future__ import annotations

import gast

from . import ir
from .activity import Activity
from .context import Source
from .naming import Namer
from .primitives import Prim, classify
from .template import instantiate, names_in
from .tbr import Saves

OLD = "__old__"  # placeholder for "the target's value before this assignment"


class Reverse:
    def __init__(self, source: Source, activity: Activity, namer: Namer, locals_):
        self.source = source
        self.activity = activity
        self.namer = namer
        self.locals = locals_
        self.adj = {}          # primal name -> adjoint name
        self.counters = {}     # while loop -> trip counter name
        self.steps = set()     # the counters' increments (never saved)
        self.saves = Saves()
        self.zeroed = set()    # adjoints that may hold the scalar 0.0
        self.own = set()       # assignments whose adjoint reads the old target value
        self.popped = {}       # stmt -> name its popped old value is held in

    # ---- planning (before TBR) ---------------------------------------------------
    def prim(self, stmt) -> Prim:
        return classify(stmt.value, self.source, self.locals)

    def contributions(self, stmt, old: str | None = None) -> list[tuple[str, gast.expr]]:
        """(variable, expression) for each adjoint contribution of an assignment."""
        target = stmt.targets[0].id
        if not self.activity.active(target):
            return []
        prim = self.prim(stmt)
        out = []
        for param, var in prim.diff_inputs():
            if not self.activity.active(var):
                continue
            out.append((var, self.paste(prim, param, target, old)))
        return out

    def paste(self, prim: Prim, param: str, target: str, old: str | None):
        g = ir.name(self.adjoint(target))
        if prim.kind == "copy":
            return g
        args = {}
        for p, node in prim.args:
            if old is not None and isinstance(node, gast.Name) and node.id == target:
                node = ir.name(old)
            args[p] = node
        for p in prim.rule.params:
            if p.name not in args:
                args[p.name] = gast.parse(p.default or "None", mode="eval").body
        args.update(g=g, ans=ir.name(target))
        expr = instantiate(prim.rule.vjp[param], args)
        if prim.rule.broadcast and self.may_broadcast(prim, param):
            expr = ir.call("rt.unbroadcast", expr, args[param])
        return expr

    @staticmethod
    def may_broadcast(prim: Prim, param: str) -> bool:
        """False when every other operand is a Python number or the same variable."""
        mine = dict(prim.args)[param]
        others = [n for p, n in prim.args if p != param]
        return not all(isinstance(n, gast.Constant) and isinstance(n.value, (int, float))
                       or isinstance(n, gast.Name) and n.id == mine.id for n in others)

    def adjoint(self, var: str) -> str:
        return self.namer.adjoint(var, self.adj)

    def reads(self, body) -> tuple[dict, set]:
        """Primal names each statement's reverse reads, and self-reading statements."""
        reads, own = {}, set()
        for stmt in _all(body):
            if isinstance(stmt, gast.Assign):
                exprs = [e for _, e in self.contributions(stmt, old=OLD)]
                found = set().union(*(names_in(e) for e in exprs)) if exprs else set()
                if OLD in found:
                    own.add(stmt)
                reads[stmt] = (found - {OLD}) & self.locals
            elif isinstance(stmt, (gast.If, gast.For, gast.While)) and self.is_active(stmt):
                reads[stmt] = self.control_reads(stmt)
        return reads, own

    def control_reads(self, stmt) -> set:
        if isinstance(stmt, gast.If):
            return {stmt.test.id}
        if isinstance(stmt, gast.For):
            return names_in(stmt.iter) - {"range", "reversed"}
        return {self.counters[stmt]}

    def is_active(self, stmt) -> bool:
        return any(isinstance(s, gast.Assign) and self.contributions(s) for s in _all([stmt]))

    def instrument(self, body) -> list:
        """Give each while loop a trip counter (the reverse sweep replays the count)."""
        out = []
        for stmt in body:
            if isinstance(stmt, gast.If):
                stmt.body, stmt.orelse = self.instrument(stmt.body), self.instrument(stmt.orelse)
            elif isinstance(stmt, gast.For):
                stmt.body = self.instrument(stmt.body)
            elif isinstance(stmt, gast.While):
                stmt.body = self.instrument(stmt.body)
                if self.is_active(stmt):
                    n = self.counters[stmt] = self.namer.fresh("n_iter")
                    out.append(ir.assign(n, ir.const(0), stmt))
                    step = ir.add(ir.name(n), ir.const(1))
                    stmt.body = [ir.assign(n, step, stmt)] + stmt.body
                    self.steps.add(stmt.body[0])
            out.append(stmt)
        return out

    # ---- the forward sweep -------------------------------------------------------
    def forward(self, body) -> list:
        out = []
        for stmt in body:
            if isinstance(stmt, gast.Return):
                continue
            if self.saves.saved(stmt):
                var = stmt.target.id if isinstance(stmt, gast.For) else stmt.targets[0].id
                out.append(ir.push(var) if stmt in self.saves.stacked else
                           ir.assign(self.saves.named[stmt], ir.name(var), stmt))
            if isinstance(stmt, gast.If):
                stmt = _copy(stmt, body=self.forward(stmt.body) or [gast.Pass()],
                             orelse=self.forward(stmt.orelse))
            elif isinstance(stmt, (gast.For, gast.While)):
                stmt = _copy(stmt, body=self.forward(stmt.body) or [gast.Pass()])
            out.append(stmt)
        return out

    # ---- the adjoint sweep -------------------------------------------------------
    def backward(self, body, defined: set) -> list:
        out = []
        for stmt in reversed(body):
            if isinstance(stmt, gast.Assign):
                out.extend(self.backward_assign(stmt, defined))
            elif isinstance(stmt, gast.If):
                out.extend(self.backward_if(stmt, defined))
            elif isinstance(stmt, (gast.For, gast.While)):
                out.extend(self.backward_loop(stmt, defined))
        return out

    def backward_assign(self, stmt, defined: set) -> list:
        target = stmt.targets[0].id
        badj = self.adjoint(target) if self.activity.active(target) else None
        saved, stacked = self.saves.saved(stmt), stmt in self.saves.stacked
        out = []
        old = None
        if saved and stacked and stmt in self.own:
            if stmt not in self.popped:
                self.popped[stmt] = self.namer.fresh("_" + target.lstrip("_"))
            old = self.popped[stmt]
            out.append(ir.assign(old, ir.pop(), stmt))
        elif saved and not stacked:
            old = self.saves.named[stmt]
        if badj is not None and badj in defined:
            contribs = self.contributions(stmt, old=old if stmt in self.own else None)
            mine = [e for v, e in contribs if v == target]
            for var, expr in contribs:
                if var != target:
                    out.append(self.accumulate(var, expr, defined, stmt))
            defined.discard(badj)
            if mine:
                out.append(ir.assign(badj, _sum(mine), stmt))
                defined.add(badj)
        elif badj is not None:
            defined.discard(badj)
        if stacked and old is None:
            out.append(ir.assign(target, ir.pop(), stmt))
        elif saved:
            out.append(ir.assign(target, ir.name(old), stmt))
        return out

    def accumulate(self, var, expr, defined: set, where) -> gast.stmt:
        b = self.adjoint(var)
        if b in defined:
            return ir.assign(b, ir.add(ir.name(b), expr), where)
        defined.add(b)
        return ir.assign(b, expr, where)

    def backward_if(self, stmt, defined: set) -> list:
        d_body, d_else = set(defined), set(defined)
        body = self.backward(stmt.body, d_body)
        orelse = self.backward(stmt.orelse, d_else)
        joined = d_body | d_else
        body += self.zeros(joined - d_body, stmt)
        orelse += self.zeros(joined - d_else, stmt)
        defined |= joined
        if not body and not orelse:
            return []
        return [gast.copy_location(gast.If(test=ir.name(stmt.test.id),
                                           body=body or [gast.Pass()], orelse=orelse), stmt)]

    def backward_loop(self, stmt, defined: set) -> list:
        entry = set(defined)
        while True:
            state = set(entry)
            body = self.backward(stmt.body, state)
            if state <= entry:
                break
            entry |= state
        body += self.zeros(entry - state, stmt)
        out = self.zeros(entry - defined, stmt)
        defined |= entry
        if not body:
            return out
        if isinstance(stmt, gast.For):
            rev = ir.call("reversed", stmt.iter) if stmt.iter.func.id == "range" \
                else stmt.iter.args[0]  # the reverse of reversed(range(...))
            loop = gast.For(target=ir.name(stmt.target.id, True), iter=rev, body=body,
                            orelse=[], type_comment=None)
        else:
            rng = ir.call("range", ir.name(self.counters[stmt]))
            loop = gast.For(target=ir.name("_", True), iter=rng, body=body, orelse=[],
                            type_comment=None)
        out.append(gast.copy_location(loop, stmt))
        if stmt in self.saves.named:  # the loop variable's value from before the loop
            out.append(ir.assign(stmt.target.id, ir.name(self.saves.named[stmt]), stmt))
        return out

    def zeros(self, adjoints, where) -> list:
        self.zeroed |= set(adjoints)
        return [ir.assign(b, ir.const(0.0), where) for b in sorted(adjoints)]


def _sum(exprs):
    total = exprs[0]
    for e in exprs[1:]:
        total = ir.add(total, e)
    return total


def _copy(stmt, **fields):
    new = type(stmt)(**{f: getattr(stmt, f) for f in stmt._fields})
    for k, v in fields.items():
        setattr(new, k, v)
    return gast.copy_location(new, stmt)


def _all(body):
    for stmt in body:
        yield stmt
        for field in ("body", "orelse"):
            yield from _all(getattr(stmt, field, []) or [])
