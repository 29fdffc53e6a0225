"""Rules for attributes of records: namedtuples, dataclasses and objects (`p.W`).

`p.W` is classified as `getattr(p, "W")`; its adjoint is the item `rt.field(p, "W")`
(the namedtuple index or the attribute name) of p's adjoint container, so the sweeps
add into it as into a dict or tuple adjoint (runtime/records.py).
"""
import builtins

from .. import runtime as rt
from .registry import defrule, nondiff

defrule(builtins.getattr, "obj, name", obj="rt.getitem_grad(g, obj, rt.field(obj, name))",
        jvp={"obj": "rt.field_tangent(dobj, obj, name)"}, name="getattr")
defrule(rt.field_tangent, "dobj, obj, name",
        dobj="rt.getitem_grad(g, obj, rt.field(obj, name))",
        jvp={"dobj": "rt.field_tangent(ddobj, obj, name)"}, name="rt.field_tangent")
nondiff(rt.field)
