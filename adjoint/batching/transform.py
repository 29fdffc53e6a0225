"""Batching transform: the normal form of `f`, rewritten to run on a whole batch.

Each statement reads the facts the analysis found before it. A statement that reads
no batched value is kept as it is; one that does is rewritten by its primitive's
policy (policies/); item writes keep the batch axis in front (`y[:, i] = v`); calls
of the user's functions call their batched versions; `if`, `for` and `while` are in
control.py. What cannot be batched is refused at the user's line.

    def f_batched(x, W):              # x: batched
        _B = len(x)                   # (only when something needs the batch size)
        ...
"""
from __future__ import annotations

import gast

from ..codegen import ir
from ..errors import NotBatchableError
from ..forward.tangents import pop_stack
from . import build, control
from .facts import Fact
from .policies import policy_of
from .policies.elementwise import aligned
from .policies.indexing import index_rank, write_target
from .policies.reductions import STRUCTURAL
from .sites import Binder, Operand


class Transform:
    def __init__(self, source, facts, namer, locals_, params: dict, fallback=None):
        self.source = source
        self.facts = facts
        self.namer = namer
        self.binder = Binder(source, locals_)
        self.params = params           # name -> Fact of the parameters
        self.fallback = fallback
        self.where = None              # the statement being rewritten
        self.pre = []                  # statements to emit before it
        self.needs = set()
        self.B = namer.fresh("_B")
        self.ar = namer.fresh("_ar")

    # ---- what policies call --------------------------------------------------------
    def batch_size(self) -> gast.Name:
        self.needs.add("B")
        return ir.name(self.B)

    def arange(self) -> gast.Name:
        self.needs.add("ar")
        return ir.name(self.ar)

    def temp(self, value, base: str = "_t") -> gast.Name:
        name = self.namer.fresh(base)
        self.pre.append(ir.assign(name, value, self.where))
        return ir.name(name)

    def refuse(self, message: str, hint: str = ""):
        raise NotBatchableError(f"vmap cannot batch {message} ({self.source.name})",
                                self.source.where(self.where), hint=hint or None)

    # ---- the function ------------------------------------------------------------
    def function(self, fn, name: str) -> gast.FunctionDef:
        self.body = fn.body
        body = self.block(fn.body)
        prologue = []
        if self.needs:
            first = next((p for p, f in self.params.items() if f.batched), None)
            if first is None:
                raise AssertionError("a batch size is needed but nothing is batched")
            f = self.params[first]
            size = build.code("len(x)", x=ir.name(first)) if f.kind == "array" else \
                build.helper("batch_size", ir.name(first))
            prologue.append(ir.assign(self.B, size, fn))
        if "ar" in self.needs:
            prologue.append(ir.assign(self.ar, build.code("np.arange(B)", B=ir.name(self.B)),
                                      fn))
        new = gast.FunctionDef(name=name, args=fn.args, body=prologue + body,
                               decorator_list=[], returns=None, type_comment=None,
                               type_params=[])
        return gast.copy_location(new, fn)

    def block(self, body) -> list:
        out = []
        for stmt in body:
            out.extend(self.stmt(stmt))
        return out

    def stmt(self, stmt) -> list:
        env = self.facts.before.get(stmt, {})
        if isinstance(stmt, gast.If):
            return control.branch(self, stmt, env)
        if isinstance(stmt, (gast.For, gast.While)):
            return control.loop(self, stmt, env)
        self.where, self.pre = stmt, []
        if isinstance(stmt, gast.Assign):
            target = stmt.targets[0]
            if isinstance(target, gast.Subscript):
                new = self.write(stmt, env)
            else:
                new = ir.assign(target.id, self.value(stmt.value, env), stmt)
                if not isinstance(target, gast.Name):
                    new.targets = [ir.clone(target)]
        elif isinstance(stmt, gast.Assert) and self.binder.fact_of(stmt.test, env).batched:
            new = gast.Assert(test=build.code("np.all(t)", t=stmt.test), msg=stmt.msg)
        elif isinstance(stmt, gast.Expr):
            new = gast.Expr(value=self.expression(stmt.value, env))
        else:
            new = ir.clone(stmt)
        return self.pre + [gast.copy_location(new, stmt)]

    # ---- values ------------------------------------------------------------------
    def value(self, node, env):
        if isinstance(node, (gast.Name, gast.Constant, gast.Tuple, gast.List, gast.Dict,
                             gast.JoinedStr)) or pop_stack(node) is not None:
            return ir.clone(node)
        callee = self.facts.calls.get(node)
        if callee is not None:
            return self.call(node, callee)
        site = self.binder.site(node, env)
        if site is None:
            if any(self.binder.fact_of(n, env).batched for n in ir.nodes(node)
                   if isinstance(n, gast.Name)):
                self.refuse(f"`{ir.unparse(node)}`",
                            "compute it outside the batched function")
            return ir.clone(node)
        if not site.batched:
            return ir.clone(node)
        for o in site.operands:
            if o.fact.batched and o.param in STRUCTURAL:
                self.refuse(f"{site.name} with a {o.param} that differs between examples",
                            f"{o.param} chooses axes, shapes or options: it must be the "
                            "same for every example")
        policy = policy_of(site)
        if policy is None:
            return self.no_policy(site)
        return policy.emit(site, self)

    def expression(self, node, env):
        """An expression statement: a push or an append keeps the value as it is."""
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) \
                and node.func.attr in ("append", "pop"):
            return ir.clone(node)
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
                and node.func.id in ("print",):
            return ir.clone(node)
        return self.value(node, env)

    def call(self, node, callee):
        if callee.name is None:
            return ir.clone(node)
        keywords = [ir.clone(k) for k in node.keywords] + \
            [gast.keyword(arg=c, value=ir.name(c)) for c in callee.captured]
        return gast.Call(func=ir.name(callee.name), args=[ir.clone(a) for a in node.args],
                         keywords=keywords)

    def no_policy(self, site):
        func = site.node.func if site.form == "call" else None
        if self.fallback == "loop" and func is not None:
            flags = build.lit(tuple(int(o.fact.batched) for o in site.operands))
            out = build.helper("loop", ir.clone(func), *[o.node for o in site.operands],
                               batched=flags)
            return out
        self.refuse(f"{site.name} (no batching rule)",
                    "adjoint.rules.batch(fn, policy) registers one (see "
                    "adjoint/rules/batching.py), or pass fallback='loop' to vmap to "
                    "call it once per example")

    # ---- item writes ---------------------------------------------------------------
    def write(self, stmt, env):
        target = stmt.targets[0]
        y_name = target.value.id
        y = Operand("y", ir.name(y_name), env.get(y_name, Fact(rank=None)))
        v = Operand("v", stmt.value, self.binder.fact_of(stmt.value, env))
        parts = self.binder.index(target.slice, env)
        if not (y.fact.batched or v.fact.batched or any(p.fact.batched for p in parts)):
            return ir.clone(stmt)
        if y.fact.kind != "array":
            if any(p.fact.batched for p in parts):
                self.refuse("a write into a list or dict at a position that differs "
                            "between examples", "")
            return ir.clone(stmt)
        if not y.fact.batched:  # the array becomes one per example from here on
            self.pre.append(ir.assign(y_name, build.helper(
                "lift_copy", ir.name(y_name), self.batch_size()), stmt))
            y = Operand("y", ir.name(y_name), Fact(batched=True, rank=y.fact.rank))
        rank = index_rank(y.fact.rank, parts)
        value = stmt.value
        if v.fact.batched:
            new = aligned([v], rank, self)
            if new is None:
                self.refuse("a write of a value whose dimensions are not known", "")
            value = new.get("v", value)
        out = gast.Assign(targets=[write_target(y, parts, target.slice, self)],
                          value=value, type_comment=None)
        return out


