"""vmap and its compositions on the example programs (examples/*.py), each against
a Python loop over the batch, and the per-example gradients once against finite
differences.
"""
import importlib.util
import pathlib
import sys

import numpy as np
import pytest

import adjoint
from conftest import numerical_grad

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"
R = np.random.default_rng(11)


@pytest.fixture
def load(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))

    def load_example(name):
        spec = importlib.util.spec_from_file_location(f"vmap_example_{name}",
                                                      EXAMPLES / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, spec.name, module)
        spec.loader.exec_module(module)
        return module
    return load_example


def stack(outs):
    if isinstance(outs[0], tuple):
        return tuple(np.stack(p) for p in zip(*outs))
    return np.stack(outs)


def same(got, want, rtol=1e-10):
    if isinstance(want, tuple):
        for g, w in zip(got, want):
            same(g, w, rtol)
        return
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-12)


def test_quickstart_per_example_gradients(load):
    ex = load("quickstart")
    x, y = R.normal(size=8), R.normal(size=8)
    g = adjoint.grad(ex.loss, wrt=("w", "b"))
    got = adjoint.vmap(g, in_axes=(None, None, 0, 0))(1.0, 0.5, x, y)
    same(got, stack([g(1.0, 0.5, xi, yi) for xi, yi in zip(x, y)]))
    for k in range(3):
        want = numerical_grad(ex.loss, (1.0, 0.5, x[k], y[k]), 0)
        np.testing.assert_allclose(got[0][k], want, rtol=1e-6)


def test_logistic_regression_one_gradient_per_minibatch(load):
    ex = load("logistic_regression")
    X, t = R.normal(size=(5, 16, 2)), np.sign(R.normal(size=(5, 16)))
    w, b = R.normal(size=2), 0.1
    vg = adjoint.value_and_grad(ex.loss, wrt=("w", "b"))
    got = adjoint.vmap(vg, in_axes=(None, None, 0, 0))(w, b, X, t)
    want = [vg(w, b, Xi, ti) for Xi, ti in zip(X, t)]
    same(got[0], np.array([v for v, _ in want]))
    same(got[1], stack([d for _, d in want]))


def test_spirals_mlp_an_ensemble_of_networks(load):
    ex = load("spirals_mlp")
    E, H = 4, 8
    W1, b1 = R.normal(size=(E, 2, H)), R.normal(size=(E, H))
    W2, b2 = R.normal(size=(E, H, 2)), R.normal(size=(E, 2))
    X, Y = R.normal(size=(10, 2)), np.eye(2)[R.integers(0, 2, 10)]
    g = adjoint.grad(ex.loss, wrt=(0, 1, 2, 3))
    got = adjoint.vmap(g, in_axes=(0, 0, 0, 0, None, None))(W1, b1, W2, b2, X, Y)
    same(got, stack([g(W1[e], b1[e], W2[e], b2[e], X, Y) for e in range(E)]))


def test_rnn_echo_one_gradient_per_dataset(load):
    ex = load("rnn_echo")
    H, T = 5, 6
    params = (R.normal(size=(1, H)), 0.3 * R.normal(size=(H, H)), np.zeros(H),
              R.normal(size=(H, 1)), np.zeros(1))
    xs, ys = R.normal(size=(3, T, 4, 1)), R.normal(size=(3, T, 4, 1))
    vg = adjoint.value_and_grad(ex.loss, wrt=(0, 1, 2, 3, 4))
    f = adjoint.vmap(vg, in_axes=(None,) * 5 + (0, 0, None))
    got = f(*params, xs, ys, 2)
    want = [vg(*params, xs[k], ys[k], 2) for k in range(3)]
    same(got[0], np.array([v for v, _ in want]))
    same(got[1], stack([d for _, d in want]))


def test_projectile_a_grid_of_throws(load):
    ex = load("projectile")
    angles, speeds = np.linspace(0.3, 0.9, 5), np.linspace(25.0, 35.0, 5)
    vg = adjoint.value_and_grad(ex.miss, wrt=("angle", "speed"))
    f = adjoint.vmap(vg, in_axes=(0, 0, None, None, None, None, None))
    got = f(angles, speeds, 60.0, 10.0, ex.DRAG, 0.05, 50)
    want = [vg(a, s, 60.0, 10.0, ex.DRAG, 0.05, 50) for a, s in zip(angles, speeds)]
    same(got[0], np.array([v for v, _ in want]), rtol=1e-9)
    same(got[1], stack([d for _, d in want]), rtol=1e-9)
    value = adjoint.vmap(ex.miss, in_axes=(0, 0, None, None, None, None, None))
    same(value(angles, speeds, 60.0, 10.0, ex.DRAG, 0.05, 50),
         np.array([v for v, _ in want]), rtol=1e-9)


def test_inspect_generated_energy_over_a_range_of_gains(load):
    ex = load("inspect_generated")
    x, ks = R.normal(size=4), np.linspace(0.5, 1.5, 6)
    g = adjoint.grad(ex.energy, wrt="k")
    got = adjoint.vmap(g, in_axes=(None, 0, None))(x, ks, 5)
    same(got, np.array([g(x, k, 5) for k in ks]))
    np.testing.assert_allclose(got[2], numerical_grad(ex.energy, (x, ks[2], 5), 1),
                               rtol=1e-6)


def test_backward_tutorial_rows_of_a_batch(load):
    ex = load("backward_tutorial")
    x = R.normal(size=(4, 3))
    g = adjoint.grad(ex.mean_of_double)
    same(adjoint.vmap(g)(x), stack([g(xi) for xi in x]))
