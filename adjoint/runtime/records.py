"""Records: namedtuples, dataclass instances and other objects whose attributes a
differentiated function reads (`p.W`, `self.W`).

Inside a gradient a record's adjoint is a container of its fields' adjoints: a
`GradList` for a namedtuple (it is a tuple: `p.W` and `p[0]` name one slot), a
`GradDict` keyed by attribute name for a dataclass or another object. `p.W` is read
as the item `rt.field(p, "W")` of that container (its index, or its name), so the
sweeps add into it like into any container. The gradient returned to the caller is
rebuilt as the record's own type (`rebuild`): a namedtuple or dataclass of gradients,
or a dict of attribute gradients for another object (its class may need arguments
to be made, and may hold state that is not a parameter).

Fields that hold numbers, arrays, containers, namedtuples or dataclasses carry a
gradient (zero when the function does not read them); fields holding anything else
(strings, None, booleans, functions, other objects) get None in a namedtuple or
dataclass and are left out of an object's dict, unless the function reads an
attribute of that object (`self.layer.W`: then its entry is a dict too). Only what
the function reads is walked, so objects that refer to each other are no trouble.
"""
from __future__ import annotations

import copy
import dataclasses
import functools
import types

import numpy as np

from ..errors import NoGradientRuleError
from .grad_containers import GradDict, GradList

_NUMERIC = (int, float, np.ndarray, np.generic, list, tuple, dict)
_NOT_RECORDS = (np.ndarray, np.generic, int, float, complex, str, bytes, list, tuple,
                dict, type, types.FunctionType, types.MethodType, types.BuiltinFunctionType,
                types.ModuleType, functools.partial)


def is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def is_record(x) -> bool:
    """A dataclass instance or an object with attributes (not a namedtuple: that is a
    tuple, handled as one), whose adjoint is a GradDict of its attributes."""
    if isinstance(x, _NOT_RECORDS) or x is None or hasattr(type(x), "__array_function__"):
        return False  # (an array of another type: Dask, CuPy)
    return dataclasses.is_dataclass(x) or hasattr(x, "__dict__")


def differentiable(v) -> bool:
    """Whether a field's value carries a gradient (a number, array, container, record)."""
    if isinstance(v, bool) or v is None:
        return False
    if isinstance(v, (np.ndarray, np.generic)):
        return v.dtype.kind in "fiuc"
    return isinstance(v, _NUMERIC) or dataclasses.is_dataclass(v) and not isinstance(v, type) \
        or hasattr(type(v), "__array_function__")  # (a Dask or CuPy array)


def fields(x) -> dict:
    """A record's attributes that carry a gradient, by name, in definition order."""
    if dataclasses.is_dataclass(x):
        items = ((f.name, getattr(x, f.name)) for f in dataclasses.fields(x))
    else:
        items = vars(x).items()
    return {k: v for k, v in items if differentiable(v)}


def field(obj, name):
    """Where the adjoint of `obj.name` sits in obj's adjoint: the namedtuple index, or
    the attribute name."""
    if is_namedtuple(obj):
        return type(obj)._fields.index(name)
    if is_record(obj) or isinstance(obj, dict) and name in obj:  # (a dict whose items
        return name                                 # read as attributes, like EasyDict)
    raise NoGradientRuleError(
        f"no gradient rule for the attribute .{name} of a {type(obj).__name__}",
        hint="adjoint differentiates attributes of namedtuples, dataclasses and "
             "objects; for an array attribute, use the NumPy function (np.real(x))")


def field_tangent(dobj, obj, name):
    """The tangent of `obj.name` from the tangent of obj: a record of tangents (as the
    caller gives it, or as a constructor made it), or a tangent container."""
    if isinstance(dobj, (list, dict)) and not is_namedtuple(dobj):
        key = field(obj, name)
        return dobj[key] if not isinstance(dobj, dict) else dobj.get(key, 0.0)
    if type(dobj) is float and dobj == 0.0:
        return 0.0
    return getattr(dobj, name)


def zeros(x, zero):
    """The zero adjoint of record `x` (a GradDict of `zero(v)` per field)."""
    return GradDict({k: zero(v) for k, v in fields(x).items()})


def rebuild(x, g, fit):
    """The gradient returned for record `x` from its adjoint `g` (a GradDict or 0.0):
    each field's gradient fitted to the field (`fit(gi, v)`), as x's own type for a
    dataclass, or a dict for another object. A dataclass is copied and its fields
    set, so its __init__ and __post_init__ do not run on gradients."""
    get = (lambda k: 0.0) if not isinstance(g, dict) else (lambda k: g.get(k, 0.0))
    grads = {k: fit(get(k), v) for k, v in fields(x).items()}
    if not dataclasses.is_dataclass(x):  # (and a class attribute the function read)
        grads.update({k: fit(v, getattr(x, k)) for k, v in (g.items() if isinstance(
            g, dict) else ()) if k not in grads})
        return grads
    out = copy.copy(x)
    for f in dataclasses.fields(x):
        object.__setattr__(out, f.name, grads.get(f.name))
    return out


def rebuild_namedtuple(x, parts):
    """A namedtuple of gradients; None for fields that carry none."""
    return type(x)(*(p if differentiable(v) else None for p, v in zip(parts, x)))


def as_adjoint(g, like):
    """An incoming gradient given as a record (grad_out of a function returning one)
    as the container the sweep indexes."""
    if is_namedtuple(g):
        return GradList(0.0 if v is None else v for v in g)
    if is_record(g):
        return GradDict({k: 0.0 if v is None else v for k, v in
                         ((k, getattr(g, k, None)) for k in fields(like))})
    return g
