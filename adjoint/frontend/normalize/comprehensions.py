"""Lower list and dict comprehensions to a loop that builds the container.

    [f(x) for x in xs if c(x)]        items = []
                                 ->   for x_ in xs:
                                          if c(x_):
                                              items.append(f(x_))

The comprehension's variables get fresh names (a comprehension has its own scope,
so it never clobbers a variable of the same name outside). The result is plain
user-level code, which normalisation then handles like any loop.
"""
from __future__ import annotations

import copy

import gast

from ...codegen.naming import Namer


class _Rename(gast.NodeTransformer):
    def __init__(self, names: dict):
        self.names = names

    def visit_Name(self, node):
        if node.id in self.names:
            return gast.copy_location(gast.Name(id=self.names[node.id], ctx=node.ctx,
                                                annotation=None, type_comment=None), node)
        return node


def _targets(target) -> list[str]:
    return [n.id for n in gast.walk(target) if isinstance(n, gast.Name)]


def lower(node, result: str, namer: Namer) -> list:
    """Statements that build `result` from the ListComp/DictComp `node`."""
    names = {}
    loops = []
    for gen in node.generators:
        it = _Rename(dict(names)).visit(copy.deepcopy(gen.iter))
        names.update({n: namer.fresh(n + "_") for n in _targets(gen.target)})
        rename = _Rename(dict(names))
        target = rename.visit(copy.deepcopy(gen.target))
        ifs = [rename.visit(copy.deepcopy(c)) for c in gen.ifs]
        loops.append((target, it, ifs))
    rename = _Rename(names)
    store = gast.Name(id=result, ctx=gast.Load(), annotation=None, type_comment=None)
    if isinstance(node, gast.DictComp):
        key = rename.visit(copy.deepcopy(node.key))
        value = rename.visit(copy.deepcopy(node.value))
        sub = gast.Subscript(value=store, slice=key, ctx=gast.Store())
        inner = gast.Assign(targets=[sub], value=value, type_comment=None)
        empty = gast.Dict(keys=[], values=[])
    else:
        elt = rename.visit(copy.deepcopy(node.elt))
        call = gast.Call(func=gast.Attribute(value=store, attr="append", ctx=gast.Load()),
                         args=[elt], keywords=[])
        inner = gast.Expr(value=call)
        empty = gast.List(elts=[], ctx=gast.Load())
    body = [gast.copy_location(inner, node)]
    for target, it, ifs in reversed(loops):
        for test in reversed(ifs):
            body = [gast.copy_location(gast.If(test=test, body=body, orelse=[]), node)]
        loop = gast.For(target=target, iter=it, body=body, orelse=[], type_comment=None)
        body = [gast.copy_location(loop, node)]
    init = gast.Assign(targets=[gast.Name(id=result, ctx=gast.Store(), annotation=None,
                                          type_comment=None)],
                       value=empty, type_comment=None)
    return [gast.copy_location(init, node)] + body
