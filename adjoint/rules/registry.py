"""The gradient rule registry: one `Rule` per primitive, keyed by the real object.

A rule is data, not code: each differentiable parameter maps to a small Python
expression (a template) that the compiler pastes into the generated function.

Names a template may use:
    g            the adjoint (incoming gradient) of the result       (vjp)
    ans          the result of the call
    <param>      the call's arguments, by the rule's parameter names
    d<param>     the tangent of a differentiable argument            (jvp)
    np, math, rt numpy, the math module, adjoint.runtime

Registration helpers (the only functions that write the registry):
    unary(fn, "np.cos(x)")                 elementwise f(x) with derivative f'(x)
    binary(fn, "b", "a")                   elementwise f(a, b) with both partials
    defrule(fn, "x, axis=None", x="...")   anything else (vjp templates per param)
    method("sum", np.sum)                  `x.sum(...)` uses np.sum's rule
    expands(rt.f, "v, x", "...")           a helper defined by an expression
    nondiff(np.argmax, ...)                results carry no gradient
    defcustom(fn, params, vjp, ...)        a user's own rule (adjoint.custom_gradient):
                                           templates that call the user's functions
    batch(np.sum, "reduce")                how vmap applies it to a batch (batching.py)
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field, replace

REQUIRED = object()  # marker: a parameter without a default


@dataclass(frozen=True)
class Param:
    name: str
    default: str | None = None  # source text of the default; None = required
    star: bool = False          # a *args parameter (binds a tuple)


@dataclass(frozen=True)
class Rule:
    fn: object
    name: str                         # qualified name, e.g. "numpy.sin"
    params: tuple[Param, ...]
    vjp: dict[str, str]               # param -> adjoint contribution template
    jvp: dict[str, str] = field(default_factory=dict)  # param -> tangent template
    broadcast: bool = False           # unbroadcast each vjp to its param's shape
    elementwise: bool = False
    refuses: tuple[str, ...] = ()     # flags (or flag=value) the rule does not cover
    custom: object = None             # custom.Custom: a rule the user gave (templates
                                      # call the user's vjp/jvp functions by name)
    refuses: tuple[str, ...] = ()     # flags that change the result beyond the rule
    batch: tuple = ()                 # vmap: (policy, (option, value), ...); () = the
    #                                   default (elementwise for elementwise rules)

    @property
    def diff_params(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params if p.name in self.vjp)


@dataclass(frozen=True)
class Expansion:
    """A runtime helper defined by an expression of functions that have rules."""
    fn: object
    name: str
    params: tuple[Param, ...]
    template: str


@dataclass(frozen=True)
class NonDiff:
    fn: object
    name: str
    batch: tuple = ()


@dataclass(frozen=True)
class BatchOnly:
    """A function vmap can batch that has no gradient rule (and is not known to have
    none): `np.linalg.eigh`, ... Differentiating through it stays an error."""

    fn: object
    name: str
    batch: tuple = ()


_RULES: dict[int, Rule] = {}          # id(fn) -> Rule (objects may be unhashable)
_KEEP: dict[int, object] = {}         # keeps keys alive so ids stay unique
_NONDIFF: dict[int, NonDiff] = {}
_BATCH_ONLY: dict[int, BatchOnly] = {}
_METHODS: dict[str, object] = {}      # ndarray method name -> function with a rule
_ATTRS: dict[str, Rule] = {}          # attribute name (e.g. "T") -> rule on `self`
_EXPANSIONS: dict[int, "Expansion"] = {}  # id(helper) -> its defining expression
_CHANGES = [0]                        # bumped by every registration (disk_cache.py)
_GLOBALS: dict[str, object] = {}      # name a custom rule's template calls -> function


def qualname(fn) -> str:
    mod = getattr(fn, "__module__", None) or ""
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", repr(fn))
    if isinstance(fn, type(abs)) and mod == "builtins":
        return name
    if mod.startswith("numpy"):
        mod = "numpy" + (".linalg" if "linalg" in mod else "")
    if mod.startswith("scipy.special"):
        mod = "scipy.special"
    if mod == "_operator":
        mod = "operator"
    return f"{mod}.{name}" if mod else name


def parse_signature(sig: str) -> tuple[Param, ...]:
    params = []
    for part in _split_top(sig):
        part = part.strip()
        if not part:
            continue
        if part.startswith("*"):
            params.append(Param(part[1:], star=True))
        elif "=" in part:
            name, default = part.split("=", 1)
            params.append(Param(name.strip(), default.strip()))
        else:
            params.append(Param(part))
    return tuple(params)


def _split_top(text: str) -> list[str]:
    """Split on commas that are not inside brackets."""
    out, depth, cur = [], 0, ""
    for ch in text:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return out


def _register(rule: Rule) -> Rule:
    for template in list(rule.vjp.values()) + list(rule.jvp.values()):
        bad = re.findall(r"\by\b", template) if "y" not in {p.name for p in rule.params} \
            else ()
        assert not bad, f"{rule.name}: templates use `ans` for the result, not `y`"
    _RULES[id(rule.fn)] = rule
    _KEEP[id(rule.fn)] = rule.fn
    _CHANGES[0] += 1
    return rule


def defrule(fn, signature: str, *, name: str | None = None, broadcast=False,
            jvp: dict[str, str] | None = None, refuses: tuple[str, ...] = (),
            **vjp: str) -> Rule:
    """A general rule: `vjp` maps parameter names to adjoint templates. A call that
    sets a parameter named in `refuses` (to anything but None/False/0), or passes the
    constant a `refuses` entry such as "mode='r'" names, has no rule."""
    return _register(Rule(fn, name or qualname(fn), parse_signature(signature),
                          dict(vjp), dict(jvp or {}), broadcast, refuses=tuple(refuses)))


def unary(fn, derivative: str, *, signature: str = "x", name: str | None = None):
    """Elementwise f(x): d/dx = `derivative` (may use x and ans)."""
    return _register(Rule(fn, name or qualname(fn), parse_signature(signature),
                          {"x": _times("g", derivative)},
                          {"x": _times("dx", derivative)}, False, True))


def _times(g: str, derivative: str) -> str:
    """`g * (derivative)`, written `g / (e)` when the derivative is `1.0 / e`: one
    array operation instead of two (log, divide, the inverse trigonometric rules)."""
    node = ast.parse(derivative, mode="eval").body
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) \
            and isinstance(node.left, ast.Constant) and node.left.value == 1.0:
        return f"{g} / ({ast.unparse(node.right)})"
    return f"{g} * ({derivative})"


def binary(fn, da: str | None, db: str | None, *, signature: str = "a, b",
           name: str | None = None) -> Rule:
    """Elementwise f(a, b) with partials da, db (None: not differentiable)."""
    vjp, jvp = {}, {}
    for p, d in (("a", da), ("b", db)):
        if d is None:
            continue
        vjp[p] = "g" if d == "1" else "-g" if d == "-1" else _times("g", d)
        jvp[p] = f"d{p}" if d == "1" else f"-d{p}" if d == "-1" else _times(f"d{p}", d)
    return _register(Rule(fn, name or qualname(fn), parse_signature(signature),
                          vjp, jvp, True, True))


def defcustom(fn, name: str, params: tuple[Param, ...], vjp: dict[str, str],
              jvp: dict[str, str], custom, functions: dict[str, object]) -> Rule:
    """A rule the user defined with `adjoint.custom_gradient`: its templates call the
    user's own functions, by the names in `functions` (see `template_name`)."""
    _GLOBALS.update(functions)
    return _register(Rule(fn, name, params, dict(vjp), dict(jvp), custom=custom))


