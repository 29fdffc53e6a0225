"""Pass 4 (analysis): which variables are active.

A variable is *varied* when it depends on a `wrt` parameter and *useful* when the
result depends on it; it is *active* when both. Only active variables get adjoints.
The analysis is flow-insensitive (a fixpoint over all assignments), which is exact
for straight-line code and safely conservative around loops and branches.
"""
from __future__ import annotations

from dataclasses import dataclass

import gast

from ..reverse import containers
from ..context import Source
from .primitives import Prim, classify, no_param_rule_error, no_rule_error


@dataclass(frozen=True)
class Equation:
    """One normalised assignment: `target = prim`."""

    target: str
    prim: Prim
    stmt: gast.stmt


@dataclass(frozen=True)
class Activity:
    varied: frozenset
    useful: frozenset
    result: str

    def active(self, name: str) -> bool:
        return name in self.varied and name in self.useful

    def dump(self) -> str:
        act = sorted(self.varied & self.useful)
        return (f"result: {self.result}\nactive: {', '.join(act) or '(none)'}\n"
                f"varied only: {', '.join(sorted(self.varied - self.useful)) or '-'}\n"
                f"useful only: {', '.join(sorted(self.useful - self.varied)) or '-'}")


def equations(body, source: Source, locals_: set[str]) -> list[Equation]:
    """Every assignment in `body`, in program order, loops and branches included."""
    out = []
    for stmt in body:
        mutation = containers.equation(stmt)  # y[i] = v, xs.append(v): y depends on v
        if mutation is not None:
            out.append(Equation(mutation[0], mutation[1], stmt))
        elif isinstance(stmt, gast.Assign):
            out.append(Equation(stmt.targets[0].id,
                                classify(stmt.value, source, locals_), stmt))
        for field in ("body", "orelse"):
            out.extend(equations(getattr(stmt, field, []) or [], source, locals_))
    return out


def _inputs(eq: Equation) -> list[str]:
    if eq.prim.kind == "opaque":
        return eq.prim.names()
    return [var for _, var in eq.prim.diff_inputs()]


def analyze(fn: gast.FunctionDef, source: Source, wrt, locals_) -> Activity:
    eqs = equations(fn.body, source, locals_)
    result = fn.body[-1].value.id
    varied = set(wrt)
    changed = True
    while changed:
        changed = False
        for eq in eqs:
            if eq.target not in varied and any(v in varied for v in _inputs(eq)):
                varied.add(eq.target)
                changed = True
    useful = {result}
    changed = True
    while changed:
        changed = False
        for eq in reversed(eqs):
            if eq.target in useful:
                new = set(_inputs(eq)) - useful
                if new:
                    useful |= new
                    changed = True
    check_rules_cover(eqs, varied, useful, source)
    return Activity(frozenset(varied), frozenset(useful), result)


def check_rules_cover(eqs, varied, useful, source: Source) -> None:
    """A varied value reaching the result through a call with no rule, or through a
    parameter its rule does not differentiate (`logsumexp(a, b=w)`), is an error:
    its contribution would silently be zero."""
    for eq in eqs:
        if eq.target not in useful:
            continue
        if eq.prim.kind == "opaque" and eq.target in varied \
                and any(v in varied for v in _inputs(eq)):
            raise no_rule_error(eq.prim, source)
        if eq.prim.kind == "rule" and not eq.prim.rule.name.startswith("rt."):
            for param, node in eq.prim.args:
                if isinstance(node, gast.Name) and node.id in varied \
                        and param not in eq.prim.rule.vjp and param not in STRUCTURAL \
                        and (eq.prim.rule.name, param) not in ZERO_DERIVATIVE:
                    raise no_param_rule_error(eq.prim, param, node.id, source)


# Rule parameters that choose a structure (axes, shapes, indices, flags) rather than
# carry a value with a derivative, and value parameters whose derivative is zero.
STRUCTURAL = {"axis", "axes", "axis1", "axis2", "keepdims", "out", "dtype", "k", "offset",
              "shape", "ord", "order", "indices_or_sections", "n", "ddof", "indices",
              "index", "returned", "subscripts", "source", "destination", "pad_width",
              "mode", "repeats", "shift", "condlist", "condition", "kind", "reps"}
ZERO_DERIVATIVE = {("numpy.copysign", "b"), ("math.copysign", "b"), ("numpy.ldexp", "b"),
                   ("numpy.arange", "stop"),  # stop only sets the length
                   ("numpy.histogram", "a"), ("numpy.histogram", "bins"),
                   ("numpy.histogram", "range"), ("numpy.histogram", "density"),
                   ("numpy.full_like", "a")}  # a sets only the shape
