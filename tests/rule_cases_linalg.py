"""Input specs for the rules of the matrix decompositions and their helpers
(rules/decompositions.py, rules/helpers_linalg.py), merged into rule_cases.CASES.

`EXPANSIONS[name]` gives inputs for a helper declared by an expression
(`rules.expands`): tests/test_rules.py checks that helper and expression agree.
Besides well-conditioned inputs, each decomposition has nearly repeated values
(a gap of 1e-3, small enough to matter, wide enough for finite differences).
"""
import numpy as np

from rule_cases import A, well


def ortho(r, n, k=None):
    """An n x k matrix with orthonormal columns (k = n: orthogonal)."""
    q = np.linalg.qr(r.normal(size=(n, n)))[0]
    return q[:, :k or n]


def sym(r, n):
    m = r.normal(size=(n, n))
    return m + m.T


def with_values(r, values):
    """A symmetric matrix with the given eigenvalues, in a random basis."""
    q = ortho(r, len(values))
    return (q * np.asarray(values)) @ q.T


def with_singular(r, m, n, values):
    """An m x n matrix with the given singular values, in random bases."""
    return (ortho(r, m, len(values)) * np.asarray(values)) @ ortho(r, n, len(values)).T


def distinct(r, n, lo=0.5):
    """n values, increasing, at least 0.5 apart."""
    return lo + np.arange(n) + r.uniform(0.0, 0.5, n)


CASES = {}
CASES["numpy.linalg.eigh"] = lambda r: [
    {"a": sym(r, 4)}, {"a": r.normal(size=(3, 3))},  # (reads the lower triangle only)
    {"a": r.normal(size=(3, 3)), "UPLO": "U"}, {"a": np.stack([sym(r, 3), sym(r, 3)])},
    {"a": with_values(r, [1.0, 1.001, 2.5, 4.0])}]
CASES["numpy.linalg.eigvalsh"] = CASES["numpy.linalg.eigh"]
CASES["numpy.linalg.svd"] = lambda r: [
    {"a": A(r, 5, 3), "full_matrices": False}, {"a": A(r, 3, 5), "full_matrices": False},
    {"a": A(r, 4, 4)}, {"a": A(r, 2, 4, 3), "full_matrices": False},
    {"a": A(r, 5, 3), "compute_uv": False}, {"a": A(r, 3, 3), "compute_uv": False},
    {"a": with_singular(r, 4, 3, [2.0, 1.0, 1.001]), "full_matrices": False}]
CASES["numpy.linalg.svdvals"] = lambda r: [{"x": A(r, 5, 3)}, {"x": A(r, 2, 3, 4)}]
CASES["numpy.linalg.qr"] = lambda r: [
    {"a": A(r, 5, 3)}, {"a": A(r, 3, 5)}, {"a": well(r, 4, 4)}, {"a": A(r, 2, 4, 3)},
    {"a": A(r, 3, 5), "mode": "complete"}, {"a": well(r, 3, 3), "mode": "complete"}]
CASES["numpy.linalg.pinv"] = lambda r: [{"a": A(r, 5, 3)}, {"a": A(r, 3, 5)},
                                        {"a": well(r, 3, 3)}, {"a": A(r, 2, 4, 3)}]
CASES["numpy.linalg.lstsq"] = lambda r: [
    {"a": A(r, 5, 3), "b": A(r, 5)}, {"a": A(r, 5, 3), "b": A(r, 5, 2)},
    {"a": A(r, 3, 5), "b": A(r, 3)},  # minimum norm, no residuals
    {"a": A(r, 6, 2), "b": A(r, 6, 2), "rcond": 1e-10}]
CASES["numpy.linalg.matrix_power"] = lambda r: [
    {"a": well(r, 3, 3), "n": 3}, {"a": well(r, 3, 3), "n": 1}, {"a": well(r, 3, 3), "n": 0},
    {"a": well(r, 3, 3), "n": -2}, {"a": well(r, 2, 3, 3) / 3.0, "n": 4}]

