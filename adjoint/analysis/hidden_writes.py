"""Writes adjoint cannot see or reverse, refused when they touch a differentiated value.

The sweeps undo `y[i] = v`, `xs.append(v)` and `xs.pop()` (containers.py). Any other
write into an existing object would change a value behind the adjoints' back and
give a silently wrong derivative, so each kind is an error at the user's line:

    xs.extend(ys), y.fill(v), s.sort(), ...      in-place methods
    np.multiply(x, 2, out=y), np.copyto(y, x)    functions that write an argument
    np.multiply.at(y, i, v)                      (np.add.at is an item write: normalize)
    row = y[0]; row[1] = v                       a write through a view of y
    def helper(v): v[0] = ...                    a callee writing into its parameter
    z = y;  z *= 3.0;  ... y ...                 two names for one array (aliases.py)
"""
from __future__ import annotations

import inspect

import numpy as np

import gast

from ..codegen import ir
from ..reverse.containers import mutated
from ..errors import UnsupportedSyntaxError
from .primitives import is_user_function, resolve

METHODS = {"extend", "insert", "remove", "clear", "update", "setdefault", "popitem",
           "sort", "reverse", "fill", "resize", "put", "itemset", "pop"}
FORWARD = METHODS - {"pop"}
FUNCTIONS = {np.copyto, np.fill_diagonal, np.put, np.place, np.putmask,
             np.put_along_axis}
VIEWS = {"T", "mT", "real", "imag", "flat"}  # attributes that alias their object
VIEW_METHODS = {"reshape", "ravel", "view", "transpose", "swapaxes", "squeeze",
                "diagonal"}
VIEW_FUNCTIONS = {np.reshape, np.ravel, np.transpose, np.swapaxes, np.squeeze, np.diagonal,
                  np.expand_dims, np.moveaxis, np.atleast_1d, np.atleast_2d, np.atleast_3d}


def check(source, varied, body, methods=METHODS) -> None:
    """Raise UnsupportedSyntaxError at the first write of the kinds above (forward
    mode passes `methods` without "pop", whose tangent it pops alongside)."""
    from . import aliases  # two names for one array (aliases.py)
    aliases.insert_guards(aliases.check(source, varied), body, source)
    views = _views(body, source)
    for stmt in ir.statements(body):
        for call in _calls(stmt):
            _check_call(source, varied, stmt, call, methods)
        target = mutated(stmt)
        # (in a gradient differentiated again, a name unpacked from a tape is the
        # forward function's own object, and writes into it are the sweep's)
        if target in views and _names(stmt) & varied and not source.generated:
            raise UnsupportedSyntaxError(
                f"writing into {target}, a view of {views[target]}, changes "
                f"{views[target]} too, which adjoint does not follow ({source.name})",
                source.where(stmt),
                hint=f"write into {views[target]} directly, or take a copy first "
                     f"({target} = {views[target]}[...].copy())")


def check_parameters(source, body, params) -> None:
    """A callee writing into a parameter changes its caller's object, but a callee's
    parameters are copied on entry: refuse unless the name was rebound first."""
    rebound = {t for s in ir.statements(body) if isinstance(s, gast.Assign)
               and mutated(s) is None for t in ir.stored_names(s)}
    for stmt in ir.statements(body):
        target = mutated(stmt)
        if target in params and target not in rebound:
            raise UnsupportedSyntaxError(
                f"{source.name} writes into its parameter {target}, which its caller "
                f"would see; adjoint differentiates functions that return their "
                f"results instead", source.where(stmt),
                hint=f"copy and return it ({target} = {target}.copy(); ...; return "
                     f"{target}) and assign the result in the caller")


def _calls(stmt):
    value = getattr(stmt, "value", None)
    if isinstance(stmt, (gast.Expr, gast.Assign)) and isinstance(value, gast.Call):
        yield value


def _check_call(source, varied, stmt, call, methods) -> None:
    if not _names(call) & varied:
        what, hint = _writing_callee(source, call, only_parameters=True)
        if what is not None:  # (the caller's own object changes: never)
            raise UnsupportedSyntaxError(f"{what}, which adjoint does not reverse "
                                         f"({source.name})", source.where(stmt), hint=hint)
        return
    what = None
    func = call.func
    if isinstance(stmt, gast.Expr) and isinstance(func, gast.Attribute) \
            and isinstance(func.value, gast.Name) and func.attr in methods:
        what = f"{func.value.id}.{func.attr}(...) changes a value in place"
        hint = ("use append in a loop, build a new list or dict, or compute it with "
                "NumPy (np.concatenate, np.sort, ...)")
    elif any(k.arg == "out" for k in call.keywords):
        what = f"{ir.unparse(func)}(..., out=...) writes into an existing array"
        hint = "assign the result instead: y = np.multiply(x, 2.0)"
    else:
        fn = resolve(func, source.namespace)
        ufunc_at = isinstance(func, gast.Attribute) and func.attr == "at" and \
            isinstance(resolve(func.value, source.namespace), np.ufunc)
        if ufunc_at or _is_in(fn, FUNCTIONS):
            what = f"{ir.unparse(func)}(...) writes into its first argument"
            hint = ("build the array with an expression (np.where, indexing, "
                    "np.diag, ...), or write items one by one (y[i] = v)")
            if ufunc_at:  # (np.add.at itself is an item write: frontend/normalize)
                hint = ("np.add.at is differentiated (np.subtract.at(a, i, b) is "
                        "np.add.at(a, i, -b)); for a product, write the items: y[i] = y[i] * v")
    if what is None:  # (its result used or not: the write is hidden in the call)
        what, hint = _writing_callee(source, call)
    if what is not None:
        raise UnsupportedSyntaxError(
            f"{what}, which adjoint does not reverse ({source.name})",
            source.where(stmt), hint=hint)


