"""Shared test helpers: central finite differences and random inputs."""
import numpy as np
import pytest


def numerical_grad(f, args, i, eps=1e-6):
    """Central finite differences of scalar f with respect to args[i]."""
    args = list(args)
    x = args[i]
    if np.isscalar(x) or np.ndim(x) == 0:
        x = float(x)
        hi, lo = list(args), list(args)
        hi[i], lo[i] = x + eps, x - eps
        return (f(*hi) - f(*lo)) / (2 * eps)
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for j in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[j] += eps
        xm[j] -= eps
        hi, lo = list(args), list(args)
        hi[i], lo[i] = xp, xm
        g[j] = (f(*hi) - f(*lo)) / (2 * eps)
    return g


def assert_grad_matches(gfn, f, args, wrt=(0,), rtol=1e-5, atol=1e-6):
    """Compare a compiled gradient with finite differences for each wrt index."""
    got = gfn(*args)
    got = got if isinstance(got, tuple) else (got,)
    assert len(got) == len(wrt)
    for g, i in zip(got, wrt):
        want = numerical_grad(f, args, i)
        assert np.shape(g) == np.shape(want), (np.shape(g), np.shape(want))
        np.testing.assert_allclose(g, want, rtol=rtol, atol=atol)


def check_golden(path, text):
    """`text` must equal the golden file at `path`; `make golden` (ADJOINT_REGEN_GOLDEN=1)
    rewrites the file instead, for review of its diff."""
    import os
    if os.environ.get("ADJOINT_REGEN_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"missing {path}: run `make golden` and review the file"
    assert text == path.read_text(), f"{path.stem}: generated source changed; run " \
        "`make golden` and review the diff"


def load_module(path, text=None):
    """Import the file at `path` (written from `text` first, if given) as a module
    named after it; adjoint then reads its functions' source like any user file."""
    import importlib.util
    import sys
    if text is not None:
        path.write_text(text)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
