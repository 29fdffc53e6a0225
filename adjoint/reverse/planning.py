"""Reverse mode, planning (before TBR): what each statement's adjoint reads, trip
counters for loops that need them, and call sites of the user's functions."""
from __future__ import annotations

import inspect

import gast

from . import containers
from .. import runtime as rt
from ..codegen import ir
from ..codegen.template import names_in
from ..analysis.recording import Saves

OLD = "__old__"  # placeholder for "the target's value before this assignment"


class Planning:
    """Methods of reverse.Reverse that run before the sweeps are built."""

    def reads(self, body, saves: Saves | None = None) -> tuple[dict, set]:
        """Primal names each statement's reverse reads, and self-reading statements.
        A branch or loop is replayed when it holds active or saved statements.
        Also sets `self.shape_only`: names read only for their shape (by unbroadcast)."""
        reads, own = {}, set()
        value_reads, shape_reads = set(), set()
        for stmt in _all(body):
            if containers.mutated(stmt):  # undoing a write needs the whole object
                reads[stmt] = containers.reads(stmt) & self.locals
                value_reads |= reads[stmt]
            elif isinstance(stmt, gast.Assign):
                found, shapes, values = self._assign_reads(stmt)
                if OLD in found:
                    own.add(stmt)
                reads[stmt] = (found - {OLD}) & self.locals
                target = {stmt.targets[0].id}  # (OLD: the target's value before it)
                shape_reads |= shapes | (target if OLD in shapes else set())
                value_reads |= values | (target if OLD in values else set())
            elif isinstance(stmt, (gast.If, gast.For, gast.While)) and (
                    self.is_active(stmt) or saves is not None and _holds_saves(stmt, saves)):
                reads[stmt] = self.control_reads(stmt)
                value_reads |= reads[stmt]
        for stmt, names in self.zero_reads.items():  # zeros shaped like values (zeros()):
            reads[stmt] = reads.get(stmt, set()) | names  # a container's is made from it
            shape_reads |= names - self.shaped - self.indexed - self.lists - self.dicts
            value_reads |= names & (self.shaped | self.indexed | self.lists | self.dicts)
        self.shape_only = (shape_reads - value_reads) & self.locals
        return reads, own

    def _assign_reads(self, stmt) -> tuple[set, set, set]:
        """Names an assignment's contributions read: all, as shapes, as values.
        Cached like the contributions themselves (the TBR fixpoint asks again)."""
        key = (stmt, self.scalar)
        if key not in self._reads:
            exprs = [e for _, e in self.contributions(stmt, old=OLD)]
            found, shapes, values = set(), set(), set()
            for e in exprs:
                found |= names_in(e)
                s, v = _shape_and_value_reads(e)
                shapes |= s
                values |= v
            self._reads[key] = found, shapes, values
        return self._reads[key]

    def control_reads(self, stmt) -> set:
        if isinstance(stmt, gast.If):
            return {stmt.test.id}
        counter = {self.counters[stmt]} if stmt in self.counters else set()
        if isinstance(stmt, gast.For):
            return (names_in(stmt.iter) - {"range", "reversed"}) | counter
        return counter

    def is_active(self, stmt) -> bool:
        """Whether a statement's reverse does anything: it undoes a mutation, sends
        an adjoint on, or zeroes the adjoint of an active name it overwrites with a
        value without one (`r = 2.0`), so a branch holding it is replayed."""
        return any(containers.mutated(s) or isinstance(s, gast.Assign) and (
            self.contributions(s) or isinstance(s.targets[0], gast.Name)
            and self.activity.active(s.targets[0].id)) for s in _all([stmt]))

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
        a nested or specialised function nothing differentiates is called through its
        primal copy (function_args.py: the arguments of the generated functions)."""
        from ..analysis.function_args import call_arguments
        prim, target = self.prim(stmt), stmt.targets[0].id
        active = [(p, v) for p, v in prim.diff_inputs() if self.activity.active(v)]
        call = stmt.value
        args, keywords = call_arguments(prim.callee, call)
        if not (self.activity.active(target) and active):
            if not inspect.isfunction(prim.callee) or updates_parameters(prim.callee) \
                    or generated(prim.callee):
                # (a Nested, a Specialized; a function whose `q += p` would change
                # the caller's array: its copy rebinds q, as its pair would; a
                # gradient's backward function, which pops the stack on its tape)
                copy = self.program.primal(prim.callee)
                new = gast.Call(func=ir.name(copy), args=args, keywords=keywords)
                return [ir.assign(target, new, stmt)]
            return [stmt]
        callee = self.program.request(prim.callee, [p for p, _ in active])
        tape = self.namer.fresh(f"{callee.source.name.strip('<>')}_tape")
        self.locals.add(tape)  # a value the adjoint sweep reads (saved in loops)
        fwd = gast.Call(func=ir.name(callee.fwd), args=args, keywords=keywords)
        first = ir.assign(tape, fwd, stmt)
        value = ir.assign(target, gast.Subscript(value=ir.name(tape), slice=ir.const(0),
                                                 ctx=gast.Load()), stmt)
        self.calls[value] = (callee, tape, active)
        self.tapes[tape] = (callee, args + [k.value for k in keywords])
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


def generated(fn) -> bool:
    from ..codegen.emit import generated
    return generated(fn)


def updates_parameters(fn) -> bool:
    """Whether a function of the user's updates a parameter with an augmented
    assignment (`q += p`), in place when the caller passes an array."""
    from ..analysis.function_args import source_tree
    from ..analysis.hidden_writes import written_parameters
    return bool(written_parameters(source_tree(fn))[1])


# helpers that read one argument only for its shape and float type (they accept the
# rt.Shape saved in its place) -> that argument's position. (rt.zeros_like is not
# one: of a container it makes a container.)
SHAPE_READERS = {rt.unbroadcast: 1, rt.sum_grad: 1, rt.mean_grad: 1}


def _shape_and_value_reads(expr) -> tuple[set, set]:
    """Names read only as the shape argument of rt.unbroadcast, and names read whole."""
    shapes, values = set(), set()
    stack = [expr]
    while stack:  # a plain stack walk (gast.iter_child_nodes is slow)
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, gast.Call) and _shape_argument(node) is not None:
            k = _shape_argument(node)
            shapes.add(node.args[k].id)
            stack.extend(node.args[:k] + node.args[k + 1:] + node.keywords)
        elif isinstance(node, gast.Name):
            values.add(node.id)
        elif isinstance(node, gast.AST):
            stack.extend(getattr(node, f) for f in node._fields)
    return shapes, values


def _shape_argument(call):
    """The position of the argument a shape reader reads only the shape of, or None."""
    k = SHAPE_READERS.get(ir.helper(call)) if isinstance(call.func, gast.Attribute) else None
    return k if k is not None and len(call.args) > k \
        and isinstance(call.args[k], gast.Name) else None


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


_all = ir.statements
