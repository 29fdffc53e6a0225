"""Benchmark workloads: plain NumPy functions plus seeded input generators.

Each function is written once against the module-level names `np` and `math`.
Peers (autograd, JAX, PyTorch) run the very same code object with those two
names rebound to their own array module (see `systems.rebind`), so every
system differentiates identical source.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Workload:
    """A function, how to make its inputs, and which arguments to differentiate."""

    name: str
    fn: Callable
    make_inputs: Callable[[], tuple]
    wrt: tuple[int, ...]
    description: str


def _rng():
    return np.random.default_rng(0)


# ---- scalar workloads ---------------------------------------------------------

def scalar_loop(x, a):
    s = 0.0
    for i in range(100):
        if x > 0.5:
            x = math.sin(x) * a + 0.1
        else:
            x = math.cos(x) * a
        s = s + math.exp(-x) * x
    return s


def poly(x):
    return 3.0 * x ** 4 - 2.0 * x ** 3 + 0.5 * x ** 2 - 5.0 * x + 1.0


# ---- array workloads ----------------------------------------------------------

def logreg(w, X, y):
    z = X @ w
    losses = np.maximum(z, 0.0) + np.log(1.0 + np.exp(-np.abs(z))) - y * z
    return np.mean(losses)


def mlp(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    zmax = np.max(z, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(z - zmax), axis=1, keepdims=True)) + zmax
    return -np.mean(np.sum(Y * (z - lse), axis=1))


def rnn(Wh, Wx, xs, h0):
    h = h0
    for t in range(len(xs)):
        h = np.tanh(Wh @ h + Wx @ xs[t])
    return np.sum(h * h)


def elementwise(x):
    return np.sum(np.tanh(np.sin(x) * x + np.exp(-x)))


def gmm(alphas, means, icf, x, R, rowsel, colsel, group, diagmask, const,
        gamma, m):
    """ADBench/GradBench GMM objective, vectorised with constant selector matrices.

    Row k*d+r of `Q` is row r of component k's factor Q_k = diag(exp(q_k)) + L_k,
    so `x @ Q.T - b` holds Q_k (x_i - mu_k) for every point i and component k.
    """
    e = np.exp(icf) * diagmask + icf * (1.0 - diagmask)
    Q = ((R @ e) * rowsel) @ colsel
    b = np.sum(Q * (R @ means), axis=1)
    sum_qs = icf @ diagmask
    lx = x @ Q.T - b
    inner = alphas + sum_qs - 0.5 * ((lx * lx) @ group)
    imax = np.max(inner, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(inner - imax), axis=1, keepdims=True)) + imax
    amax = np.max(alphas)
    lse_alpha = np.log(np.sum(np.exp(alphas - amax))) + amax
    prior = 0.5 * gamma * gamma * np.sum(e * e) - m * np.sum(sum_qs)
    return const + np.sum(lse) - len(x) * lse_alpha + prior


# ---- input generators ---------------------------------------------------------

def scalar_loop_inputs():
    return (0.3, 0.9)


def poly_inputs():
    return (1.3,)


def logreg_inputs(n=1000, d=100):
    rng = _rng()
    X = rng.standard_normal((n, d))
    w_true = rng.standard_normal(d) / math.sqrt(d)
    y = (X @ w_true + 0.5 * rng.standard_normal(n) > 0).astype(float)
    return (0.1 * rng.standard_normal(d), X, y)


def mlp_inputs(batch=64, d_in=784, hidden=128, d_out=10):
    rng = _rng()
    W1 = rng.standard_normal((d_in, hidden)) / math.sqrt(d_in)
    W2 = rng.standard_normal((hidden, d_out)) / math.sqrt(hidden)
    X = rng.random((batch, d_in))
    Y = np.eye(d_out)[rng.integers(0, d_out, batch)]
    return (W1, np.zeros(hidden), W2, np.zeros(d_out), X, Y)


def rnn_inputs(steps=50, hidden=64, d_in=32):
    rng = _rng()
    Wh = 0.5 * rng.standard_normal((hidden, hidden)) / math.sqrt(hidden)
    Wx = rng.standard_normal((hidden, d_in)) / math.sqrt(d_in)
    xs = rng.standard_normal((steps, d_in))
    return (Wh, Wx, xs, np.zeros(hidden))


def elementwise_inputs(size=10 ** 6):
    return (_rng().uniform(-2.0, 2.0, size),)


def _multigammaln(a, p):
    out = 0.25 * p * (p - 1) * math.log(math.pi)
    return out + sum(math.lgamma(a + 0.5 * (1 - j)) for j in range(1, p + 1))


def gmm_structure(d, k):
    """Constant 0/1 matrices mapping an icf row (log-diagonal, then the strictly
    lower triangle column by column) onto the rows of Q_k, stacked over k."""
    p = d + d * (d - 1) // 2
    rows, cols = list(range(d)), list(range(d))
    for c in range(d):
        for r in range(c + 1, d):
            rows.append(r)
            cols.append(c)
    R = np.kron(np.eye(k), np.ones((d, 1)))          # (k*d, k): repeat row k d times
    rowsel = (np.tile(np.arange(d), k)[:, None] == np.array(rows)[None, :]) * 1.0
    colsel = (np.array(cols)[:, None] == np.arange(d)[None, :]).astype(float)
    group = R.copy()                                   # (k*d, k): sum rows of a component
    diagmask = (np.arange(p) < d).astype(float)
    return R, rowsel, colsel, group, diagmask


def gmm_inputs(d, k, n=1000):
    """Inputs drawn like the ADBench generator (uniform means, normal rest)."""
    rng = _rng()
    p = d + d * (d - 1) // 2
    alphas = rng.standard_normal(k)
    means = rng.uniform(0.0, 1.0, (k, d))
    icf = rng.standard_normal((k, p))
    x = rng.standard_normal((n, d))
    gamma, m = 1.0, 0
    nw = d + m + 1
    c = nw * d * math.log(gamma / math.sqrt(2.0)) - _multigammaln(0.5 * nw, d)
    const = -n * d * 0.5 * math.log(2.0 * math.pi) - k * c
    return (alphas, means, icf, x, *gmm_structure(d, k), const, gamma, m)


WORKLOADS = [
    Workload("scalar_loop", scalar_loop, scalar_loop_inputs, (0, 1),
             "100-step scalar recurrence with a branch and math.sin/cos/exp"),
    Workload("poly", poly, poly_inputs, (0,),
             "call overhead: 5-term scalar polynomial"),
    Workload("logreg", logreg, logreg_inputs, (0,),
             "logistic regression, stable mean log-loss, n=1000 d=100, d/dw"),
    Workload("mlp", mlp, mlp_inputs, (0,),
             "MLP 784-128-10, tanh + softmax cross-entropy, batch 64, d/dW1"),
    Workload("mlp_all", mlp, mlp_inputs, (0, 1, 2, 3),
             "same MLP, gradient w.r.t. W1, b1, W2, b2"),
    Workload("rnn", rnn, rnn_inputs, (0,),
             "tanh RNN, 50 steps, hidden 64, loss sum(h_T^2), d/dWh"),
    Workload("elementwise", elementwise, elementwise_inputs, (0,),
             "sum(tanh(sin(x)*x + exp(-x))) on 1e6 elements (memory-bound)"),
    Workload("gmm_d2_k5", gmm, lambda: gmm_inputs(2, 5), (0, 1, 2),
             "ADBench GMM objective d=2 K=5 n=1000, d/d(alphas, means, icf)"),
    Workload("gmm_d10_k25", gmm, lambda: gmm_inputs(10, 25), (0, 1, 2),
             "ADBench GMM objective d=10 K=25 n=1000, d/d(alphas, means, icf)"),
]

BY_NAME = {w.name: w for w in WORKLOADS}
