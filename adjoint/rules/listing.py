"""One line per registered function, for `adjoint rules` (and `--nondiff`)."""
from __future__ import annotations

from .registry import _ATTRS, Rule, all_methods, all_nondiff, all_rules, lookup


def _signature(rule) -> str:
    parts = []
    for p in rule.params:
        parts.append(("*" if p.star else "") + p.name +
                     (f"={p.default}" if p.default is not None else ""))
    return ", ".join(parts)


def listing(nondiff: bool = False) -> list[str]:
    """Differentiable functions as `name  wrt params  (signature)`, sorted by name,
    then array and dict methods and attributes; with `nondiff`, the functions and
    methods known to carry no gradient. adjoint's own helpers are left out of both."""
    methods = [(_method_name(name, fn), lookup(fn)) for name, fn in all_methods().items()]
    if nondiff:
        names = [r.name for r in all_nondiff() if not r.name.startswith(("adjoint.", "rt."))]
        names += [m for m, rule in methods if not isinstance(rule, Rule)]
        return [f"{n}  (no gradient)" for n in sorted(set(names), key=str.lower)]
    rules = [r for r in all_rules() if not r.name.startswith("rt.")]  # internal helpers
    width = max(len(r.name) for r in rules) + 2
    lines = [f"{r.name.ljust(width)}wrt {', '.join(r.diff_params)}  ({_signature(r)})"
             for r in rules]
    for name, rule in methods:
        if isinstance(rule, Rule):
            lines.append(f"{name.ljust(width)}as {rule.name}")
    for name in sorted(_ATTRS):
        lines.append(f"{('numpy.ndarray.' + name).ljust(width)}wrt self")
    return lines


def _method_name(name, fn) -> str:
    """`numpy.ndarray.sum`, `str.startswith`, or `dict.items` for the dict methods
    adjoint follows (its own helpers)."""
    if getattr(fn, "__objclass__", None) is str:
        return f"str.{name}"
    owner = "dict" if (getattr(fn, "__module__", "") or "").startswith("adjoint.") \
        else "numpy.ndarray"
    return f"{owner}.{name}"
