"""What one normalised right-hand side computes: a rule applied to bound arguments.

`classify` is the single place that maps an expression to its gradient rule, so
activity analysis, the reverse pass and the forward pass all agree.
"""
from __future__ import annotations

import ast
import builtins
import operator
import types
from dataclasses import dataclass

import gast

from ..codegen import ir
from ..context import Source
from ..errors import NoGradientRuleError
from ..rules import NonDiff, Rule, lookup, lookup_attribute, lookup_method
from ..rules.operators import SQUARE

BINOPS = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
          gast.Div: operator.truediv, gast.Pow: operator.pow, gast.MatMult: operator.matmul,
          gast.FloorDiv: operator.floordiv, gast.Mod: operator.mod,
          gast.BitAnd: operator.and_, gast.BitOr: operator.or_, gast.BitXor: operator.xor,
          gast.LShift: operator.lshift, gast.RShift: operator.rshift}
UNOPS = {gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Not: operator.not_,
         gast.Invert: operator.invert}
SHAPE_ATTRS = {"shape", "ndim", "size", "dtype", "itemsize", "nbytes"}


@dataclass(frozen=True)
class Prim:
    kind: str                      # "rule" | "copy" | "const" | "nondiff" | "opaque" | "pack"
    node: gast.expr
    rule: Rule | None = None
    args: tuple = ()               # ((param, node), ...) in the rule's order
    what: str = ""                 # for "opaque": a description of the callee
    callee: object = None          # for "call": a user function or a calls.Nested

    def bound(self) -> dict:
        return dict(self.args)

    def diff_inputs(self) -> list[tuple[str, str]]:
        """(param, variable) for every differentiable parameter bound to a name."""
        if self.kind == "copy":
            return [("x", self.node.id)]
        if self.kind in ("call", "pop"):
            return [(p, n.id) for p, n in self.args if isinstance(n, gast.Name)]
        if self.kind == "pack":  # (key expression, element) for tuple/list/dict literals
            return [(k, n.id) for k, n in self.args if isinstance(n, gast.Name)]
        if self.kind != "rule":
            return []
        return [(p, n.id) for p, n in self.args
                if p in self.rule.vjp and isinstance(n, gast.Name)]

    def names(self) -> list[str]:
        return sorted({n.id for n in gast.walk(self.node) if isinstance(n, gast.Name)})


def resolve(node, ns):
    """The object a dotted name refers to, or None."""
    if isinstance(node, gast.Name):
        if node.id == "rt" and "rt" not in ns:  # helpers the compiler itself calls
            from .. import runtime
            return runtime
        return ns.get(node.id)
    if isinstance(node, gast.Attribute):
        owner = resolve(node.value, ns)
        return getattr(owner, node.attr, None) if owner is not None else None
    return None


def classify(value, source: Source, locals_: set[str]) -> Prim:
    if isinstance(value, gast.Name):
        if value.id in locals_:
            return Prim("copy", value)
        _no_function_values([value], source, "on as a value", value)
        return Prim("const", value)
    if isinstance(value, gast.Constant):
        return Prim("const", value)
    if isinstance(value, gast.BinOp):
        if isinstance(value.op, gast.Mult) and isinstance(value.left, gast.Name) \
                and isinstance(value.right, gast.Name) and value.left.id == value.right.id:
            return Prim("rule", value, SQUARE, (("x", value.left),))  # x * x
        return _apply(lookup(BINOPS[type(value.op)]), value, [value.left, value.right], [])
    if isinstance(value, gast.UnaryOp):
        return _apply(lookup(UNOPS[type(value.op)]), value, [value.operand], [])
    if isinstance(value, (gast.Compare, gast.BoolOp)):
        return Prim("nondiff", value)
    if isinstance(value, gast.Subscript):
        return _apply(lookup(operator.getitem), value, [value.value, value.slice], [])
    if isinstance(value, gast.Attribute):
        return _attribute(value, source, locals_)
    if isinstance(value, gast.Call):
        return _call(value, source, locals_)
    if isinstance(value, (gast.Tuple, gast.List, gast.Dict)):
        _no_function_values(value.values if isinstance(value, gast.Dict) else value.elts,
                            source, "on in a container", value)
    if isinstance(value, (gast.Tuple, gast.List)):  # a pack: element i's adjoint is g[i]
        return Prim("pack", value, args=tuple((ir.const(i), e)
                                              for i, e in enumerate(value.elts)))
    if isinstance(value, gast.Dict):
        return Prim("pack", value, args=tuple(zip(value.keys, value.values)))
    return Prim("opaque", value, what=f"{type(value).__name__.lower()} literal")