def tidy(fn, source):
    """Copies propagated and assignments nothing reads removed (optimize/dead_code.py):
    np.where merges of names read no more, copies into a branch's own names."""
    from ..analysis.primitives import resolve
    from ..optimize.dead_code import eliminate, propagate_copies
    from ..rules import lookup

    def pure(call):
        name = ir.dotted(call.func) or ""
        if name.startswith(build.RT + "."):
            return True
        target = resolve(call.func, source.namespace)
        return target is not None and lookup(target) is not None
    fn.body, _ = eliminate(propagate_copies(_choices(fn.body)), set(), pure)
    fn.body = _unpacks(fn.body)
    from ..optimize import fuse
    names = {n.id for n in ir.nodes(source.tree) if isinstance(n, gast.Name)}
    return fuse.run(fn, pure, names | {"b" + n for n in names})


def _unpacks(body) -> list:
    """`t = rt.shapes(p, q); a = t[0]; b = t[1]` (a normalised unpacking, t read
    nowhere else) as `a, b = rt.shapes(p, q)` (one item per argument: the length
    is known)."""
    out, k = [], 0
    while k < len(body):
        stmt = body[k]
        for field in ("body", "orelse"):
            if getattr(stmt, field, None):
                setattr(stmt, field, _unpacks(getattr(stmt, field)))
        n = _unpacked(body, k)
        if n:
            names = [body[k + 1 + i].targets[0].id for i in range(n)]
            target = gast.Tuple(elts=[ir.name(x, True) for x in names], ctx=gast.Store())
            new = gast.Assign(targets=[target], value=stmt.value, type_comment=None)
            out.append(gast.copy_location(new, stmt))
            k += n + 1
            continue
        out.append(stmt)
        k += 1
    return out


