"""Conversions between gast and ast trees, faster than gast's own.

gast converts with an `ast.NodeTransformer` whose generic visit costs several
microseconds a node; the compiler converts every statement it emits (to unparse
it) and the user's function (to parse it). These functions give the same trees:
node types gast converts generically are built here from a per-type field table,
and the types gast has its own method for go through that method, whose children
come back here.
"""
from __future__ import annotations

import ast

import gast
from gast.ast3 import Ast3ToGAst


def _plain_types() -> dict:
    """gast node types gast converts generically (no visit_ method of its own, the same
    fields as the ast type): those `to_ast` converts itself, by name."""
    special = {name[6:] for name in dir(gast.ast3.GAstToAst3) if name.startswith("visit_")}
    out = {}
    for name in dir(gast):
        cls, target = getattr(gast, name), getattr(ast, name, None)
        if isinstance(cls, type) and issubclass(cls, gast.AST) and name not in special \
                and isinstance(target, type) and cls._fields == target._fields:
            out[cls] = (target, cls._fields)
    return out


_PLAIN = _plain_types()
_LEAVES = (gast.expr_context, gast.operator, gast.unaryop, gast.cmpop, gast.boolop)
_SHARED = {cls: target() for cls, (target, fields) in _PLAIN.items()  # Load(), Add()...
           if issubclass(cls, _LEAVES) and not fields}


def to_ast(node):
    """gast -> ast for unparsing, as `gast.gast_to_ast` but several times faster on
    the node types the compiler emits (others go through gast's converter).
    Statements get a line number, which the unparser reads for type comments;
    contexts and operators are shared instances (the unparser only reads their type)."""
    cls = type(node)
    if cls is list:
        return [to_ast(n) for n in node]
    shared = _SHARED.get(cls)
    if shared is not None:
        return shared
    if cls is gast.Name:
        return ast.Name(node.id, to_ast(node.ctx))
    if cls is gast.Constant:
        value = node.value
        if type(value) in (int, float) and (value < 0 or value == 0 and str(value)[0] == "-"):
            # a folded `-0.7` is written as the minus of 0.7, so the unparser brackets
            # it where it must: `(-0.7) ** 2`, not `-0.7 ** 2` (= -(0.7 ** 2))
            return ast.UnaryOp(ast.USub(), ast.Constant(value=-value, kind=node.kind))
        return ast.Constant(value=value, kind=node.kind)
    try:
        if cls is gast.Assign:
            new = ast.Assign([to_ast(t) for t in node.targets], to_ast(node.value))
        elif cls in _PLAIN:
            target, fields = _PLAIN[cls]
            new = target(*[to_ast(getattr(node, f)) for f in fields])
        elif isinstance(node, gast.AST):
            return ast.fix_missing_locations(gast.gast_to_ast(node))
        else:
            return node
    except AttributeError:  # a field left unset: gast's converter skips it
        return ast.fix_missing_locations(gast.gast_to_ast(node))
    if isinstance(new, ast.stmt):
        new.lineno = getattr(node, "lineno", 1)
    return new


def _generic_types() -> dict:
    """ast node type -> (gast type, fields, attributes) for the types that gast's
    ast -> gast converter handles with its generic visit (no visit_ method)."""
    special = {name[6:] for name in dir(_ToGast) if name.startswith("visit_")}
    if getattr(_ToGast, "visit_Constant", None) is getattr(ast.NodeVisitor, "visit_Constant",
                                                            None) \
            and not any(hasattr(_ToGast, "visit_" + n) for n in _OLD_CONSTANTS):
        special.discard("Constant")  # NodeVisitor's method: generic unless visit_Num...
    out = {}
    for name in dir(gast):  # not dir(ast): ast.Num and the like warn when touched
        target, cls = getattr(gast, name), getattr(ast, name, None)
        if isinstance(cls, type) and issubclass(cls, ast.AST) and name not in special \
                and isinstance(target, type) and issubclass(target, gast.AST):
            out[cls] = (target, cls._fields, cls._attributes, target._fields == cls._fields)
    return out


_OLD_CONSTANTS = ("Num", "Str", "Bytes", "NameConstant", "Ellipsis")


class _ToGast(Ast3ToGAst):
    """gast's converter, its children converted by `from_ast`."""

    def _visit(self, node):
        return from_ast(node)


_CONVERTER = _ToGast()
_GENERIC = _generic_types()


def from_ast(node):
    """ast -> gast, as `gast.ast_to_gast` (the same tree, locations included)."""
    cls = type(node)
    if cls is list:
        return [from_ast(n) for n in node]
    if cls is ast.Name:  # gast's visit_Name, inlined (most nodes are names)
        return ast.copy_location(gast.Name(node.id, from_ast(node.ctx), None, None), node)
    entry = _GENERIC.get(cls)
    if entry is None:
        return _CONVERTER.visit(node) if isinstance(node, ast.AST) else node
    target, fields, attributes, same = entry
    try:
        values = [from_ast(getattr(node, f)) for f in fields]
    except AttributeError:  # a field left unset: gast's own visit skips it
        return _CONVERTER.generic_visit(node)
    new = target(*values) if same else target(**dict(zip(fields, values)))
    for a in attributes:
        value = getattr(node, a, _MISSING)
        if value is not _MISSING:
            setattr(new, a, value)
    return new


_MISSING = object()


def parse(text: str):
    """`gast.parse(text)`, converted by `from_ast`."""
    return from_ast(ast.parse(text))
