"""Pass 6: reverse mode. Builds the forward sweep (with saves) and the adjoint sweep.

The adjoint sweep walks the normalised statements backwards. For `t = f(a, b)` it
pastes each rule template with `g` = `bt`; the first contribution to an adjoint is
assigned, later ones are added (`ba = ba + ...`). Which adjoints exist is tracked
statically (`defined`), so no zero-initialisation is emitted unless a loop or a
branch needs one. An assignment consumes the adjoint of its target: contributions
to the old value start afresh.
"""
from __future__ import annotations

import copy
import operator

import gast

from . import containers, ir
from .activity import Activity
from .adjoints import State, accumulate, fresh
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
        self.indexed = set()   # variables whose adjoint only gathers x[i] contributions
        self.ints = set()      # loop counters (always Python ints)
        self.scalar = frozenset()  # variables proven 0-d (never broadcast)
        self.program = None    # calls.Program: the module's other functions
        self.calls = {}        # `y = tape[0]` stmt -> (Callee, tape name, active args)
        self.call_temps = {}   # stmt -> names of its per-argument contributions
        self.shape_only = set()  # names the adjoint sweep reads only for their shape
        self.shaped = set()    # containers and written arrays: zeroed by rt.zeros_like
        self.writes = {}       # item write -> name of its saved item (None: stacked)
        self.copied = []       # parameters written into (copied on entry)
        self.dicts = set()     # variables known to be dicts (restore with rt.restore)

    # ---- planning (before TBR) ---------------------------------------------------
    def prim(self, stmt) -> Prim:
        return classify(stmt.value, self.source, self.locals)

    def contributions(self, stmt, old: str | None = None) -> list[tuple[str, gast.expr]]:
        """(variable, expression) for each adjoint contribution of an assignment."""
        target = stmt.targets[0].id
        if not self.activity.active(target):
            return []
        if stmt in self.calls:  # the callee's backward function reads only its tape
            _, tape, active = self.calls[stmt]
            return [(var, ir.name(tape)) for _, var in active]
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
        if prim.kind == "pack":  # t = (a, b): the adjoint of a is bt[0]
            return gast.Subscript(value=g, slice=copy.deepcopy(param), ctx=gast.Load())
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
        if prim.rule.broadcast and self.may_broadcast(prim, param, self.scalar):
            expr = ir.call("rt.unbroadcast", expr, copy.deepcopy(args[param]))
        return expr

    @staticmethod
    def may_broadcast(prim: Prim, param: str, scalar=frozenset()) -> bool:
        """False when every other operand is 0-d (a number, or proven 0-d) or the
        same variable: the result then has this operand's shape."""
        mine = dict(prim.args)[param]
        others = [n for p, n in prim.args if p != param]
        return not all(isinstance(n, gast.Constant) and isinstance(n.value, (int, float))
                       or isinstance(n, gast.Name) and (n.id == mine.id or n.id in scalar)
                       for n in others)

    def adjoint(self, var: str) -> str:
        return self.namer.adjoint(var, self.adj)

    def reads(self, body, saves: Saves | None = None) -> tuple[dict, set]:
        """Primal names each statement's reverse reads, and self-reading statements.
        A branch or loop is replayed when it holds active or saved statements.
        Also sets `self.shape_only`: names read only for their shape (by unbroadcast)."""
        reads, own = {}, set()
        value_reads, shape_reads = set(), set()
        for stmt in _all(body):
            if containers.mutated(stmt):
                reads[stmt] = containers.reads(stmt) & self.locals
            elif isinstance(stmt, gast.Assign):
                exprs = [e for _, e in self.contributions(stmt, old=OLD)]
                found = set().union(*(names_in(e) for e in exprs)) if exprs else set()
                if OLD in found:
                    own.add(stmt)
                reads[stmt] = (found - {OLD}) & self.locals
                for e in exprs:
                    shapes, values = _shape_and_value_reads(e)
                    shape_reads |= shapes
                    value_reads |= values
            elif isinstance(stmt, (gast.If, gast.For, gast.While)) and (
                    self.is_active(stmt) or saves is not None and _holds_saves(stmt, saves)):
                reads[stmt] = self.control_reads(stmt)
                value_reads |= reads[stmt]
        self.shape_only = (shape_reads - value_reads) & self.locals
        return reads, own

    def control_reads(self, stmt) -> set:
        if isinstance(stmt, gast.If):
            return {stmt.test.id}
        counter = {self.counters[stmt]} if stmt in self.counters else set()
        if isinstance(stmt, gast.For):
            return (names_in(stmt.iter) - {"range", "reversed"}) | counter
        return counter

    def is_active(self, stmt) -> bool:
        return any(containers.mutated(s) or isinstance(s, gast.Assign) and
                   self.contributions(s) for s in _all([stmt]))  # mutations: undone

    def instrument(self, body) -> list:
        """Give each while loop a trip counter (the reverse sweep replays the count),
        and route each call of a user function through its generated pair."""
        out = []
        for stmt in body:
            if isinstance(stmt, gast.Assign) and self.prim(stmt).kind == "call":
                out.extend(self.call_site(stmt))
                continue
            if isinstance(stmt, gast.If):
                stmt.body, stmt.orelse = self.instrument(stmt.body), self.instrument(stmt.orelse)
            elif isinstance(stmt, (gast.For, gast.While)):
                stmt.body = self.instrument(stmt.body)
                if isinstance(stmt, gast.While) or _breaks(stmt.body):
                    n = self.counters[stmt] = self.namer.fresh("n_iter")
                    out.append(ir.assign(n, ir.const(0), stmt))
                    step = ir.add(ir.name(n), ir.const(1))
                    stmt.body = [ir.assign(n, step, stmt)] + stmt.body
                    self.steps.add(stmt.body[0])
            out.append(stmt)
        return out

    def call_site(self, stmt) -> list:
        """`y = f(a, b)` -> `f_tape = f_fwd(a, b)`, `y = f_tape[0]` when y is active;
        a nested function nothing differentiates is called through its lifted copy."""
        from .calls import Nested
        prim, target = self.prim(stmt), stmt.targets[0].id
        active = [(p, v) for p, v in prim.diff_inputs() if self.activity.active(v)]
        call = stmt.value
        captured = getattr(prim.callee, "captured", ())
        keywords = list(call.keywords) + [gast.keyword(arg=c, value=ir.name(c))
                                          for c in captured]
        if not (self.activity.active(target) and active):
            if not isinstance(prim.callee, Nested):
                return [stmt]
            lifted = self.program.primal(prim.callee)
            new = gast.Call(func=ir.name(lifted), args=call.args, keywords=keywords)
            return [ir.assign(target, new, stmt)]
        callee = self.program.request(prim.callee, [p for p, _ in active])
        tape = self.namer.fresh(f"{callee.source.name.strip('<>')}_tape")
        self.locals.add(tape)  # a value the adjoint sweep reads (saved in loops)
        fwd = gast.Call(func=ir.name(callee.fwd), args=call.args, keywords=keywords)
        first = ir.assign(tape, fwd, stmt)
        value = ir.assign(target, gast.Subscript(value=ir.name(tape), slice=ir.const(0),
                                                 ctx=gast.Load()), stmt)
        self.calls[value] = (callee, tape, active)
        return [first, value]

    def call_terms(self, stmt, badj) -> tuple[list, list]:
        """`_ba, _bb = f_bwd(f_tape, by)`: one statement, then a term per argument."""
        callee, tape, active = self.calls[stmt]
        if stmt not in self.call_temps:
            self.call_temps[stmt] = [self.namer.fresh("_" + self.adjoint(v)) for _, v in active]
        temps = self.call_temps[stmt]
        target = ir.name(temps[0], True) if len(temps) == 1 else \
            gast.Tuple(elts=[ir.name(t, True) for t in temps], ctx=gast.Store())
        value = gast.Call(func=ir.name(callee.bwd), args=[ir.name(tape), ir.name(badj)],
                          keywords=[])
        call = gast.copy_location(gast.Assign(targets=[target], value=value,
                                              type_comment=None), stmt)
        return [call], [(v, ir.name(t)) for (_, v), t in zip(active, temps)]

    # ---- the forward sweep -------------------------------------------------------
    def forward(self, body) -> list:
        out = []
        for stmt in body:
            if isinstance(stmt, gast.Return):
                continue
            if containers.is_write(stmt):
                out.extend(containers.save(self, stmt))
            elif self.saves.saved(stmt):
                var = stmt.target.id if isinstance(stmt, gast.For) else stmt.targets[0].id
                out.append(self.push(var) if stmt in self.saves.stacked else
                           ir.assign(self.saves.named[stmt], ir.name(var), stmt))
            if isinstance(stmt, gast.If):
                stmt = _copy(stmt, body=self.forward(stmt.body) or [gast.Pass()],
                             orelse=self.forward(stmt.orelse))
            elif isinstance(stmt, (gast.For, gast.While)):
                stmt = _copy(stmt, body=self.forward(stmt.body) or [gast.Pass()])
            out.append(stmt)
        return out

    def push(self, var: str) -> gast.stmt:
        """Save a value on the stack; only its shape when that is all the sweep reads."""
        if var in self.shape_only:
            return ir.expr_stmt(ir.call("_push", ir.call("rt.shape_only", ir.name(var))))
        return ir.push(var)

    # ---- the adjoint sweep -------------------------------------------------------
    def backward(self, body, state: State) -> list:
        out = []
        for stmt in reversed(body):
            if containers.is_write(stmt):
                out.extend(containers.backward_write(self, stmt, state))
            elif containers.appended(stmt):
                out.extend(containers.backward_append(self, stmt, state))
            elif isinstance(stmt, gast.Assign):
                out.extend(self.backward_assign(stmt, state))
            elif isinstance(stmt, gast.If):
                out.extend(self.backward_if(stmt, state))
            elif isinstance(stmt, (gast.For, gast.While)):
                out.extend(self.backward_loop(stmt, state))
        return out

    def backward_assign(self, stmt, state: State) -> list:
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
        if badj is not None and badj in state.defined:
            if stmt in self.calls:
                pre, contribs = self.call_terms(stmt, badj)
                out += pre
            else:
                contribs = self.contributions(stmt, old=old if stmt in self.own else None)
            mine = [e for v, e in contribs if v == target]
            moves = containers.moves(self, badj, contribs, state)
            for var, expr in contribs:
                if var != target:
                    out.append(accumulate(self.adjoint(var), expr, state,
                                          var in self.indexed, self.ints, stmt))
                    if var == moves:
                        state.assign(self.adjoint(var), True)
            state.discard(badj)
            if mine:
                total = _sum(mine)
                out.append(ir.assign(badj, total, stmt))
                state.assign(badj, fresh(total))
        elif badj is not None:
            state.discard(badj)
        if stacked and old is None:
            out.append(ir.assign(target, ir.pop(), stmt))
        elif saved:
            out.append(ir.assign(target, ir.name(old), stmt))
        return out

    def find_indexed(self, body, result: str) -> None:
        """Variables all of whose adjoint contributions come from indexing them."""
        seen, other = set(), {result}
        for stmt in _all(body):
            if isinstance(stmt, gast.For):
                self.ints.add(stmt.target.id)
            if not (isinstance(stmt, gast.Assign) and not containers.is_write(stmt)
                    and self.activity.active(stmt.targets[0].id)):
                continue
            prim = self.prim(stmt)
            for param, var in prim.diff_inputs():
                getitem = prim.kind == "rule" and prim.rule.fn is operator.getitem
                (seen if getitem and param == "x" else other).add(var)
        self.indexed = seen - other

    def backward_if(self, stmt, state: State) -> list:
        a, b = state.copy(), state.copy()
        body = self.backward(stmt.body, a)
        orelse = self.backward(stmt.orelse, b)
        joined = a.defined | b.defined
        body += self.zeros(joined - a.defined, stmt, a)
        orelse += self.zeros(joined - b.defined, stmt, b)
        state.absorb(State(joined, a.owned & b.owned))
        if not body and not orelse:
            return []
        return [gast.copy_location(gast.If(test=ir.name(stmt.test.id),
                                           body=body or [gast.Pass()], orelse=orelse), stmt)]

    def backward_loop(self, stmt, state: State) -> list:
        """The body's reverse must start every iteration in the same state: adjoints
        it defines are zeroed before the loop; ones it consumes, at its end."""
        entry = state.copy()
        while True:
            end = entry.copy()
            body = self.backward(stmt.body, end)
            fill = entry.defined - end.defined
            owned = end.owned | fill
            if end.defined <= entry.defined and entry.owned <= owned:
                break
            entry = State(entry.defined | end.defined, entry.owned & owned)
            entry.owned |= entry.defined - state.defined  # zeroed before the loop
        body += self.zeros(fill, stmt, end)
        out = self.zeros(entry.defined - state.defined, stmt, state)
        state.absorb(entry)
        if not body:
            return out
        if isinstance(stmt, gast.For):
            rev = self.replay(stmt)
            loop = gast.For(target=ir.name(stmt.target.id, True), iter=rev, body=body,
                            orelse=[], type_comment=None)
        else:
            rng = ir.call("range", ir.name(self.counters[stmt]))
            loop = gast.For(target=ir.name("_", True), iter=rng, body=body, orelse=[],
                            type_comment=None)
        out.append(gast.copy_location(loop, stmt))
        if stmt in self.saves.named:  # the loop variable's value from before the loop
            out.append(ir.assign(stmt.target.id, ir.name(self.saves.named[stmt]), stmt))
        elif stmt in self.saves.stacked:  # (pushed before an inner loop)
            out.append(ir.assign(stmt.target.id, ir.pop(), stmt))
        return out

    def replay(self, loop: gast.For):
        """The iterations of a range loop, last first: reversed(range(...)), or for a
        loop that may break after n_iter steps, reversed(range(...)[:n_iter])."""
        rng = loop.iter
        backwards = rng.func.id == "reversed"  # for i in reversed(range(...))
        seq = rng.args[0] if backwards else rng
        if loop in self.counters:
            if backwards:
                seq = gast.Subscript(value=seq, slice=gast.Slice(
                    lower=None, upper=None, step=ir.const(-1)), ctx=gast.Load())
            seq = gast.Subscript(value=seq, slice=gast.Slice(
                lower=None, upper=ir.name(self.counters[loop]), step=None), ctx=gast.Load())
        elif backwards:
            return seq  # the reverse of reversed(range(...)) is the range
        return ir.call("reversed", seq)

    def zeros(self, adjoints, where, state: State) -> list:
        """Zero adjoints (arrays for index-gathered ones); the sweep owns them."""
        self.zeroed |= set(adjoints)
        primal = {b: v for v, b in self.adj.items()}
        for b in adjoints:
            state.assign(b, True)
        return [ir.assign(b, ir.call("rt.zeros_like", ir.name(primal[b]))
                          if primal[b] in self.indexed or primal[b] in self.shaped
                          else ir.const(0.0), where)
                for b in sorted(adjoints)]


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


def _shape_and_value_reads(expr) -> tuple[set, set]:
    """Names read only as the shape argument of rt.unbroadcast, and names read whole."""
    shapes, values = set(), set()

    def visit(node):
        if isinstance(node, gast.Call) and ir.unparse(node.func) == "rt.unbroadcast" \
                and isinstance(node.args[1], gast.Name):
            shapes.add(node.args[1].id)
            visit(node.args[0])
            return
        if isinstance(node, gast.Name):
            values.add(node.id)
        for child in gast.iter_child_nodes(node):
            visit(child)
    visit(expr)
    return shapes, values


def _holds_saves(stmt, saves: Saves) -> bool:
    return any(saves.saved(s) for s in _all(stmt.body + getattr(stmt, "orelse", [])))


def _breaks(body) -> bool:
    """Whether the loop body holds a break of its own (not of an inner loop)."""
    for stmt in body:
        if isinstance(stmt, gast.Break):
            return True
        if isinstance(stmt, gast.If) and (_breaks(stmt.body) or _breaks(stmt.orelse)):
            return True
    return False


def _all(body):
    for stmt in body:
        yield stmt
        for field in ("body", "orelse"):
            yield from _all(getattr(stmt, field, []) or [])
