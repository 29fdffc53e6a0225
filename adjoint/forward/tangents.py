"""Pass 6 (forward mode): tangent statements beside the primal ones.

For each active assignment `t = f(a, b)` the pass emits `dt = <jvp of a> + <jvp of b>`
from the rules' `jvp` templates (`d<param>` = the argument's tangent). The tangent
follows the assignment; it goes first when the assignment overwrites an argument
(`z = np.sin(z)`), unless the template reads the result (`ans`): then the old
argument is read from a saved copy `_z`.
Control flow is copied as is. Lists used as stacks (`s.append(v)`, `v = s.pop()`,
as in generated gradients) get a parallel tangent stack `ds`, so the pass also
differentiates adjoint code (forward-over-reverse).
"""
from __future__ import annotations

import inspect
import re
from dataclasses import replace

import gast

from ..reverse import containers, container_sweeps
from ..codegen import ir
from ..analysis.activity import Activity, check_rules_cover, equations
from ..context import Source
from .. import custom
from ..errors import AdjointError, NoForwardRuleError
from ..codegen.naming import Namer
from ..analysis.primitives import classify
from ..codegen.template import instantiate


# ---- analysis: activity with stacks and tuples -------------------------------------
# (A generated gradient's `_push = _stack.append` is gone after normalisation: its
# calls are `_stack.append(v)`, a list method like any other, statements.py.)


def pop_stack(value) -> str | None:
    """The list `s` popped by `s.pop()`, else None."""
    if not isinstance(value, gast.Call) or value.args or value.keywords:
        return None
    func = value.func
    if isinstance(func, gast.Attribute) and func.attr == "pop" \
            and isinstance(func.value, gast.Name):
        return func.value.id
    return None


def is_pop(value) -> bool:
    return pop_stack(value) is not None


def push_of(stmt):
    """(list, appended atom) for `s.append(v)`, else None."""
    value = getattr(stmt, "value", None)
    if not (isinstance(stmt, gast.Expr) and isinstance(value, gast.Call)
            and len(value.args) == 1):
        return None
    func = value.func
    if isinstance(func, gast.Attribute) and func.attr == "append" \
            and isinstance(func.value, gast.Name):
        return func.value.id, value.args[0]
    return None


def _edges(fn, source: Source, locals_) -> list[tuple[str, list[str], object]]:
    """(target, inputs, equation or None) for every data flow in the function."""
    out = []
    for eq in equations(fn.body, source, locals_):
        value = eq.stmt.value
        if is_pop(value):
            out.append((eq.target, [pop_stack(value)], None))
        elif isinstance(value, (gast.Tuple, gast.List)):
            out.append((eq.target, [e.id for e in value.elts if isinstance(e, gast.Name)],
                        None))
        elif eq.prim.kind == "opaque":
            out.append((eq.target, eq.prim.names(), eq))
        else:
            out.append((eq.target, [v for _, v in eq.prim.diff_inputs()], eq))
    for node in gast.walk(fn):
        push = push_of(node)
        if push is not None and isinstance(push[1], gast.Name):
            out.append((push[0], [push[1].id], None))
    return out


def analyze(fn, source: Source, wrt, locals_) -> Activity:
    """Varied (depends on `wrt`) and useful (the result depends on it) names."""
    edges = _edges(fn, source, locals_)
    result = fn.body[-1].value.id
    varied = _closure(set(wrt), [(ins, [t]) for t, ins, _ in edges])
    useful = _closure({result}, [([t], ins) for t, ins, _ in edges])
    check_rules_cover([eq for _, _, eq in edges if eq is not None], varied, useful, source)
    return Activity(frozenset(varied), frozenset(useful), result)


def _closure(start: set, flows) -> set:
    """Smallest superset of `start` closed under `sources -> sinks` flows."""
    found = set(start)
    changed = True
    while changed:
        changed = False
        for sources, sinks in flows:
            if any(s in found for s in sources) and not set(sinks) <= found:
                found |= set(sinks)
                changed = True
    return found


