"""The `adjoint` command line, through main(argv) and once through a real process."""
import importlib
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import adjoint
from adjoint import cli
from adjoint.errors import (NoGradientRuleError, SourceUnavailableError, TargetError,
                            UnsupportedSyntaxError, UsageError, WrtError)
from conftest import numerical_grad

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "error_cases.py")
MODEL = """\
import numpy as np

SCALE = 2.0


def loss(W, x, n=3):
    h = np.tanh(W @ x)
    return np.sum(h ** 2) * SCALE + n


def entropy(p):
    return -np.sum(p * np.log(p))
"""


@pytest.fixture
def model(tmp_path):
    """A user file with a unique module name; unloaded again afterwards."""
    stem = "cli_model_" + tmp_path.name.replace("-", "_")
    path = tmp_path / f"{stem}.py"
    path.write_text(MODEL)
    yield str(path), stem
    sys.modules.pop(stem, None)
    while str(tmp_path) in sys.path:
        sys.path.remove(str(tmp_path))


def run(capsys, *argv):
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_dump_prints_generated_module(capsys, model):
    path, _ = model
    status, out, err = run(capsys, "dump", f"{path}:loss", "--wrt", "W,x")
    assert status == 0 and err == ""
    assert "def dloss_dW_x(W, x, n=3, *, grad_out=None):" in out
    assert "# grad of line 7: h = np.tanh(W @ x)" in out
    assert "\x1b[" not in out  # not a terminal: plain text


