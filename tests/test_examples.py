"""Every example runs (fast mode) and produces its headline numbers.

Each check compares with an answer found another way: the tutorial's exact
values, accuracy on fresh data, a separate simulation, finite differences.
"""
import importlib.util
import math
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from conftest import numerical_grad

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture
def load(monkeypatch, tmp_path):
    """Import examples/NAME.py as a module; pictures and files go to tmp_path."""
    monkeypatch.syspath_prepend(str(EXAMPLES))
    monkeypatch.setenv("ADJOINT_EXAMPLES_OUT", str(tmp_path))
    import _plot
    monkeypatch.setattr(_plot, "OUT", tmp_path)

    def load_example(name):
        spec = importlib.util.spec_from_file_location(f"example_{name}",
                                                      EXAMPLES / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, spec.name, module)
        spec.loader.exec_module(module)
        return module
    return load_example


def test_backward_tutorial(load):
    ex = load("backward_tutorial")
    out = ex.main(fast=True, plot=False)
    np.testing.assert_allclose(out["x_grad"], [2 / 3, 2 / 3, 2 / 3], rtol=1e-15)
    assert (out["dw"], out["db"]) == (-8.0, -4.0)
    assert out["w_step"] == pytest.approx(1.8, abs=1e-15)
    assert out["b_step"] == pytest.approx(0.4, abs=1e-15)
    assert out["w"] == pytest.approx(2.0, abs=1e-6)      # the data lie on y = 2x + 1
    assert out["b"] == pytest.approx(1.0, abs=1e-6)
    assert out["steps"] < 5000                            # it converged, not ran out
    has_torch = importlib.util.find_spec("torch") is not None
    assert out["torch_checked"] == has_torch


def test_logistic_regression(load):
    out = load("logistic_regression").main(fast=True, plot=False)
    assert out["test_accuracy"] > 0.88                  # 1000 points it never saw
    assert out["loss"] < 0.5 * out["first_loss"]


def test_spirals_mlp(load):
    out = load("spirals_mlp").main(fast=True, plot=False)
    assert out["train_accuracy"] > 0.97
    assert out["test_accuracy"] > 0.95


def test_rnn_echo(load):
    out = load("rnn_echo").main(fast=True, plot=False)
    assert out["baseline_error"] > 0.8                 # inputs have variance ~1
    assert out["test_error"] < 0.03                    # echoes 3 steps back


def test_per_example_gradients(load):
    ex = load("per_example_gradients")
    accuracy, _ = ex.main(fast=True, plot=False)
    assert accuracy > 0.85                             # 1000 points it never saw
    rng = np.random.default_rng(5)
    X, t = ex.clouds(4, rng)
    w, b = np.array([0.3, -0.2]), 0.1
    gw, gb = ex.dp_sgd(X, t, rng, steps=0)[2](w, b, X, t)
    for k in range(len(X)):                            # each against differences
        np.testing.assert_allclose(gw[k], numerical_grad(ex.loss, (w, b, X[k], t[k]), 0),
                                   rtol=1e-6)
        np.testing.assert_allclose(gb[k], numerical_grad(ex.loss, (w, b, X[k], t[k]), 1),
                                   rtol=1e-6)


def test_projectile_hits_target(load):
    ex = load("projectile")
    out = ex.main(fast=True, plot=False)
    assert out["miss"] < 1e-3 and out["first_miss"] > 5.0
    # A second simulation, written independently of the differentiated one.
    xs, ys = ex.trajectory(math.radians(out["angle_deg"]), out["speed"], ex.DRAG,
                           0.05, round(ex.FLIGHT_TIME / 0.05))
    assert math.dist((xs[-1], ys[-1]), ex.TARGET) < 1e-3


def test_inspect_generated(load, capsys, tmp_path):
    ex = load("inspect_generated")
    out = ex.main(fast=True, plot=False)
    args = (np.array([0.5, -1.0, 2.0]), 1.5, 4)
    assert out["grad"] == pytest.approx(numerical_grad(ex.energy, args, 1), rel=1e-6)
    assert out["grad_from_file"] == out["grad"]
    assert (tmp_path / "denergy_dk.py").read_text() == out["source"]
    assert {"parse", "normalize", "activity", "tbr", "reverse",
            "optimize"} <= set(out["stages"])
    shown = capsys.readouterr().out
    assert "def denergy_dk(x, k, steps, *, grad_out=None):" in shown
    assert "--- tbr ---" in shown and "push x" in shown        # the loop saves x
    assert "--- reverse\n+++ optimize\n@@" in shown          # optimize removed lines
    assert out["cli_ran"] == (importlib.util.find_spec("adjoint.cli") is not None)


def test_every_example_is_tested():
    names = {p.stem for p in EXAMPLES.glob("*.py") if not p.stem.startswith("_")}
    tested = {name[len("test_"):] for name in globals() if name.startswith("test_")}
    untested = {n for n in names if not any(t.startswith(n) for t in tested)}
    # quickstart: tests/test_readme.py; dask_logistic_regression: test_distributed.py
    assert untested <= {"quickstart", "dask_logistic_regression"}, untested


def test_pictures(load, tmp_path):
    pytest.importorskip("matplotlib")
    load("projectile").main(fast=True, plot=True)
    assert (tmp_path / "projectile.png").stat().st_size > 10_000


def test_runs_as_a_script(tmp_path):
    env = {**os.environ, "ADJOINT_EXAMPLES_OUT": str(tmp_path)}
    done = subprocess.run([sys.executable, str(EXAMPLES / "projectile.py"), "--fast"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "through 50 time steps" in done.stdout          # --fast took effect