# ---- transformation ---------------------------------------------------------------
class Forward:
    def __init__(self, source: Source, activity: Activity, namer: Namer, locals_):
        self.source = source
        self.activity = activity
        self.namer = namer
        self.locals = locals_
        self.tan = {}  # primal name -> tangent name
        self.program = None  # calls.Program: jvp functions of the user's callees
        self.written = set()  # variables item writes change (y[i] = v)

    def tangent(self, var: str) -> str:
        return self.namer.tangent(var, self.tan)

    def active(self, var: str) -> bool:
        return self.activity.active(var)

    def function(self, fn: gast.FunctionDef, wrt, name: str,
                 keyword_tangents: bool = False) -> gast.FunctionDef:
        """def <name>(params, d<wrt>...): tangent inits; body; return value, dresult.
        With `keyword_tangents` (a callee's jvp), or when `fn` has defaults, the
        tangents are keyword-only: after `mask=None`, a positional `dx` would
        silently take the place of an omitted optional argument."""
        result = fn.body[-1].value.id
        params = [a.id for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]
        self.written = {containers.mutated(s) for s in ir.statements(fn.body)
                        if containers.is_write(s)}
        inits = [ir.assign(self.tangent(p), ir.call("rt.zeros_like", ir.name(p)))
                 for p in params if self.active(p) and p not in wrt]
        tangents = [ir.name(self.tangent(p), False) for p in wrt]
        body = container_sweeps.forward_prologue(self, fn) + self.block(fn.body[:-1])
        ret = gast.Tuple(elts=[ir.name(result), self.tangent_of(ir.name(result))],
                         ctx=gast.Load())
        body = inits + body + [gast.copy_location(gast.Return(value=ret), fn.body[-1])]
        args = fn.args
        for t in tangents:
            t.ctx = gast.Param()
        if keyword_tangents or args.defaults:
            new_args = gast.arguments(args=list(args.args),
                                      posonlyargs=list(args.posonlyargs), vararg=None,
                                      kwonlyargs=list(args.kwonlyargs) + tangents,
                                      kw_defaults=list(args.kw_defaults) +
                                      [None] * len(tangents), kwarg=None,
                                      defaults=list(args.defaults))
        else:
            new_args = gast.arguments(args=list(args.args) + tangents,
                                      posonlyargs=list(args.posonlyargs), vararg=None,
                                      kwonlyargs=list(args.kwonlyargs),
                                      kw_defaults=list(args.kw_defaults), kwarg=None,
                                      defaults=[])
        new = gast.FunctionDef(name=name, args=new_args, body=body, decorator_list=[],
                               returns=None, type_comment=None, type_params=[])
        return gast.copy_location(new, fn)

    def block(self, body) -> list:
        out = []
        for stmt in body:
            if containers.is_write(stmt):  # y[i] = v; dy[i] = dv
                out.extend(container_sweeps.forward_write(self, stmt))
            elif isinstance(stmt, gast.Assign):
                out.extend(self.assign(stmt))
            elif isinstance(stmt, gast.If):
                out.append(_copy(stmt, body=self.block(stmt.body) or [gast.Pass()],
                                 orelse=self.block(stmt.orelse)))
            elif isinstance(stmt, (gast.For, gast.While)):
                body = self.block(stmt.body)
                if isinstance(stmt, gast.For) and self.active(stmt.target.id):
                    # the loop counter (an int after normalisation) replaces whatever
                    # the name held, and has no tangent
                    body.insert(0, ir.assign(self.tangent(stmt.target.id), ir.const(0.0),
                                             stmt))
                out.append(_copy(stmt, body=body or [gast.Pass()]))
            elif push_of(stmt) is not None and self.active(push_of(stmt)[0]):
                stack, value = push_of(stmt)
                dvalue = self.tangent_of(value)
                push = ir.call(f"{self.tangent(stack)}.append", dvalue)
                out += [stmt, ir.expr_stmt(push, stmt)]
            else:
                out.append(stmt)
        return out

    def tangent_of(self, atom):
        """The tangent of an atom (a name or a constant) as an expression."""
        if isinstance(atom, gast.Name) and self.active(atom.id):
            return ir.name(self.tangent(atom.id))
        if isinstance(atom, gast.Constant) and atom.value is None:
            return ir.const(None)
        if isinstance(atom, gast.Constant) and isinstance(atom.value, (int, float)):
            return ir.const(0.0)
        return ir.call("rt.zeros_like", atom)

    def assign(self, stmt) -> list:
        target, value = stmt.targets[0].id, stmt.value
        prim = classify(value, self.source, self.locals)
        if prim.kind == "rule" and custom.needs_source(prim.rule) and self.active(target):
            return self.custom_call(stmt, prim)
        if prim.kind == "call":
            return self.call(stmt, prim)
        if is_pop(value):
            stack = pop_stack(value)
            if not self.active(stack):
                return [stmt]
            pop = ir.call(f"{self.tangent(stack)}.pop")
            tan = ir.assign(self.tangent(target), pop, stmt) if self.active(target) \
                else ir.expr_stmt(pop, stmt)
            return [stmt, tan]
        if not self.active(target):
            return [stmt]
        dt = self.tangent(target)
        if isinstance(value, (gast.Tuple, gast.List)):
            elts = [self.tangent_of(e) for e in value.elts]
            return [stmt, ir.assign(dt, type(value)(elts=elts, ctx=gast.Load()), stmt)]
        if isinstance(value, gast.Dict):  # the tangent of a dict: a dict of tangents
            tans = gast.Dict(keys=value.keys, values=[self.tangent_of(v) for v in value.values])
            return [stmt, ir.assign(dt, tans, stmt)]
        if prim.kind == "copy":
            return [stmt, ir.assign(dt, self.tangent_of(value), stmt)]
        inputs = [(p, v) for p, v in prim.diff_inputs() if self.active(v)]
        if prim.kind != "rule" or not inputs:
            zero = self.tangent_of(value) if isinstance(value, gast.Constant) \
                else ir.call("rt.zeros_like", ir.name(target))
            return [stmt, ir.assign(dt, zero, stmt)]
        return self.apply_rule(stmt, prim, inputs)

    def call(self, stmt, prim) -> list:
        """A user function: `y, dy = jvp_f_dx(a, b, d_x=da)`; a nested function
        (or specialised one) nothing differentiates runs as its primal copy."""
        from ..analysis.function_args import call_arguments
        from ..reverse.planning import updates_parameters
        target, call = stmt.targets[0].id, stmt.value
        args, keywords = call_arguments(prim.callee, call)
        inputs = [(p, v) for p, v in prim.diff_inputs() if self.active(v)]
        if not (self.active(target) and inputs):
            if not inspect.isfunction(prim.callee) or updates_parameters(prim.callee):
                primal = gast.Call(func=ir.name(self.program.primal(prim.callee)),
                                   args=args, keywords=keywords)
                stmt = ir.assign(target, primal, stmt)
            zero = [ir.assign(self.tangent(target), ir.call("rt.zeros_like",
                                                             ir.name(target)), stmt)]
            return [stmt] + (zero if self.active(target) else [])
        name, tangents = self.program.jvp(prim.callee, [p for p, _ in inputs])
        keywords += [gast.keyword(arg=tangents[p], value=ir.name(self.tangent(v)))
                     for p, v in inputs]
        both = gast.Tuple(elts=[ir.name(target, True), ir.name(self.tangent(target), True)],
                          ctx=gast.Store())
        value = gast.Call(func=ir.name(name), args=args, keywords=keywords)
        return [gast.copy_location(gast.Assign(targets=[both], value=value,
                                               type_comment=None), stmt)]

    def custom_call(self, stmt, prim) -> list:
        """A custom-gradient function without a jvp: forward mode through its source."""
        try:
            return self.call(stmt, custom.source_call(prim, self.source, stmt, self.locals))
        except NoForwardRuleError:
            raise
        except AdjointError as exc:
            raise custom.forward_failed(prim, self.source, stmt, exc) from None

    def apply_rule(self, stmt, prim, inputs) -> list:
        target, rule, tangents = stmt.targets[0].id, prim.rule, inputs
        if rule.custom is not None and len(inputs) > 1:  # one call of the user's jvp
            rule = replace(rule, jvp={inputs[0][0]: custom.joint_jvp(
                rule.custom, [p for p, _ in inputs])})
            inputs = inputs[:1]
        templates = []
        for param, _ in inputs:
            if param not in rule.jvp:
                raise NoForwardRuleError(
                    f"the rule for {rule.name} has no forward-mode (jvp) template for "
                    f"{param} ({self.source.name})", self.source.where(stmt),
                    hint=f"give the rule jvp={{'{param}': '...'}} (templates use d{param} "
                         "for the tangent), or use adjoint.grad (reverse mode)")
            templates.append(rule.jvp[param])
        wrap = rule.broadcast and self.may_broadcast(prim, inputs, templates)
        needs_ans = wrap or any(re.search(r"\bans\b", t) for t in templates)
        before, args = [], dict(prim.args)
        overwrites = any(isinstance(n, gast.Name) and n.id == target for n in args.values())
        after = needs_ans or not overwrites
        if needs_ans and overwrites:
            saved = self.namer.fresh("_" + target.lstrip("_"))
            before.append(ir.assign(saved, ir.name(target), stmt))
            args = {p: ir.name(saved) if isinstance(n, gast.Name) and n.id == target else n
                    for p, n in args.items()}
        defaults = {p.name: gast.parse(p.default or "None", mode="eval").body
                    for p in rule.params if p.name not in args}
        args.update(defaults)
        args["ans"] = ir.name(target)
        for param, var in tangents:
            args["d" + param] = ir.name(self.tangent(var))
        terms = [_drop_defaults(instantiate(t, args), defaults) for t in templates]
        expr = _sum_terms(terms)
        if wrap:
            expr = ir.call("rt.broadcast_like", expr, ir.name(target))
        if isinstance(expr, gast.Name) and target in self.written:
            # (y = x * 1.0 makes a new y, but its tangent `dx * 1` folds to dx itself:
            # writing dy[i] would change dx, the caller's array or another tangent)
            expr = ir.call("rt.copy", expr)
        tan = ir.assign(self.tangent(target), expr, stmt)
        return before + ([stmt, tan] if after else [tan, stmt])

    def may_broadcast(self, prim, inputs, templates) -> bool:
        """The tangent may be smaller than the result: it reads no other operand,
        and some operand without a tangent is not a Python number."""
        names = {p for p, _ in prim.args}
        if any(set(_names(t)) & (names - {p}) for (p, _), t in zip(inputs, templates)):
            return False
        active = {p for p, _ in inputs}
        return any(not (isinstance(n, gast.Constant) and isinstance(n.value, (int, float)))
                   for p, n in prim.args if p not in active)


