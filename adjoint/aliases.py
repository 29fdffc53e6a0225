"""Two names for one array, refused where adjoint would treat them as two values.

adjoint reads `z *= 3.0` as `z = z * 3.0` and `y[0] = v` as a new value of `y`. In
NumPy both change the array in place, and so every other name for that array:

    z = y;  z *= 3.0           y changes too          (an alias: `=`, `a = b = ...`,
    r = y[:2];  r *= 4.0       y changes too           np.asarray of an array)
    t = y[:2];  y[0] = v;  t   t changes too          (a view: a slice, .T, reshape)

The sweeps would follow only the name written, so the gradient (and the value) of
code reading the other name afterwards would be silently wrong. This pass finds such
pairs in the user's own syntax tree, statement by statement in program order, and
raises UnsupportedSyntaxError at the write when a differentiated value is involved.
Only arrays the function makes itself (np.zeros, x.copy(), ...) and views count as
shared: `t = x` for a parameter or a number stays an ordinary rebinding.
"""
from __future__ import annotations

import gast
import numpy as np

from .errors import UnsupportedSyntaxError
from .hidden_writes import VIEW_FUNCTIONS, VIEW_METHODS, VIEWS, _is_in
from .primitives import resolve

CREATORS = {np.zeros, np.ones, np.empty, np.full, np.zeros_like, np.ones_like,
            np.empty_like, np.full_like, np.array, np.copy, np.arange, np.linspace,
            np.eye, np.identity, np.concatenate, np.stack, np.vstack, np.hstack,
            np.tile, np.repeat}
OWN_METHODS = {"copy", "astype"}
SAME = {np.asarray, np.asanyarray, np.ascontiguousarray}  # the array itself


class _Memory:
    """Which names hold arrays made here, and which share memory (by a root name)."""

    def __init__(self):
        self.root = {}      # name -> the name of the array it is or views
        self.view = {}      # name -> ("alias" | "view", the name it was made from)

    def sharing(self, name) -> set:
        root = self.root.get(name)
        return {n for n, r in self.root.items() if r == root and n != name} \
            if root is not None else set()

    def bind(self, target, value, source) -> None:
        self.forget(target)
        kind, base = _classify(value, source)
        if kind == "new":
            self.root[target] = target
        elif kind in ("alias", "view") and base in self.root:
            self.root[target] = self.root[base]
            self.view[target] = (kind, base)
        elif kind == "view":  # a view of a parameter or of an unknown value
            self.root.setdefault(base, base)
            self.root[target] = self.root[base]
            self.view[target] = (kind, base)

    def forget(self, name) -> None:
        if self.root.get(name) == name:  # others keep sharing under a new root
            rest = [n for n, r in self.root.items() if r == name and n != name]
            for n in rest:
                self.root[n] = rest[0]
        self.root.pop(name, None)
        self.view.pop(name, None)


def check(source, varied) -> None:
    if source.filename.startswith("<adjoint"):
        return  # a gradient differentiated again: its views see every write and its
        # undoing in order (saved items are restored before the view is read)
    statements = list(_walk(source.tree.body, 0))
    memory = _Memory()
    for i, (stmt, loop) in enumerate(statements):
        written = _in_place(stmt, memory)
        if written is not None:
            _check_write(source, varied, statements, i, stmt, loop, written, memory)
        if isinstance(stmt, gast.Assign):
            names = [t.id for t in stmt.targets if isinstance(t, gast.Name)]
            for t in names:
                memory.bind(t, stmt.value, source)
            if len(names) > 1 and memory.root.get(names[0]) == names[0]:
                for t in names[1:]:  # a = b = np.zeros(2): one array, two names
                    memory.root[t] = names[0]
                    memory.view[t] = ("alias", names[0])
        elif isinstance(stmt, gast.For):
            for n in gast.walk(stmt.target):
                if isinstance(n, gast.Name):
                    memory.forget(n.id)


