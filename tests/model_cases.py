"""Functions of the kind users bring: small models and numerical kernels written the
way one writes them in plain NumPy (loops over slices, dict parameters, branches)."""
import math

import numpy as np


def attention(Q, K, V):
    scores = Q @ K.T / math.sqrt(Q.shape[1])
    scores = scores - np.max(scores, axis=1, keepdims=True)
    w = np.exp(scores)
    w = w / np.sum(w, axis=1, keepdims=True)
    return np.sum((w @ V) ** 2)


def conv1d(x, k):
    n, m = len(x), len(k)
    out = np.zeros(n - m + 1)
    for i in range(n - m + 1):
        out[i] = np.sum(x[i:i + m] * k)
    return np.sum(np.tanh(out))


def kmeans_energy(X, C):
    total = 0.0
    for x in X:
        d = np.sum((C - x) ** 2, axis=1)
        total = total + np.min(d)
    return total


def layernorm(x, g, b):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    y = (x - mu) / np.sqrt(var + 1e-5) * g + b
    return np.sum(y * y * 0.5)


def huber(r, delta):
    total = 0.0
    for v in r:
        a = abs(v)
        if a <= delta:
            total += 0.5 * v * v
        else:
            total += delta * (a - 0.5 * delta)
    return total


def euler_ode(y0, k, steps):
    y = y0
    dt = 0.1
    trajectory = []
    for _ in range(steps):
        dy = -k * y + np.sin(y)
        y = y + dt * dy
        trajectory.append(y)
    return np.sum(np.stack(trajectory) ** 2)


def piecewise(x):
    out = np.where(x > 0, x ** 2, -0.5 * x)
    out = np.clip(out, -1.0, 3.0)
    return np.sum(out * np.cos(x))


def horner(c, x):
    acc = 0.0
    for coef in c[::-1]:
        acc = acc * x + coef
    return np.sum(acc)


def cumulative_stats(x):
    c = np.cumsum(x)
    p = np.cumprod(1.0 + 0.1 * x)
    return np.sum(c * p) + np.var(x) + np.std(x, ddof=1)


def fancy_indexing(X, idx):
    a = X[idx]
    b = X[:, 1]
    c = X[X[:, 0] > 0, :]
    return np.sum(a ** 2) + np.sum(b) * np.sum(c)


def fixed_point(x):
    i = 0
    while True:
        x = x * 0.9 + 0.05 * math.sin(x)
        i += 1
        if i >= 7:
            break
    return x


def augmented_slices(x):
    y = x.copy()
    y[1:3] *= 2.0
    y[0] -= y[3]
    return np.sum(y ** 2)


def outer_broadcast(x, y):
    return np.sum(np.tanh(x[:, None] * y[None, :]))


def strided_products(x):
    n = x.shape[0]
    total = 0.0
    for i in range(n // 2):
        total = total + x[2 * i] * x[n - 1 - i % n]
    return total


def optional_mask(x, mask=None):
    if mask is not None:
        x = x * mask
    return np.sum(np.sin(x))


def dict_model(p, x):
    h = np.tanh(p["W"] @ x + p["b"])
    return np.sum(h ** 2) + 0.1 * np.sum(p["W"] ** 2)


def dict_items_penalty(p, x):
    total = 0.0
    for name, w in p.items():
        total = total + np.sum((w * x) ** 2)
    return total


def relu_mlp(W1, W2, x):
    h = np.maximum(W1 @ x, 0.0)
    return np.sum(np.logaddexp(0.0, W2 @ h))


def softmax_xent(W, X, y):
    logits = X @ W
    logits = logits - logits.max(axis=1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return -np.mean(logp[np.arange(X.shape[0]), y])


def solve_loss(A, b):
    z = np.linalg.solve(A + 3.0 * np.eye(A.shape[0]), b)
    return np.linalg.norm(z) ** 2


def einsum_loss(A, B):
    C = np.einsum("ij,jk->ik", A, B)
    return np.einsum("ij,ij->", C, C)


def methods_mix(x):
    y = x.reshape(-1)
    z = y.clip(-0.5, 0.5)
    return z.sum() + x.max() + x.mean(axis=(0, 1)) + np.log1p(x ** 2).sum() + np.expm1(x).sum()


def rec_array(x, n):
    if n == 0:
        return np.sum(x)
    return rec_array(np.sin(x) * 1.1, n - 1)


def matrix_power_loop(A):
    P = np.eye(A.shape[0])
    for _ in range(3):
        P = P @ A
    return np.trace(P)


def det_logdet(A):
    sign, logdet = np.linalg.slogdet(A @ A.T + np.eye(A.shape[0]))
    return logdet + np.linalg.det(A)


def cumulative_max_branch(xs):
    best = -1e9
    total = 0.0
    for x in xs:
        if x > best:
            best = x
        total = total + best * x
    return total


def heat_equation(u0, alpha):
    u = u0
    for _ in range(3):
        lap = np.zeros_like(u)
        lap[1:-1] = u[2:] - 2 * u[1:-1] + u[:-2]
        u = u + alpha * lap
    return np.sum(u ** 2)