def _drop_defaults(expr, defaults: dict):
    """Remove `k=<default>` keywords the user did not pass (`axis=None`)."""
    for node in gast.walk(expr):
        if isinstance(node, gast.Call):
            node.keywords = [k for k in node.keywords if not (
                k.arg in defaults and isinstance(k.value, gast.Constant)
                and isinstance(defaults[k.arg], gast.Constant)
                and k.value.value is defaults[k.arg].value)]
    return expr


def _names(template: str) -> list[str]:
    return re.findall(r"[A-Za-z_]\w*", template)


def _copy(stmt, **fields):
    new = type(stmt)(**{f: getattr(stmt, f) for f in stmt._fields})
    for k, v in fields.items():
        setattr(new, k, v)
    return gast.copy_location(new, stmt)


def _sum_terms(terms):
    """The tangent of a result from one term per operand. Tuple-valued results (divmod,
    slogdet) have tuple terms, added element by element (`+` would join them)."""
    if len(terms) > 1 and all(isinstance(t, gast.Tuple) for t in terms) \
            and len({len(t.elts) for t in terms}) == 1:
        return gast.Tuple(elts=[_sum_terms(list(parts)) for parts in
                                zip(*(t.elts for t in terms))], ctx=gast.Load())
    expr = terms[0]
    for term in terms[1:]:
        expr = ir.add(expr, term)
    return expr