def _attribute(value, source, locals_):
    if _is_global(value, locals_):
        return Prim("const", value)
    if value.attr in SHAPE_ATTRS:
        return Prim("nondiff", value)
    rule = lookup_attribute(value.attr)
    if rule is not None:
        return Prim("rule", value, rule, (("self", value.value),))
    return record_attribute(value)  # p.W of a namedtuple, dataclass or object


def _call(value, source, locals_):
    func = value.func
    if isinstance(func, gast.Attribute) and not _is_global(func, locals_):
        _no_function_values(value.args + [k.value for k in value.keywords], source,
                            f"to the method {ir.unparse(func)}", value)
        fn, rule = lookup_method(func.attr)
        if rule is None:
            return Prim("opaque", value, what=f"method {ir.unparse(func)}()")
        return _apply(rule, value, [func.value] + value.args, value.keywords)
    if isinstance(func, gast.Name) and func.id in source.nested:
        nested = source.nested[func.id]
        return _user_call(value, nested, nested.node, source, locals_)
    fn = resolve(func, source.namespace)
    rule = lookup(fn) if fn is not None else None
    if rule is None and is_user_function(fn):
        return _user_call(value, fn, None, source, locals_)
    _no_function_values(value.args + [k.value for k in value.keywords], source,
                        f"to {ir.unparse(func)}", value)
    if rule is None and isinstance(fn, type):  # Params(W=w, b=b): a record's fields
        return record_constructor(value, fn)
    if rule is None:
        what = f"user function {ir.unparse(func)}" if is_user_function(fn) \
            else ir.unparse(func)
        return Prim("opaque", value, what=what)
    return _apply(rule, value, value.args, value.keywords)


def is_user_function(fn) -> bool:
    """A Python function of the user's (or a gradient adjoint generated), whose source
    is differentiated; not one of the libraries' (their top-level package's name)."""
    from ..codegen.emit import generated
    module = getattr(fn, "__module__", None) or ""
    return isinstance(fn, types.FunctionType) and (
        module.split(".")[0] not in ("numpy", "scipy", "adjoint") or generated(fn))


def _user_call(value, callee, tree, source, locals_) -> Prim:
    """A call to the user's own function: differentiated through its own adjoint
    (a decorated one is its wrapper, bound by the parameters adjoint reads it with;
    one given functions as arguments is specialised on them, function_args.py)."""
    from .callees import bind, bind_signature
    from .function_args import source_tree, specialize
    if tree is None and getattr(callee, "__wrapped__", None) is not None:
        tree = source_tree(callee)
    bound = bind(tree, value.args, value.keywords) if tree is not None else \
        bind_signature(callee, value.args, value.keywords)
    if bound is None:
        return Prim("opaque", value, what=f"{ir.unparse(value.func)} with arguments "
                                          "that do not match its parameters")
    callee, bound = specialize(callee, tree, bound, source, locals_)
    base = getattr(callee, "base", callee)
    for name, outer in zip(getattr(base, "captured", ()), getattr(base, "passed", ())):
        bound.append((name, gast.Name(id=outer, ctx=gast.Load(), annotation=None,
                                      type_comment=None)))  # a nested def reads these
    return Prim("call", value, None, tuple(bound), callee=callee)


def _no_function_values(nodes, source, where: str, anchor) -> None:
    """A nested def or lambda is a value only where adjoint follows it: called, or
    passed to a function of the user's (which is specialised on it)."""
    for node in nodes:
        for sub in ([node] if isinstance(node, gast.Name) else
                    getattr(node, "elts", None) or []):
            if isinstance(sub, gast.Name) and sub.id in source.nested:
                from ..errors import UnsupportedSyntaxError
                name = "a lambda" if source.nested[sub.id].node.name == "<lambda>" \
                    else f"the function {sub.id}"
                raise UnsupportedSyntaxError(
                    f"{name} is passed {where}, which adjoint does not follow "
                    f"({source.name})", source.where(anchor),
                    hint="adjoint follows a function you call, or pass to a function "
                         "of yours (a def in your module); call it here instead")


def _is_global(node, locals_):
    while isinstance(node, gast.Attribute):
        node = node.value
    return isinstance(node, gast.Name) and node.id not in locals_


