"""lse: log-sum-exp of a vector, with the max trick, and its gradient."""
import numpy as np

import adjoint

from .protocol import multiple_runs


def logsumexp(x):
    a = np.max(x)
    return np.log(np.sum(np.exp(x - a))) + a


dlogsumexp = adjoint.grad(logsumexp)


def prepare(raw):
    return np.array(raw["x"], dtype=np.float64)


@multiple_runs(pre=prepare, post=float)
def primal(x):
    return logsumexp(x)


@multiple_runs(pre=prepare, post=lambda g: g.tolist())
def gradient(x):
    return dlogsumexp(x)
