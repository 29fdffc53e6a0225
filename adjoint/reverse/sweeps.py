"""Pass 6: reverse mode. Builds the forward sweep (with saves) and the adjoint sweep.

The adjoint sweep walks the normalised statements backwards. For `t = f(a, b)` it
pastes each rule template with `g` = `bt`; the first contribution to an adjoint is
assigned, later ones are added (`ba = ba + ...`). Which adjoints exist is tracked
statically (`defined`), so no zero-initialisation is emitted unless a loop or a
branch needs one. An assignment consumes the adjoint of its target: contributions
to the old value start afresh.
"""
from __future__ import annotations

import operator
from typing import NamedTuple

import gast

from . import containers, container_sweeps
from .. import custom
from ..codegen import ir
from ..analysis.activity import Activity
from .adjoint_state import State, accumulate, fresh
from ..context import Source
from ..codegen.naming import Namer
from ..analysis.primitives import Prim, classify
from ..codegen.template import instantiate, parsed
from .control import ControlFlow
from .planning import Planning, _all
from ..analysis.recording import Saves

def _reads_target(stmt) -> bool:
    """Whether an assignment's right-hand side mentions its own target."""
    target = stmt.targets[0]
    return isinstance(target, gast.Name) and any(
        isinstance(n, gast.Name) and n.id == target.id for n in ir.nodes(stmt.value))


class StackNames(NamedTuple):
    stack: str
    push: str
    pop: str


