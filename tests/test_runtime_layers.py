"""adjoint/runtime/ is layered: its modules import one another only downward (no cycle),
the leaf `kinds` imports none of them, no import hides inside a function to dodge a
cycle, and the package's `__init__` is the table of every `rt.<name>`."""
import ast
import pathlib

from adjoint import runtime as rt

RUNTIME = pathlib.Path(rt.__file__).parent
MODULES = sorted(p.stem for p in RUNTIME.glob("*.py") if p.stem != "__init__")


def _imports(name):
    """(module-level imports of sibling modules, imports of the package inside functions)."""
    tree = ast.parse((RUNTIME / f"{name}.py").read_text())
    top = {node.module for node in tree.body
           if isinstance(node, ast.ImportFrom) and node.level == 1}
    nested = [node.lineno for fn in ast.walk(tree)
              if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
              for node in ast.walk(fn)
              if isinstance(node, ast.ImportFrom) and node.level >= 1]
    return top, nested


def test_runtime_modules_import_only_downward():
    graph = {name: _imports(name)[0] for name in MODULES}
    assert all(dep in graph for deps in graph.values() for dep in deps), graph
    assert graph["kinds"] == set(), "the leaf module imports no other runtime module"
    order, placed = [], set()
    while len(order) < len(graph):  # a topological order exists iff there is no cycle
        ready = sorted(n for n in graph if n not in placed and graph[n] <= placed)
        assert ready, f"an import cycle among {sorted(set(graph) - placed)}"
        order += ready
        placed.update(ready)


def test_no_runtime_module_imports_inside_a_function():
    nested = {name: _imports(name)[1] for name in MODULES}
    assert not any(nested.values()), nested


def test_the_table_names_every_helper_once():
    assert len(set(rt.__all__)) == len(rt.__all__)
    missing = [name for name in rt.__all__ if not hasattr(rt, name)]
    assert not missing, missing
