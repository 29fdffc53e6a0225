"""ANF, part 2: expressions. Each becomes one operation over atoms; the
sub-expressions it needs are emitted as statements first."""
from __future__ import annotations

import builtins
import copy
import types

import gast

from . import comprehensions
from .atoms import ATOMS, _name, assign, local_names


class Expressions:
    """Methods of anf.Normalizer for expressions."""

    def atom(self, expr, out):
        return self.to_atom(self.rhs(expr, out), out)

    def to_atom(self, value, out):
        if isinstance(value, ATOMS) or self.is_static(value):
            return value
        tmp = self.namer.temp(value)
        out.append(assign(tmp, value, self.where))
        return _name(tmp)

    def name_atom(self, expr, out, base):
        value = self.atom(expr, out)
        if isinstance(value, gast.Name):
            return value
        tmp = self.namer.fresh(base)
        out.append(assign(tmp, value, self.where))
        return _name(tmp)

    def rhs(self, expr, out):
        """`expr` as a single operation over atoms; sub-expressions go to `out`."""
        method = getattr(self, "expr_" + type(expr).__name__, None)
        if method is None:
            self.fail(expr, f"{type(expr).__name__} expressions are not supported",
                      "compute the value in a helper that is not differentiated")
        return gast.copy_location(method(expr, out), expr)

    def expr_Name(self, node, out):
        return _name(node.id)

    def expr_Constant(self, node, out):
        return node

    def expr_BinOp(self, node, out):
        left, right = self.atom(node.left, out), self.atom(node.right, out)
        # (x * x stays a product: for a Python float beyond 1e154, x ** 2 raises
        # OverflowError where x * x is inf; its rule is primitives.SQUARE)
        return gast.BinOp(left=left, op=node.op, right=right)

    def expr_UnaryOp(self, node, out):
        operand = self.atom(node.operand, out)
        if isinstance(node.op, gast.USub) and isinstance(operand, gast.Constant) \
                and type(operand.value) in (int, float):
            return gast.Constant(value=-operand.value, kind=None)  # a literal: -1
        return gast.UnaryOp(op=node.op, operand=operand)

    def expr_Compare(self, node, out):
        return gast.Compare(left=self.atom(node.left, out), ops=node.ops,
                            comparators=[self.atom(c, out) for c in node.comparators])

    def expr_BoolOp(self, node, out):
        """`a and b` keeps short-circuiting: t = a; if t: t = b."""
        tmp = self.namer.fresh("cond")
        out.append(assign(tmp, self.rhs(node.values[0], out), self.where))
        for value in node.values[1:]:
            inner = []
            inner.append(assign(tmp, self.rhs(value, inner), self.where))
            if isinstance(node.op, gast.And):  # (the reverse sweep replays the test:
                flag = self.namer.fresh(tmp)   # a name the branch does not change)
                out.append(assign(flag, _name(tmp), self.where))
            else:
                flag = self.namer.fresh("not_" + tmp)
                out.append(assign(flag, gast.UnaryOp(op=gast.Not(), operand=_name(tmp)),
                                  self.where))
            test = _name(flag)
            out.append(gast.copy_location(gast.If(test=test, body=inner, orelse=[]),
                                          self.where))
        return _name(tmp)

    def expr_IfExp(self, node, out):
        """`a if c else b` becomes an if statement assigning one temporary."""
        tmp = self.namer.temp()
        test = self.name_atom(node.test, out, "cond")
        body, orelse = [], []
        body.append(assign(tmp, self.rhs(node.body, body), self.where))
        orelse.append(assign(tmp, self.rhs(node.orelse, orelse), self.where))
        out.append(gast.copy_location(gast.If(test=test, body=body, orelse=orelse),
                                      self.where))
        return _name(tmp)

    def _uncallable(self, func) -> tuple[str, str]:
        """(message, hint) for a call adjoint cannot resolve when compiling."""
        if isinstance(func, gast.Name):
            if func.id in self.locals:
                return (f"{func.id} is a local variable or parameter holding a function; "
                        "adjoint must know which function is called when it compiles",
                        f"pass the function itself where {self.source.name} is called (a "
                        f"def, a lambda or a module's function, by name: adjoint then "
                        f"follows it), or call it by its global name; a function picked "
                        f"when the code runs (from a dict, by a condition) cannot be "
                        f"followed: call each one in its own branch")
            import builtins
            if func.id not in self.source.namespace and not hasattr(builtins, func.id):
                return (f"name {func.id!r} is not defined (Python would raise NameError "
                        f"when calling it)", f"define or import {func.id} before "
                        "differentiating this function")
            return (f"{func.id} is not a function adjoint can call "
                    f"({type(self.source.namespace.get(func.id)).__name__})",
                    "call a function defined with def, a NumPy or math function")
        return ("calling the result of an expression is not supported",
                "call a named function")

    def expr_Call(self, node, out):
        func = node.func
        expanded = self.expansion(node, out)
        if expanded is not None:
            return self.rhs(expanded, out)
        if isinstance(func, gast.Name) and func.id not in self.locals \
                and len(node.args) > 2 and not node.keywords \
                and self.source.namespace.get(func.id) in (builtins.max, builtins.min):
            # max(a, b, c) is max(max(a, b), c): the two-argument rule, twice
            inner = gast.copy_location(gast.Call(func=copy.deepcopy(func),
                                                 args=node.args[:-1], keywords=[]), node)
            node = gast.copy_location(gast.Call(func=func, args=[inner, node.args[-1]],
                                                keywords=[]), node)
        if isinstance(func, gast.Name) and func.id in self.aliases:  # _push(v)
            func = copy.deepcopy(self.aliases[func.id])
        if isinstance(func, gast.Attribute) and not self.is_static(func):
            func = gast.Attribute(value=self.atom(func.value, out), attr=func.attr,
                                  ctx=gast.Load())
        elif not self.is_static(func) and not (
                isinstance(func, gast.Name) and func.id in self.source.nested):
            self.fail(node, *self._uncallable(func))
        args = [self.argument(a, out) for a in node.args]
        keywords = []
        for kw in node.keywords:
            if kw.arg is None:
                self.fail(kw.value, "**kwargs in calls are not supported",
                          "pass keyword arguments by name")
            keywords.append(gast.keyword(arg=kw.arg, value=self.argument(kw.value, out)))
        return gast.Call(func=func, args=args, keywords=keywords)

    def expansion(self, node, out):
        """A runtime helper declared by an expression (rules.expands), called in a
        gradient that is differentiated again: that expression, over atoms of the
        call's arguments (each evaluated once), else None."""
        from ...analysis.primitives import resolve
        from ...codegen.template import instantiate
        from ...rules import lookup_expansion
        if not self.source.generated or not self.is_static(node.func):
            return None
        found = lookup_expansion(resolve(node.func, self.source.namespace))
        if found is None:
            return None
        values = dict(zip([p.name for p in found.params], node.args))
        values.update((k.arg, k.value) for k in node.keywords)
        mapping = {}
        for p in found.params:
            value = values.get(p.name)
            if value is None:
                value = gast.parse(p.default, mode="eval").body
            mapping[p.name] = self.atom(value, out)
        return instantiate(found.template, mapping)

    def argument(self, node, out):
        """A call's argument as an atom; a lambda written there is a nested function
        (`apply(lambda y: a * y, x)`), named for the call to pass it."""
        if not isinstance(node, gast.Lambda):
            return self.static_or_atom(node, out)
        name = self.namer.fresh("lambda_")
        ret = gast.copy_location(gast.Return(value=node.body), node.body)
        fn = gast.FunctionDef(name="<lambda>", args=node.args, body=[ret],
                              decorator_list=[], returns=None, type_comment=None,
                              type_params=[])
        self.stmt_FunctionDef(gast.copy_location(fn, node), name)
        return _name(name)

    def expr_Attribute(self, node, out):
        if self.is_static(node):
            return node
        return gast.Attribute(value=self.atom(node.value, out), attr=node.attr,
                              ctx=gast.Load())

    def expr_Subscript(self, node, out):
        return gast.Subscript(value=self.atom(node.value, out),
                              slice=self.index(node.slice, out), ctx=gast.Load())

    def expr_JoinedStr(self, node, out):
        return node  # an f-string (for print and messages): a value, never differentiated

    def expr_Lambda(self, node, out):
        self.fail(node, "a lambda is differentiated as the argument of a call or "
                        "assigned to a name", "write `f = lambda x: ...` then use f, or "
                                              "use a nested def")

    def expr_Tuple(self, node, out):
        return gast.Tuple(elts=[self.static_or_atom(e, out) for e in node.elts],
                          ctx=gast.Load())

    def expr_List(self, node, out):
        return gast.List(elts=[self.static_or_atom(e, out) for e in node.elts],
                         ctx=gast.Load())

    def expr_Dict(self, node, out):
        if any(k is None for k in node.keys):
            self.fail(node, "**unpacking in dict literals is not supported",
                      "write each key: value pair")
        return gast.Dict(keys=[self.static_or_atom(k, out) for k in node.keys],
                         values=[self.static_or_atom(v, out) for v in node.values])

    def expr_ListComp(self, node, out):
        """A loop that appends (see comprehensions.py); the value is the list."""
        result = self.namer.fresh("entries" if isinstance(node, gast.DictComp) else "items")
        where = self.where
        self.locals = self.locals | {result}
        stmts = comprehensions.lower(node, result, self.namer)
        self.locals |= local_names(gast.Module(body=stmts, type_ignores=[]), params=False)
        out.extend(self.block(stmts))
        self.where = where
        return _name(result)

    expr_DictComp = expr_ListComp
    expr_GeneratorExp = expr_ListComp  # consumed once (sum, np.stack, ...): a list

    def index(self, node, out):
        if isinstance(node, gast.Slice):
            parts = [None if p is None else self.atom(p, out)
                     for p in (node.lower, node.upper, node.step)]
            return gast.Slice(lower=parts[0], upper=parts[1], step=parts[2])
        if isinstance(node, gast.Tuple):
            return gast.Tuple(elts=[self.index(e, out) for e in node.elts], ctx=gast.Load())
        return self.atom(node, out)

    def static_or_atom(self, node, out):
        """Literal tuples of constants stay literal (shapes, axes); a literal that
        holds a local variable becomes a named temporary (a pack, differentiable)."""
        if isinstance(node, (gast.Tuple, gast.List)):
            value = self.rhs(node, out)
            if all(isinstance(e, gast.Constant) or self.is_static(e) for e in value.elts):
                return value
            return self.to_atom(value, out)
        return self.atom(node, out)

    def is_static(self, node) -> bool:
        """A dotted reference to something in a module (np.sin, np.pi, math.e)."""
        if isinstance(node, gast.Attribute):
            return self.is_static(node.value)
        if isinstance(node, gast.Name):
            value = self.source.namespace.get(node.id)
            return isinstance(value, types.ModuleType) or (
                callable(value) and node.id not in self.locals)
        return False
