"""det: the determinant by expansion in minors along the first row (cmpad's
det_by_minor), recursive, and its gradient."""
import numpy as np

import adjoint

from .protocol import multiple_runs


def det_by_minor(A):
    n = A.shape[0]
    if n == 1:
        return A[0, 0]
    det = 0.0
    sign = 1.0
    for j in range(n):
        minor = np.delete(A[1:], j, axis=1)
        det = det + sign * A[0, j] * det_by_minor(minor)
        sign = -sign
    return det


ddet_by_minor = adjoint.grad(det_by_minor)


def prepare(raw):
    ell = raw["ell"]
    return np.array(raw["A"], dtype=np.float64).reshape(ell, ell)


@multiple_runs(pre=prepare, post=float)
def primal(A):
    return det_by_minor(A)


@multiple_runs(pre=prepare, post=lambda g: g.ravel().tolist())
def gradient(A):
    return ddet_by_minor(A)
