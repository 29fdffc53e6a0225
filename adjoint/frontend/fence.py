"""Pass 2: check that the function stays inside the subset adjoint differentiates.

Each unsupported construct has one line here: what it is, and what to do instead.
"""
from __future__ import annotations

import gast

from ..context import Source
from ..errors import UnsupportedSyntaxError

REWRITE = "rewrite it without"
UNSUPPORTED: dict[type, tuple[str, str]] = {
    gast.ClassDef: ("class definitions", "define the class outside the function"),
    gast.Try: ("try/except", "move the try/except into a caller that is not "
                             "differentiated, or test the condition with an if"),
    gast.With: ("with statements", "open the context in a caller and pass the "
                                   "values in"),
    gast.AsyncFunctionDef: ("async functions", "differentiate a plain def"),
    gast.AsyncFor: ("async for", "use a plain for loop"),
    gast.AsyncWith: ("async with", "use plain code"),
    gast.Await: ("await", "differentiate synchronous code"),
    gast.Yield: ("yield (generators)", "build and return a list or array instead"),
    gast.YieldFrom: ("yield from (generators)", "build and return a list instead"),
    gast.Global: ("global declarations", "pass the value in as an argument and "
                                         "return the new value"),
    gast.Nonlocal: ("nonlocal declarations", "pass the value in and return it"),
    gast.Delete: ("del statements on items or attributes",
                  "build a new array or dict without the entry (np.delete, a dict "
                  "comprehension)"),
    gast.Import: ("imports inside the function", "import at module level"),
    gast.ImportFrom: ("imports inside the function", "import at module level"),
    gast.NamedExpr: ("assignment expressions (:=)", "assign on a line of its own"),
    gast.Starred: ("star arguments (f(*xs), [*a, *b])", "pass the arguments one by one"),
    gast.Match: ("match statements", "use if/elif/else"),
    gast.Set: ("set literals", "use a tuple or list"),
    gast.SetComp: ("set comprehensions", "use a list comprehension"),
}


# Constructs that later work will support; until then they fail clearly.
NOT_YET: dict[type, tuple[str, str]] = {
}


class Fence(gast.NodeVisitor):
    def __init__(self, source: Source, not_yet: dict[type, tuple[str, str]]):
        self.source = source
        self.not_yet = not_yet

    def generic_visit(self, node):
        entry = UNSUPPORTED.get(type(node)) or self.not_yet.get(type(node))
        if entry is not None:
            what, hint = entry
            raise UnsupportedSyntaxError(
                f"{what} are not supported in a differentiated function "
                f"({self.source.name})", self.source.where(node), hint=hint)
        super().generic_visit(node)

    def visit_FunctionDef(self, node):
        if node is not self.source.tree:
            return self.generic_visit(node)
        check_signature(self.source)
        for stmt in node.body:
            self.visit(stmt)

    def visit_Constant(self, node):
        if isinstance(node.value, complex):
            raise UnsupportedSyntaxError(
                f"complex numbers are not supported in a differentiated function "
                f"({self.source.name})", self.source.where(node),
                hint="adjoint differentiates real-valued code: split the value into its "
                     "real and imaginary parts as two real arrays")

    def visit_Delete(self, node):
        if all(isinstance(t, gast.Name) for t in node.targets):
            return  # `del name` only frees memory: nothing to differentiate
        self.generic_visit(node)

    def visit_For(self, node):
        self._no_else(node, "for")

    def visit_While(self, node):
        self._no_else(node, "while")

    def _no_else(self, node, kw):
        if node.orelse:
            raise UnsupportedSyntaxError(
                f"{kw}-else is not supported ({self.source.name})",
                self.source.where(node.orelse[0]),
                hint=f"set a flag before break and test it after the {kw} loop")
        self.generic_visit(node)


def check_signature(source: Source) -> None:
    """Variadic parameters have no fixed positions to differentiate (checked before
    `wrt` is resolved, so `def f(*xs)` is not reported as having no parameters)."""
    args = source.tree.args
    for extra, what in ((args.vararg, "*args"), (args.kwarg, "**kwargs")):
        if extra is not None:
            raise UnsupportedSyntaxError(
                f"{what} parameters are not supported ({source.name})",
                source.where(extra),
                hint="name each parameter, or take one list, tuple or array of the "
                     "values")


def check(source: Source, not_yet: dict[type, tuple[str, str]] | None = None) -> Source:
    """Raise UnsupportedSyntaxError at the first construct outside the subset."""
    Fence(source, NOT_YET if not_yet is None else not_yet).visit(source.tree)
    return source
