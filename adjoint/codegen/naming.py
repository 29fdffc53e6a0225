"""Deterministic names for everything the compiler introduces.

Temporaries are named from their expression (`sin_x`, `W_x`, `xs_t`), else a
counter (`_t3`); adjoints are `b<name>`, tangents `d<name>`; saved values
`_<name>`; the stack `_stack`.
Names never depend on hashing, ids or randomness, so output is byte-identical.
"""
from __future__ import annotations

import builtins
import keyword

import gast

RESERVED = {"np", "math", "rt", "grad_out", "_stack", "_push", "_pop"}


class Namer:
    """Hands out fresh names that collide with nothing the function uses."""

    def __init__(self, taken):
        self.taken = set(taken) | RESERVED | set(dir(builtins))
        self.counter = 0

    def fresh(self, base: str) -> str:
        base = base if base.isidentifier() and not keyword.iskeyword(base) else "_t"
        if base not in self.taken:
            self.taken.add(base)
            return base
        n = 2
        while f"{base}{n}" in self.taken:
            n += 1
        self.taken.add(f"{base}{n}")
        return f"{base}{n}"

    def temp(self, expr: gast.AST | None = None) -> str:
        base = describe(expr) if expr is not None else None
        if base is None or len(base) > 24:
            self.counter += 1
            while f"_t{self.counter}" in self.taken:
                self.counter += 1
            name = f"_t{self.counter}"
            self.taken.add(name)
            return name
        return self.fresh(base)

    def adjoint(self, name: str, table: dict[str, str]) -> str:
        """The adjoint's name for `name` (`bx`), stable for the whole function."""
        if name not in table:
            base = "b" + name if not name.startswith("_") else "b" + name
            table[name] = self.fresh(base)
        return table[name]

    def tangent(self, name: str, table: dict[str, str]) -> str:
        """The forward-mode tangent's name for `name` (`dx`), stable for the function."""
        if name not in table:
            table[name] = self.fresh("d" + name)
        return table[name]


def _atom(node) -> str | None:
    if isinstance(node, gast.Name):
        return node.id.lstrip("_") or None
    if isinstance(node, gast.Constant) and isinstance(node.value, int) \
            and not isinstance(node.value, bool) and node.value >= 0:
        return str(node.value)
    return None


def describe(expr) -> str | None:
    """A readable name for the value of `expr`, or None."""
    if isinstance(expr, gast.Call):
        func = expr.func
        fname = func.attr if isinstance(func, gast.Attribute) else \
            func.id if isinstance(func, gast.Name) else None
        if fname is None:
            return None
        if isinstance(func, gast.Attribute) and not _is_module_like(func.value):
            owner = _atom(func.value)
            return f"{owner}_{fname}" if owner else None
        first = _atom(expr.args[0]) if expr.args else None
        return f"{fname}_{first}" if first else fname
    if isinstance(expr, gast.BinOp) and isinstance(expr.op, gast.MatMult):
        a, b = _atom(expr.left), _atom(expr.right)
        return f"{a}_{b}" if a and b else None
    if isinstance(expr, gast.BinOp) and isinstance(expr.op, gast.Pow) \
            and isinstance(expr.right, gast.Constant) and expr.right.value == 2 \
            or isinstance(expr, gast.BinOp) and isinstance(expr.op, gast.Mult) \
            and isinstance(expr.left, gast.Name) and isinstance(expr.right, gast.Name) \
            and expr.left.id == expr.right.id:  # x ** 2 and x * x: x_sq
        a = _atom(expr.left)
        return f"{a}_sq" if a else None
    if isinstance(expr, gast.Attribute):
        a = _atom(expr.value)
        return f"{a}_{expr.attr}" if a else None
    if isinstance(expr, gast.Subscript):
        a, i = _atom(expr.value), _atom(expr.slice)
        return f"{a}_{i}" if a and i else None
    return None


def _is_module_like(node) -> bool:
    return isinstance(node, gast.Name) and node.id in ("np", "numpy", "math", "jnp", "sp")
