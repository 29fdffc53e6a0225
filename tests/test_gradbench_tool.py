"""adjoint's GradBench tool (benchmarks/gradbench/tool): each eval module's derivative on a
small input, against central finite differences of the module's own primal function (or a
closed form), and the protocol answers. GradBench itself is not needed."""
import importlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.gradbench.tool import (ba, gmm, hello, ht, kmeans, llsq, lse, lstm, ode,
                                       particle, protocol)

RUNS = {"min_runs": 1, "min_seconds": 0}


def fd(f, x, eps=1e-6):
    """Central differences of f (scalar or array valued) in array x: shape f + x."""
    x = np.array(x, dtype=float)
    cols = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = eps
        e = e.reshape(x.shape)
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps))
    return np.moveaxis(np.array(cols), 0, -1).reshape(np.shape(f(x)) + x.shape)


def rng():
    return np.random.default_rng(7)


def test_hello():
    assert hello.double.wrapped(3.0)["output"] == 6.0
    assert hello.square.wrapped(3.0)["output"] == 9.0


def test_lse():
    x = rng().normal(size=20) * 10
    np.testing.assert_allclose(lse.dlogsumexp(x), fd(lse.logsumexp, x), atol=1e-7)
    e = np.exp(x - x.max())
    np.testing.assert_allclose(lse.dlogsumexp(x), e / e.sum(), rtol=1e-12)


def test_llsq():
    x = rng().random(6)
    np.testing.assert_allclose(llsq.dllsq(x, 16), fd(lambda x: llsq.llsq(x, 16), x),
                               rtol=1e-6)


def test_gmm():
    r = rng()
    k, d, n = 3, 3, 12
    args = dict(alpha=r.normal(size=k), mu=r.normal(size=(k, d)), q=0.3 * r.normal(size=(k, d)),
                l=r.normal(size=(k, 3)), x=r.normal(size=(n, d)), gamma=1.3, m=2)
    grads = gmm.dgmm(**args)
    for name, g in zip(("alpha", "mu", "q", "l"), grads):
        expected = fd(lambda v: gmm.gmm_objective(**(args | {name: v})), args[name])
        np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-7, err_msg=name)