def template_name(fn) -> str:
    """The name templates call `fn` by: its own, or `<name>_2`, ... when another
    function of that name is already called by a custom rule."""
    base = fn.__name__
    name, n = base, 2
    while _GLOBALS.get(name, fn) is not fn:
        name, n = f"{base}_{n}", n + 1
    return name


def template_global(name: str):
    """The user function a custom rule's template calls by `name`, or None."""
    return _GLOBALS.get(name)


def method(name: str, fn) -> None:
    """`x.name(...)` on an array uses the rule of `fn(x, ...)`."""
    _METHODS[name] = fn
    _CHANGES[0] += 1


def attribute(name: str, vjp: str, jvp: str) -> None:
    """An array attribute such as `.T`; templates use `self`."""
    _ATTRS[name] = Rule(None, f"ndarray.{name}", (Param("self"),),
                        {"self": vjp}, {"self": jvp})
    _CHANGES[0] += 1


def expands(fn, signature: str, template: str, *, name: str | None = None) -> None:
    """A runtime helper (called by rule templates) that equals `template`, an
    expression of its parameters and of functions with rules. The helper computes
    first derivatives efficiently; a gradient that calls it and is differentiated
    again has the call replaced by the expression (frontend/normalize), so the
    helper needs no rule of its own. tests/test_rules.py checks that both agree."""
    _EXPANSIONS[id(fn)] = Expansion(fn, name or qualname(fn), parse_signature(signature),
                                    template)
    _KEEP[id(fn)] = fn
    _CHANGES[0] += 1


