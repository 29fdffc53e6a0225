"""The typed record that carries results from one pass to the next."""
from __future__ import annotations

from dataclasses import dataclass, field

import gast

from .errors import Location


@dataclass
class Source:
    """A user function as the compiler sees it."""

    fn: object
    name: str
    filename: str
    line_offset: int          # add to a parsed node's lineno to get the file's line
    col_offset: int           # add to a parsed node's col_offset (removed indent)
    tree: gast.FunctionDef
    namespace: dict           # globals and closure values the body can see
    closure: frozenset = frozenset()  # names that came from the closure
    nested: dict = field(default_factory=dict)  # name -> calls.Nested (defs, lambdas)
    generated: bool = False   # a gradient adjoint made, differentiated again (emit's mark)
    passed: frozenset = frozenset()  # parameters bound to the functions passed to them

    def where(self, node=None) -> Location:
        if node is None or getattr(node, "lineno", None) is None:
            return Location(self.filename, self.line_offset + self.tree.lineno)
        return Location(self.filename, self.line_offset + node.lineno,
                        (node.col_offset or 0) + self.col_offset)

    def user_line(self, lineno: int) -> str:
        import linecache
        return linecache.getline(self.filename, self.line_offset + lineno).strip()


class Stages(dict):
    """Stage name -> text. A stage given as `later(name, make)` is rendered on first
    access (the unoptimised module is only for people who look at it)."""

    def later(self, name, make):
        super().__setitem__(name, _Later(make))

    def __getitem__(self, name):
        value = super().__getitem__(name)
        if isinstance(value, _Later):
            value = value.make()
            super().__setitem__(name, value)
        return value

    def get(self, name, default=None):
        return self[name] if name in self else default

    def values(self):
        return [self[k] for k in self]

    def items(self):
        return [(k, self[k]) for k in self]

    def copy(self):
        new = Stages()
        dict.update(new, dict.items(self))
        return new


@dataclass(frozen=True)
class _Later:
    make: object


@dataclass
class Context:
    """Options and analysis results for one compilation."""

    source: Source
    wrt: tuple[str, ...]
    optimize: bool = True
    wrt_tuple: bool = False                # return a tuple of gradients
    mode: str = "reverse"                  # or "forward"
    tangents: tuple[str, ...] = ()         # forward mode: the tangent parameters' names
    stages: Stages = field(default_factory=Stages)
    in_place: bool | None = None           # the module calls IN_PLACE helpers (pipeline)
