"""adjoint.codegen.ast_convert must give exactly the trees gast's own converters give."""
import ast
import glob
import os

import gast
import pytest

from adjoint.codegen import ast_convert as convert

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILES = sorted(glob.glob(os.path.join(ROOT, "adjoint", "**", "*.py"), recursive=True)
               + glob.glob(os.path.join(ROOT, "tests", "*_cases.py")))


def _read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


@pytest.mark.parametrize("path", FILES, ids=lambda p: os.path.relpath(p, ROOT))
def test_from_ast_matches_gast(path):
    text = _read(path)
    expected = gast.ast_to_gast(ast.parse(text))
    got = convert.parse(text)
    assert gast.dump(got, include_attributes=True) == \
        gast.dump(expected, include_attributes=True)


@pytest.mark.parametrize("path", FILES, ids=lambda p: os.path.relpath(p, ROOT))
def test_to_ast_unparses_as_gast(path):
    tree = gast.parse(_read(path))
    for node in [tree] + list(gast.walk(tree))[:400]:  # whole module and its parts
        if isinstance(node, (gast.stmt, gast.expr)) or node is tree:
            expected = ast.unparse(ast.fix_missing_locations(gast.gast_to_ast(node)))
            assert ast.unparse(convert.to_ast(node)) == expected


def test_unset_field_falls_back_to_gast():
    node = gast.Attribute(value=gast.Name(id="np", ctx=gast.Load(), annotation=None,
                                          type_comment=None), attr="pi", ctx=gast.Load())
    del node.ctx  # gast's converter skips a missing field; so must to_ast
    assert ast.unparse(convert.to_ast(node)) == "np.pi"