def _walk(body, loop):
    """(statement, id of its outermost loop or 0), in program order; nested defs are
    compiled (and checked) on their own."""
    for stmt in body:
        if isinstance(stmt, (gast.FunctionDef, gast.AsyncFunctionDef)):
            continue
        yield stmt, loop
        inner = loop or (id(stmt) if isinstance(stmt, (gast.For, gast.While)) else 0)
        for field in ("body", "orelse"):
            yield from _walk(getattr(stmt, field, None) or [], inner)


def _in_place(stmt, memory) -> str | None:
    """The name whose array `stmt` changes in place, if it does."""
    if isinstance(stmt, gast.AugAssign):
        t = stmt.target
        if isinstance(t, gast.Name):
            return t.id if t.id in memory.root else None  # numbers just rebind
        return _base_name(t)
    if isinstance(stmt, gast.Assign):
        for t in stmt.targets:
            if isinstance(t, gast.Subscript):
                return _base_name(t)
    return None


def _base_name(target):
    while isinstance(target, (gast.Subscript, gast.Attribute)):
        target = target.value
    return target.id if isinstance(target, gast.Name) else None


def _check_write(source, varied, statements, i, stmt, loop, written, memory):
    others = memory.sharing(written)
    if not others:
        return
    names = {n.id for n in gast.walk(stmt) if isinstance(n, gast.Name)}
    if not (names | others) & varied:
        return
    later = statements[i + 1:] + [s for s in statements[:i] if loop and s[1] == loop]
    for other in sorted(others):
        if any(_reads(s, other) for s, _ in later):
            raise UnsupportedSyntaxError(
                f"this changes {written} in place while {_relation(written, other, memory)}"
                f", and {other} is read afterwards: NumPy changes both, but adjoint would "
                f"treat them as separate values ({source.name})", source.where(stmt),
                hint=f"take a copy where the second name is made (.copy()), or write "
                     f"without changing the array in place ({written} = {written} * "
                     f"... instead of {written} *= ...)")


def _relation(a, b, memory) -> str:
    for x, y in ((a, b), (b, a)):
        kind, base = memory.view.get(x, (None, None))
        if base == y:
            return f"{x} is a view of {y}" if kind == "view" else \
                f"{x} and {y} name the same array"
    return f"{a} and {b} share memory"


def _reads(stmt, name) -> bool:
    if isinstance(stmt, (gast.If, gast.While)):
        nodes = gast.walk(stmt.test)
    elif isinstance(stmt, gast.For):
        nodes = gast.walk(stmt.iter)
    else:
        nodes = gast.walk(stmt)
    return any(isinstance(n, gast.Name) and n.id == name and isinstance(n.ctx, gast.Load)
               for n in nodes)


def _classify(value, source):
    """("new", None): an array made here; ("alias", b): b itself; ("view", b): a view
    of b; (None, None): anything else (a number, a result of arithmetic...)."""
    if isinstance(value, gast.Name):
        return "alias", value.id
    if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name) \
            and _has_slice(value.slice):
        return "view", value.value.id
    if isinstance(value, gast.Attribute) and isinstance(value.value, gast.Name) \
            and value.attr in VIEWS:
        return "view", value.value.id
    if not isinstance(value, gast.Call):
        return None, None
    func = value.func
    if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name):
        if func.attr in OWN_METHODS:
            return "new", None
        if func.attr in VIEW_METHODS and func.value.id not in source.namespace:
            return "view", func.value.id
    fn = resolve(func, source.namespace)
    if _is_in(fn, CREATORS):
        return "new", None
    first = value.args[0] if value.args else None
    if isinstance(first, gast.Name):
        if _is_in(fn, SAME):
            return "alias", first.id
        if _is_in(fn, VIEW_FUNCTIONS):
            return "view", first.id
    return None, None


def _has_slice(index) -> bool:
    if isinstance(index, gast.Slice):
        return True
    if isinstance(index, gast.Tuple):
        return any(isinstance(e, gast.Slice) for e in index.elts)
    return False
