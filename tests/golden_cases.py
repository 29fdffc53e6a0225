"""Functions whose generated gradients are pinned in tests/golden/<name>.txt.

Each case: (function, wrt, a function of a seeded rng returning the arguments).
Every case is also checked against finite differences in test_golden.py.
"""
import math

import numpy as np

LEARNING_RATE = 0.1


def tutorial_mean(x):
    y = x * 2
    return y.mean()


def linear_loss(w, b, x, y_true):
    y_pred = w * x + b
    return np.sum((y_pred - y_true) ** 2)


def two_layer_tanh(W1, b1, W2, b2, x, y):
    h = np.tanh(W1 @ x + b1)
    out = W2 @ h + b2
    return np.sum((out - y) ** 2)


def softmax_xent(W, X, labels_onehot):
    z = X @ W
    z = z - np.max(z, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(np.sum(labels_onehot * logp, axis=1))


def broadcast_affine(a, b, c):
    return np.sum(a * b - c / (1.0 + b * b))


def reassign(x, y):
    z = x * y
    z = np.sin(z)
    z += x
    z *= z
    return np.sum(z)


def swap(a, b):
    a, b = b, a * b
    return a * b + a


def scalar_math(x):
    y = math.sin(x) * LEARNING_RATE + math.exp(x) / math.sqrt(x)
    return math.tanh(y)


def slices(x):
    head = x[:2, ::2]
    tail = x[-1, None]
    return np.sum(head * head) + np.sum(np.cos(tail))


def shapes(A, v):
    C = A.T @ A
    D = C.reshape(-1)
    return np.dot(D, D) + v @ C @ v


def rnn(Wh, Wx, xs, h):
    for t in range(xs.shape[0]):
        h = np.tanh(Wh @ h + Wx @ xs[t])
    return np.sum(h * h)


def branchy_loop(x, a):
    for i in range(20):
        if x > 0.5:
            x = math.sin(x) * a + 0.1
        else:
            x = math.cos(x) * a
    return x


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-12:
        x = 0.5 * (x + a / x)
    return x


def break_loop(x, limit):
    s = 0.0
    for i in range(10):
        s = s + math.sin(x * i)
        if s > limit:
            break
        s = s * x
    return s


def continue_rows(X, w):
    total = 0.0
    for row in X:
        if row[0] < 0:
            continue
        total = total + np.tanh(row @ w)
    return total


def early_return(x):
    if x > 1.0:
        return x * x
    y = math.sin(x)
    return y * 3.0


def append_stack(x):
    rows = []
    for i in range(x.shape[0]):
        rows.append(np.sin(x[i]) * x)
    return np.sum(np.stack(rows) ** 2)


def write_loop(x):
    y = np.zeros(x.shape[0])
    for i in range(1, x.shape[0]):
        y[i] = y[i - 1] * 0.5 + x[i] ** 2
    return np.sum(y * x)


def write_copy(x, w):
    y = x.copy()
    y[1:] += w * x[:-1]
    parts = [y[1:], np.sin(w)]
    return np.sum(sum(parts) ** 2)


def power(x, n):
    if n == 0:
        return 1.0
    return x * power(x, n - 1)


def calls_recursion(x):
    return power(x, 3) + 2.0 * power(x, 1)


def calls_closure(W, xs):
    def layer(v):
        return np.tanh(W @ v)
    total = 0.0
    for v in xs:
        total = total + np.sum(layer(v) ** 2)
    return total


def _onehot(rng):
    return np.eye(3)[rng.integers(0, 3, size=5)]


CASES = {
    "tutorial_mean": (tutorial_mean, 0, lambda r: [r.normal(size=3)]),
    "linear_loss": (linear_loss, ("w", "b"), lambda r: [1.0, 0.0, 2.0, 4.0]),
    "two_layer_tanh": (two_layer_tanh, ("W1", "W2"), lambda r: [
        r.normal(size=(4, 3)), r.normal(size=4), r.normal(size=(2, 4)),
        r.normal(size=2), r.normal(size=3), r.normal(size=2)]),
    "softmax_xent": (softmax_xent, 0, lambda r: [r.normal(size=(4, 3)),
                                                 r.normal(size=(5, 4)), _onehot(r)]),
    "broadcast_affine": (broadcast_affine, (0, 1, 2), lambda r: [
        r.normal(size=(3, 1)), r.normal(size=(1, 4)), r.normal(size=())]),
    "reassign": (reassign, (0, 1), lambda r: [r.normal(size=3), r.normal(size=3)]),
    "swap": (swap, (0, 1), lambda r: [1.3, -0.7]),
    "scalar_math": (scalar_math, 0, lambda r: [0.7]),
    "slices": (slices, 0, lambda r: [r.normal(size=(3, 4))]),
    "shapes": (shapes, (0, 1), lambda r: [r.normal(size=(3, 2)), r.normal(size=2)]),
    "rnn": (rnn, "Wh", lambda r: [0.5 * r.normal(size=(4, 4)), r.normal(size=(4, 2)),
                                  r.normal(size=(6, 2)), r.normal(size=4)]),
    "branchy_loop": (branchy_loop, (0, 1), lambda r: [0.3, 1.2]),
    "newton_sqrt": (newton_sqrt, 0, lambda r: [2.0]),
    "break_loop": (break_loop, 0, lambda r: [0.7, 1.0]),
    "continue_rows": (continue_rows, (0, 1), lambda r: [r.normal(size=(5, 3)),
                                                          r.normal(size=3)]),
    "early_return": (early_return, 0, lambda r: [0.5]),
    "calls_recursion": (calls_recursion, 0, lambda r: [1.3]),
    "calls_closure": (calls_closure, "W", lambda r: [0.5 * r.normal(size=(3, 3)),
                                                    r.normal(size=(4, 3))]),
    "append_stack": (append_stack, 0, lambda r: [r.normal(size=3)]),
    "write_loop": (write_loop, 0, lambda r: [r.normal(size=4)]),
    "write_copy": (write_copy, (0, 1), lambda r: [r.normal(size=4), r.normal(size=3)]),
}