# ---- helpers -------------------------------------------------------------------------
CASES["rt.pair_div"] = lambda r: [
    {"w": distinct(r, 4), "x": A(r, 4, 4)}, {"w": distinct(r, 4), "x": A(r, 4, 4), "plus": True},
    {"w": np.stack([distinct(r, 3), -distinct(r, 3)]), "x": A(r, 2, 3, 3)}]
CASES["rt.gauge_check"] = lambda r: [{"w": distinct(r, 3), "x": A(r, 3, 3)}]
CASES["rt.complement_check"] = lambda r: [{"v": A(r, 4, 3), "q": ortho(r, 4, 3), "k": 3}]
CASES["rt.lower_sym"] = lambda r: [{"a": A(r, 3, 3)}, {"a": A(r, 2, 3, 3), "UPLO": "U"}]
CASES["rt.lower_sym_t"] = lambda r: [{"v": A(r, 3, 3)}, {"v": A(r, 2, 3, 3), "UPLO": "U"}]
CASES["rt.outside"] = lambda r: [{"x": A(r, 5, 2), "q": ortho(r, 5, 3)},
                                 {"x": A(r, 2, 4, 3), "q": A(r, 2, 4, 2)},
                                 {"x": A(r, 3, 2), "q": ortho(r, 3)}]
CASES["rt.div0"] = lambda r: [{"x": A(r, 3, 4), "s": distinct(r, 4)},
                              {"x": A(r, 2, 3, 4), "s": A(r, 2, 1, 4)}]
CASES["rt.asym"] = lambda r: [{"x": A(r, 3, 3)}, {"x": A(r, 2, 3, 3)}]
CASES["rt.diag_embed"] = lambda r: [{"v": A(r, 3)}, {"v": A(r, 2, 3)}]
CASES["rt.entry"] = lambda r: [{"v": [A(r, 3), A(r, 3, 3)], "i": 1, "like": [A(r, 3), A(r, 3, 3)]}]
CASES["rt.cut"] = lambda r: [{"x": A(r, 3, 5), "start": 1, "stop": 4},
                             {"x": A(r, 2, 5, 3), "start": 2, "axis": -2}]
CASES["rt.cut_t"] = lambda r: [{"v": A(r, 3, 3), "like": A(r, 3, 5), "start": 1, "stop": 4},
                               {"v": A(r, 2, 3, 3), "like": A(r, 2, 5, 3), "start": 2,
                                "axis": -2}]
CASES["rt.upper_right"] = lambda r: [{"x": A(r, 6, 6)}, {"x": A(r, 2, 4, 4)}]
CASES["rt.block_upper"] = lambda r: [{"a": A(r, 3, 3), "e": A(r, 3, 3)}]
CASES["rt.complete"] = lambda r: [{"t": A(r, 5, 3), "q": ortho(r, 5)},
                                  {"t": A(r, 4, 4), "q": ortho(r, 4)},
                                  {"t": A(r, 2, 4, 2), "q": np.stack([ortho(r, 4)] * 2)}]
CASES["rt.complete_t"] = lambda r: [{"v": A(r, 5, 5), "q": ortho(r, 5), "k": 3},
                                    {"v": A(r, 4, 4), "q": ortho(r, 4), "k": 4}]


def _svd(r, m, n):
    return list(np.linalg.svd(A(r, m, n), full_matrices=False))


def _eigh(r, n):
    return list(np.linalg.eigh(sym(r, n)))


CASES["rt.spread"] = lambda r: [{"T": _svd(r, 5, 3), "v": A(r, 3)},
                                {"T": _svd(r, 3, 4), "v": A(r, 3)}]
CASES["rt.project"] = lambda r: [{"T": _svd(r, 5, 3), "t": A(r, 5, 3)}]
CASES["rt.spread_sym"] = lambda r: [{"T": _eigh(r, 3), "v": A(r, 3)}]
CASES["rt.project_sym"] = lambda r: [{"T": _eigh(r, 3), "t": A(r, 3, 3)}]
CASES["rt.pinv_jvp"] = lambda r: [{"e": A(r, 4, 3), "a": A(r, 4, 3), "p": A(r, 3, 4)}]
CASES["rt.pinv_grad"] = lambda r: [{"v": A(r, 3, 4), "a": A(r, 4, 3), "p": A(r, 3, 4)}]
CASES["rt.lstsq_pinv"] = lambda r: [{"a": A(r, 5, 3)}, {"a": A(r, 3, 5)},
                                    {"a": A(r, 4, 3), "rcond": 1e-10}]
