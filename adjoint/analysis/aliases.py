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

A read counts unless a rebinding of the name surely runs first; a binding in one
branch keeps what the name shared before; a loop's body is walked a second time with
the names its last pass left sharing.

A row taken with an integer index (`row = M[i]`) is a view of a 2-D M but a number
of a 1-D one, which the source does not tell: such a write is checked when it runs
(`rt.refuse_view` before it, in the normal form), not refused here. Not seen
(documented in the README): an alias returned by a function of the user's, and
`acc = x; acc += v` for an array parameter x.
"""
from __future__ import annotations

import gast
import numpy as np

from ..codegen import ir
from ..errors import UnsupportedSyntaxError
from ..stop import stop_gradient
from .hidden_writes import VIEW_FUNCTIONS, VIEW_METHODS, VIEWS, _is_in
from .primitives import resolve

CREATORS = {np.zeros, np.ones, np.empty, np.full, np.zeros_like, np.ones_like,
            np.empty_like, np.full_like, np.array, np.copy, np.arange, np.linspace,
            np.eye, np.identity, np.concatenate, np.stack, np.vstack, np.hstack,
            np.tile, np.repeat}
OWN_METHODS = {"copy", "astype"}
SAME = {np.asarray, np.asanyarray, np.ascontiguousarray,  # the array itself
        stop_gradient}
SPLITS = {np.split, np.array_split, np.hsplit, np.vsplit, np.dsplit}  # lists of views


class _Memory:
    """Which names hold arrays made here, and which share memory (by a root name)."""

    def __init__(self):
        self.root = {}      # name -> the name of the array it is or views
        self.view = {}      # name -> ("alias" | "view", the name it was made from)
        self.span = {}      # view -> (first, stop) of base[first:stop], when constant
        self.maybe = set()  # names that share memory only if a row M[i] is a view

    def sharing(self, name) -> set:
        root = self.root.get(name)
        return {n for n, r in self.root.items() if r == root and n != name} \
            if root is not None else set()

    def bind(self, target, value, source, branch=False) -> None:
        """`target = value`. In a branch, a binding that shares nothing keeps what
        the name shared before (the other branch, or no branch, may leave it so)."""
        kind, base = _classify(value, source)
        if branch and target in self.view and kind not in ("alias", "view"):
            return
        self.forget(target)
        if kind == "view" and isinstance(value, gast.Subscript):
            span = _span(value.slice)
            if span is not None:
                self.span[target] = span
        if kind == "new":
            self.root[target] = target
        elif kind in ("view", "row") or kind == "alias" and base in self.root:
            self.root.setdefault(base, base)  # (a view of a parameter starts a root)
            self.root[target] = self.root[base]
            self.view[target] = ("view" if kind == "row" else kind, base)
            if kind == "row" or base in self.maybe:
                self.maybe.add(target)

    def forget(self, name) -> None:
        if self.root.get(name) == name:  # others keep sharing under a new root
            rest = [n for n, r in self.root.items() if r == name and n != name]
            for n in rest:
                self.root[n] = rest[0]
        self.root.pop(name, None)
        self.view.pop(name, None)
        self.span.pop(name, None)
        self.maybe.discard(name)


def check(source, varied) -> list:
    """Raise at a write that changes an array another name shares; return the writes
    to check when they run: (statement, written name, other name, message, hint)."""
    if source.generated:
        return []  # a gradient differentiated again: its views see every write and its
        # undoing in order (saved items are restored before the view is read)
    statements = list(_walk(source.tree.body, ()))
    guards = []
    branches = {id(s) for s, _ in statements if isinstance(s, gast.If)}
    again = _second_passes(statements)
    memory = _Memory()
    i, repeated = 0, set()
    while i < len(statements):
        stmt, path = statements[i]
        written = _in_place(stmt, memory)
        if written is not None:
            _check_write(source, varied, statements, i, written, memory, guards)
        if isinstance(stmt, gast.Assign):
            _bind_targets(stmt, memory, source, any(p in branches for p in path))
        elif isinstance(stmt, gast.For):
            names = [n.id for n in gast.walk(stmt.target) if isinstance(n, gast.Name)]
            for n in names:
                memory.forget(n)
            if isinstance(stmt.target, gast.Name) and isinstance(stmt.iter, gast.Name):
                # for row in B: each row is a view of B
                memory.bind(stmt.target.id, _slice_of(stmt.iter), source)
        if i in again and i not in repeated:  # a loop's end: its body once more, with
            repeated.add(i)                   # the names its last pass left sharing
            i = again[i]
            continue
        i += 1
    return guards


def _second_passes(statements) -> dict:
    """index of the last statement inside each outermost loop -> index of its first."""
    out = {}
    for k, (stmt, path) in enumerate(statements):
        if isinstance(stmt, (gast.For, gast.While)) and not any(
                isinstance(s, (gast.For, gast.While)) and id(s) in path
                for s, _ in statements[:k]):
            inside = [j for j, (_, p) in enumerate(statements) if id(stmt) in p]
            if inside:
                out[inside[-1]] = inside[0]
    return out


def _bind_targets(stmt, memory, source, branch=False) -> None:
    names = [t.id for t in stmt.targets if isinstance(t, gast.Name)]
    for t in names:
        memory.bind(t, stmt.value, source, branch)
    if len(names) > 1 and memory.root.get(names[0]) == names[0]:
        for t in names[1:]:  # a = b = np.zeros(2): one array, two names
            memory.root[t] = names[0]
            memory.view[t] = ("alias", names[0])
    for t in stmt.targets:
        if not isinstance(t, (gast.Tuple, gast.List)):
            continue
        value = stmt.value
        if isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(t.elts):
            pairs = list(zip(t.elts, value.elts))  # a, b = y, y: element by element
        else:  # p, q = np.split(y, 2): views of y; anything else unpacks new values
            part = _slice_of(value.args[0]) if _splits(value, source) else None
            pairs = [(e, part) for e in t.elts]
        bound = [(e.id, v) for e, v in pairs if isinstance(e, gast.Name)]
        for name, _ in bound:  # all sides are read before any is bound
            memory.forget(name)
        for name, v in bound:
            if v is not None:
                memory.bind(name, v, source)


def _slice_of(name):
    """`name[:]`: stands for a view of `name` when binding."""
    return gast.Subscript(value=name, slice=gast.Slice(lower=None, upper=None, step=None),
                          ctx=gast.Load())


def _splits(value, source) -> bool:
    """np.split(y, ...) and the like: a list of views of y."""
    return isinstance(value, gast.Call) and value.args \
        and isinstance(value.args[0], gast.Name) \
        and _is_in(resolve(value.func, source.namespace), SPLITS)


def _walk(body, path):
    """(statement, the ids of the compound statements around it), in program order;
    nested defs are compiled (and checked) on their own."""
    for stmt in body:
        if isinstance(stmt, (gast.FunctionDef, gast.AsyncFunctionDef)):
            continue
        yield stmt, path
        for field in ("body", "orelse"):
            yield from _walk(getattr(stmt, field, None) or [], path + (id(stmt),))


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


def _check_write(source, varied, statements, i, written, memory, guards):
    stmt, path = statements[i]
    others = memory.sharing(written)
    if not others:
        return
    names = {n.id for n in gast.walk(stmt) if isinstance(n, gast.Name)}
    if not (names | others) & varied:
        return
    loops = [k for k, (s, _) in enumerate(statements)
             if id(s) in path and isinstance(s, (gast.For, gast.While))]
    for other in sorted(others):
        if _disjoint(stmt, written, other, memory):
            continue
        if _read_later(statements, i, other) or loops and _read_again(
                statements, loops[0], i, other):
            message = f"this changes {written} in place while " \
                f"{_relation(written, other, memory)}, and {other} is read afterwards: " \
                f"NumPy changes both, but adjoint would treat them as separate values " \
                f"({source.name})"
            hint = f"take a copy where the second name is made (.copy()), or write " \
                f"without changing the array in place ({written} = {written} * ... " \
                f"instead of {written} *= ...)"
            if written in memory.maybe or other in memory.maybe:
                guard = (stmt, written, other, message, hint)  # known when it runs
                if not any(g[:3] == guard[:3] for g in guards):  # (a loop's 2nd pass)
                    guards.append(guard)
                continue
            raise UnsupportedSyntaxError(message, source.where(stmt), hint=hint)


def _disjoint(stmt, written, other, memory) -> bool:
    """`y[3:] = ...` while `other` is `y[:3]`: constant, non-overlapping ranges of a
    first axis (the only case decided; anything else may overlap)."""
    kind, base = memory.view.get(other, (None, None))
    if base != written or other not in memory.span:
        return False
    targets = stmt.targets if isinstance(stmt, gast.Assign) else [stmt.target]
    for t in targets:
        if isinstance(t, gast.Subscript) and isinstance(t.value, gast.Name) \
                and t.value.id == written:
            span = _span(t.slice)
            lo, hi = memory.span[other]
            return span is not None and (span[1] <= lo or hi <= span[0])
    return False


def _span(index):
    """(first, stop) of a constant index of the first axis: `k` or `a:b` with
    non-negative literal bounds and no step; None otherwise."""
    def bound(node, default):
        if node is None:
            return default
        if isinstance(node, gast.Constant) and type(node.value) is int and node.value >= 0:
            return node.value
        return None
    if isinstance(index, gast.Constant) and type(index.value) is int and index.value >= 0:
        return index.value, index.value + 1
    if isinstance(index, gast.Slice) and index.step is None:
        lo, hi = bound(index.lower, 0), bound(index.upper, float("inf"))
        return None if lo is None or hi is None else (lo, hi)
    return None


def _read_later(statements, i, name) -> bool:
    """Whether `name` is read after statement i before a rebinding that surely runs
    first (one not inside a branch or loop the write is not in)."""
    path = statements[i][1]
    for stmt, where in statements[i + 1:]:
        if _reads(stmt, name):
            return True
        if _rebinds(stmt, name) and path[:len(where)] == where:
            return False
    return False


def _read_again(statements, first, i, name) -> bool:
    """Whether the next pass of the outermost loop around statement i (statement
    `first`) reads `name` before rebinding it."""
    loop_path = statements[first][1] + (id(statements[first][0]),)
    for stmt, where in statements[first + 1:i]:
        if _reads(stmt, name):
            return True
        if _rebinds(stmt, name) and where == loop_path:
            return False
    return False


def _rebinds(stmt, name) -> bool:
    if isinstance(stmt, gast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, gast.For):
        targets = [stmt.target]
    else:
        return False
    return any(isinstance(n, gast.Name) and n.id == name
               for t in targets if not isinstance(t, gast.Subscript) for n in gast.walk(t))


def _relation(a, b, memory) -> str:
    for x, y in ((a, b), (b, a)):
        kind, base = memory.view.get(x, (None, None))
        if base == y:
            return f"{x} is a view of {y}" if kind == "view" else \
                f"{x} and {y} name the same array"
    ka, base_a = memory.view.get(a, (None, None))
    kb, base_b = memory.view.get(b, (None, None))
    if base_a is not None and base_a == base_b:
        how = "name" if ka == kb == "alias" else "share"
        return f"{a} and {b} both {how} the memory of {base_a}"
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
    if isinstance(value, gast.IfExp):  # y if c else y.copy(): maybe y itself
        for branch in (value.body, value.orelse):
            kind, base = _classify(branch, source)
            if kind in ("alias", "view"):
                return kind, base
        return None, None
    if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name) \
            and _has_slice(value.slice):
        return "view", value.value.id
    if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name) \
            and _int_like(value.slice):
        return "row", value.value.id  # a view of a 2-D array, a number of a 1-D one
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
    """A basic index that keeps a dimension: a slice, `...` or `None` (a view)."""
    parts = index.elts if isinstance(index, gast.Tuple) else [index]
    return any(isinstance(e, gast.Slice) or isinstance(e, gast.Constant)
               and (e.value is Ellipsis or e.value is None) for e in parts)


def _int_like(index) -> bool:
    """An index of integers (literals or names) only: `M[i]`, `M[0, j]`, `M[-1]`."""
    parts = index.elts if isinstance(index, gast.Tuple) else [index]
    return all(isinstance(e, gast.Name) or isinstance(e, gast.Constant)
               and type(e.value) is int or isinstance(e, gast.UnaryOp)
               and isinstance(e.operand, gast.Constant) and type(e.operand.value) is int
               for e in parts)


def insert_guards(guards, body, source) -> None:
    """Put `rt.refuse_view(written, other, message)` before the first statement of the
    normal form that comes from each guarded write."""
    for stmt, written, other, message, hint in guards:
        where = source.where(stmt)
        call = ir.call("rt.refuse_view", ir.name(written), ir.name(other),
                       *(ir.const(v) for v in (where.filename, where.lineno, where.col,
                                               message, hint)))
        guard = gast.copy_location(ir.expr_stmt(call), stmt)
        _insert_before_line(body, stmt.lineno, guard)


def _insert_before_line(body, lineno, guard) -> bool:
    for k, stmt in enumerate(body):
        if getattr(stmt, "lineno", None) == lineno and not isinstance(
                stmt, (gast.For, gast.While, gast.If)):
            body.insert(k, guard)
            return True
        for field in ("body", "orelse"):
            if _insert_before_line(getattr(stmt, field, None) or [], lineno, guard):
                return True
    return False