def _unpacked(body, k) -> int:
    """How many `a = t[i]` (i = 0, 1, ...) follow `t = ...` at k, when t is read by
    nothing else; 0 if not an unpacking."""
    stmt = body[k]
    if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)
            and isinstance(stmt.value, gast.Call)
            and ir.dotted(stmt.value.func) == "rt.shapes"):
        return 0
    t, n = stmt.targets[0].id, 0
    while k + 1 + n < len(body):
        nxt = body[k + 1 + n]
        if not (isinstance(nxt, gast.Assign) and isinstance(nxt.targets[0], gast.Name)
                and isinstance(nxt.value, gast.Subscript)
                and isinstance(nxt.value.value, gast.Name) and nxt.value.value.id == t
                and isinstance(nxt.value.slice, gast.Constant) and nxt.value.slice.value == n):
            break
        n += 1
    rest = body[:k] + body[k + 1 + n:]
    if n < 2 or n != len(stmt.value.args) or any(isinstance(x, gast.Name) and x.id == t for x in ir.nodes(rest)):
        return 0
    return n


def _choices(body) -> list:
    """`c = test; if c: t = a else: t = b` (a normalised `a if test else b` of atoms,
    such as a gradient's seed) as the one statement `t = a if test else b`."""
    out = []
    for stmt in body:
        for field in ("body", "orelse"):
            if getattr(stmt, field, None):
                setattr(stmt, field, _choices(getattr(stmt, field)))
        prev = out[-1] if out else None
        if isinstance(stmt, gast.If) and isinstance(stmt.test, gast.Name) \
                and isinstance(prev, gast.Assign) and isinstance(prev.targets[0], gast.Name) \
                and prev.targets[0].id == stmt.test.id \
                and len(stmt.body) == len(stmt.orelse) == 1 \
                and all(isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                        and isinstance(s.value, (gast.Name, gast.Constant))
                        for s in stmt.body + stmt.orelse) \
                and stmt.body[0].targets[0].id == stmt.orelse[0].targets[0].id:
            value = gast.IfExp(test=prev.value, body=stmt.body[0].value,
                               orelse=stmt.orelse[0].value)
            out[-1] = gast.copy_location(ir.assign(stmt.body[0].targets[0].id, value), stmt)
            continue
        out.append(stmt)
    return out
