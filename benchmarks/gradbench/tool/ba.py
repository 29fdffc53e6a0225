"""ba: bundle adjustment (ADBench). Each observation i of point X[obs[i, 1]] by camera
cams[obs[i, 0]] (rotation, center, focal length, principal point, radial distortion) has a
weighted reprojection error w_i (project(cam, X) - feat_i) and a weight error 1 - w_i^2.

The Jacobian is sparse: the two rows of observation i depend only on its camera, its point
and w_i. It is computed observation by observation, with one `adjoint.jacobian` per
argument (`per_observation_jacobian`, the one place to change to batch them).
"""
import numpy as np

import adjoint

from .protocol import multiple_runs

N_CAM_PARAMS = 11


def rodrigues_rotate_point(rot, X):
    sqtheta = np.sum(rot ** 2)
    if sqtheta != 0.0:
        theta = np.sqrt(sqtheta)
        costheta = np.cos(theta)
        sintheta = np.sin(theta)
        w = rot / theta
        w_cross_X = np.cross(w, X)
        tmp = np.dot(w, X) * (1.0 - costheta)
        return X * costheta + w_cross_X * sintheta + w * tmp
    return X + np.cross(rot, X)


def radial_distort(rad_params, proj):
    rsq = np.sum(proj ** 2)
    L = 1.0 + rad_params[0] * rsq + rad_params[1] * rsq * rsq
    return proj * L


def project(cam, X):
    Xcam = rodrigues_rotate_point(cam[0:3], X - cam[3:6])
    distorted = radial_distort(cam[9:11], Xcam[0:2] / Xcam[2])
    return distorted * cam[6] + cam[7:9]


def reproj_err(cam, X, w, feat):
    return w * (project(cam, X) - feat)


def w_err(w):
    return 1.0 - w ** 2


def objective_all(cams, X, w, obs, feats):
    reproj = np.stack([reproj_err(cams[obs[i, 0]], X[obs[i, 1]], w[i], feats[i])
                       for i in range(obs.shape[0])])
    return reproj, w_err(w)


jac_cam = adjoint.jacobian(reproj_err, wrt="cam")
jac_X = adjoint.jacobian(reproj_err, wrt="X")
jac_w = adjoint.jacobian(reproj_err, wrt="w")
dw_err = adjoint.grad(w_err)


def per_observation_jacobian(cam, X, w, feat):
    """d reproj_err / d (cam, X, w): a 2 x 15 block."""
    return np.concatenate([jac_cam(cam, X, w, feat), jac_X(cam, X, w, feat),
                           jac_w(cam, X, w, feat)[:, None]], axis=1)


def sparse_jacobian(cams, X, w, obs, feats):
    """The (3p) x (11n + 3m + p) Jacobian as CSR-like (rows, cols, vals): two rows per
    observation (camera, point and weight columns), then one row per weight error."""
    n, m, p = cams.shape[0], X.shape[0], obs.shape[0]
    rows, cols, vals = [0], [], []
    for i in range(p):
        cam_idx, pt_idx = obs[i]
        J = per_observation_jacobian(cams[cam_idx], X[pt_idx], w[i], feats[i])
        block_cols = np.concatenate([N_CAM_PARAMS * cam_idx + np.arange(N_CAM_PARAMS),
                                     N_CAM_PARAMS * n + 3 * pt_idx + np.arange(3),
                                     [N_CAM_PARAMS * n + 3 * m + i]])
        for r in range(2):
            rows.append(rows[-1] + block_cols.size)
            cols.extend(block_cols.tolist())
            vals.extend(J[r].tolist())
    for i in range(p):
        rows.append(rows[-1] + 1)
        cols.append(N_CAM_PARAMS * n + 3 * m + i)
        vals.append(float(dw_err(w[i])))
    return rows, cols, vals


def prepare(raw):
    """The eval sends one camera, point, weight and feature, and the counts n, m, p: the
    problem is those repeated (and must be computed in full)."""
    n, m, p = raw["n"], raw["m"], raw["p"]
    cams = np.tile(np.array(raw["cam"], dtype=np.float64), (n, 1))
    X = np.tile(np.array(raw["x"], dtype=np.float64), (m, 1))
    w = np.full(p, float(raw["w"]))
    feats = np.tile(np.array(raw["feat"], dtype=np.float64), (p, 1))
    obs = np.stack([np.arange(p) % n, np.arange(p) % m], axis=1)
    return cams, X, w, obs, feats


def objective_output(errors):
    reproj, werr = errors
    return {"reproj_error": {"elements": reproj[0].tolist(), "repeated": reproj.shape[0]},
            "w_err": {"element": float(werr[0]), "repeated": werr.shape[0]}}


def jacobian_output(jac):
    """GradBench keeps the first 30 entries and the last one of each list."""
    return {name: [float(v) if name == "vals" else int(v) for v in a[:30] + a[-1:]]
            for name, a in zip(("rows", "cols", "vals"), jac)}


@multiple_runs(pre=prepare, post=objective_output)
def objective(args):
    return objective_all(*args)


@multiple_runs(pre=prepare, post=jacobian_output)
def jacobian(args):
    return sparse_jacobian(*args)
