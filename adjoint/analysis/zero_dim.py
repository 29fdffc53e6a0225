"""Analysis: which variables are provably 0-d (Python numbers or NumPy scalars).

Broadcasting is the only reason an adjoint needs `rt.unbroadcast`; an operand
whose partner is 0-d cannot have been broadcast. A variable is 0-d when *every*
assignment to it yields a 0-d value: a numeric literal, a `math` function, `len`,
a comparison, a full reduction, or arithmetic between 0-d values. Parameters are
unknown unless assumed (the scalar fast path assumes them, behind a type guard).
"""
from __future__ import annotations

import builtins
import operator
import types

import gast
import numpy as np

from ..context import Source
from ..stop import stop_gradient
from .primitives import Prim, classify

SCALAR_BUILTINS = {len, abs, float, int, bool, round, min, max, stop_gradient}
# NumPy's full reductions (the functions themselves: `x.sum()` is bound to np.sum's
# rule, and the builtin `sum` of a list of arrays is an array, not one of these)
REDUCTIONS = {np.sum, np.mean, np.prod, np.max, np.min, np.amax, np.amin, np.var, np.std}
SHAPING_KEYWORDS = {"axis", "keepdims", "out"}  # a reduction with these may keep axes


def _scalar_call(prim: Prim, source: Source, known, locals_, lists=frozenset()) -> bool:
    fn = prim.rule.fn if prim.rule is not None else None
    func = getattr(prim.node, "func", None)
    if func is not None and fn is None:
        from .primitives import resolve
        fn = resolve(func, source.namespace)
    if isinstance(fn, types.BuiltinFunctionType) and getattr(fn, "__module__", "") == "math":
        return True
    if fn is len:
        return True
    if _among(fn, SCALAR_BUILTINS):  # (max(xs) of a list of numbers is one of them)
        one_list = len(prim.node.args) == 1 and (fn is min or fn is max)
        return all(_is0d(a, known | lists if one_list else known)
                   for a in prim.node.args)
    if fn is builtins.sum:  # sum(xs, start): a number when xs holds numbers only
        args = prim.node.args
        return bool(args) and _is0d(args[0], lists) and all(_is0d(a, known)
                                                            for a in args[1:])
    method = isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
        and func.value.id in locals_  # x.sum(): the array is not among the args
    extra = len(prim.node.args) - (0 if method else 1)
    if _among(fn, REDUCTIONS) and extra == 0 and not any(k.arg in SHAPING_KEYWORDS
                                                    for k in prim.node.keywords):
        return True
    if prim.rule is not None and prim.rule.elementwise:
        return all(_is0d(n, known) for _, n in prim.args)
    return False


def _among(fn, functions) -> bool:
    """Whether `fn` is one of `functions` (by identity, never by name)."""
    return any(fn is f for f in functions)


def _is0d(node, known) -> bool:
    if isinstance(node, gast.Constant):
        return type(node.value) in (int, float, bool)
    return isinstance(node, gast.Name) and node.id in known


def _value_is0d(value, prim: Prim, source, known, locals_, vectors=(), tapes=None,
                lists=frozenset()) -> bool:
    if isinstance(value, (gast.Compare, gast.BoolOp)):
        return True
    if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name) \
            and value.value.id in lists:  # xs[i] of a list of numbers
        index = value.slice
        return isinstance(index, gast.Constant) and type(index.value) is int \
            or isinstance(index, gast.Name) and index.id in known
    if tapes and isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name) \
            and value.value.id in tapes:  # y = f_tape[0]: f's result, a number when
        callee, args = tapes[value.value.id]  # f returns one for number arguments
        return callee.number_result and all(_is0d(a, known) for a in args)
    if vectors and isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name) \
            and value.value.id in vectors[0]:  # cases[day] of a vector (checked on entry)
        index = value.slice
        return isinstance(index, gast.Constant) and type(index.value) is int \
            or isinstance(index, gast.Name) and index.id in known \
            and index.id not in vectors[1]
    if isinstance(value, gast.UnaryOp):
        return _is0d(value.operand, known)
    if prim.kind in ("copy", "const"):
        return _is0d(value, known) or (isinstance(value, gast.Constant)
                                        and type(value.value) in (int, float, bool))
    if prim.kind == "rule" and prim.rule.fn in (operator.add, operator.sub, operator.mul,
                                                operator.truediv, operator.pow,
                                                operator.neg, operator.pos):
        return all(_is0d(n, known) for _, n in prim.args)
    if isinstance(value, gast.Call):
        return _scalar_call(prim, source, known, locals_, lists)
    return False


