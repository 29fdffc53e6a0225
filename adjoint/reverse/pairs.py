"""A function called by the one differentiated, split into a pair: `<f>_fwd(params)`
returning its value and the residuals its reverse reads (its tape), and
`<f>_bwd(tape, g)` returning the gradients of the parameters differentiated.
"""
from __future__ import annotations

import gast

from . import containers
from .. import runtime as rt
from ..codegen import ir
from .adjoint_state import State
from .assemble import (_calls, _entry_copies, _gradients, _inits, _numbers_test,
                       _numbers_version, _rebound, _until_zeros_recorded, params)
from .sweeps import Reverse


def split(rev: Reverse, source, body, callee) -> tuple:
    """`<f>_fwd(params)` returning (value, residuals...) and `<f>_bwd(tape, g)`
    returning the gradients of `callee.wrt` (a tuple when there are several).
    The backward body is built first; its free names decide the residuals."""
    rev.scalar = frozenset()
    tape, grad = rev.namer.fresh("tape"), rev.namer.fresh("g")
    result = body[-1].value.id
    fwd, bwd = _until_zeros_recorded(rev, body, lambda: _pair(rev, source, body, callee,
                                                              tape, grad))
    return fwd, bwd, (tape, result)


def _pair(rev, source, body, callee, tape, grad) -> tuple:
    """The forward and backward functions of a callee, given what TBR saves."""
    forward = containers.prologue(rev) + rev.forward(body)
    back = _backward(rev, body, callee, grad)
    found = _numbers_version(rev, body, rev.locals, back) if not _rebound(rev, body) \
        else None
    if found is not None:  # numbers only: a version without rt.unbroadcast, chosen on
        numbers, vectors, assumed = found  # the parameters' values (kept on the tape)
        rev.scalar = assumed
        fast = _backward(rev, body, callee, grad)
        rev.scalar = frozenset()
        if not _calls(fast, rt.unbroadcast):
            test = gast.parse(_numbers_test(numbers, vectors), mode="eval").body
            back = [gast.copy_location(gast.If(test=test, body=fast, orelse=[]),
                                       source.tree)] + back  # (the def line's comment)
    bwd = _function(callee.bwd, [tape, grad], back, source)
    inits = _inits(rev) + _entry_copies(rev, callee.wrt)
    fwd = _function(callee.fwd, None, inits + forward, source)
    fwd.args = source.tree.args
    return fwd, bwd


def _backward(rev, body, callee, grad) -> list:
    """A backward function's statements, from `g` to its return."""
    result = body[-1].value.id
    back = []
    rev.final = None
    if rev.activity.active(result):
        back.append(gast.copy_location(ir.assign(rev.adjoint(result), ir.name(grad)),
                                       body[-1]))
        state = State({rev.adjoint(result)})
        back += rev.backward(body, state)
        rev.final = state.defined
    grads = _gradients(rev, back, callee.wrt, inner=True, body=body)
    ret = grads[0] if len(grads) == 1 else gast.Tuple(elts=grads, ctx=gast.Load())
    back.append(gast.copy_location(gast.Return(value=ret), body[-1]))
    return back


def residuals(fwd: gast.FunctionDef, bwd: gast.FunctionDef, tape: str, result: str,
              stack):
    """Finish a split pair: the backward function unpacks exactly the names it reads
    that the forward function defines; the forward function returns them. `stack`:
    the names the compiler gave the stack and its bound methods (Reverse.stack)."""
    defined = set(params(fwd)) | {n.id for s in fwd.body for n in ir.nodes(s)
                                     if isinstance(n, gast.Name)
                                     and isinstance(n.ctx, gast.Store)}
    needed = sorted(n for n in _free(bwd) if n in defined)
    # the stack travels as the list, and the backward function binds its own `_pop`
    # (a bound method on the tape would be an opaque call to differentiate again);
    # any other `x = y.attr` is a value like the rest, kept as the forward computed it
    methods = {stack.push: (stack.stack, "append"), stack.pop: (stack.stack, "pop")}
    rebind = [ir.assign(n, gast.parse(f"{methods[n][0]}.{methods[n][1]}", mode="eval").body)
              for n in needed if n in methods]
    needed = sorted({methods[n][0] if n in methods else n for n in needed})
    store = [ir.name("_", True)] + [ir.name(n, True) for n in needed]
    unpack = gast.Assign(targets=[gast.Tuple(elts=store, ctx=gast.Store())],
                         value=ir.name(tape), type_comment=None)
    bwd.body[:0] = [gast.copy_location(unpack, fwd)] + \
        [gast.copy_location(r, fwd) for r in rebind]
    top = set(params(fwd)) | {n.id for st in fwd.body if isinstance(st, gast.Assign)
                              for n in ir.nodes(st.targets[0]) if isinstance(n, gast.Name)}
    maybe = [n for n in needed if n not in top]  # set in a branch or loop only
    fwd.body[:0] = [ir.assign(n, ir.const(None)) for n in maybe]
    values = [ir.name(result)] + [ir.name(n) for n in needed]
    fwd.body.append(gast.copy_location(gast.Return(value=gast.Tuple(
        elts=values, ctx=gast.Load())), fwd.body[-1] if fwd.body else fwd))
    return fwd, bwd


def _free(fn) -> set:
    """Names `fn` may read before assigning them: live on entry. Flow-sensitive, since
    a loop's first iteration reads values (`_t2`) that its pops assign only later."""
    from ..optimize.dead_code import eliminate
    _, live = eliminate(fn.body, set(), lambda call: False, apply=False)
    return live - set(params(fn))


def _function(name, arg_names, body, source) -> gast.FunctionDef:
    args = gast.arguments(args=[ir.name(a) for a in arg_names or []], posonlyargs=[],
                          vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                          defaults=[])
    for a in args.args:
        a.ctx = gast.Param()
    fn = gast.FunctionDef(name=name, args=args, body=body or [gast.Pass()],
                          decorator_list=[], returns=None, type_comment=None,
                          type_params=[])
    return gast.copy_location(fn, source.tree)