def _writing_callee(source, call, only_parameters=False):
    """(message, hint) when `f(y)` calls a function of the user's that writes into the
    parameter `y` is passed as (before rebinding it); else (None, None). With
    `only_parameters`, only when `y` is a parameter of the function differentiated."""
    func = call.func
    node = None
    if isinstance(func, gast.Name) and func.id in source.nested:
        node = source.nested[func.id].node
    else:
        fn = resolve(func, source.namespace)
        if is_user_function(fn):
            try:
                from ..frontend.parse import parse
                node = parse(fn).tree
            except Exception:  # no source: nothing to inspect
                return None, None
    if node is None:
        return None, None
    a = node.args
    names = [p.id for p in a.posonlyargs + a.args]
    mine = {p.id for p in source.tree.args.posonlyargs + source.tree.args.args
            + source.tree.args.kwonlyargs}
    for arg, param in zip(call.args, names):
        if isinstance(arg, gast.Name) and param in written_parameters(node)[0] \
                and (arg.id in mine or not only_parameters):
            return (f"{ir.unparse(func)}({arg.id}) writes into {arg.id} in place",
                    f"make {ir.unparse(func)} return the new value ({param} = "
                    f"{param}.copy(); ...; return {param}) and assign it: {arg.id} = "
                    f"{ir.unparse(func)}({arg.id})")
    return None, None


def written_parameters(fn) -> tuple[set, set]:
    """(parameters a function, as a raw syntax tree, writes items of or changes with a
    method; parameters it updates with an augmented assignment, `q += p`, in place for
    an array), before it rebinds them, in the order of its text."""
    params = {p.id for p in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
    rebound, written, updated = set(), set(), set()
    for stmt in ir.statements(fn.body):  # (depth first: the order of the text)
        part = stmt.test if isinstance(stmt, (gast.If, gast.While)) else \
            stmt.iter if isinstance(stmt, gast.For) else stmt
        items, augmented = set(), set()
        for sub in gast.walk(part):
            targets = sub.targets if isinstance(sub, gast.Assign) else \
                [sub.target] if isinstance(sub, gast.AugAssign) else []
            for t in targets:
                if isinstance(t, gast.Subscript) and isinstance(t.value, gast.Name):
                    items.add(t.value.id)
            if isinstance(sub, gast.AugAssign) and isinstance(sub.target, gast.Name):
                augmented.add(sub.target.id)
            if isinstance(sub, gast.Call) and isinstance(sub.func, gast.Attribute) \
                    and isinstance(sub.func.value, gast.Name) \
                    and sub.func.attr in METHODS | {"append"}:
                items.add(sub.func.value.id)
        written |= items - rebound
        updated |= augmented - rebound
        if isinstance(stmt, (gast.Assign, gast.For)):
            rebound |= ir.stored_names(stmt.targets if isinstance(stmt, gast.Assign)
                                       else stmt.target)
    return written & params, updated & params


def _is_in(fn, group) -> bool:
    try:
        return fn in group
    except TypeError:  # unhashable
        return False


def _views(body, source) -> dict:
    """name -> the name it is a view of: `v = y[...]`, `v = y.T`, `v = y.reshape(...)`,
    `v = np.ravel(y)` and the like (NumPy returns views there)."""
    out = {}
    for stmt in ir.statements(body):
        if not isinstance(stmt, gast.Assign) or mutated(stmt) is not None:
            continue
        target = stmt.targets[0]
        if not isinstance(target, gast.Name):
            continue
        base = _view_base(stmt.value, source)
        if base is not None:
            out[target.id] = base
        else:
            out.pop(target.id, None)
    return out


def _view_base(value, source) -> str | None:
    if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name):
        return value.value.id
    if isinstance(value, gast.Attribute) and isinstance(value.value, gast.Name) \
            and value.attr in VIEWS:
        return value.value.id
    if not isinstance(value, gast.Call):
        return None
    func = value.func
    if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
            and func.attr in VIEW_METHODS \
            and not inspect.ismodule(source.namespace.get(func.value.id)):
        return func.value.id
    if value.args and isinstance(value.args[0], gast.Name) \
            and _is_in(resolve(func, source.namespace), VIEW_FUNCTIONS):
        return value.args[0].id
    return None


def _names(node) -> set:
    return {n.id for n in gast.walk(node) if isinstance(n, gast.Name)}