def test_dumped_module_imports_fresh_in_subprocess(capsys, model, tmp_path):
    path, stem = model
    out_file = tmp_path / "dloss.py"
    assert run(capsys, "dump", f"{path}:loss", "--wrt", "W", "-o", str(out_file))[0] == 0
    script = textwrap.dedent(f"""
        import numpy as np, dloss, {stem} as m
        rng = np.random.default_rng(0)
        W, x = rng.standard_normal((4, 3)), rng.standard_normal(3)
        np.save("grad.npy", dloss.dloss_dW(W, x))
        np.save("inputs.npy", np.concatenate([W.ravel(), x]))
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), os.getcwd()]))
    subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, check=True)
    got = np.load(tmp_path / "grad.npy")
    flat = np.load(tmp_path / "inputs.npy")
    W, x = flat[:12].reshape(4, 3), flat[12:]
    f = importlib.import_module(stem).loss
    np.testing.assert_allclose(got, numerical_grad(f, (W, x), 0), rtol=1e-5, atol=1e-6)


def test_stage_list_and_one_stage(capsys, model):
    path, _ = model
    status, out, _ = run(capsys, "dump", f"{path}:loss", "--stage", "list")
    assert status == 0 and out.split() == list(adjoint.grad(
        importlib.import_module(model[1]).loss).stages) + ["final"]
    status, out, _ = run(capsys, "dump", f"{path}:loss", "--stage", "normalize")
    assert status == 0 and out.startswith("def loss(W, x, n=3):") and "W_x = W @ x" in out


def test_no_optimize_is_passed_through(capsys, model):
    path, stem = model
    raw = run(capsys, "dump", f"{path}:loss", "--wrt", "W", "--no-optimize")[1]
    f = importlib.import_module(stem).loss
    assert raw == adjoint.grad(f, wrt="W", optimize=False).source


def test_package_module_target(capsys):
    status, out, _ = run(capsys, "dump", "error_cases:opaque_unused")
    assert status == 0 and "def dopaque_unused_dx(x, cfg, *, grad_out=None):" in out


def test_highlight_uses_pygments_when_installed():
    pytest.importorskip("pygments")
    assert "\x1b[" in cli.highlight("def f(x):\n    return x\n")
    assert cli.highlight("not python (") == "not python ("


def test_check_agrees(capsys, model):
    path, _ = model
    status, out, err = run(capsys, "check", f"{path}:loss", "--args", "W=4x3,x=3",
                           "--seed", "3")
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["argument", "shape"]
    assert lines[1].startswith("W ") and lines[1].endswith("yes")
    assert lines[2].startswith("x ") and lines[2].endswith("yes")


def test_check_positive_inputs(capsys, model):
    path, _ = model
    status, out, err = run(capsys, "check", f"{path}:entropy", "--args", "p=5",
                           "--positive")
    assert status == 0 and out.splitlines()[1].endswith("yes"), err


def test_check_disagrees_exits_1(capsys):
    status, out, err = run(capsys, "check", f"{CASES}:kink", "--args", "x=0.0")
    assert status == 1 and "NO" in out and "disagrees" in err


def test_rules_lists_rule_names(capsys):
    status, out, _ = run(capsys, "rules")
    names = [line.split()[0] for line in out.splitlines()]
    functions = [n for n in names if not n.startswith(("numpy.ndarray.", "dict."))]
    assert status == 0 and "numpy.sin" in names and functions == sorted(functions)
    assert len(functions) >= 150 and not any(n.startswith("rt.") for n in names)
    status, out, _ = run(capsys, "rules", "--nondiff")
    assert status == 0 and "numpy.argmax" in out.split()


@pytest.mark.parametrize("command", [[], ["dump"], ["check"], ["rules"]])
def test_help_has_example(capsys, command):
    assert cli.main(command + ["--help"]) == 0
    assert "example:" in capsys.readouterr().out


@pytest.mark.parametrize("argv,cls,status,where", [
    (["dump", f"{CASES}:uses_try"], UnsupportedSyntaxError, 1, "error_cases.py:6:"),
    (["dump", f"{CASES}:uses_async"], UnsupportedSyntaxError, 1, "error_cases.py:69:"),
    (["dump", f"{CASES}:no_rule"], NoGradientRuleError, 1, "error_cases.py:42:"),
    (["dump", f"{CASES}:nonscalar", "--wrt", "y"], WrtError, 2, "error_cases.py:50:"),
    (["dump", f"{CASES}:nonscalar", "--wrt", "3"], WrtError, 2, "error_cases.py:50:"),
    (["dump", f"{CASES}:nonscalar", "--wrt", "x,0"], WrtError, 2, "error_cases.py:50:"),
    (["dump", f"{CASES}:Scaler.scaled"], WrtError, 2, "selects self"),
    (["dump", f"{CASES}:np"], UsageError, 2, "np in " + CASES + " is a module"),
    (["dump", f"{CASES}:Scaler"], UsageError, 2, "is a class, not a function"),
    (["dump", ":nonscalar"], UsageError, 2, "no file or module before ':'"),
    (["dump", f"{CASES}:nonscalar", "-o", "/no/such/dir/out.py"], UsageError, 2,
     "cannot write /no/such/dir/out.py"),
    (["dump", "numpy:sin"], SourceUnavailableError, 1, "wrap the call in a def"),
    (["dump", f"{CASES}:shape_bug", "--wrt", "W,,x"], UsageError, 2, "--wrt"),
    (["dump", f"{CASES}:nope"], UsageError, 2, "error_cases.py defines no function"),
    (["dump", "missing/file.py:f"], UsageError, 2, "no such file: missing/file.py"),
    (["dump", "no_such_module_xyz:f"], UsageError, 2, "no module named"),
    (["dump", "error_cases"], UsageError, 2, "no ':func' part"),
    (["dump", f"{CASES}:shape_bug", "--stage", "nope"], UsageError, 2, "not a stage"),
    (["check", f"{CASES}:shape_bug", "--args", "W=4y3,x=3"], UsageError, 2, "W=4y3"),
    (["check", f"{CASES}:shape_bug", "--args", "W=4x3"], UsageError, 2,
     "error_cases.py:128"),
    (["check", f"{CASES}:shape_bug", "--args", "W=4x3,x=4"], TargetError, 1,
     "error_cases.py:129"),
    (["check", f"{CASES}:shape_bug", "--args", "W=4x3,x=3", "--eps", "0"], UsageError, 2,
     "--eps must be positive"),
    (["check", f"{CASES}:shape_bug", "--args", "W=4x3,x=3", "--rtol", "-1"], UsageError,
     2, "--rtol/--atol not negative"),
    (["check", f"{CASES}:shape_bug", "--args", "W=4x3", "--wrt", "x"], UsageError, 2,
     "--args gives no value for 'x'"),
    (["check", f"{CASES}:with_default", "--args", "x=3", "--wrt", "scale"], UsageError, 2,
     "add scale=<shape or value> to --args"),
    (["check", f"{CASES}:shape_bug", "--args", "W=4x3,x=int:3", "--wrt", "x"], UsageError,
     2, "x is not a float argument"),
])
def test_cli_errors(capsys, argv, cls, status, where):
    with pytest.raises(cls):
        cli.run(argv)
    capsys.readouterr()
    code, out, err = run(capsys, *argv)
    assert code == status
    assert err.startswith("adjoint: error: ") and where in err
    assert "Traceback" not in err and "adjoint/" not in err.replace(HERE, "")


def test_target_with_syntax_error(capsys, tmp_path):
    bad = tmp_path / "broken_syntax_mod.py"
    bad.write_text("import numpy as np\n\ndef f(x):\n    return x +* 2\n")
    with pytest.raises(TargetError):
        cli.run(["dump", f"{bad}:f"])
    code, _, err = run(capsys, "dump", f"{bad}:f")
    assert code == 1 and "broken_syntax_mod.py:4:15: syntax error" in err
    assert "    return x +* 2\n              ^" in err and "Traceback" not in err


def test_target_defined_by_exec(capsys, tmp_path):
    src = tmp_path / "exec_defined_mod.py"
    src.write_text("exec('def f(x):\\n    return x * 2\\n')\n")
    try:
        with pytest.raises(SourceUnavailableError):
            cli.run(["dump", f"{src}:f"])
        code, _, err = run(capsys, "dump", f"{src}:f")
        assert code == 1 and "<string>:1" in err and "define the function in a .py" in err
    finally:
        sys.modules.pop("exec_defined_mod", None)


def test_target_that_fails_on_import(capsys, tmp_path):
    src = tmp_path / "raising_mod.py"
    src.write_text("import numpy as np\nraise RuntimeError('boom')\n")
    code, _, err = run(capsys, "dump", f"{src}:f")
    assert code == 1 and "raising_mod.py:2: importing" in err and "boom" in err
    assert "raising_mod" not in sys.modules


def test_subprocess_console_entry(tmp_path):
    env = dict(os.environ, PYTHONPATH=HERE)
    ok = subprocess.run([sys.executable, "-m", "adjoint", "dump", f"{CASES}:nonscalar"],
                        capture_output=True, text=True, env=env)
    assert ok.returncode == 0 and "def dnonscalar_dx(x, *, grad_out=None):" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "adjoint", "dump", f"{CASES}:uses_with"],
                         capture_output=True, text=True, env=env)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "error_cases.py:19:" in bad.stderr and "hint:" in bad.stderr
    usage = subprocess.run([sys.executable, "-m", "adjoint", "dump"],
                           capture_output=True, text=True, env=env)
    assert usage.returncode == 2 and "TARGET" in usage.stderr


def test_stage_list_goes_to_the_output_file(capsys, tmp_path):
    out = tmp_path / "stages.txt"
    code, printed, _ = run(capsys, "dump", f"{CASES}:shape_bug", "--stage", "list",
                           "-o", str(out))
    assert code == 0 and printed == ""
    assert out.read_text().split() == ["parse", "lower", "normalize", "activity", "tbr",
                                       "reverse", "optimize", "final"]
