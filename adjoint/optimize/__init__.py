"""Optimisation of a generated function: `run` lists the passes in order."""
from __future__ import annotations

import gast

from ..codegen import ir
from ..codegen.marks import NONE
from ..codegen.naming import Namer
from ..codegen.template import names_in
from .batch_products import batch_products
from .dead_code import eliminate, propagate_copies
from .release import release


def run(fn: gast.FunctionDef, pure_call, batch: bool = True,
        copy: bool = True, made=NONE) -> gast.FunctionDef:
    """Optimise `fn` (a private copy unless copy=False: sweeps may share nodes);
    `made`: what the compiler marked in it (its seed and stack, codegen/marks.py)."""
    fn = ir.clone(fn) if copy else fn
    body, _ = eliminate(propagate_copies(fn.body), set(), pure_call)
    body = release(body, pure_call, made)
    if batch:
        body = batch_products(body, Namer(names_in(fn) | {fn.name}))
    fn.body = body
    return fn