def _apply(rule, value, args, keywords) -> Prim:
    if isinstance(rule, NonDiff):
        return Prim("nondiff", value)
    bound, params = [], list(rule.params)
    args = list(args)
    for p in params:
        if p.star:
            bound.append((p.name, gast.Tuple(elts=args, ctx=gast.Load())))
            args = []
        elif args:
            bound.append((p.name, args.pop(0)))
    if args:
        return Prim("opaque", value, what=f"{rule.name} with {len(args)} more arguments "
                                          f"than its rule takes ({_signature(rule)})")
    names = {p.name for p in params}
    for kw in keywords:
        if kw.arg not in names or kw.arg in dict(bound):
            return Prim("opaque", value, what=f"{rule.name} with keyword {kw.arg}=")
        bound.append((kw.arg, kw.value))
    given = dict(bound)
    for p in params:
        if p.name not in given and p.default is None and not p.star:
            if (rule.fn is builtins.max or rule.fn is builtins.min) and len(bound) == 1:
                return Prim("opaque", value, what=f"{rule.name} of one iterable")
            return Prim("opaque", value, what=f"{rule.name} without argument {p.name} "
                                              f"({_signature(rule)})")
    for flag in rule.refuses:  # a form the rule does not cover
        refused = _refused(flag, given)
        if refused:
            return Prim("opaque", value, what=f"{rule.name} with {refused}")
    order = [p.name for p in params]
    return Prim("rule", value, rule, tuple(sorted(bound, key=lambda b: order.index(b[0]))))



def _refused(flag: str, given: dict) -> str | None:
    """`flag=True` when the call sets the flag (to anything but None/False/0), or the
    flag itself (`mode='r'`) when it names a value the call passes as a constant."""
    name, _, refused = flag.partition("=")
    node = given.get(name)
    if node is None:
        return None
    constant = isinstance(node, gast.Constant)
    if refused:
        return flag if constant and node.value == ast.literal_eval(refused) else None
    return None if constant and node.value in (None, False, 0) else f"{flag}=True"


def _signature(rule) -> str:
    return f"{rule.name.rsplit('.', 1)[-1]}({', '.join(p.name for p in rule.params)})"


def no_rule_error(prim: Prim, source: Source) -> NoGradientRuleError:
    what = prim.what or ir.unparse(prim.node)
    if what.startswith("method "):
        hint = ("adjoint knows NumPy's array methods (x.sum(), x.reshape(...), x.T, ...); "
                "for a method of your own object, call a module-level function that "
                "takes the arrays, and for a module alias (la = np.linalg) write the "
                "full name (np.linalg.norm)")
    elif what.startswith(("max of one", "min of one")):
        name = what.split()[0]
        hint = (f"use np.{name}(xs) (NumPy reads a list as an array), or list the values: "
                f"{name}(a, b, c)")
    elif "more arguments than" in what or " without argument " in what:
        hint = ("call it the way its rule is written (the signature above), e.g. split "
                "an einsum of more than 4 operands into two")
    elif what.endswith(" with returned=True"):
        hint = ("leave returned out, and compute the sum of the weights yourself "
                "(np.sum(weights)): both then have gradients")
    elif what.endswith(" with hermitian=True"):
        hint = ("leave hermitian out: with it NumPy reads one triangle of the matrix "
                "only, which the rule does not follow")
    elif what.endswith((" with mode='r'", " with mode='raw'")):
        hint = "use the default mode and take R from the pair: np.linalg.qr(a)[1]"
    elif what.startswith("attribute ."):
        hint = ("attributes of a differentiated object are not differentiated: pass the "
                "arrays themselves (or a dict of arrays) as arguments")
    elif what.startswith("user function"):
        hint = ("adjoint differentiates your own functions from their source, which "
                "it cannot read here: register a rule with adjoint.rules.defrule")
    else:
        hint = ("register one: adjoint.rules.defrule(fn, 'x', x='g * <derivative>') "
                "(see README, 'Adding a gradient rule'), or compute this value outside "
                "the differentiated function")
    return NoGradientRuleError(f"no gradient rule for {what} ({source.name})",
                               source.where(prim.node), hint=hint)


def no_param_rule_error(prim: Prim, param: str, var: str,
                        source: Source) -> NoGradientRuleError:
    name = prim.rule.name
    diff = ", ".join(prim.rule.diff_params) or "none"
    return NoGradientRuleError(
        f"{name} has no gradient with respect to its parameter {param}, and {var} "
        f"passed there depends on the differentiated input ({source.name})",
        source.where(prim.node),
        hint=f"its differentiable parameters are: {diff}; compute {param} from values "
             f"that are not differentiated, or register a fuller rule with "
             f"adjoint.rules.defrule (README, 'Adding a gradient rule')")


from .records import record_attribute, record_constructor  # noqa: E402 (they make Prims)
