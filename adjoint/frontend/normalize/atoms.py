"""Small syntax helpers shared by the normalisation modules (anf*.py)."""
from __future__ import annotations

import gast

ATOMS = (gast.Name, gast.Constant)


def _name(id_, ctx=None):
    return gast.Name(id=id_, ctx=ctx or gast.Load(), annotation=None, type_comment=None)


def assign(target: str, value, where) -> gast.Assign:
    node = gast.Assign(targets=[_name(target, gast.Store())], value=value,
                       type_comment=None)
    return gast.copy_location(node, where)


def _plain_assign(target, value):
    if isinstance(target, gast.Name):
        target = _name(target.id, gast.Store())
    return gast.Assign(targets=[target], value=value, type_comment=None)


def local_names(tree, params=True) -> set[str]:
    names = set()
    if params:
        names = {a.id for a in tree.args.args + tree.args.kwonlyargs + tree.args.posonlyargs}
    from ...codegen.ir import stored_names
    return names | stored_names(tree)
