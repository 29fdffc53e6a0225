"""Runtime helpers for walking dicts (`for k in d`, `d.items()`, `d.values()`,
`d.get`): each helper's transpose is another helper here, so every one has a rule
(rules/helpers_second_order.py) and second derivatives pass through them."""
from __future__ import annotations

from .adjoints import container_zeros, zeros_like
from .grad_containers import DICT_VIEWS, GradDict, GradList, _add, is_container


def as_sequence(x):
    """What a `for` loop walks, as something indexable: a dict's keys, a dict view as
    a list; arrays, lists and tuples unchanged."""
    return list(x) if isinstance(x, dict) or isinstance(x, DICT_VIEWS) else x


def sequence_jvp(dx):
    """Tangent of `as_sequence(x)` from the tangent `dx` of what is walked: keys have
    none (0.0), an item's key neither; a sequence's elements are their own."""
    if isinstance(dx, (dict, type({}.keys()))):
        return [0.0] * len(dx)
    if isinstance(dx, type({}.items())):
        return [(0.0, v) for _, v in dx]
    return as_sequence(dx)


def sequence_grad(g, x):
    """Adjoint of `as_sequence(x)`: keys carry no gradient; a sequence passes it on."""
    return zeros_like_container(x) if isinstance(x, dict) else g


def dict_items(d):
    return list(d.items())


def items_jvp(dd, d):
    """Tangent of `list(d.items())` from the tangent dict, in d's key order (the
    tangent dict may list its keys in another order): keys have none (0.0)."""
    return [(0.0, dd[k]) for k in d]


def values_jvp(dd, d):
    """Tangent of `list(d.values())`, in d's key order."""
    return [dd[k] for k in d]


def items_grad(g, d):
    """Adjoint of `list(d.items())` in d: each pair's second adjoint, by key."""
    g = g if is_container(g) else [0.0] * len(d)
    return GradDict((k, _second(gi)) for k, gi in zip(d, g))


def items_spread(g, d):
    """The transpose of `items_grad`: a dict's adjoints as (key, value) pair adjoints."""
    return GradList(GradList([0.0, g[k] if is_container(g) else 0.0]) for k in d)


def dict_keys(d):
    return list(d)


def dict_values(d):
    return list(d.values())


def values_grad(g, d):
    """Adjoint of `list(d.values())` in d: the list's adjoints, by key."""
    g = g if is_container(g) else [0.0] * len(d)
    return GradDict((k, gi) for k, gi in zip(d, g))


def dict_get(d, key, default=None):
    """`d.get(key, default)`."""
    return d.get(key, default)


def get_grad(g, d, key):
    """Adjoint of `d.get(key, default)` in d: `g` at key when d has it, else zeros."""
    out = container_zeros(d)
    if key in d:
        out[key] = _add(out[key], g)
    return out


def get_pick(g, d, key):
    """The transpose of `get_grad`: g's entry at key when d has it, else 0.0."""
    return g[key] if key in d and is_container(g) else 0.0


def get_default(g, d, key, default=0.0):
    """The part of `d.get(key, default)`'s adjoint (or tangent) that reaches
    `default`: all of it when d lacks key, none (zeros like default) otherwise."""
    return zeros_like(default) if key in d else g


def values_spread(g, d):
    """The transpose of `values_grad`: a dict's adjoints in key order."""
    return GradList(g[k] if is_container(g) else 0.0 for k in d)


def _second(pair):
    return pair[1] if is_container(pair) else 0.0


def zeros_like_container(x):
    return zeros_like(x)
