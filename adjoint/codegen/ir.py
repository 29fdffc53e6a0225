"""Builders for the statements the compiler emits (names, assignments, comments)."""
from __future__ import annotations

import ast

import gast

from .ast_convert import to_ast


class Comment(str):
    """Text of a `# ...` line; carried as a string constant until emission."""


def name(id_: str, store: bool = False) -> gast.Name:
    return gast.Name(id=id_, ctx=gast.Store() if store else gast.Load(),
                     annotation=None, type_comment=None)


def const(value) -> gast.Constant:
    return gast.Constant(value=value, kind=None)


def assign(target: str, value, where=None) -> gast.Assign:
    node = gast.Assign(targets=[name(target, True)], value=value, type_comment=None)
    return gast.copy_location(node, where) if where is not None else node


def add(a, b) -> gast.BinOp:
    """`a + b`, written `a - c` when b is `-c` (one operation fewer on arrays)."""
    if isinstance(b, gast.UnaryOp) and isinstance(b.op, gast.USub):
        return gast.BinOp(left=a, op=gast.Sub(), right=b.operand)
    return gast.BinOp(left=a, op=gast.Add(), right=b)


def call(func: str, *args, **kwargs) -> gast.Call:
    parts = func.split(".")
    node = name(parts[0])
    for part in parts[1:]:
        node = gast.Attribute(value=node, attr=part, ctx=gast.Load())
    return gast.Call(func=node, args=list(args),
                     keywords=[gast.keyword(arg=k, value=v) for k, v in kwargs.items()])


def expr_stmt(value, where=None) -> gast.Expr:
    node = gast.Expr(value=value)
    return gast.copy_location(node, where) if where is not None else node


def comment(text: str) -> gast.Expr:
    return gast.Expr(value=gast.Constant(value=Comment(text), kind=None))


def is_comment(stmt) -> bool:
    return isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Constant) \
        and isinstance(stmt.value.value, Comment)


def push(value: str, push_name: str) -> gast.Expr:
    """`_push(value)`, with the push the compiler bound for this function's stack."""
    return expr_stmt(call(push_name, name(value)))


def pop(pop_name: str) -> gast.Call:
    return call(pop_name)


def helper(node):
    """The runtime function a call `rt.<name>(...)` the compiler wrote calls (the
    object, from adjoint.runtime: `rt` is the compiler's reserved name), else None."""
    if isinstance(node, gast.Call):
        node = node.func
    if isinstance(node, gast.Attribute) and isinstance(node.value, gast.Name) \
            and node.value.id == "rt":
        from .. import runtime
        return getattr(runtime, node.attr, None)
    return None


def unparse(node) -> str:
    """Source text of a gast node, by the standard library's unparser."""
    return ast.unparse(to_ast(node))


def statements(body):
    """Every statement of a block, depth first, into if/for/while bodies."""
    for stmt in body:
        yield stmt
        for field in ("body", "orelse"):
            yield from statements(getattr(stmt, field, []) or [])


def dotted(node) -> str | None:
    """`rt.seed` for the expression rt.seed (a name or attribute chain), else None.
    A cheap way to ask which function a call calls."""
    parts = []
    while isinstance(node, gast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, gast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


_LOCATION = ("lineno", "col_offset", "end_lineno", "end_col_offset",
             "restore")  # (and the mark of a lowered rt.restore, containers.py)


def clone(node):
    """A deep copy of a syntax tree (much faster than copy.deepcopy on gast nodes)."""
    if isinstance(node, list):
        return [clone(n) for n in node]
    if not isinstance(node, gast.AST):
        return node
    new = type(node)(*[clone(getattr(node, f, None)) for f in node._fields])
    for attr in _LOCATION:
        if hasattr(node, attr):
            setattr(new, attr, getattr(node, attr))
    return new


def nodes(tree):
    """Every node of a tree (or list of trees) except contexts, operators and
    constants below the top (`LEAVES`), in no particular order; a plain stack walk,
    several times faster than ast.walk on the compiler's hot paths."""
    stack = [tree]
    while stack:
        n = stack.pop()
        if type(n) is list:
            stack.extend(n)
        elif isinstance(n, gast.AST):
            yield n
            for f in n._fields:
                value = getattr(n, f)
                if type(value) is list:
                    stack.extend(value)
                elif isinstance(value, gast.AST) and not isinstance(value, LEAVES):
                    stack.append(value)


def stored_names(tree) -> set:
    """Names a tree assigns (Store context); a stack walk that skips contexts,
    operators and constants (they hold no names)."""
    found = set()
    stack = [tree]
    while stack:
        n = stack.pop()
        if type(n) is list:
            stack.extend(n)
        elif isinstance(n, gast.AST):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                found.add(n.id)
            for f in n._fields:
                value = getattr(n, f)
                if type(value) is list:
                    stack.extend(value)
                elif isinstance(value, gast.AST) and not isinstance(value, LEAVES):
                    stack.append(value)
    return found


LEAVES = (gast.expr_context, gast.operator, gast.unaryop, gast.cmpop, gast.boolop,
          gast.Constant)  # nodes that hold no names
