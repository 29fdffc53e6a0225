"""Records in the differentiated code: `p.W` (an attribute of a namedtuple, dataclass
or object) and `Params(W=w, b=b)` (a namedtuple or dataclass made from its fields).

`p.W` is the rule of `getattr(p, "W")` (rules/records.py), whatever `p` is: the
source does not say, and the runtime finds the field (`rt.field`). A constructor call
is a pack, like a tuple literal: field `W`'s adjoint is the item of the record's
adjoint at `W`'s key (its index in a namedtuple, its name in a dataclass).
"""
from __future__ import annotations

import builtins
import dataclasses

from ..codegen import ir
from ..rules import lookup
from .primitives import Prim, _apply


def record_attribute(value) -> Prim:
    """`obj.name` as `getattr(obj, "name")`."""
    return _apply(lookup(builtins.getattr), value, [value.value, ir.const(value.attr)], [])


def record_constructor(value, cls) -> Prim:
    """`cls(...)` for a namedtuple or dataclass class: a pack of its fields."""
    from .callees import bind_signature
    keys = _field_keys(cls)
    if not isinstance(keys, dict):
        return Prim("opaque", value, what=keys or ir.unparse(value.func))
    bound = bind_signature(cls, value.args, value.keywords)
    if bound is None or any(name not in keys for name, _ in bound):
        return Prim("opaque", value, what=f"{ir.unparse(value.func)} with arguments that "
                                          "do not match its fields")
    return Prim("pack", value, args=tuple((ir.const(keys[name]), node)
                                          for name, node in bound))


def _field_keys(cls):
    """{field: key in the adjoint} of a namedtuple or dataclass class; for another
    class None, and for a dataclass whose __init__ does more, why it is refused."""
    name = getattr(cls, "__qualname__", cls.__name__)
    if issubclass(cls, tuple) and hasattr(cls, "_fields"):
        return {f: i for i, f in enumerate(cls._fields)}
    if not dataclasses.is_dataclass(cls):
        return None
    if hasattr(cls, "__post_init__") or not cls.__dataclass_params__.init:
        return f"{name}(...), a dataclass whose __init__ may change the fields it is given"
    return {f.name: f.name for f in dataclasses.fields(cls) if f.init}