CASES["rt.resid_weights"] = lambda r: [{"v": A(r, 2), "b": A(r, 5, 2)},
                                       {"v": A(r, 1), "b": A(r, 5)}]
CASES["rt.resid_weights_t"] = lambda r: [{"w": A(r, 2), "like": A(r, 2), "b": A(r, 5, 2)},
                                         {"w": A(r), "like": A(r, 1), "b": A(r, 5)}]


# ---- helpers declared by an expression: their arguments, per case -----------------------
def _tuple_grad(r, ans, first=None):
    """A random adjoint of a tuple result; entry 0 a number (an unused result) unless
    `first` is given."""
    out = [r.normal(size=np.shape(x)) if np.ndim(x) else 0.0 for x in ans]
    out[0] = 0.0 if first is None else first
    return out


def _gauge_free(r, q, k):
    """A random adjoint of q whose columns beyond k enter only through their span
    (q2^T v2 symmetric), so that it has a derivative."""
    v = r.normal(size=np.shape(q))
    extra = np.shape(q)[-1] - k
    v[..., k:] = q[..., k:] @ sym(r, extra) if extra else v[..., k:]
    return v


_SHAPES = [(4, 4), (5, 3), (3, 5), (2, 4, 3)]


def _svd_args(r):
    out = []
    for shape in _SHAPES:
        for full in (False, True):
            a = A(r, *shape)
            ans = np.linalg.svd(a, full_matrices=full)
            k = min(shape[-2:])
            v = _tuple_grad(r, ans, _gauge_free(r, ans[0], k))
            v[2] = np.swapaxes(_gauge_free(r, np.swapaxes(ans[2], -1, -2), k), -1, -2)
            out.append({"v": v, "ans": ans, "a": a})
            out.append({"t": r.normal(size=shape), "ans": ans, "a": a})
    return out


def _qr_args(r):
    out = []
    for shape in _SHAPES:
        for mode in ("reduced", "complete"):
            a = A(r, *shape)
            ans = np.linalg.qr(a, mode)
            v = _tuple_grad(r, ans, _gauge_free(r, ans[0], min(shape[-2:])))
            out.append({"v": v, "ans": ans, "a": a})
            out.append({"t": r.normal(size=shape), "ans": ans, "a": a})
    return out


def _lstsq_args(r):
    out = []
    for m, n, k in ((5, 3, None), (5, 3, 2), (3, 5, None)):
        a, b = A(r, m, n), A(r, m) if k is None else A(r, m, k)
        ans = np.linalg.lstsq(a, b, rcond=None)
        out.append({"v": _tuple_grad(r, ans, r.normal(size=np.shape(ans[0]))), "ans": ans,
                    "a": a, "b": b})
        out.append({"t": r.normal(size=(m, n)), "ans": ans, "a": a, "b": b})
    return out


def _eigh_args(r):
    out = []
    for uplo in "LU":
        a = A(r, 2, 4, 4)
        ans = np.linalg.eigh(a, uplo)
        out.append({"v": _tuple_grad(r, ans), "ans": ans, "UPLO": uplo})
        out.append({"v": _tuple_grad(r, ans, r.normal(size=(2, 4))), "ans": ans, "UPLO": uplo})
        out.append({"t": A(r, 2, 4, 4), "ans": ans, "UPLO": uplo})
    return out


def _only(cases, first):
    return lambda r: [c for c in cases(r) if first in c]


EXPANSIONS = {}
for _n, _cases in (("eigh", _eigh_args), ("svd", _svd_args), ("qr", _qr_args),
                   ("lstsq", _lstsq_args)):
    EXPANSIONS[f"rt.{_n}_grad"] = _only(_cases, "v")
    EXPANSIONS[f"rt.{_n}_jvp"] = _only(_cases, "t")