def analyze(body, source: Source, locals_, assumed=(), vectors=(), tapes=None) -> frozenset:
    """Names provably 0-d throughout the function (flow-insensitive, all definitions).
    `vectors`: parameters assumed 1-D (behind a guard), whose elements are 0-d;
    `tapes`: the calls of the user's functions (Reverse.tapes)."""
    defs: dict[str, list] = {}
    for stmt in _walk(body):
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Subscript):
            defs.setdefault(stmt.targets[0].value.id, []).append(gast.List(elts=[]))
        elif isinstance(stmt, gast.Assign):
            defs.setdefault(stmt.targets[0].id, []).append(stmt.value)
        elif isinstance(stmt, gast.For):
            defs.setdefault(stmt.target.id, []).append(None)  # range(...) gives ints
    params = {a.id for a in source.tree.args.args + source.tree.args.kwonlyargs
              + source.tree.args.posonlyargs}
    known = set(defs) | set(assumed)
    known -= params - set(assumed)
    elements = _list_elements(body, defs, params)
    lists = set(elements)
    bools = {n for n, vs in defs.items()  # (x[flag] of a vector adds an axis)
             if any(isinstance(v, (gast.Compare, gast.BoolOp)) or isinstance(v, gast.UnaryOp)
                    and isinstance(v.op, gast.Not) for v in vs)}
    vectors = (vectors, bools) if vectors else vectors
    prims = {}  # value -> its Prim, classified once: the fixpoint asks every round
    changed = True
    while changed:  # shrink to the greatest consistent set
        changed = False
        for name in sorted(lists):
            if not all(_is0d(e, known) for e in elements[name]):
                lists.discard(name)
                changed = True
        for name in sorted(known):  # (an assumed parameter's value on entry is checked
            # by the guard; what the body assigns to it is checked here like any name)
            ok = all(v is None or _value_is0d(v, _prim(v, prims, source, locals_), source,
                                               known, locals_, vectors, tapes, lists)
                     for v in defs.get(name, []))
            if not ok:
                known.discard(name)
                changed = True
    return frozenset(known)


def _list_elements(body, defs, params) -> dict:
    """Lists and tuples of the function: name -> every element it may hold (literals,
    items written, values appended), for those only ever bound to literals."""
    from ..reverse.containers import appended
    out = {n: [e for v in vs for e in v.elts] for n, vs in defs.items()
           if n not in params and all(isinstance(v, (gast.Tuple, gast.List)) for v in vs)}
    for stmt in _walk(body):
        found = appended(stmt)
        if found is not None and found[0] in out:
            out[found[0]].append(found[1])
        elif isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Subscript) \
                and stmt.targets[0].value.id in out:
            out[stmt.targets[0].value.id].append(stmt.value)
    return out


def _prim(value, prims: dict, source, locals_) -> Prim:
    if value not in prims:
        prims[value] = classify(value, source, locals_)
    return prims[value]


def _walk(body):
    for stmt in body:
        yield stmt
        for field in ("body", "orelse"):
            yield from _walk(getattr(stmt, field, []) or [])


def only_indexed(body, names, source: Source) -> set:
    """Those of `names` every read of which is one element (`name[i]`, not a slice) or
    the length: data vectors the scalar fast path can take behind `rt.vectors`."""
    from ..codegen import ir
    names = set(names)
    allowed, reads = set(), []
    for node in ir.nodes(body):
        if isinstance(node, gast.Name):
            if node.id in names:
                reads.append(node)
        elif isinstance(node, gast.Subscript) and isinstance(node.value, gast.Name) \
                and not isinstance(node.slice, (gast.Slice, gast.Tuple)):
            allowed.add(id(node.value))
        elif isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
                and source.namespace.get(node.func.id) is len and len(node.args) == 1:
            allowed.add(id(node.args[0]))
    found = {n.id for n in reads}
    return found - {n.id for n in reads
                    if id(n) not in allowed or not isinstance(n.ctx, gast.Load)}
