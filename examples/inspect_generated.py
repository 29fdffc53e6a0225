"""Look inside: the generated gradient, each compiler stage, and the CLI dump.

adjoint's output is a Python module you can read. This example prints it,
walks the compiler's stages (parse, normalize, activity, tbr, reverse,
optimize), shows that the generated function is ordinary Python (its source
is visible to `inspect`, and saved to a file it imports and runs on its own),
and runs the command-line `adjoint dump` when the CLI is installed.

Run: python examples/inspect_generated.py [--fast]
"""
import difflib
import importlib.util
import inspect
import os
import subprocess
import sys

import numpy as np

import adjoint


def energy(x, k, steps):
    """Average over `steps` iterations of x <- tanh(k * x) of sum(x ** 2)."""
    e = 0.0
    for i in range(steps):
        x = np.tanh(k * x)
        e = e + np.sum(x ** 2)
    return e / steps


def banner(title):
    print(f"\n{'=' * 8} {title} {'=' * max(0, 60 - len(title))}")


def main(fast=False, plot=True):
    """Print everything; return the gradient three ways and what was shown."""
    x, k, steps = np.array([0.5, -1.0, 2.0]), 1.5, 4
    denergy = adjoint.grad(energy, wrt="k")
    value = denergy(x, k, steps)

    banner("1. denergy.source: the module adjoint wrote")
    print(denergy.source)
    print(f"denergy(x, k=1.5, steps=4) = {value:.6f}")

    banner("2. denergy.stages: every stage of the compiler")
    for name, text in denergy.stages.items():
        if name in ("reverse", "optimize"):
            continue                             # whole modules: shown as a diff below
        print(f"--- {name} ---\n{text.rstrip()}\n")
    print("--- reverse -> optimize: what dead-code elimination removed ---")
    diff = difflib.unified_diff(denergy.stages["reverse"].splitlines(True),
                                denergy.stages["optimize"].splitlines(True),
                                "reverse", "optimize", n=1)
    print("".join(diff))

    banner("3. it is ordinary Python")
    lines = inspect.getsource(denergy).splitlines()
    print(f"inspect.getsource(denergy) finds {len(lines)} lines, starting "
          f"{lines[0]!r}")
    from _plot import OUT
    from_file = _save_and_import(denergy, OUT, x, k, steps)

    banner("4. the command line: adjoint dump FILE:FUNCTION")
    cli_ran = _cli_dump()

    return dict(grad=value, grad_from_file=from_file, stages=list(denergy.stages),
                source=denergy.source, cli_ran=cli_ran)


def _save_and_import(denergy, out_dir, x, k, steps):
    """Write the module to a .py file, import it like any module, and call it."""
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"{denergy.__name__}.py")
    with open(path, "w") as f:
        f.write(denergy.source)
    spec = importlib.util.spec_from_file_location(denergy.__name__, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = getattr(module, denergy.__name__)(x, k, steps)
    print(f"saved to {path}; imported from there it gives {result:.6f} too")
    return result


def _cli_dump():
    """Run `python -m adjoint dump` on this file, if the CLI is installed."""
    if importlib.util.find_spec("adjoint.cli") is None:
        print("(this adjoint has no command-line interface yet; skipped)")
        return False
    command = [sys.executable, "-m", "adjoint", "dump", f"{__file__}:energy",
               "--wrt", "k"]
    print("$ adjoint dump examples/inspect_generated.py:energy --wrt k")
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        print(done.stderr.rstrip())
        return False
    lines = done.stdout.rstrip().splitlines()
    print("\n".join(lines[:12]))
    print(f"... ({len(lines) - 12} more lines: the module of section 1, "
          "now from the command line)")
    return True


if __name__ == "__main__":
    main(fast="--fast" in sys.argv[1:])
