"""Pass 7, last part: where the adjoint sweep starts, free what it does not read.

Forward values no adjoint reads are deleted (`del a, b`), values it reads only for
their shape are replaced by that shape (`a, b = rt.shapes(a, b)`), and a value only
the shape of which is read, made by an elementwise operation of one array and
numbers, is never computed: the source array stands for its shape.
"""
from __future__ import annotations

import gast
import numpy as np

from ..codegen import ir
from .dead_code import assigned_by, eliminate
from ..codegen.template import names_in


def release(body, pure_call, made) -> list:
    """Where the adjoint sweep starts (its seed, as `made` marks it), `del` the forward
    values it does not read, so large intermediate arrays are freed instead of living
    until the return. Only names every path has assigned (top-level assignments) are
    released; the stack and its methods stay."""
    seed = made.seed_in(body)
    turn = next((i for i, s in enumerate(body) if s is seed), None)
    if turn is None or made.numbers:
        return body
    _, live = eliminate(body[turn:], set(), pure_call, apply=False)
    small = _small_values(body[:turn])
    done = []
    for stmt in body[:turn]:
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) \
                and stmt.targets[0].id not in (made.stack or ()):
            name = stmt.targets[0].id
            if name not in live and name not in done and name not in small:
                done.append(name)
    shapes = _shape_only(body[turn:], live, top=_top_assigned(body[:turn]) - small)
    forward = body[:turn]
    sources = _same_shape_sources(forward, shapes)  # n = a ** 2, ... -> a
    dropped = [s for s in forward if isinstance(s, gast.Assign) and isinstance(
        s.targets[0], gast.Name) and sources.get(s.targets[0].id)]  # never computed
    forward = [s for s in forward if s not in dropped]
    out = []
    if shapes:  # one line: `a, b = rt.shapes(a, b)`
        target = gast.Tuple(elts=[ir.name(n, True) for n in shapes], ctx=gast.Store()) \
            if len(shapes) > 1 else ir.name(shapes[0], True)
        call = ir.call("rt.shapes" if len(shapes) > 1 else "rt.shape_only",
                       *[ir.name(sources[n] or n) for n in shapes])
        keep = gast.Assign(targets=[target], value=call, type_comment=None)
        out.append(gast.copy_location(keep, dropped[0]) if dropped else keep)
    if done:
        free = gast.Delete(targets=[ir.name(n, True) for n in done])
        for t in free.targets:
            t.ctx = gast.Del()
        out.append(free)
    return forward + out + body[turn:]


def _same_shape_sources(forward, shapes) -> dict:
    """For each `name = a ** 2` (an elementwise operation of one array and numbers)
    that only the adjoint sweep reads, and only for its shape: name -> `a`, whose shape
    and float type it has, so it need not be computed at all; else name -> None.
    (One pass over the forward statements: a big function has hundreds of shapes.)"""
    defs, readers, position = {}, {}, {id(s): k for k, s in enumerate(forward)}
    top = {}  # id(statement) -> position of the top-level statement holding it
    for k, outer in enumerate(forward):
        for stmt in ir.statements([outer]):
            top[id(stmt)] = k
            for n in assigned_by(stmt):
                defs.setdefault(n, []).append(stmt)
    for stmt in forward:
        for n in names_in(stmt):
            readers.setdefault(n, []).append(stmt)
    out = {}
    for name in shapes:
        out[name] = None
        found = defs.get(name, [])
        if len(found) != 1 or id(found[0]) not in position \
                or not isinstance(found[0], gast.Assign):
            continue
        stmt = found[0]
        if any(r is not stmt for r in readers.get(name, [])):
            continue  # the forward sweep reads its value (say, value_and_grad's sum)
        source = _elementwise_of(stmt.value)
        if source is None or any(top[id(d)] > position[id(stmt)]
                                 for d in defs.get(source, [])):
            continue  # `a` changes after it, before the shapes are taken
        out[name] = source
    return out


def _elementwise_of(value):
    """The one array name an elementwise expression of it and numbers reads."""
    number = (lambda n: isinstance(n, gast.Constant) and type(n.value) in (int, float))
    if isinstance(value, gast.BinOp) and type(value.op) in ELEMENTWISE_OPS:
        sides = [value.left, value.right]
        names = {n.id for n in sides if isinstance(n, gast.Name)}  # (x * x: one array)
        if len(names) == 1 and all(isinstance(n, gast.Name) or number(n) for n in sides):
            return names.pop()
    if isinstance(value, gast.UnaryOp) and isinstance(value.op, (gast.USub, gast.UAdd)) \
            and isinstance(value.operand, gast.Name):
        return value.operand.id
    if isinstance(value, gast.Call) and not value.keywords and len(value.args) == 1 \
            and isinstance(value.args[0], gast.Name):
        func = ir.dotted(value.func) or ""
        ufunc = getattr(np, func[3:], None) if func.startswith("np.") else None
        if isinstance(ufunc, np.ufunc) and ufunc.nin == 1 and ufunc.nout == 1:
            return value.args[0].id
    return None


ELEMENTWISE_OPS = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow, gast.FloorDiv,
                   gast.Mod)


SMALL_ATTRS = {"shape", "ndim", "size", "dtype"}
SMALL_CALLS = {"len", "int", "float", "bool", "range", "min", "max", "abs"}


def _small_values(body) -> set:
    """Names whose value is evidently small (flags, counters, shapes, constants):
    releasing them would only add noise to the generated code."""
    small = set()
    for stmt in ir.statements(body):
        if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)):
            continue
        v = stmt.value
        if isinstance(v, (gast.Constant, gast.Compare, gast.BoolOp)) \
                or isinstance(v, gast.UnaryOp) and isinstance(v.op, gast.Not) \
                or isinstance(v, gast.Attribute) and v.attr in SMALL_ATTRS \
                or isinstance(v, gast.Call) and ir.dotted(v.func) in SMALL_CALLS \
                or isinstance(v, gast.Subscript) and isinstance(v.value, gast.Name) \
                and v.value.id in small:
            small.add(stmt.targets[0].id)
    return small


def _top_assigned(body) -> set:
    return {s.targets[0].id for s in body
            if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)}


def _shape_only(rest, live, top) -> list:
    """Forward values the adjoint sweep reads only as rt.unbroadcast's shape: keeping
    their shape instead lets the arrays go."""
    from ..reverse.planning import _shape_and_value_reads
    shapes, values = set(), set()
    for stmt in rest:
        s, v = _shape_and_value_reads(stmt)
        shapes |= s
        values |= v
    return sorted((shapes - values) & live & top)