class Reverse(Planning, ControlFlow):
    """Both sweeps. Planning before TBR (reads, call sites): reverse_plan.py;
    loops and branches in the adjoint sweep: reverse_control.py."""

    def __init__(self, source: Source, activity: Activity, namer: Namer, locals_):
        self.source = source
        self.activity = activity
        self.namer = namer
        self.locals = locals_
        self.adj = {}          # primal name -> adjoint name
        self.counters = {}     # while loop -> trip counter name
        self.steps = set()     # the counters' increments (never saved)
        self.saves = Saves()
        self.zeroed = set()    # adjoints zeroed at a join (Reverse.zeros)
        self.zeros_made = []   # (statement, the stmt where it is, the value it is shaped
        self.zero_reads = {}   # like); stmt -> those values, as known to TBR (assemble.py)
        self.prune_zeros = True  # dead zeros read nothing (the module is optimized)
        self.own = set()       # assignments whose adjoint reads the old target value
        self.popped = {}       # stmt -> name its popped old value is held in
        self.indexed = set()   # variables whose adjoint only gathers x[i] contributions
        self.ints = set()      # loop counters (always Python ints)
        self.scalar = frozenset()  # variables proven 0-d (never broadcast)
        self.numbers = frozenset()  # parameters checked on entry to be numbers
        self.tapes = {}        # a call's tape name -> (Callee, the call's arguments)
        self.final = None      # the adjoints defined when the adjoint sweep ends
        self.entry_names = {}  # rebound parameter -> its value on entry (`x_in`)
        self.program = None    # calls.Program: the module's other functions
        self.calls = {}        # `y = tape[0]` stmt -> (Callee, tape name, active args)
        self.call_temps = {}   # stmt -> names of its per-argument contributions
        self.shape_only = set()  # names the adjoint sweep reads only for their shape
        self._terms = {}       # (stmt, old, scalar) -> its contributions (see below)
        self._reads = {}       # (stmt, scalar) -> names they read (reverse_plan.py)
        self._prims = {}       # stmt -> (its value, len(locals), Prim): see prim()
        # the one stack and its bound methods; fresh names when differentiating code
        # that has its own (a gradient of a gradient)
        self.stack = StackNames("_stack", "_push", "_pop") if "_stack" not in locals_ \
            else StackNames(*(namer.fresh(n) for n in ("_stack", "_push", "_pop")))
        self.shaped = set()    # containers and written arrays: zeroed by rt.zeros_like
        self.writes = {}       # item write -> name of its saved item (None: stacked)
        self.copied = []       # parameters written into (copied on entry)
        self.dicts = set()     # variables known to be dicts (restore with rt.restore)
        self.lists = set()     # variables known to be lists or tuples (containers.py)

    # ---- planning (before TBR) ---------------------------------------------------
    def prim(self, stmt) -> Prim:
        """classify(stmt.value), remembered: each statement is asked about ~4 times.
        Asked again if the statement gets another value or the locals grow (tapes)."""
        seen = self._prims.get(stmt)
        if seen is None or seen[0] is not stmt.value or seen[1] != len(self.locals):
            seen = self._prims[stmt] = (stmt.value, len(self.locals),
                                        classify(stmt.value, self.source, self.locals))
        return seen[2]

    def contributions(self, stmt, old: str | None = None) -> list[tuple[str, gast.expr]]:
        """(variable, expression) for each adjoint contribution of an assignment.
        Cached: the TBR and loop fixpoints ask for the same terms many times (the
        optimizer copies the function before it changes any node)."""
        key = (stmt, old, self.scalar)
        if key not in self._terms:
            if old is not None and not _reads_target(stmt):
                # the old value of the target cannot appear: share the entry
                self._terms[key] = self.contributions(stmt)
            else:
                self._terms[key] = self._contributions(stmt, old)
        return self._terms[key]

    def _contributions(self, stmt, old):
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
            return gast.Subscript(value=g, slice=ir.clone(param), ctx=gast.Load())
        args = {}
        for p, node in prim.args:
            if old is not None and isinstance(node, gast.Name) and node.id == target:
                node = ir.name(old)
            args[p] = node
        # a NumPy function given a list reads it as an array: so does its adjoint,
        # which goes back to the list as one piece per element (rt.cast_grad)
        lists = {p for p, n in args.items() if isinstance(n, gast.Name)
                 and n.id in self.lists} if self.lists and containers.array_like(prim.rule) \
            else ()
        mine = args[param]
        for p in lists:
            args[p] = ir.call("np.asarray", args[p])
        for p in prim.rule.params:
            if p.name not in args:
                args[p.name] = parsed(p.default or "None")
        args.update(g=g, ans=ir.name(target))
        expr = instantiate(prim.rule.vjp[param], args)
        if prim.rule.broadcast and self.may_broadcast(prim, param, self.scalar):
            if isinstance(expr, gast.UnaryOp) and isinstance(expr.op, gast.USub):
                # negate after summing: -rt.unbroadcast(g, b) negates b's shape only
                expr = gast.UnaryOp(op=gast.USub(), operand=ir.call(
                    "rt.unbroadcast", expr.operand, ir.clone(mine)))
            else:
                expr = ir.call("rt.unbroadcast", expr, ir.clone(mine))
        if param in lists:
            expr = ir.call("rt.cast_grad", expr, ir.clone(mine))
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

    def forward(self, body) -> list:
        out = []
        for stmt in body:
            if isinstance(stmt, gast.Return):
                continue
            if containers.is_write(stmt):
                out.extend(container_sweeps.save(self, stmt))
            elif self.saves.saved(stmt):
                var = stmt.target.id if isinstance(stmt, gast.For) else stmt.targets[0].id
                out.append(self.push(var) if stmt in self.saves.stacked else
                           ir.assign(self.saves.named[stmt], ir.name(var), stmt))
            if isinstance(stmt, gast.If):
                stmt = _copy(stmt, body=self.forward(stmt.body) or [gast.Pass()],
                             orelse=self.forward(stmt.orelse))
            elif isinstance(stmt, (gast.For, gast.While)):
                stmt = _copy(stmt, body=self.forward(stmt.body) or [gast.Pass()])
            out.append(containers.primal(stmt))
        return out

    def push(self, var: str) -> gast.stmt:
        """Save a value on the stack; only its shape when that is all the sweep reads."""
        if var in self.shape_only:
            return ir.expr_stmt(ir.call(self.stack.push,
                                        ir.call("rt.shape_only", ir.name(var))))
        return ir.push(var, self.stack.push)

    # ---- the adjoint sweep -------------------------------------------------------
    def backward(self, body, state: State) -> list:
        out = []
        for stmt in reversed(body):
            if containers.is_write(stmt):
                out.extend(container_sweeps.backward_write(self, stmt, state))
            elif containers.appended(stmt):
                out.extend(container_sweeps.backward_append(self, stmt, state))
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
            out.append(ir.assign(old, ir.pop(self.stack.pop), stmt))
        elif saved and not stacked:
            old = self.saves.named[stmt]
        if containers.popped(stmt):  # v = xs.pop(): v's adjoint goes back onto bxs
            out += container_sweeps.backward_pop(self, stmt, state, badj)
            if badj is not None:
                state.discard(badj)
        elif badj is not None and badj in state.defined:
            if stmt in self.calls:
                pre, contribs = self.call_terms(stmt, badj)
                out += pre
            else:
                contribs = self.contributions(stmt, old=old if stmt in self.own else None)
                pre, contribs = custom.one_vjp_call(self.prim(stmt), contribs,
                                                    self.adjoint, self.namer.fresh, stmt)
                out += pre
            mine = [e for v, e in contribs if v == target]
            moves = container_sweeps.moves(self, badj, contribs, state)
            for var, expr in contribs:
                if var != target:
                    out.append(accumulate(self.adjoint(var), expr, state,
                                          var in self.indexed, self.ints, stmt,
                                          self.program.in_place))
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
            out.append(ir.assign(target, ir.pop(self.stack.pop), stmt))
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
