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
    then array methods and attributes; with `nondiff`, the zero-gradient functions."""
    if nondiff:
        return [f"{r.name}  (no gradient)" for r in all_nondiff()]
    rules = [r for r in all_rules() if not r.name.startswith("rt.")]  # internal helpers
    width = max(len(r.name) for r in rules) + 2
    lines = [f"{r.name.ljust(width)}wrt {', '.join(r.diff_params)}  ({_signature(r)})"
             for r in rules]
    for name, fn in all_methods().items():
        rule = lookup(fn)
        kind = f"as {rule.name}" if isinstance(rule, Rule) else "no gradient"
        lines.append(f"{('numpy.ndarray.' + name).ljust(width)}{kind}")
    for name in sorted(_ATTRS):
        lines.append(f"{('numpy.ndarray.' + name).ljust(width)}wrt self")
    return lines
