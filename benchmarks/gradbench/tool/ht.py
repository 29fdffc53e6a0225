"""ht: hand tracking (ADBench). A skinned hand model is posed by 26 parameters theta
(global rotation, translation, then finger joint angles); the residuals are the data
points minus their corresponding model vertices ("simple"), or minus a point of the
corresponding triangle given by barycentric coordinates us ("complicated").

The Jacobian is 3 npts x 26 (x 28 with us: the two us columns of each point's own rows
first). Forward mode: one jvp per theta entry, and two for all the us at once, since the
residuals of a point depend only on its own us.
"""
import numpy as np

import adjoint

from .protocol import multiple_runs


def to_pose_params(theta, n_bones):
    """Rows: global rotation, scale, translation, then one row of angles per bone."""
    pose_params = np.zeros((n_bones + 3, 3))
    pose_params[0] = theta[0:3]
    pose_params[1] = 1.0
    pose_params[2] = theta[3:6]
    i_theta = 6
    i_pose_params = 5
    for finger in range(5):
        for joint in range(3):
            pose_params[i_pose_params, 0] = theta[i_theta]
            i_theta += 1
            if joint == 0:
                pose_params[i_pose_params, 1] = theta[i_theta]
                i_theta += 1
            i_pose_params += 1
        i_pose_params += 1
    return pose_params


def euler_angles_to_rotation_matrix(xzy):
    tx, ty, tz = xzy[0], xzy[2], xzy[1]
    Rx = np.array([[1.0, 0.0, 0.0],
                   [0.0, np.cos(tx), -np.sin(tx)],
                   [0.0, np.sin(tx), np.cos(tx)]])
    Ry = np.array([[np.cos(ty), 0.0, np.sin(ty)],
                   [0.0, 1.0, 0.0],
                   [-np.sin(ty), 0.0, np.cos(ty)]])
    Rz = np.array([[np.cos(tz), -np.sin(tz), 0.0],
                   [np.sin(tz), np.cos(tz), 0.0],
                   [0.0, 0.0, 1.0]])
    return Rz @ Ry @ Rx


def angle_axis_to_rotation_matrix(angle_axis):
    norm = np.sqrt(np.sum(angle_axis ** 2))
    if norm < 0.0001:
        return np.eye(3)
    x, y, z = angle_axis / norm
    s, c = np.sin(norm), np.cos(norm)
    return np.array([[x * x + (1 - x * x) * c, x * y * (1 - c) - z * s, x * z * (1 - c) + y * s],
                     [x * y * (1 - c) + z * s, y * y + (1 - y * y) * c, y * z * (1 - c) - x * s],
                     [x * z * (1 - c) - y * s, z * y * (1 - c) + x * s, z * z + (1 - z * z) * c]])


def get_posed_relatives(pose_params, base_relatives):
    relatives = []
    for i in range(base_relatives.shape[0]):
        tr = np.eye(4)
        tr[:3, :3] = euler_angles_to_rotation_matrix(pose_params[i + 3])
        relatives.append(base_relatives[i] @ tr)
    return relatives


def relatives_to_absolutes(relatives, parents):
    absolutes = []
    for i in range(len(relatives)):
        if parents[i] == -1:
            absolutes.append(relatives[i])
        else:
            absolutes.append(absolutes[parents[i]] @ relatives[i])
    return absolutes


def apply_global_transform(pose_params, positions):
    R = angle_axis_to_rotation_matrix(pose_params[0]) * pose_params[1]  # scaled columns
    return positions @ R.T + pose_params[2]


def get_skinned_vertex_positions(pose_params, model):
    relatives = get_posed_relatives(pose_params, model["base_relatives"])
    absolutes = relatives_to_absolutes(relatives, model["parents"])
    positions = np.zeros((model["base_positions"].shape[0], 3))
    for i in range(len(absolutes)):
        transform = absolutes[i] @ model["inverse_base_absolutes"][i]
        moved = model["base_positions"] @ transform.T  # homogeneous vertices, (nv, 4)
        positions = positions + moved[:, :3] * model["weights"][:, i:i + 1]
    if model["is_mirrored"]:
        positions = positions * np.array([-1.0, 1.0, 1.0])
    return apply_global_transform(pose_params, positions)


def ht_objective(theta, model, correspondences, points):
    pose_params = to_pose_params(theta, model["base_relatives"].shape[0])
    vertices = get_skinned_vertex_positions(pose_params, model)
    return (points - vertices[correspondences]).ravel()


def ht_objective_complicated(theta, us, model, correspondences, points):
    pose_params = to_pose_params(theta, model["base_relatives"].shape[0])
    vertices = get_skinned_vertex_positions(pose_params, model)
    tri = model["triangles"][correspondences]  # (npts, 3) vertex indices
    u0, u1 = us[:, 0:1], us[:, 1:2]
    hand_points = u0 * vertices[tri[:, 0]] + u1 * vertices[tri[:, 1]] + \
        (1.0 - u0 - u1) * vertices[tri[:, 2]]
    return (points - hand_points).ravel()


jac_theta = adjoint.jacobian(ht_objective, wrt="theta", mode="forward")
jac_theta_complicated = adjoint.jacobian(ht_objective_complicated, wrt="theta",
                                         mode="forward")
jvp_us = adjoint.jvp(ht_objective_complicated, wrt="us")


def prepare(raw):
    m, data = raw["data"]["model"], raw["data"]
    model = {name: np.array(m[name], dtype=np.float64) for name in
             ("base_relatives", "inverse_base_absolutes", "base_positions", "weights")}
    model |= {"parents": np.array(m["parents"], dtype=np.int64),
              "triangles": np.array(m["triangles"], dtype=np.int64),
              "is_mirrored": bool(m["is_mirrored"])}
    args = {"theta": np.array(raw["theta"], dtype=np.float64), "model": model,
            "correspondences": np.array(data["correspondences"], dtype=np.int64),
            "points": np.array(data["points"], dtype=np.float64)}
    if len(raw["us"]) > 0:
        args["us"] = np.array(raw["us"], dtype=np.float64)
    return args


@multiple_runs(pre=prepare, post=lambda e: e.tolist())
def objective(args):
    if "us" in args:
        return ht_objective_complicated(**args)
    return ht_objective(**args)


@multiple_runs(pre=prepare, post=lambda J: J.tolist())
def jacobian(args):
    theta, model, correspondences, points = \
        args["theta"], args["model"], args["correspondences"], args["points"]
    if "us" not in args:
        return jac_theta(theta, model, correspondences, points)
    us = args["us"]
    us_columns = []
    for k in range(2):
        direction = np.zeros_like(us)
        direction[:, k] = 1.0
        us_columns.append(jvp_us(theta, us, model, correspondences, points, direction)[1])
    J_theta = jac_theta_complicated(theta, us, model, correspondences, points)
    return np.concatenate([np.stack(us_columns, axis=1), J_theta], axis=1)
