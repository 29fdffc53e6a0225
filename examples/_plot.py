"""Optional pictures for the examples: PNG files when matplotlib is installed.

matplotlib is an optional extra (`pip install -e '.[plot]'`); without it the
examples print their numbers and skip the pictures.
"""
import os
import pathlib

# examples/out (git-ignored), or the directory named by $ADJOINT_EXAMPLES_OUT
OUT = pathlib.Path(os.environ.get("ADJOINT_EXAMPLES_OUT")
                   or pathlib.Path(__file__).resolve().parent / "out")


def pyplot():
    """matplotlib.pyplot drawing to files only, or None when matplotlib is missing."""
    try:
        import matplotlib
    except ImportError:
        print("(matplotlib is not installed: no picture; pip install -e '.[plot]')")
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save(fig, name: str) -> pathlib.Path:
    """Write `fig` to examples/out/NAME.png, say where, and close it."""
    import matplotlib.pyplot as plt
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    print(f"picture: {path}")
    return path
