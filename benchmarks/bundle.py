"""Bundle adjustment: the reprojection error of one observation, its Jacobian.

`reproj_err(params, feat)` is written per observation from the textbook camera model
(as in GradBench's `ba` eval): the point is rotated by Rodrigues' formula about the
camera's rotation vector, projected, distorted radially and scaled:

    params = [r (3), c (3), f, u0, v0, k1, k2, X (3), w]     (15 numbers)

`hand_jacobian(P, F)` is the 2 x 15 Jacobian of every observation at once, written by
hand with NumPy (the baseline the batched code is compared with); `check()` compares
it with central finite differences.
"""
from __future__ import annotations

import numpy as np


def rodrigues_rotate(rot, X):
    sqtheta = np.sum(rot * rot)
    if sqtheta != 0.0:
        theta = np.sqrt(sqtheta)
        costheta = np.cos(theta)
        sintheta = np.sin(theta)
        w = rot / theta
        w_cross_X = np.cross(w, X)
        tmp = np.dot(w, X) * (1.0 - costheta)
        return X * costheta + w_cross_X * sintheta + w * tmp
    else:
        return X + np.cross(rot, X)


def radial_distort(rad_params, proj):
    rsq = np.sum(proj * proj)
    L = 1.0 + rad_params[0] * rsq + rad_params[1] * rsq * rsq
    return proj * L


def project(cam, X):
    Xcam = rodrigues_rotate(cam[0:3], X - cam[3:6])
    p = Xcam[0:2] / Xcam[2]
    distorted = radial_distort(cam[9:11], p)
    return distorted * cam[6] + cam[7:9]


def reproj_err(params, feat):
    """The weighted reprojection error (2 numbers) of one observation."""
    cam = params[0:11]
    X = params[11:14]
    w = params[14]
    return (project(cam, X) - feat) * w


def make(n, seed=0):
    """`n` observations: parameters (n, 15) and measured features (n, 2)."""
    r = np.random.default_rng(seed)
    rot = r.normal(0.0, 0.3, (n, 3))
    center = r.normal(0.0, 1.0, (n, 3))
    intrinsics = np.concatenate([1.0 + r.random((n, 1)), r.normal(0.0, 0.1, (n, 2)),
                                 r.normal(0.0, 0.01, (n, 2))], axis=1)
    point = center + np.concatenate([r.normal(0.0, 1.0, (n, 2)),
                                     5.0 + r.random((n, 1))], axis=1)
    weight = 0.5 + r.random((n, 1))
    params = np.concatenate([rot, center, intrinsics, point, weight], axis=1)
    return params, r.normal(0.0, 1.0, (n, 2))


# ---- the hand-written, hand-vectorised Jacobian (the baseline) ----------------------
def _skew(v):
    """[v]x for each row: (n, 3) -> (n, 3, 3)."""
    z = np.zeros(len(v))
    return np.stack([np.stack([z, -v[:, 2], v[:, 1]], -1),
                     np.stack([v[:, 2], z, -v[:, 0]], -1),
                     np.stack([-v[:, 1], v[:, 0], z], -1)], 1)


def hand_jacobian(P, F):
    """d reproj_err / d params for every observation: (n, 2, 15). Rotations of angle
    zero are not handled (the data has none)."""
    rot, c, f, pp, k = P[:, 0:3], P[:, 3:6], P[:, 6], P[:, 7:9], P[:, 9:11]
    X, w = P[:, 11:14], P[:, 14]
    n = len(P)
    theta = np.sqrt(np.sum(rot * rot, 1))
    u = rot / theta[:, None]
    K = _skew(u)
    eye = np.eye(3)
    s, co = np.sin(theta)[:, None, None], np.cos(theta)[:, None, None]
    R = eye + s * K + (1 - co) * (K @ K)                       # Rodrigues' formula
    Y = X - c
    Xc = np.einsum("nij,nj->ni", R, Y)
    # d(R Y)/d rot (Gallego & Yezzi 2015): -R [Y]x (r r^T + (R^T - I)[r]x) / theta^2
    M = np.einsum("ni,nj->nij", rot, rot) + (np.swapaxes(R, 1, 2) - eye) @ _skew(rot)
    dXc_drot = -(R @ _skew(Y) @ M) / (theta ** 2)[:, None, None]
    z = Xc[:, 2]
    p = Xc[:, :2] / z[:, None]
    dp_dXc = np.zeros((n, 2, 3))
    dp_dXc[:, 0, 0] = dp_dXc[:, 1, 1] = 1 / z
    dp_dXc[:, :, 2] = -p / z[:, None]
    rsq = np.sum(p * p, 1)
    L = 1 + k[:, 0] * rsq + k[:, 1] * rsq ** 2
    dL_dp = ((k[:, 0] + 2 * k[:, 1] * rsq) * 2)[:, None] * p
    dproj_dp = f[:, None, None] * (L[:, None, None] * np.eye(2)
                                    + np.einsum("ni,nj->nij", p, dL_dp))
    dproj_dXc = dproj_dp @ dp_dXc
    J = np.zeros((n, 2, 15))
    J[:, :, 0:3] = dproj_dXc @ dXc_drot
    J[:, :, 3:6] = -(dproj_dXc @ R)
    J[:, :, 6] = L[:, None] * p
    J[:, :, 7:9] = np.eye(2)
    J[:, :, 9] = f[:, None] * p * rsq[:, None]
    J[:, :, 10] = f[:, None] * p * (rsq ** 2)[:, None]
    J[:, :, 11:14] = dproj_dXc @ R
    J *= w[:, None, None]
    proj = f[:, None] * p * L[:, None] + pp
    J[:, :, 14] = proj - F
    return J


def check(n=50, eps=1e-6):
    """The largest difference between hand_jacobian and central differences of
    reproj_err (relative to the Jacobian's largest entry)."""
    P, F = make(n, seed=1)
    J = hand_jacobian(P, F)
    worst = 0.0
    for i in range(n):
        for j in range(15):
            hi, lo = P[i].copy(), P[i].copy()
            hi[j] += eps
            lo[j] -= eps
            col = (reproj_err(hi, F[i]) - reproj_err(lo, F[i])) / (2 * eps)
            worst = max(worst, float(np.max(np.abs(col - J[i, :, j]))))
    return worst / float(np.max(np.abs(J)))
