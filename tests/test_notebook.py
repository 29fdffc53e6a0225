"""adjoint in a real Jupyter kernel (nbclient) and at Python's interactive prompt.

In a notebook, functions defined in cells are differentiated from the cell's source,
errors name the cell as IPython does (`Cell In[3], line 2`), and a gradient that is
the value of a cell shows its generated source. At the plain prompt of Python before
3.13, which keeps no source, the refusal is one short error at the user's call.
The notebook test is skipped when the `notebook` extra is not installed.
"""
import subprocess
import sys
import textwrap

import pytest

CELLS = [
    """\
    import numpy as np
    import adjoint

    def loss(w, x):
        h = np.tanh(w * x)
        return np.sum(h ** 2)
    """,
    """\
    w, x, eps = 0.7, np.array([0.5, -1.0, 2.0]), 1e-6
    got = adjoint.grad(loss)(w, x)
    want = (loss(w + eps, x) - loss(w - eps, x)) / (2 * eps)
    assert abs(got - want) < 1e-6 * abs(want), (got, want)
    print("gradient ok")
    """,
    "adjoint.grad(loss)",
    """\
    def bad(x):
        try:
            return x * 2.0
        except ValueError:
            return x
    adjoint.grad(bad)
    """,
    """\
    def shapes(W, x):
        return np.sum(W @ x)
    adjoint.grad(shapes)(np.ones((2, 3)), np.ones(2))
    """,
]


def _run(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(textwrap.dedent(c)) for c in CELLS]
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     allow_errors=True,
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    return nb.cells


@pytest.fixture(scope="module")
def cells(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("notebook"))


def _text(cell):
    out = []
    for o in cell.outputs:
        out += [o.get("text", ""), o.get("evalue", ""), "\n".join(o.get("traceback", []))]
        out += [str(v) for v in o.get("data", {}).values()]
    return "\n".join(out)


def test_functions_in_cells_are_differentiated(cells):
    assert "gradient ok" in _text(cells[1]), _text(cells[1])


def test_a_gradient_shows_its_source_as_the_value_of_a_cell(cells):
    data = cells[2].outputs[0]["data"]
    assert "def dloss_dw" in data["text/markdown"] and "```python" in data["text/markdown"]
    assert "dloss_dw" in data["text/html"] and "<" in data["text/html"]
    assert "comments point at Cell In[1]" in data["text/markdown"]


def test_refusals_name_the_cell_and_show_no_compiler_frames(cells):
    (error,) = [o for o in cells[3].outputs if o["output_type"] == "error"]
    assert error["ename"] == "UnsupportedSyntaxError"
    assert "Cell In[4], line 2, column 5: try/except" in error["evalue"]
    assert "ipykernel_" not in error["evalue"]
    frames = "\n".join(error["traceback"])
    for internal in ("pipeline.py", "fence.py", "api.py"):
        assert internal not in frames, frames


def test_errors_while_a_gradient_runs_name_the_cell(cells):
    (error,) = [o for o in cells[4].outputs if o["output_type"] == "error"]
    assert "which comes from Cell In[5], line 2" in _text(cells[4])
    assert error["ename"] == "ValueError"


PROMPT = """\
import numpy as np, adjoint
def f(x):
    return np.sum(np.sin(x) ** 2)

g = adjoint.grad(f)
print(g(np.array([0.3])), 2 * np.sin(0.3) * np.cos(0.3))
print("after")
"""


def test_interactive_prompt(tmp_path):
    """Python's own prompt, driven through a pipe: before 3.13 the function has no
    source, and the refusal is one short error; 3.13's prompt keeps the source."""
    run = subprocess.run([sys.executable, "-i"], input=PROMPT, capture_output=True,
                         text=True, cwd=tmp_path, timeout=120)
    out = run.stdout + run.stderr
    assert "after" in out
    if sys.version_info >= (3, 13):
        assert "Traceback" not in out, out
        return
    assert out.count("Traceback") == 2, out  # the refusal, then g(...) on the undefined g
    assert "f was typed at Python's interactive prompt" in out
    refusal = out[:out.index("SourceUnavailableError")]
    assert refusal.count('File "') == 2, out  # the user's line and the entry point only
