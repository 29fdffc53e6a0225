"""llsq: the linear least-squares objective of cmpad, 1/2 sum_i (s_i - sum_j x_j t_i^j)^2
with t_i = -1 + 2i/(n-1) and s_i = sign(t_i), over all n sample points at once."""
import numpy as np

import adjoint

from .protocol import multiple_runs


def llsq(x, n):
    t = -1.0 + np.arange(n) * 2.0 / (n - 1.0)
    powers = t[:, None] ** np.arange(x.shape[0])  # powers[i, j] = t_i ** j
    residual = np.sign(t) - powers @ x
    return np.sum(residual ** 2) / 2.0


dllsq = adjoint.grad(llsq, wrt="x")


def prepare(raw):
    return np.array(raw["x"], dtype=np.float64), raw["n"]


@multiple_runs(pre=prepare, post=float)
def primal(args):
    return llsq(*args)


@multiple_runs(pre=prepare, post=lambda g: g.tolist())
def gradient(args):
    return dllsq(*args)