def nondiff(*fns) -> None:
    for fn in fns:
        _NONDIFF[id(fn)] = NonDiff(fn, qualname(fn))
        _KEEP[id(fn)] = fn
    _CHANGES[0] += 1


def batch(fn, policy: str, **options) -> None:
    """How vmap applies `fn` to a batch: a policy of adjoint/batching/policies (e.g.
    "reduce") with its options, set on fn's rule (or its no-gradient entry)."""
    entry = (policy,) + tuple(sorted(options.items()))
    key = id(fn)
    if key in _RULES:
        _RULES[key] = replace(_RULES[key], batch=entry)
    elif key in _NONDIFF:
        _NONDIFF[key] = replace(_NONDIFF[key], batch=entry)
    else:
        _BATCH_ONLY[key] = BatchOnly(fn, qualname(fn), entry)
        _KEEP[key] = fn
    _CHANGES[0] += 1


def lookup_batch(fn) -> tuple | None:
    """The batching entry of `fn` (policy, options...), () for a rule without one, or
    None for a function the registry does not know."""
    entry = _RULES.get(id(fn)) or _NONDIFF.get(id(fn)) or _BATCH_ONLY.get(id(fn))
    return None if entry is None else entry.batch


def changes() -> int:
    """How many registrations there have been (a cheap test for "changed since")."""
    return _CHANGES[0]


def describe() -> str:
    """The registry's whole content as text (the disk cache's key covers it)."""
    lines = [repr((r.name, r.params, sorted(r.vjp.items()), sorted(r.jvp.items()),
                   r.broadcast, r.elementwise, r.refuses, r.batch)) for r in _RULES.values()]
    lines += [f"nondiff {r.name} {r.batch}" for r in _NONDIFF.values()]
    lines += [f"batch {r.name} {r.batch}" for r in _BATCH_ONLY.values()]
    lines += [f"method {k} {qualname(v)}" for k, v in _METHODS.items()]
    lines += [repr((k, r.vjp, r.jvp)) for k, r in _ATTRS.items()]
    lines += [repr((e.name, e.params, e.template)) for e in _EXPANSIONS.values()]
    return "\n".join(lines)


def lookup(fn) -> Rule | NonDiff | None:
    return _RULES.get(id(fn)) or _NONDIFF.get(id(fn))


def lookup_expansion(fn) -> Expansion | None:
    return _EXPANSIONS.get(id(fn))


def all_expansions() -> list[Expansion]:
    return sorted(_EXPANSIONS.values(), key=lambda e: e.name)


def lookup_method(name: str):
    fn = _METHODS.get(name)
    return (fn, lookup(fn)) if fn is not None else (None, None)


def lookup_attribute(name: str) -> Rule | None:
    return _ATTRS.get(name)


def all_rules() -> list[Rule]:
    """adjoint's own rules and those registered with defrule/unary/binary (not the
    custom gradients, whose templates call functions of the user's)."""
    return sorted((r for r in _RULES.values() if r.custom is None), key=lambda r: r.name)


def all_batch_only() -> list[BatchOnly]:
    return sorted(_BATCH_ONLY.values(), key=lambda r: r.name)


def all_nondiff() -> list[NonDiff]:
    return sorted(_NONDIFF.values(), key=lambda r: r.name)


def all_methods() -> dict[str, object]:
    return dict(sorted(_METHODS.items()))