def test_gmm_precision_factor_fills_columns():
    Q = gmm.precision_factor(np.zeros(3), np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(Q, [[1, 0, 0], [1, 1, 0], [2, 3, 1]])


def test_kmeans_direction():
    r = rng()
    points = r.random((40, 3))
    centroids = points[-4:] + 0.01
    J, H = kmeans.dcost_and_hvp(points, centroids, np.ones_like(centroids))
    np.testing.assert_allclose(J, fd(lambda c: kmeans.kmeans_cost(points, c), centroids),
                               atol=1e-6)
    # the Hessian is 2 (number of points nearest each centroid) on the diagonal
    nearest = np.argmin(((points[:, None] - centroids[None]) ** 2).sum(axis=2), axis=1)
    counts = np.bincount(nearest, minlength=4)
    np.testing.assert_allclose(H, np.repeat(2.0 * counts[:, None], 3, axis=1))


def test_ode():
    x = rng().random(8)
    np.testing.assert_allclose(ode.dode_last(x, 5), fd(lambda x: ode.ode_last(x, 5), x),
                               rtol=1e-6, atol=1e-10)


def test_lstm():
    r = rng()
    layers, b, c = 2, 4, 5
    main, extra, state = r.random((2 * layers, 4 * b)), r.random((3, b)), r.random((2 * layers, b))
    seq = (r.random((c, b)) > 0.5).astype(float)
    dmain, dextra = lstm.dlstm(main, extra, state, seq)
    np.testing.assert_allclose(dmain, fd(lambda m: lstm.lstm_objective(m, extra, state, seq),
                                         main), atol=1e-8)
    np.testing.assert_allclose(dextra, fd(lambda e: lstm.lstm_objective(main, e, state, seq),
                                          extra), atol=1e-8)


def ba_problem(n=2, m=3, p=5):
    r = rng()
    cams = r.normal(size=(n, 11)) * 0.3
    cams[:, 6] = 1.0 + r.random(n)  # focal length
    X = r.normal(size=(m, 3)) + np.array([0.0, 0.0, 6.0])
    w = 0.5 + r.random(p)
    feats = r.normal(size=(p, 2))
    obs = np.stack([np.arange(p) % n, np.arange(p) % m], axis=1)
    cams[0, :3] = 0.0  # one camera takes the rotation's zero-angle branch
    return cams, X, w, obs, feats


def test_ba_sparse_jacobian_equals_dense_differences():
    cams, X, w, obs, feats = ba_problem()
    n, m = cams.shape[0], X.shape[0]

    def residuals(flat):
        c = flat[:11 * n].reshape(n, 11)
        x = flat[11 * n:11 * n + 3 * m].reshape(m, 3)
        reproj, werr = ba.objective_all(c, x, flat[11 * n + 3 * m:], obs, feats)
        return np.concatenate([reproj.ravel(), werr])

    dense = fd(residuals, np.concatenate([cams.ravel(), X.ravel(), w]))
    rows, cols, vals = ba.sparse_jacobian(cams, X, w, obs, feats)
    assembled = np.zeros_like(dense)
    for i in range(len(rows) - 1):
        for k in range(rows[i], rows[i + 1]):
            assembled[i, cols[k]] = vals[k]
    np.testing.assert_allclose(assembled, dense, atol=1e-6)


def ht_problem(n_bones=22, n_verts=30, n_points=6, seed=3):
    r = np.random.default_rng(seed)

    def transforms(count):
        T = np.tile(np.eye(4), (count, 1, 1))
        T[:, :3, :] += 0.3 * r.normal(size=(count, 3, 4))
        return T
    model = {"base_relatives": transforms(n_bones),
             "inverse_base_absolutes": transforms(n_bones),
             "base_positions": np.hstack([r.normal(size=(n_verts, 3)), np.ones((n_verts, 1))]),
             "weights": r.random((n_verts, n_bones)) / n_bones,
             "parents": np.array([-1] + [max(0, i - 1 - i % 4) for i in range(1, n_bones)]),
             "triangles": r.integers(0, n_verts, size=(10, 3)),
             "is_mirrored": False}
    return {"theta": 0.5 * r.normal(size=26), "model": model,
            "correspondences": r.integers(0, 10, size=n_points),
            "points": r.normal(size=(n_points, 3))}, r.random((n_points, 2))


@pytest.mark.parametrize("mirrored", [False, True])
def test_ht_simple(mirrored):
    args, _ = ht_problem()
    args["model"]["is_mirrored"] = mirrored
    J = ht.jacobian.function(args)
    expected = fd(lambda t: ht.ht_objective(**(args | {"theta": t})), args["theta"])
    np.testing.assert_allclose(J, expected, atol=1e-7)


def test_ht_complicated():
    args, us = ht_problem()
    args["us"] = us
    J = ht.jacobian.function(args)
    expected_theta = fd(lambda t: ht.ht_objective_complicated(**(args | {"theta": t})),
                        args["theta"])
    dense_us = fd(lambda u: ht.ht_objective_complicated(**(args | {"us": u})), us)
    rows = np.arange(J.shape[0])
    expected_us = dense_us[rows, rows // 3]  # each point's rows against its own us
    np.testing.assert_allclose(J[:, 2:], expected_theta, atol=1e-7)
    np.testing.assert_allclose(J[:, :2], expected_us, atol=1e-7)


def test_ht_global_rotation_near_zero():
    args, _ = ht_problem()
    args["theta"][:3] = 1e-6  # below the angle-axis cutoff: identity rotation
    J = ht.jacobian.function(args)
    expected = fd(lambda t: ht.ht_objective(**(args | {"theta": t})), args["theta"], 1e-8)
    np.testing.assert_allclose(J, expected, atol=1e-6)


@pytest.mark.parametrize("modes", ["rr", "rf", "fr", "ff"])
def test_particle_nested_derivative(modes):
    naive_euler = particle.inner[modes[1]]
    w = 0.1
    expected = (naive_euler(w + 1e-6) - naive_euler(w - 1e-6)) / 2e-6
    derivative = particle.outer[modes[0]](naive_euler)
    got = derivative(w) if modes[0] == "r" else derivative(w, 1.0)[1]
    assert got == pytest.approx(expected, rel=1e-6)


def test_det():
    det = importlib.import_module("benchmarks.gradbench.tool.det")
    A = rng().random((4, 4))
    assert det.det_by_minor(A) == pytest.approx(np.linalg.det(A))
    np.testing.assert_allclose(det.ddet_by_minor(A), np.linalg.det(A) * np.linalg.inv(A).T,
                               rtol=1e-10)


@pytest.mark.parametrize("inner", ["r", "f"])
def test_saddle_outer_gradient(inner):
    saddle = importlib.import_module("benchmarks.gradbench.tool.saddle")
    start, x = np.array([1.0, 1.0]), np.array([0.3, -0.2])
    expected = fd(lambda x: saddle.inner[inner](x, start), x)
    for modes in ("r" + inner, "f" + inner):
        got = saddle.outer_gradient(modes)(x, start)
        np.testing.assert_allclose(got, expected, atol=1e-6)


def test_protocol_runs_and_times():
    calls = []

    @protocol.multiple_runs(pre=lambda raw: raw["x"], post=lambda y: y + 1)
    def f(x):
        calls.append(x)
        return 2 * x
    answer = f.wrapped({"x": 3, "min_runs": 3, "min_seconds": 0})
    assert answer["success"] and answer["output"] == 7 and len(answer["timings"]) == 3
    assert calls == [3, 3, 3] and f(5) == 10


def test_tool_speaks_the_protocol():
    messages = [{"id": 0, "kind": "start", "eval": "lse"},
                {"id": 1, "kind": "define", "module": "lse"},
                {"id": 2, "kind": "evaluate", "module": "lse", "function": "gradient",
                 "input": {"x": [0.0, np.log(3.0)]} | RUNS},
                {"id": 3, "kind": "define", "module": "no_such_eval"}]
    result = subprocess.run([sys.executable, "-m", "benchmarks.gradbench.tool.run"],
                            input="".join(json.dumps(m) + "\n" for m in messages),
                            capture_output=True, text=True, timeout=120, check=True,
                            cwd=Path(__file__).resolve().parents[1])
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["id"] for a in answers] == [0, 1, 2, 3]
    assert answers[0]["tool"] == "adjoint" and answers[1]["success"]
    np.testing.assert_allclose(answers[2]["output"], [0.25, 0.75])
    assert not answers[3]["success"] and "no_such_eval" in answers[3]["error"]
