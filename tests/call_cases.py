"""Functions that call the user's own functions (test_calls.py)."""
import math

import numpy as np

from call_helpers import softplus_sum


def square_sum(v, scale=1.0):
    return np.sum(v * v) * scale


def power(x, n):
    if n == 0:
        return 1.0
    return x * power(x, n - 1)


def layer(W, h):
    return np.tanh(W @ h)


def moments(v):
    return np.mean(v), np.mean(v * v)


def uses_module_function(x, w):
    a = square_sum(x * w)
    b = square_sum(x, scale=2.0)
    return a + b


def uses_imported_function(x):
    return softplus_sum(x, beta=2.0) + softplus_sum(x * x)


def uses_recursion(x, n):
    return power(x, n) + power(x, 2)


def calls_in_loop_and_branch(W, h, flip):
    for t in range(3):
        h = layer(W, h)
        if flip:
            h = -layer(W, h)
    return np.sum(h)


def closure_captures_differentiated(x):
    w = x * 2.0

    def g(t):
        return t * w + math.sin(t)
    return g(x) + g(3.0)


def lambda_applied_twice(x):
    sq = lambda t: t * t * x  # noqa: E731
    return sq(2.0) + sq(x)


def nested_closure_inactive(x):
    k = 3.0

    def scale(t):
        return t * k
    c = scale(2.0)
    return x * c


def tuple_return(v):
    m, s = moments(v)
    return m * s + s


def builtins_mix(xs, y):
    total = 0.0
    for i, x in enumerate(xs):
        total = total + abs(x) * float(i + 1)
    n = len(xs)
    big = max(y, 0.5) + min(y, 2.0)
    if isinstance(n, int):
        total = total * big / n
    return total + int(3.7) * y


def nested_calls_sibling(x, w):
    def act(z):
        return np.tanh(z) * 0.5 + 0.5 * z

    def layer(v, scale=1.0):
        return act(w @ v) * scale

    return np.sum(layer(layer(x), scale=2.0))


def nested_uses_lambda(x):
    sq = lambda t: t * t  # noqa: E731

    def f(t):
        return sq(t) + math.sin(t)
    return f(x) * f(2.0 * x)


def _scaled_copy(v):
    v = v.copy()
    v[0] = v[0] * 2.0
    return v


def helper_copies_then_writes(x):
    y = _scaled_copy(x * 1.0)
    return np.sum(y * y)


# ---- helpers whose loops keep temporaries (their backward reads the values the loop
# left, before its first pop restores older ones)
def _squares(x):
    s = 0.0
    for i in range(len(x)):
        s = s + x[i] * x[i]
    return s


def helper_loop_temporaries(y, a):
    return _squares(np.array([y, a]))


def _relax(y, a):
    for _ in range(4):
        y = np.sin(y) * a
    return y


def _shrink_until(y, a):
    while y > 0.1:
        y = y - a * y
    return y


def _comprehended(y, a):
    return sum([np.sin(a * y) * k for k in range(3)])


def helpers_with_loops(y, a):
    return _relax(y, a) + _shrink_until(y, a) + _comprehended(y, a)


def _rk4_step(s, dt, k):
    def rate(v):
        return np.array([v[1], -k * np.sin(v[0])])
    k1 = rate(s)
    k2 = rate(s + 0.5 * dt * k1)
    k3 = rate(s + 0.5 * dt * k2)
    k4 = rate(s + dt * k3)
    return s + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def _integrate(s, k):
    for _ in range(5):
        s = _rk4_step(s, 0.1, k)
    return s


def pendulum_helper(theta0, k):
    s = _integrate(np.array([theta0, 0.0]), k)
    return s[0] ** 2 + s[1]


# ---- a container parameter passed to two of the user's functions: the callee
# gradients are added item by item (a plain list would concatenate)
def _sq_first(p):
    return np.sum(p[0] ** 2)


def _sin_first(p):
    return np.sum(np.sin(p[0])) + p[1] * 2.0


def list_to_two_helpers(p):
    return _sq_first(p) + _sin_first(p)


def _dict_sq(d):
    return np.sum(d["w"] ** 2)


def _dict_sin(d):
    return np.sum(np.sin(d["w"])) * d["b"]


def dict_to_two_helpers(d):
    return _dict_sq(d) + _dict_sin(d)


def _cell(x, p):
    return np.tanh(x * p["w"] + p["b"])


def dict_to_a_helper_in_a_loop(p, xs):
    s = 0.0
    for t in range(xs.shape[0]):
        s = s + np.sum(_cell(xs[t], p) ** 2)
    return s


def _fill_by_items(x):
    acc = np.zeros_like(x)
    for i in range(x.shape[0]):
        acc[i] = np.sin(x[i]) * x[i]
    return acc


def _stack_by_append(xs, w):
    outs = []
    for t in range(xs.shape[0]):
        outs.append(np.tanh(xs[t] * w))
    return np.stack(outs)


def helpers_writing_their_own_locals(x):
    return np.sum(_fill_by_items(x) ** 2) + np.sum(_stack_by_append(np.outer(x, x), x) ** 2)


def _weighted_items(items, x):
    s = 0.0
    for i, (c, r) in enumerate(items):
        s = s + np.sum(c * x) * r * r
    return s


def ragged_items_to_a_helper(r0, x):
    items = [(np.array([1.0, 2.0]), r0), (np.array([-0.5, 0.1]), 0.6)]
    return _weighted_items(items, x) * r0


def _affine_loss(w, b, X):
    return np.mean((X @ w + b) ** 2)


def parameters_stepped_in_a_loop(w, b, X):
    total = 0.0
    for step in range(3):
        total = total + _affine_loss(w, b, X)
        b = b - 0.1 * np.mean(X @ w + b)   # b's old value is kept only as a shape
        w = w - 0.1 * X.T @ (X @ w + b)
    return total + _affine_loss(w, b, X)
