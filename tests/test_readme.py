"""The README's quickstart is a doctest; the quickstart example runs."""
import doctest
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
