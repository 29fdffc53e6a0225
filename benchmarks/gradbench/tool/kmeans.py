"""kmeans: the k-means cost sum_i min_j |P_i - C_j|^2, and the Newton direction J / H for
the centroids, where H (the Hessian) is diagonal, so H = H·1, a Hessian-vector product.
The gradient and H·1 come from one forward-mode sweep over the generated gradient."""
import numpy as np

import adjoint

from .protocol import multiple_runs


def kmeans_cost(points, centroids):
    d2 = np.sum((points[:, None, :] - centroids[None, :, :]) ** 2, axis=2)  # (n, k)
    return np.sum(np.min(d2, axis=1))


# jvp of the gradient along v: (J, H·v)
dcost_and_hvp = adjoint.jvp(adjoint.grad(kmeans_cost, wrt="centroids"), wrt="centroids")


def prepare(raw):
    return np.array(raw["points"], dtype=np.float64), \
        np.array(raw["centroids"], dtype=np.float64)


@multiple_runs(pre=prepare, post=float)
def cost(args):
    return kmeans_cost(*args)


@multiple_runs(pre=prepare, post=lambda d: d.tolist())
def dir(args):  # (GradBench's name for the function)
    points, centroids = args
    J, H = dcost_and_hvp(points, centroids, np.ones_like(centroids))
    return J / H

