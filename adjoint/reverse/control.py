"""Reverse mode, control flow in the adjoint sweep: branches are replayed from their
recorded test, loops run backwards over the same iterations."""
from __future__ import annotations

import gast

from .. import runtime as rt
from ..codegen import ir
from .adjoint_state import State


class ControlFlow:
    """Methods of reverse.Reverse for `if`, `for` and `while` in the adjoint sweep."""

    def backward_if(self, stmt, state: State) -> list:
        a, b = state.copy(), state.copy()
        body = self.backward(stmt.body, a)
        orelse = self.backward(stmt.orelse, b)
        joined = a.defined | b.defined
        # (zeros shaped like the values before the if: a value only a branch assigns
        # is set to None first, whose zero is 0.0, recording.py)
        body += self.zeros(joined - a.defined, stmt, a, stmt)
        orelse += self.zeros(joined - b.defined, stmt, b, stmt)
        state.absorb(State(joined, a.owned & b.owned))
        if not body and not orelse:
            return []
        return [gast.copy_location(gast.If(test=ir.name(stmt.test.id),
                                           body=body or [gast.Pass()], orelse=orelse), stmt)]

    def backward_loop(self, stmt, state: State) -> list:
        """The body's reverse must start every iteration in the same state: adjoints
        it defines are zeroed before the loop; ones it consumes, at its end. An adjoint
        the body would copy before writing into it (`bout = rt.copy(bout)`, not yet
        owned) is copied once before the loop instead of on every pass."""
        trial, made = state.copy(), list(self.zeros_made)
        out = self._backward_loop(stmt, trial)
        hoist = sorted(b for b in _copied(out) if b in state.defined and b not in state.owned)
        if not hoist:
            state.absorb(trial)
            return out
        state.owned |= set(hoist)
        self.zeros_made = made  # (the zeros of the sweep built again count)
        return [ir.assign(b, ir.call("rt.copy", ir.name(b)), stmt) for b in hoist] + \
            self._backward_loop(stmt, state)

    def _backward_loop(self, stmt, state: State) -> list:
        entry, made = state.copy(), list(self.zeros_made)
        for attempt in range(12):  # defined only grows; owned settles (or is dropped)
            self.zeros_made = list(made)  # (only the last attempt's zeros count)
            end = entry.copy()
            body = self.backward(stmt.body, end)
            if isinstance(stmt, gast.For) and self.activity.active(stmt.target.id):
                # each pass binds the counter anew: what it gathered goes nowhere
                end.discard(self.adjoint(stmt.target.id))
            fill = entry.defined - end.defined
            defined = entry.defined | end.defined
            zeroed = defined - state.defined  # zero-initialised before the loop: owned
            owned = (state.owned | zeroed) & (end.owned | fill) if attempt < 10 else set()
            if defined == entry.defined and owned == entry.owned:
                break
            entry = State(defined, owned)
        body += self.zeros(fill, stmt, end, stmt.body[0])  # (shaped as a pass begins)
        out = self.zeros(entry.defined - state.defined, stmt, state, stmt)  # (as it ends)
        state.absorb(entry)
        restore = []  # the loop variable's value from before the loop (even when the
        if stmt in self.saves.named:  # loop has no reverse: its save must be undone)
            restore = [ir.assign(stmt.target.id, ir.name(self.saves.named[stmt]), stmt)]
        elif stmt in self.saves.stacked:  # (pushed before an inner loop)
            restore = [ir.assign(stmt.target.id, ir.pop(self.stack.pop), stmt)]
        if not body:
            return out + restore
        if isinstance(stmt, gast.For):
            rev = self.replay(stmt)
            loop = gast.For(target=ir.name(stmt.target.id, True), iter=rev, body=body,
                            orelse=[], type_comment=None)
        else:
            rng = ir.call("range", ir.name(self.counters[stmt]))
            loop = gast.For(target=ir.name("_", True), iter=rng, body=body, orelse=[],
                            type_comment=None)
        out.append(gast.copy_location(loop, stmt))
        return out + restore

    def zeros(self, adjoints, where, state: State, at) -> list:
        """Zero adjoints where a branch or loop joins paths that did not all define
        them; the sweep owns them.

        The one representation of "no gradient yet": an adjoint that does not exist
        is not a value (the first contribution is assigned, `State.defined`); where a
        join needs one, it is `rt.zeros_like(x)`, zeros of the shape and float type of
        the value `x` has at that point, so every consumer (rules, runtime helpers,
        accumulation, a callee's backward function, the second-order sweep) gets an
        adjoint shaped like its value. Only a value proven 0-d gets the number 0.0.
        `at`: the statement whose reverse reads `x` here, for TBR (the If, the loop
        for a zero made before its adjoint loop, its first statement for one made at
        the end of each pass), so that `x` is restored to the value it had there."""
        self.zeroed |= set(adjoints)
        primal = {b: v for v, b in self.adj.items()}
        out = []
        for b in sorted(adjoints):
            state.assign(b, True)
            v = primal[b]
            if v in self.scalar and v not in self.indexed and v not in self.shaped:
                out.append(ir.assign(b, ir.const(0.0), where))
                continue
            zero = ir.assign(b, ir.call("rt.zeros_like", ir.name(v)), where)
            self.zeros_made.append((zero, at, v))
            out.append(zero)
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


def _copied(stmts) -> set:
    """Adjoints copied in place (`b = rt.copy(b)`) anywhere in these statements."""
    found = set()
    for sub in ir.statements(stmts):
        if isinstance(sub, gast.Assign) and isinstance(sub.value, gast.Call) \
                and ir.helper(sub.value) is rt.copy and len(sub.value.args) == 1 \
                and isinstance(sub.value.args[0], gast.Name) \
                and isinstance(sub.targets[0], gast.Name) \
                and sub.targets[0].id == sub.value.args[0].id:
            found.add(sub.targets[0].id)
    return found
