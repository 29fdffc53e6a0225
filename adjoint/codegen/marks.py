"""What the compiler made in a generated function, recorded as it makes it.

Later passes (optimize, recompute, fuse) and emission recognise the statements the
compiler wrote by these marks, never by a name's spelling: a gradient differentiated
again holds an inner gradient's `rt.seed(...)` and `_stack`, which are values like any
other of its code, and a user's variable may be called `_pop_size`.
"""
from __future__ import annotations

from dataclasses import dataclass

import gast

from . import ir


@dataclass(frozen=True)
class Made:
    """The marks of one generated function."""

    seed: str | None = None   # the adjoint its seed assigns: the adjoint sweep starts there
    stack: tuple | None = None  # (stack, push, pop): the names it gave its stack
    backward: bool = False    # a callee's backward function (adjoint code throughout)
    numbers: bool = False     # the version for Python numbers (nothing large to free)

    def seed_in(self, body):
        """The statement that starts the adjoint sweep (`bresult = rt.seed(...)`): the
        first of the function's top-level statements assigning the seed's adjoint."""
        if self.seed is None:
            return None
        return next((s for s in body if isinstance(s, gast.Assign) and len(s.targets) == 1
                     and isinstance(s.targets[0], gast.Name)
                     and s.targets[0].id == self.seed), None)

    def is_push(self, stmt) -> bool:
        """`_push(v)`: a value saved on this function's stack."""
        return self.stack is not None and isinstance(stmt, gast.Expr) \
            and isinstance(stmt.value, gast.Call) \
            and ir.dotted(stmt.value.func) == self.stack[1]

    def is_pop(self, stmt) -> bool:
        """`v = _pop()`: a value taken back from this function's stack."""
        return self.stack is not None and isinstance(stmt, gast.Assign) \
            and isinstance(stmt.value, gast.Call) and not stmt.value.args \
            and ir.dotted(stmt.value.func) == self.stack[2]

    def uses_stack(self, tree) -> bool:
        """Whether `tree` reads this function's stack or its bound methods."""
        return self.stack is not None and any(
            isinstance(n, gast.Name) and n.id in self.stack for n in ir.nodes(tree))

    def stack_call(self, node) -> bool:
        """A call of this function's `_push` or `_pop`."""
        return self.stack is not None and isinstance(node, gast.Call) \
            and ir.dotted(node.func) in self.stack[1:]


NONE = Made()  # a function the compiler marked nothing in (a primal copy, a jvp)
