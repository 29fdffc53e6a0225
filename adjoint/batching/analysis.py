"""Batching analysis: the fact of every variable before every statement.

Forward over the normal form, from the facts of the parameters: an assignment's fact
comes from its primitive's batching policy (policies/), a user function's from its
own analysis (the Program). Branches join; loops iterate to a fixpoint. A variable
that is batched after a join but not on one way into it is *lifted* there (copied
along a new batch axis), so that every path gives it the same form:

    acc = 0.0                  # unbatched
    for i in range(n):         # lift before the loop: acc = batched.lift_copy(acc, _B, 0)
        acc = acc + x[:, i]    # batched

`dump()` prints the facts of the names assigned, for the stage text.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import gast

from ..analysis.primitives import resolve
from ..codegen import ir
from ..forward.tangents import pop_stack, push_of
from . import facts as F
from .facts import Fact, join
from .policies import policy_of
from .sites import Binder


@dataclass
class Facts:
    before: dict = field(default_factory=dict)   # statement -> {name: Fact}
    ends: dict = field(default_factory=dict)     # (statement, "body"/"orelse") -> env
    lifts: dict = field(default_factory=dict)    # (statement, where) -> [(name, Fact)]
    result: Fact | None = None
    calls: dict = field(default_factory=dict)    # call node -> Callee (program.py)

    def dump(self) -> str:
        names = {}
        for env in self.before.values():
            for n, f in env.items():
                names[n] = join(names.get(n), f)
        lines = [f"{n}: {f}" for n, f in sorted(names.items()) if f is not None]
        lines.append(f"result: {self.result}")
        return "\n".join(lines)


def join_env(a: dict, b: dict) -> dict:
    out = dict(a)
    for n, f in b.items():
        out[n] = join(out.get(n), f)
    return out


class Analysis:
    def __init__(self, source, locals_, program):
        self.source = source
        self.locals = locals_
        self.binder = Binder(source, locals_)
        self.program = program
        self.facts = Facts()

    def run(self, fn, params: dict) -> Facts:
        self.block(fn.body, dict(params))
        return self.facts

    def block(self, body, env) -> dict:
        for stmt in body:
            self.facts.before[stmt] = dict(env)
            env = self.step(stmt, env)
        return env

    # ---- statements ------------------------------------------------------------
    def step(self, stmt, env) -> dict:
        if isinstance(stmt, gast.Assign):
            target = stmt.targets[0]
            if isinstance(target, gast.Name):
                env[target.id] = self.assigned(target.id, stmt.value, env)
            elif isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name):
                env[target.value.id] = self.written(target, stmt.value, env)
            return env
        if isinstance(stmt, gast.Expr):
            push = push_of(stmt)
            if push is not None and push[0] in env:
                stack = env[push[0]]
                item = self.value(push[1], env)
                env[push[0]] = Fact(batched=stack.batched or item.batched, rank=None,
                                    kind="list", elem=join(stack.elem, item))
            return env
        if isinstance(stmt, gast.If):
            return self.branch(stmt, env)
        if isinstance(stmt, (gast.For, gast.While)):
            return self.loop(stmt, env)
        if isinstance(stmt, gast.Return):
            self.facts.result = self.value(stmt.value, env)
        return env

    def assigned(self, name, value, env) -> Fact:
        stack = pop_stack(value)
        if stack is not None:  # a pop restores the variable: the fact it has
            current = env.get(name)
            if current is not None and current.kind != "none":
                return current
            elem = env.get(stack, F.UNKNOWN).elem
            return elem or F.UNKNOWN
        return self.value(value, env)

    def written(self, target, value, env) -> Fact:
        """`y[i] = v`: y becomes batched when v or the index is."""
        y = env.get(target.value.id, F.UNKNOWN)
        v = self.value(value, env)
        index = self.binder.index(target.slice, env)
        if v.batched or any(p.fact.batched for p in index):
            return F.batched_copy(y)
        return y

    def value(self, node, env) -> Fact:
        if isinstance(node, gast.Name) or isinstance(node, gast.Constant):
            return self.binder.fact_of(node, env)
        if isinstance(node, (gast.Tuple, gast.List)):
            return self.binder.fact_of(node, env)
        if isinstance(node, gast.Dict):
            keys = [self.binder.fact_of(k, env) for k in node.keys]
            values = [self.value(v, env) for v in node.values]
            if all(isinstance(k, gast.Constant) and isinstance(k.value, str) for k in node.keys):
                return Fact(batched=any(v.batched for v in values), rank=None, kind="dict",
                            keys=tuple((k.value, v) for k, v in zip(node.keys, values)))
            return Fact(batched=any(f.batched for f in keys + values), rank=None,
                        kind="dict")
        if isinstance(node, gast.JoinedStr):
            return Fact(kind="str", rank=None)
        if isinstance(node, gast.Call):
            callee = self.callee(node, env)
            if callee is not None:
                self.facts.calls[node] = callee
                return callee.result
        site = self.binder.site(node, env)
        if site is None:
            batched = any(self.binder.fact_of(n, env).batched for n in ir.nodes(node)
                          if isinstance(n, gast.Name))
            return Fact(batched=batched, rank=None, kind="other")
        policy = policy_of(site)
        if policy is None:
            return Fact(batched=site.batched, rank=None, kind="other")
        return policy.fact(site)

    def callee(self, node, env):
        """A call of one of the user's functions (or of a function a generated
        gradient defines): its batched version, compiled for these facts."""
        func = node.func
        if isinstance(func, gast.Name) and func.id in self.source.nested:
            target = self.source.nested[func.id]
        else:
            if isinstance(func, gast.Attribute) and not self.binder._is_global(func):
                return None
            target = resolve(func, self.source.namespace)
            from ..analysis.primitives import is_user_function
            from ..rules import lookup
            if target is None or lookup(target) is not None \
                    or not is_user_function(target):
                return None
        args = [self.value(a, env) for a in node.args]
        kwargs = {kw.arg: self.value(kw.value, env) for kw in node.keywords}
        for name in getattr(target, "captured", ()):  # a nested def's captured names
            kwargs[name] = env.get(name) or F.UNKNOWN
        return self.program.request(target, args, kwargs, self.source.where(node))

    # ---- control flow ------------------------------------------------------------
    def branch(self, stmt, env) -> dict:
        test = self.binder.fact_of(stmt.test, env)
        if test.const:  # known when compiling (a fast path never taken by a batch)
            taken = stmt.body if test.const[0] else stmt.orelse
            return self.block(taken, dict(env))
        then = self.block(stmt.body, dict(env))
        other = self.block(stmt.orelse, dict(env))
        self.facts.ends[(stmt, "body")] = then
        self.facts.ends[(stmt, "orelse")] = other
        out = join_env(then, other)
        if test.batched:  # one value per example, chosen by np.where
            for name in _assigned(stmt):
                if out.get(name) is not None:
                    out[name] = F.batched_copy(out[name]) if out[name].kind == "array" \
                        else out[name]
            return out
        for part, end in (("body", then), ("orelse", other)):
            self.facts.lifts[(stmt, part)] = _lifts(end, out)
        return out

    def loop(self, stmt, env) -> dict:
        head = dict(env)
        if isinstance(stmt, gast.For):
            head[stmt.target.id] = Fact(dtype="i")
        for _ in range(50):
            end = self.block(stmt.body, dict(head))
            new = join_env(head, end)
            if new == head:
                break
            head = new
        self.facts.lifts[(stmt, "before")] = _lifts(env, head)
        self.facts.lifts[(stmt, "body")] = _lifts(end, head)
        self.facts.ends[(stmt, "body")] = end
        return head


def _lifts(env, target) -> list:
    """(name, fact) for the variables batched in `target` but not (yet) in `env`, or
    of a smaller rank there (a number zero joined with arrays)."""
    out = []
    for name in sorted(target):
        f, g = env.get(name), target[name]
        if f is None or g is None or f.kind != "array" or g.kind != "array":
            continue
        if g.batched and not f.batched:
            out.append((name, g))
    return out


def _assigned(stmt) -> list:
    return sorted(ir.stored_names(stmt.body + stmt.orelse))


def analyze(fn, source, params, locals_, program) -> Facts:
    return Analysis(source, locals_, program).run(fn, params)
