"""The README's quickstart is a doctest; the quickstart example runs."""
import doctest
import re
import linecache
import pathlib
import runpy

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_readme_doctest():
    text = (ROOT / "README.md").read_text()
    test = doctest.DocTestParser().get_doctest(text, {}, "README", "README.md", 0)
    # doctest compiles each example as "<doctest README[i]>"; registering that text
    # in linecache gives functions defined in the README a source adjoint can read.
    for i, example in enumerate(test.examples):
        name = f"<doctest README[{i}]>"
        linecache.cache[name] = (len(example.source), None,
                                 example.source.splitlines(True), name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert test.examples and runner.failures == 0


def test_quickstart_example_runs(capsys):
    mod = runpy.run_path(str(ROOT / "examples" / "quickstart.py"), run_name="quickstart")
    assert mod["main"]() == (-8.0, -4.0)
    assert "def dloss_dw_b" in capsys.readouterr().out


def _block_after(heading: str) -> str:
    """The first ```python block after a README heading."""
    text = (ROOT / "README.md").read_text()
    rest = text[text.index(heading):]
    start = rest.index("```python\n") + len("```python\n")
    return rest[start:rest.index("```", start)]


def test_readme_listing_is_what_quickstart_generates(capsys):
    mod = runpy.run_path(str(ROOT / "examples" / "quickstart.py"), run_name="quickstart")
    mod["main"]()
    shown = _block_after("`print(dloss.source)` shows")
    assert shown in capsys.readouterr().out


def test_readme_rule_example_works(tmp_path, monkeypatch):
    import numpy as np

    import adjoint
    from conftest import numerical_grad
    code = _block_after("## Adding a gradient rule")
    code += ("\n\ndef loss(w, x):\n"
             "    return logsumexp(softplus(x @ w))\n")
    (tmp_path / "readme_rules.py").write_text(code)
    monkeypatch.syspath_prepend(str(tmp_path))
    mod = __import__("readme_rules")
    args = (np.array([0.3, -0.2]), np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.1]]))
    got = adjoint.grad(mod.loss)(*args)
    np.testing.assert_allclose(got, numerical_grad(mod.loss, args, 0), rtol=1e-6)
    assert "from readme_rules import " in adjoint.grad(mod.loss).source


def _readme_module(tmp_path, monkeypatch, heading, name, index=0):
    """The `index`-th ```python block after `heading`, imported as module `name`."""
    text = (ROOT / "README.md").read_text()
    rest = text[text.index(heading):]
    for _ in range(index + 1):
        start = rest.index("```python\n") + len("```python\n")
        code, rest = rest[start:rest.index("```", start)], rest[rest.index("```", start) + 3:]
    (tmp_path / f"{name}.py").write_text(code)
    monkeypatch.syspath_prepend(str(tmp_path))
    return __import__(name)


def test_readme_stop_gradient_example(tmp_path, monkeypatch):
    import numpy as np

    import adjoint
    from conftest import numerical_grad
    mod = _readme_module(tmp_path, monkeypatch, "## Stopping a gradient", "readme_stop")
    rng = np.random.default_rng(0)
    w, s, s_next, r = rng.normal(size=3), rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), \
        rng.normal(size=4)
    target = r + 0.9 * np.tanh(s_next @ w)  # held fixed: the independent answer
    want = numerical_grad(lambda w: np.sum((np.tanh(s @ w) - target) ** 2), [w], 0)
    np.testing.assert_allclose(adjoint.grad(mod.td_loss)(w, s, s_next, r), want, rtol=1e-6)


def test_readme_custom_gradient_example(tmp_path, monkeypatch):
    import numpy as np

    import adjoint
    from conftest import numerical_grad
    mod = _readme_module(tmp_path, monkeypatch, "## Stopping a gradient", "readme_custom", 1)
    x = np.array([0.5, -1.0, 2.0])
    g = adjoint.grad(mod.loss)
    np.testing.assert_allclose(g(x), numerical_grad(mod.loss, [x], 0), rtol=1e-6)
    np.testing.assert_allclose(g(np.zeros(3)), np.ones(3))  # |x|^2 + sum(x) at 0
    # (norm_vjp_2 when another module's custom rule already calls a norm_vjp)
    assert re.search(r"norm_vjp(_\d)?\(bnorm_x, norm_x, x\)", g.source)
    assert "from readme_custom import norm_vjp" in g.source
    v = np.array([1.0, 0.5, -0.5])
    tangent = adjoint.jvp(mod.loss)(x, v)[1]
    np.testing.assert_allclose(tangent, numerical_grad(mod.loss, [x], 0) @ v, rtol=1e-6)


def test_readme_records_example(tmp_path, monkeypatch):
    import numpy as np

    from conftest import numerical_grad
    mod = _readme_module(tmp_path, monkeypatch, "## Namedtuples, dataclasses", "readme_rec")
    assert type(mod.dlayer) is mod.Layer and mod.dlayer.name is None
    assert set(mod.dmodel) == {"W", "b"}

    def loss_of(field, v):
        parts = {"W": mod.W, "b": mod.b, field: v}
        return mod.loss(mod.Layer(parts["W"], parts["b"]), mod.x)
    for field in ("W", "b"):
        want = numerical_grad(lambda v: loss_of(field, v), [getattr(mod, field)], 0)
        np.testing.assert_allclose(getattr(mod.dlayer, field), want, rtol=1e-6)
        np.testing.assert_allclose(mod.dmodel[field], want, rtol=1e-6)


def test_readme_vmap_listing_is_what_the_example_generates(capsys):
    mod = runpy.run_path(str(ROOT / "examples" / "per_example_gradients.py"),
                         run_name="per_example_gradients")
    mod["main"](fast=True)
    shown = _block_after("After its first call, `print(per_example.source)` shows")
    assert shown in capsys.readouterr().out
