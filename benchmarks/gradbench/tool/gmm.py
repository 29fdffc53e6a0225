"""gmm: log posterior of a Gaussian mixture with a Wishart prior on the precisions
(GradBench's evals/gmm), and its gradient in alpha, mu, q and l.

Component k has precision factor Q_k: exp(q_k) on the diagonal, l_k below it, filled
column by column; the per-point terms are vectorised over the n points.
"""
import math

import numpy as np

import adjoint

from .protocol import multiple_runs


def logsumexp(v, axis):
    vmax = np.max(v, axis=axis, keepdims=True)
    return np.log(np.sum(np.exp(v - vmax), axis=axis)) + np.squeeze(vmax, axis=axis)


def precision_factor(q, l):
    """Lower-triangular Q with diagonal exp(q) and l below it, column by column."""
    d = q.shape[0]
    cols, rows = np.triu_indices(d, 1)  # (0, 1), (0, 2), ..., (1, 2), ...: column-major
    Q = np.diag(np.exp(q))
    Q[rows, cols] = l
    return Q


def log_gamma_distrib(a, p):
    """log of the multivariate gamma function Gamma_p(a)."""
    return 0.25 * p * (p - 1) * math.log(math.pi) + \
        sum(math.lgamma(a + 0.5 * (1 - j)) for j in range(1, p + 1))


def log_wishart_prior(q, l, gamma, m):
    k, d = q.shape
    n = d + m + 1
    frobenius = np.sum(np.exp(q) ** 2) + np.sum(l ** 2)
    c = n * d * (math.log(gamma) - 0.5 * math.log(2)) - log_gamma_distrib(0.5 * n, d)
    return k * c - 0.5 * gamma ** 2 * frobenius + m * np.sum(q)


def gmm_objective(alpha, mu, q, l, x, gamma, m):
    n, d = x.shape
    k = alpha.shape[0]
    betas = []
    for ik in range(k):
        Q = precision_factor(q[ik], l[ik])
        Qx = (x - mu[ik]) @ Q.T  # row i: Q (x_i - mu_k)
        betas.append(alpha[ik] + np.sum(q[ik]) - 0.5 * np.sum(Qx ** 2, axis=1))
    beta = np.stack(betas, axis=1)  # (n, k)
    constant = -n * d * 0.5 * math.log(2 * math.pi)
    return constant + np.sum(logsumexp(beta, axis=1)) - n * logsumexp(alpha, axis=0) \
        + log_wishart_prior(q, l, gamma, m)


dgmm = adjoint.grad(gmm_objective, wrt=("alpha", "mu", "q", "l"))


def prepare(raw):
    arrays = {name: np.array(raw[name], dtype=np.float64).reshape(shape) for name, shape in
              [("alpha", (raw["k"],)), ("mu", (raw["k"], raw["d"])),
               ("q", (raw["k"], raw["d"])),
               ("l", (raw["k"], raw["d"] * (raw["d"] - 1) // 2)),
               ("x", (raw["n"], raw["d"]))]}
    return arrays | {"gamma": float(raw["gamma"]), "m": raw["m"]}


@multiple_runs(pre=prepare, post=float)
def objective(args):
    return gmm_objective(**args)


def listify(grads):
    return dict(zip(("alpha", "mu", "q", "l"), (g.tolist() for g in grads)))


@multiple_runs(pre=prepare, post=listify)
def jacobian(args):
    return dgmm(**args)
