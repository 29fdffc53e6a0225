"""The optional on-disk cache (adjoint/disk_cache.py): a hit skips the compiler, and
anything the generated text depends on changes the key, so a stale gradient is never
loaded."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import adjoint
from adjoint import api, disk_cache
from adjoint.rules import defrule
from conftest import assert_grad_matches, load_module

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MODEL = """
import numpy as np
from {helpers} import squash


def loss(w, x):
    h = squash(w * x)
    return np.sum(h ** 2) + 0.5 * np.sum(w ** 2)
"""
HELPERS = """
import numpy as np


def squash(z):
    return np.tanh(z){extra}
"""


@pytest.fixture
def cache(tmp_path):
    """The cache on, in an empty directory, with an empty in-memory cache."""
    api._CACHE.clear()
    directory = tmp_path / "cache"
    adjoint.set_cache_dir(directory)
    yield directory
    adjoint.set_cache_dir(None)
    api._CACHE.clear()


def _modules(tmp_path, tag, extra=""):
    helpers = load_module(tmp_path / f"helpers_{tag}.py", HELPERS.format(extra=extra))
    model = load_module(tmp_path / f"model_{tag}.py", MODEL.format(helpers=f"helpers_{tag}"))
    return helpers, model


def _no_compiler(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the compiler ran although the entry was on disk")
    monkeypatch.setattr(api, "compile_reverse", refuse)


W, X = np.array([0.3, -0.7, 1.1]), np.array([1.5, 0.4, -0.9])


def test_a_stored_gradient_is_loaded_without_compiling(cache, tmp_path, monkeypatch):
    _, model = _modules(tmp_path, "a")
    first = adjoint.grad(model.loss)
    assert len(list(cache.glob("*.json"))) == 1
    source, want = first.source, first(W, X)
    api._CACHE.clear()
    with monkeypatch.context() as m:
        _no_compiler(m)
        again = adjoint.grad(model.loss)
        assert again.source == source
        np.testing.assert_array_equal(again(W, X), want)
        assert again.line_map and again.wrt == ("w",)
    assert_grad_matches(again, model.loss, [W, X])
    assert "squash" in again.stages["normalize"]  # stages are made again on demand


def test_an_edited_function_or_callee_gets_a_new_entry(cache, tmp_path):
    helpers, model = _modules(tmp_path, "b")
    before = adjoint.grad(model.loss)(W, X)
    api._CACHE.clear()
    helpers, model = _modules(tmp_path, "b", extra=" * 2.0")  # the callee changed
    g = adjoint.grad(model.loss)
    assert len(list(cache.glob("*.json"))) == 2
    assert_grad_matches(g, model.loss, [W, X])
    assert not np.allclose(g(W, X), before)


def test_a_changed_rule_gets_a_new_entry(cache, tmp_path):
    """Registering another rule for a function the code calls changes the key (the
    generated text is the same; the rule's template is pasted into the adjoint)."""
    ops = load_module(tmp_path / "ops_rule.py", "def scaled(x):\n    return x * 3.0\n")
    mod = load_module(tmp_path / "ruled.py", textwrap.dedent("""
        import numpy as np
        from ops_rule import scaled


        def f(x):
            return np.sum(scaled(x) ** 2)
        """))
    from adjoint.rules import registry
    try:
        defrule(ops.scaled, "x", x="g * 3.0")
        one = adjoint.grad(mod.f)
        api._CACHE.clear()
        defrule(ops.scaled, "x", x="g * 2.0")  # a different (deliberately wrong) rule
        two = adjoint.grad(mod.f)
        assert len(list(cache.glob("*.json"))) == 2
        np.testing.assert_allclose(two(W), one(W) * 2.0 / 3.0)
        assert_grad_matches(one, mod.f, [W])
    finally:
        registry._RULES.pop(id(ops.scaled), None)
        api._CACHE.clear()


def test_damaged_entries_are_compiled_again_and_closures_are_not_stored(cache, tmp_path):
    _, model = _modules(tmp_path, "c")
    adjoint.grad(model.loss)
    (entry,) = cache.glob("*.json")
    entry.write_text("{not json")
    api._CACHE.clear()
    assert_grad_matches(adjoint.grad(model.loss), model.loss, [W, X])

    scale = np.array([1.0, 2.0, 3.0])

    def captured(w):
        return np.sum((scale * w) ** 2)
    adjoint.grad(captured)
    assert len(list(cache.glob("*.json"))) == 1  # the closure's array lives in-process


def test_an_unwritable_directory_warns_once_and_still_differentiates(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    adjoint.set_cache_dir(blocker / "cache")  # a directory inside a file: unwritable
    api._CACHE.clear()
    try:
        _, model = _modules(tmp_path, "d")
        with pytest.warns(RuntimeWarning, match="cannot write the gradient cache"):
            g = adjoint.grad(model.loss)
        assert_grad_matches(g, model.loss, [W, X])
    finally:
        adjoint.set_cache_dir(None)
        disk_cache._memo.pop("warned", None)
        api._CACHE.clear()


def test_the_environment_variable_shares_entries_across_processes(tmp_path):
    _modules(tmp_path, "e")
    script = textwrap.dedent("""
        import sys
        import numpy as np
        import adjoint
        from adjoint import api
        if sys.argv[1] == "hit":
            def refuse(*args, **kwargs):
                raise SystemExit("compiled although the entry was on disk")
            api.compile_reverse = refuse
        import model_e
        print(adjoint.grad(model_e.loss)(np.array([0.3, -0.7]), np.array([1.5, 0.4])))
        """)
    env = dict(os.environ, ADJOINT_CACHE_DIR=str(tmp_path / "shared"),
               PYTHONPATH=os.pathsep.join([str(tmp_path), ROOT]))
    runs = [subprocess.run([sys.executable, "-c", script, mode], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
            for mode in ("miss", "hit")]
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    assert runs[0].stdout == runs[1].stdout
