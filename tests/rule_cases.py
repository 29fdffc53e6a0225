"""Input specs for the generated rule tests (tests/test_rules.py).

`CASES[name]` is a function rng -> list of argument dicts (param name -> value) for
the rule with that qualified name. A rule without an entry is tested with
`default_cases`; a rule that needs special inputs (a domain, shapes, integer
arguments) gets an entry here. `SYMMETRIC` names rules whose input is a
symmetric matrix (their gradient is checked along symmetric directions).
"""
import numpy as np


def A(r, *shape):
    """Random values away from 0 and from the kinks of abs/sign: ±[0.3, 1.5]."""
    return r.choice([-1.0, 1.0], shape) * r.uniform(0.3, 1.5, shape) if shape else \
        float(r.choice([-1.0, 1.0]) * r.uniform(0.3, 1.5))


def U(r, lo, hi, *shape):
    return r.uniform(lo, hi, shape) if shape else float(r.uniform(lo, hi))


def P(r, *shape):
    return U(r, 0.5, 2.0, *shape)


def well(r, *shape):
    """Well-conditioned square matrices."""
    return r.normal(size=shape) + 3.0 * np.eye(shape[-1])


def spd(r, n=3):
    m = r.normal(size=(n, n))
    return m @ m.T + n * np.eye(n)


def unary_default(r):
    return [{"x": A(r, 3, 4)}, {"x": A(r)}]


def binary_default(r, dom=A):
    return [{"a": dom(r, 3, 4), "b": dom(r, 3, 4)}, {"a": dom(r, 3, 1), "b": dom(r, 1, 4)},
            {"a": dom(r), "b": dom(r, 2, 3)}, {"a": dom(r, 4), "b": dom(r)}]


def default_cases(rule, r):
    """Cases for a rule with no entry: by kind, else (3, 4) arrays for each param."""
    if rule.elementwise and rule.broadcast:
        return binary_default(r)
    if rule.elementwise:
        return unary_default(r) if not rule.name.startswith("math.") else [{"x": A(r)}]
    return [{p.name: A(r, 3, 4) for p in rule.params if p.default is None and not p.star}]


def reductions(r, extra=None, keepdims=True, shape=(3, 4), name="x"):
    axes = [None, 0, 1, -1] + ([(0, 1)] if keepdims else [])
    out = []
    for axis in axes:
        for kd in ((False, True) if keepdims else (False,)):
            case = {name: A(r, *shape), "axis": axis}
            if keepdims:
                case["keepdims"] = kd
            out.append({**case, **(extra or {})})
    return out


def _sq(f, dom):
    return lambda r: [{"x": dom(r, 3, 4)}, {"x": dom(r)}]


def _m(dom):
    return lambda r: [{"x": dom(r)}]


UNIT = lambda r, *s: U(r, -0.9, 0.9, *s)  # noqa: E731
ABOVE1 = lambda r, *s: U(r, 1.2, 3.0, *s)  # noqa: E731
PROB = lambda r, *s: U(r, 0.1, 0.9, *s)  # noqa: E731

CASES = {}
for _n in ("arcsin", "arccos", "arctanh"):
    CASES[f"numpy.{_n}"] = _sq(None, UNIT)
CASES["numpy.arccosh"] = _sq(None, ABOVE1)
for _n in ("log", "log2", "log10", "sqrt", "log1p"):
    CASES[f"numpy.{_n}"] = _sq(None, P)
for _n in ("asin", "acos", "atanh"):
    CASES[f"math.{_n}"] = _m(UNIT)
CASES["math.acosh"] = _m(ABOVE1)
for _n in ("log2", "log10", "sqrt", "log1p"):
    CASES[f"math.{_n}"] = _m(P)
CASES["math.log"] = lambda r: [{"x": P(r)}, {"x": P(r), "base": U(r, 1.5, 3.0)}]
for _n in ("numpy.power", "numpy.float_power", "operator.pow", "math.pow", "pow"):
    CASES[_n] = lambda r: binary_default(r, P)
CASES["math.pow"] = CASES["pow"] = lambda r: [{"a": P(r), "b": A(r)}]
for _n in ("math.atan2", "math.hypot", "math.copysign", "math.fmod", "max", "min"):
    CASES[_n] = lambda r: [{"a": A(r), "b": A(r)}]
CASES["numpy.ldexp"] = lambda r: [{"a": A(r, 3, 4), "b": r.integers(-2, 3, (3, 4))},
                                  {"a": A(r, 3, 1), "b": r.integers(-2, 3, (4,))}]
CASES["numpy.where"] = lambda r: [
    {"condition": r.random((3, 4)) > 0.5, "x": A(r, 3, 4), "y": A(r, 3, 4)},
    {"condition": r.random((3, 4)) > 0.5, "x": A(r, 3, 1), "y": A(r)}]
CASES["numpy.clip"] = lambda r: [
    {"a": A(r, 3, 4), "a_min": -0.7, "a_max": 0.7},
    {"a": A(r, 3, 4), "a_min": U(r, -1, 0, 3, 1), "a_max": U(r, 0, 1, 1, 4)},
    {"a": A(r, 3, 4), "a_min": None, "a_max": 0.5}]
CASES["numpy.take"] = lambda r: [
    {"a": A(r, 3, 4), "indices": np.array([0, 2, 2]), "axis": 1},
    {"a": A(r, 3, 4), "indices": np.array([[1, 5], [5, 11]])},
    {"a": A(r, 3, 4), "indices": 2, "axis": 0}]
CASES["numpy.take_along_axis"] = lambda r: [
    {"arr": A(r, 3, 4), "indices": r.integers(0, 4, (3, 2)), "axis": 1},
    {"arr": A(r, 3, 4), "indices": r.integers(0, 3, (5, 4)), "axis": 0}]
CASES["numpy.select"] = lambda r: [
    {"condlist": [r.random((3, 4)) > 0.5, r.random((3, 4)) > 0.3],
     "choicelist": [A(r, 3, 4), A(r, 1, 4)], "default": A(r, 3, 1)}]
for _n in ("sum", "mean", "nansum", "max", "min", "amax", "amin", "nanmax", "nanmin", "ptp"):
    CASES[f"numpy.{_n}"] = reductions
CASES["numpy.prod"] = lambda r: reductions(r) + [{"x": np.array([[0.5, 0.0, 2.0],
                                                                  [1.5, -1.0, 0.0]])}]
for _n in ("var", "std"):
    CASES[f"numpy.{_n}"] = lambda r: reductions(r) + reductions(r, {"ddof": 1})[:4]
for _n in ("cumsum", "cumprod"):
    CASES[f"numpy.{_n}"] = lambda r: reductions(r, keepdims=False)
_ZEROED = np.array([[1.5, 0.0, -2.0, 0.7], [0.0, 0.5, 0.0, 1.2], [0.9, -1.1, 0.4, 0.0]])
CASES["numpy.cumprod"] = lambda r: reductions(r, keepdims=False) + [  # exact at zeros
    {"x": _ZEROED, "axis": a} for a in (None, 0, 1, -1)]


def _cumprod_helper_cases(r, first):
    out = []
    for c in reductions(r, keepdims=False)[:4] + [{"x": _ZEROED, "axis": 1}]:
        ans = np.cumprod(c["x"], c.get("axis"))
        shape = np.shape(ans) if first == "v" else np.shape(c["x"])
        out.append({first: A(r, *shape), "x": c["x"], "ans_": ans, "axis": c.get("axis")})
    return out


CASES["rt.cumprod_grad"] = lambda r: _cumprod_helper_cases(r, "v")[:4]  # (second
CASES["rt.cumprod_jvp"] = lambda r: _cumprod_helper_cases(r, "t")[:4]   # derivatives:
# away from zeros, where cumprod_grad(v) = cumsum_grad(v * ans) / x)
CASES["numpy.average"] = lambda r: reductions(r, name="a") + [
    {"a": A(r, 3, 4), "axis": 1, "weights": P(r, 4)},
    {"a": A(r, 3, 4), "axis": 0, "weights": P(r, 3, 4), "keepdims": True},
    {"a": A(r, 3, 4), "weights": P(r, 3, 4)}]

# ---- linear algebra --------------------------------------------------------------
_MATMUL = lambda r: [{"a": A(r, 3, 4), "b": A(r, 4, 2)},  # noqa: E731
                     {"a": A(r, 2, 3, 4), "b": A(r, 4, 5)},
                     {"a": A(r, 4), "b": A(r, 4, 2)}, {"a": A(r, 3, 4), "b": A(r, 4)},
                     {"a": A(r, 4), "b": A(r, 4)},
                     {"a": A(r, 4), "b": A(r, 2, 4, 3)}, {"a": A(r, 2, 3, 4), "b": A(r, 4)}]
for _n in ("numpy.matmul", "numpy.linalg.matmul", "operator.matmul"):
    CASES[_n] = _MATMUL
# the adjoints of a @ b: v is the product's cotangent (a number stands for a zero one)
CASES["rt.matmul_ga"] = CASES["rt.matmul_gb"] = lambda r: [
    {**c, "v": A(r, *np.shape(np.matmul(c["a"], c["b"])))} for c in _MATMUL(r)[:4]]
CASES["rt.shaped"] = lambda r: [{"v": A(r, 3, 4), "x": A(r, 3, 4)}, {"v": A(r), "x": A(r, 3)}]
CASES["numpy.dot"] = lambda r: _MATMUL(r)[2:] + [{"a": A(r, 3, 4), "b": A(r, 4, 2)},
                                                 {"a": A(r), "b": A(r, 3, 4)}]
CASES["numpy.vdot"] = lambda r: [{"a": A(r, 3, 4), "b": A(r, 3, 4)},
                                 {"a": A(r, 12), "b": A(r, 3, 4)}]
CASES["numpy.inner"] = lambda r: [{"a": A(r, 3, 4), "b": A(r, 2, 4)},
                                  {"a": A(r, 4), "b": A(r, 4)}, {"a": A(r), "b": A(r, 2, 3)},
                                  {"a": A(r, 2, 3, 4), "b": A(r, 5, 4)}]
for _n in ("numpy.outer", "numpy.linalg.outer"):
    CASES[_n] = lambda r: [{"a": A(r, 3), "b": A(r, 4)}]
CASES["numpy.outer"] = lambda r: [{"a": A(r, 3), "b": A(r, 4)}, {"a": A(r, 2, 2), "b": A(r, 3)}]
for _n in ("numpy.tensordot", "numpy.linalg.tensordot"):
    CASES[_n] = lambda r: [
        {"a": A(r, 3, 4, 5), "b": A(r, 4, 5, 2)},
        {"a": A(r, 3, 4), "b": A(r, 4, 5), "axes": ([1], [0])},
        {"a": A(r, 3, 4, 5), "b": A(r, 5, 2, 3), "axes": ([0, 2], [2, 0])},
        {"a": A(r, 3, 4), "b": A(r, 2), "axes": 0}]
for _n in ("numpy.vecdot", "numpy.linalg.vecdot"):
    CASES[_n] = lambda r: [{"a": A(r, 3, 4), "b": A(r, 3, 4)}, {"a": A(r, 3, 4), "b": A(r, 4)}]
CASES["numpy.vecdot"] = lambda r: [{"a": A(r, 3, 4), "b": A(r, 3, 4)},
                                   {"a": A(r, 3, 4), "b": A(r, 4)},
                                   {"a": A(r, 3, 4), "b": A(r, 3, 1), "axis": 0}]
CASES["numpy.einsum"] = lambda r: [
    {"subscripts": "ij,jk->ik", "a": A(r, 3, 4), "b": A(r, 4, 2)},
    {"subscripts": "ij->i", "a": A(r, 3, 4)},
    {"subscripts": "i,i", "a": A(r, 4), "b": A(r, 4)},
    {"subscripts": "ij,jk", "a": A(r, 3, 4), "b": A(r, 4, 2)},
    {"subscripts": "ijk,ik->j", "a": A(r, 2, 3, 4), "b": A(r, 2, 4)},
    {"subscripts": "ij,jk,kl->il", "a": A(r, 2, 3), "b": A(r, 3, 4), "c": A(r, 4, 2)},
    {"subscripts": "i,j,k,l->ijkl", "a": A(r, 2), "b": A(r, 3), "c": A(r, 2), "d": A(r, 2)},
    {"subscripts": "ii", "a": A(r, 3, 3)}, {"subscripts": "ii->i", "a": A(r, 3, 3)},
    {"subscripts": "iij,j->i", "a": A(r, 3, 3, 2), "b": A(r, 2)},
    {"subscripts": "ij,jj,k->ik", "a": A(r, 2, 3), "b": A(r, 3, 3), "c": A(r, 2)},
    {"subscripts": "...i,i->...", "a": A(r, 2, 3, 4), "b": A(r, 4)},
    {"subscripts": "...ij,...jk", "a": A(r, 2, 3, 4), "b": A(r, 2, 4, 2)},
    {"subscripts": "i...->...", "a": A(r, 3, 2)},
    {"subscripts": "i...,i", "a": A(r, 3, 2, 2), "b": A(r, 3)}]
CASES["numpy.kron"] = lambda r: [{"a": A(r, 2, 3), "b": A(r, 3, 2)},
                                 {"a": A(r, 2), "b": A(r, 3)}, {"a": A(r, 2, 2), "b": A(r, 3)}]
CASES["numpy.cross"] = lambda r: [{"a": A(r, 3), "b": A(r, 3)}, {"a": A(r, 4, 3), "b": A(r, 3)}]
CASES["numpy.diag"] = lambda r: [{"v": A(r, 4)}, {"v": A(r, 4), "k": 1},
                                 {"v": A(r, 3, 4)}, {"v": A(r, 3, 4), "k": -1}]
CASES["numpy.diagonal"] = lambda r: [{"a": A(r, 3, 4), "offset": 1},
                                     {"a": A(r, 2, 3, 4), "offset": -1, "axis1": 1,
                                      "axis2": 2}]
CASES["numpy.linalg.diagonal"] = lambda r: [{"a": A(r, 2, 3, 3)}]
CASES["numpy.trace"] = lambda r: [{"a": A(r, 3, 4)}, {"a": A(r, 3, 4), "offset": 1},
                                  {"a": A(r, 2, 3, 3), "axis1": 1, "axis2": 2}]
CASES["numpy.linalg.trace"] = lambda r: [{"a": A(r, 2, 3, 3)}]
for _n in ("numpy.tril", "numpy.triu"):
    CASES[_n] = lambda r: [{"m": A(r, 3, 4)}, {"m": A(r, 3, 4), "k": -1}]
for _n in ("numpy.linalg.inv", "numpy.linalg.det", "numpy.linalg.slogdet"):
    CASES[_n] = lambda r: [{"a": well(r, 3, 3)}, {"a": well(r, 2, 3, 3)}]
CASES["numpy.linalg.solve"] = lambda r: [{"a": well(r, 3, 3), "b": A(r, 3)},
                                         {"a": well(r, 3, 3), "b": A(r, 3, 2)},
                                         {"a": well(r, 2, 3, 3), "b": A(r, 2, 3, 2)}]
CASES["numpy.linalg.cholesky"] = lambda r: [{"a": spd(r)}]
CASES["numpy.linalg.norm"] = lambda r: [
    {"x": A(r, 4)}, {"x": A(r, 3, 4)}, {"x": A(r, 2, 3, 4)},
    {"x": A(r, 3, 4), "ord": 2, "axis": 1}, {"x": A(r, 3, 4), "ord": 1, "axis": 0},
    {"x": A(r, 3, 4), "ord": np.inf, "axis": 1}, {"x": A(r, 3, 4), "ord": -np.inf, "axis": 1},
    {"x": A(r, 3, 4), "ord": 3, "axis": -1, "keepdims": True},
    {"x": A(r, 3, 4), "axis": 0, "keepdims": True},
    {"x": A(r, 3, 4), "ord": "fro"}, {"x": A(r, 3, 4), "ord": "nuc"},
    {"x": A(r, 3, 4), "ord": 2}, {"x": A(r, 3, 4), "ord": -2},
    {"x": A(r, 3, 4), "ord": 1}, {"x": A(r, 3, 4), "ord": -1},
    {"x": A(r, 3, 4), "ord": np.inf, "keepdims": True}, {"x": A(r, 3, 4), "ord": -np.inf},
    {"x": A(r, 2, 3, 4), "ord": "fro", "axis": (1, 2)},
    {"x": A(r, 2, 3, 4), "ord": "nuc", "axis": (2, 1), "keepdims": True}]
CASES["numpy.linalg.vector_norm"] = lambda r: [
    {"x": A(r, 3, 4)}, {"x": A(r, 3, 4), "axis": 1, "ord": 1},
    {"x": A(r, 3, 4), "keepdims": True}, {"x": A(r, 3, 4), "axis": 0, "ord": np.inf}]
CASES["numpy.linalg.matrix_norm"] = lambda r: [
    {"x": A(r, 2, 3, 4)}, {"x": A(r, 2, 3, 4), "ord": "nuc"},
    {"x": A(r, 3, 4), "ord": 2, "keepdims": True}, {"x": A(r, 2, 3, 4), "ord": np.inf}]
CASES["numpy.matrix_transpose"] = lambda r: [{"x": A(r, 2, 3, 4)}]

# ---- shape -----------------------------------------------------------------------
CASES["numpy.reshape"] = lambda r: [{"x": A(r, 3, 4), "shape": (2, 6)},
                                    {"x": A(r, 3, 4), "shape": -1}]
CASES["numpy.ndarray.reshape"] = lambda r: [{"x": A(r, 3, 4), "shape": (2, 6)},
                                            {"x": A(r, 3, 4), "shape": ((4, 3),)}]
CASES["numpy.expand_dims"] = lambda r: [{"x": A(r, 3, 4), "axis": 1},
                                        {"x": A(r, 3, 4), "axis": (0, 3)}]
CASES["numpy.squeeze"] = lambda r: [{"x": A(r, 3, 1, 4)}, {"x": A(r, 1, 3, 1), "axis": 0}]
for _n in ("atleast_1d", "atleast_2d", "atleast_3d"):
    CASES[f"numpy.{_n}"] = lambda r: [{"x": A(r, 4)}, {"x": A(r)}, {"x": A(r, 3, 4)}]
CASES["numpy.broadcast_to"] = lambda r: [{"x": A(r, 3, 1), "shape": (2, 3, 4)},
                                         {"x": A(r), "shape": (3,)}]
CASES["numpy.ndarray.astype"] = lambda r: [  # integer and boolean casts: zero gradient
    {"x": A(r, 3, 4), "dtype": np.float64},
    {"x": U(r, 0.2, 0.8, 3, 4) + np.arange(4.0), "dtype": int},
    {"x": U(r, 0.2, 0.8, 3), "dtype": bool}]
CASES["numpy.asarray"] = lambda r: [{"x": A(r, 3, 4)},
                                    {"x": U(r, 0.2, 0.8, 5) - 2.0, "dtype": np.int64}]
CASES["rt.cast_grad"] = lambda r: [{"v": A(r, 3, 4), "x": A(r, 3, 4)},
                                   {"v": A(r, 3, 4), "x": A(r, 3, 4), "dtype": int}]
CASES["rt.cast_jvp"] = lambda r: [{"dx": A(r, 3, 4)}, {"dx": A(r, 3), "dtype": np.float64},
                                  {"dx": A(r, 3), "dtype": bool}]
CASES["numpy.ndarray.item"] = lambda r: [{"x": A(r, 1)}, {"x": A(r, 1, 1)}]
CASES["numpy.transpose"] = lambda r: [{"x": A(r, 3, 4)},
                                      {"x": A(r, 2, 3, 4), "axes": (1, 2, 0)}]
CASES["numpy.ndarray.transpose"] = lambda r: [{"x": A(r, 3, 4), "axes": ()},
                                              {"x": A(r, 2, 3, 4), "axes": (1, 2, 0)},
                                              {"x": A(r, 2, 3, 4), "axes": ((2, 0, 1),)}]
CASES["numpy.swapaxes"] = lambda r: [{"x": A(r, 2, 3, 4), "axis1": 0, "axis2": 2}]
CASES["numpy.moveaxis"] = lambda r: [{"x": A(r, 2, 3, 4), "source": 0, "destination": -1},
                                     {"x": A(r, 2, 3, 4), "source": (0, 1),
                                      "destination": (2, 0)}]
CASES["numpy.flip"] = lambda r: [{"m": A(r, 3, 4)}, {"m": A(r, 3, 4), "axis": 1},
                                 {"m": A(r, 2, 3, 4), "axis": (0, 2)}]
CASES["numpy.roll"] = lambda r: [{"a": A(r, 3, 4), "shift": 5},
                                 {"a": A(r, 3, 4), "shift": (1, -2), "axis": (0, 1)}]
CASES["numpy.rot90"] = lambda r: [{"m": A(r, 3, 4)}, {"m": A(r, 2, 3, 4), "k": 3,
                                                      "axes": (1, 2)}]
CASES["numpy.sort"] = lambda r: [{"a": A(r, 3, 4)}, {"a": A(r, 3, 4), "axis": 0},
                                 {"a": A(r, 3, 4), "axis": None}]
CASES["numpy.tile"] = lambda r: [{"a": A(r, 2, 3), "reps": 2},
                                 {"a": A(r, 2, 3), "reps": (2, 1, 2)}]
CASES["numpy.repeat"] = lambda r: [{"a": A(r, 3, 4), "repeats": 2},
                                   {"a": A(r, 3, 4), "repeats": [1, 0, 2], "axis": 0},
                                   {"a": A(r, 3, 4), "repeats": 3, "axis": 1}]
CASES["numpy.pad"] = lambda r: [{"array": A(r, 3, 4), "pad_width": 1},
                                {"array": A(r, 3, 4), "pad_width": ((1, 0), (2, 3))}] + [
    {"array": A(r, 3, 4), "pad_width": ((1, 2), (3, 1)), "mode": m}
    for m in ("edge", "reflect", "symmetric", "wrap")] + [
    {"array": A(r, 3), "pad_width": 5, "mode": "reflect"}]
CASES["numpy.diff"] = lambda r: [{"a": A(r, 3, 5)}, {"a": A(r, 4, 3), "n": 2, "axis": 0}]
CASES["numpy.concatenate"] = lambda r: [
    {"arrays": [A(r, 2, 3), A(r, 4, 3)]}, {"arrays": [A(r, 3, 2), A(r, 3, 1)], "axis": 1},
    {"arrays": [A(r, 2, 2), A(r, 3)], "axis": None}]
CASES["numpy.stack"] = lambda r: [{"arrays": [A(r, 3, 4), A(r, 3, 4)]},
                                  {"arrays": [A(r, 3), A(r, 3), A(r, 3)], "axis": -1}]
CASES["numpy.vstack"] = lambda r: [{"tup": [A(r, 3), A(r, 2, 3)]}]
CASES["numpy.hstack"] = lambda r: [{"tup": [A(r, 3, 2), A(r, 3, 1)]}, {"tup": [A(r, 2), A(r, 3)]}]
for _n in ("split", "array_split"):
    CASES[f"numpy.{_n}"] = lambda r: [
        {"ary": A(r, 6, 4), "indices_or_sections": 3},
        {"ary": A(r, 3, 5), "indices_or_sections": [1, 4], "axis": 1}]
CASES["numpy.array_split"] = lambda r: [{"ary": A(r, 5, 4), "indices_or_sections": 2}]

# ---- operators, runtime helpers, scipy.special -----------------------------------
CASES["operator.getitem"] = lambda r: [
    {"x": A(r, 3, 4), "index": 1}, {"x": A(r, 3, 4), "index": (slice(None), slice(1, 3))},
    {"x": A(r, 3, 4), "index": np.array([0, 2, 0])},
    {"x": A(r, 3, 4), "index": np.array([[True, False, True, True]] * 3)},
    {"x": A(r, 3, 4), "index": (np.array([0, 1, 1]), np.array([3, 0, 0]))}]
CASES["rt.unbroadcast"] = lambda r: [{"v": A(r, 3, 4), "like": A(r, 1, 4)},
                                     {"v": A(r, 2, 3, 4), "like": A(r, 3, 1)}]
CASES["rt.digamma"] = CASES["rt.polygamma"] = lambda r: [{"n": 1, "x": P(r, 3, 4)}]
_SP = "scipy.special."
for _n in ("gammaln", "loggamma", "gamma", "digamma", "entr"):
    CASES[_SP + _n] = _sq(None, P)
CASES["rt.digamma"] = CASES[_SP + "psi"] = CASES.pop(_SP + "digamma")
CASES[_SP + "log1p"] = CASES["numpy.log1p"]
CASES[_SP + "polygamma"] = lambda r: [{"n": 1, "x": P(r, 3, 4)}, {"n": 2, "x": P(r, 3, 4)}]
for _n in ("logit", "ndtri"):
    CASES[_SP + _n] = _sq(None, PROB)
CASES[_SP + "erfinv"] = _sq(None, UNIT)
CASES[_SP + "erfcinv"] = _sq(None, lambda r, *s: U(r, 0.2, 1.8, *s))
for _n in ("betaln", "beta", "xlogy", "xlog1py", "rel_entr", "kl_div"):
    CASES[_SP + _n] = lambda r: binary_default(r, P)
CASES[_SP + "logsumexp"] = lambda r: reductions(r, name="a") + [
    {"a": A(r, 3, 4), "axis": 1, "b": P(r, 3, 4)}]
for _n in ("softmax", "log_softmax"):
    CASES[_SP + _n] = lambda r: [{"x": A(r, 3, 4)}, {"x": A(r, 3, 4), "axis": 1},
                                 {"x": A(r, 3, 4), "axis": (0, 1)}]

SYMMETRIC = {"numpy.linalg.cholesky"}
CASES["float"] = lambda r: [{"x": A(r)}]

# ---- runtime helpers (their rules give higher-order derivatives) -----------------
_X = lambda r: A(r, 3, 4)  # noqa: E731
for _n in ("sum_grad", "mean_grad"):
    CASES["rt." + _n] = lambda r: [{"v": A(r, 3), "x": _X(r), "axis": 1}, {"v": A(r), "x": _X(r)},
                                   {"v": A(r, 1, 4), "x": _X(r), "axis": 0, "keepdims": True}]


def _max_grad(r):
    x = _X(r)
    return [{"v": A(r, 3), "x": x, "ans_": x.max(axis=1), "axis": 1},
            {"v": A(r), "x": x, "ans_": x.max()}]


CASES["rt.max_grad"] = _max_grad


def _max_jvp(r):
    x = _X(r)
    return [{"v": A(r, 3, 4), "x": x, "ans_": x.max(axis=1), "axis": 1},
            {"v": A(r, 3, 4), "x": x, "ans_": x.max()}]


CASES["rt.max_jvp"] = _max_jvp
CASES["rt.cumsum_grad"] = lambda r: [{"v": A(r, 3, 4), "x": _X(r), "axis": 1},
                                     {"v": A(r, 12), "x": _X(r)}]
CASES["rt.take_grad"] = lambda r: [{"v": A(r, 3, 3), "a": _X(r), "indices": np.array([0, 2, 2]),
                                    "axis": 1}]
CASES["rt.take_along_axis_grad"] = lambda r: [{"v": A(r, 3, 2), "arr": _X(r), "axis": 1,
                                               "indices": r.integers(0, 4, (3, 2))}]
CASES["rt.diagonal_grad"] = lambda r: [{"v": A(r, 3), "a": _X(r), "offset": 1}]
CASES["rt.trace_grad"] = lambda r: [{"v": A(r), "a": _X(r)}]
CASES["rt.diag_grad"] = lambda r: [{"v": A(r, 4, 4), "w": A(r, 4)}, {"v": A(r, 3), "w": _X(r)}]
CASES["rt.tile_grad"] = lambda r: [{"v": A(r, 2, 6), "a": A(r, 2, 3), "reps": 2}]
CASES["rt.repeat_grad"] = lambda r: [{"v": A(r, 6, 4), "a": _X(r), "repeats": 2, "axis": 0}]
CASES["rt.pad_grad"] = lambda r: [{"v": A(r, 5, 6), "array": _X(r), "pad_width": 1}] + [
    {"v": A(r, 6, 8), "array": _X(r), "pad_width": ((1, 2), (3, 1)), "mode": m}
    for m in ("edge", "reflect", "symmetric", "wrap")]
CASES["rt.sort_grad"] = lambda r: [{"v": A(r, 3, 4), "a": _X(r)}]
CASES["rt.diff_grad"] = lambda r: [{"v": A(r, 3, 4), "a": A(r, 3, 5)}]
CASES["rt.transpose_grad"] = lambda r: [{"v": A(r, 2, 3, 4), "axes": (1, 2, 0)}]
CASES["rt.reshape_like"] = lambda r: [{"v": A(r, 12), "x": _X(r)}]
CASES["rt.getitem_grad"] = lambda r: [{"v": A(r, 3, 4), "x": _X(r), "index": np.array([0, 2, 0])}]
CASES["rt.add_item"] = lambda r: [{"b": A(r, 5), "v": A(r), "x": A(r, 5), "index": 2},
                                  {"b": A(r, 5), "v": A(r, 2), "x": A(r, 5),
                                   "index": np.s_[1:3]}]
CASES["rt.broadcast_like"] = lambda r: [{"v": A(r, 1, 4), "x": _X(r)}]
CASES["rt.fit"] = lambda r: [{"v": A(r), "x": _X(r)}, {"v": A(r, 3, 4), "x": _X(r)}]
CASES["rt.item_grad"] = lambda r: [{"v": A(r, 3, 4), "index": 1, "like": A(r, 4)},
                                   {"v": A(r, 3, 4), "index": np.s_[0:2], "like": A(r, 1, 4)}]
CASES["rt.item"] = lambda r: [{"x": A(r, 3, 4), "index": 1}, {"x": A(r, 3, 4), "index": np.s_[0:2]},
                              {"x": A(r, 5), "index": np.array([4, 0])}]
CASES["rt.item_grad_saved"] = lambda r: [{"v": A(r, 4), "x": A(r, 3, 4), "index": 1},
                                         {"v": A(r, 2, 4), "x": _X(r), "index": np.s_[0:2]}]
CASES["rt.sum_list_grad"] = lambda r: [{"v": A(r, 4), "xs": A(r, 3, 4)}]

# ---- helpers with list, bilinear and nonlinear rules (adjoint/rules/runtime_higher.py)
_C2 = lambda r: [r.random((3, 4)) > 0.5, r.random((3, 4)) > 0.3]  # noqa: E731
CASES["rt.sort_jvp"] = lambda r: [{"v": A(r, 3, 4), "a": _X(r)},
                                  {"v": A(r, 3, 4), "a": _X(r), "axis": 0},
                                  {"v": A(r, 3, 4), "a": _X(r), "axis": None}]
CASES["rt.concatenate_grad"] = lambda r: [
    {"v": A(r, 6, 3), "arrays": [A(r, 2, 3), A(r, 4, 3)]},
    {"v": A(r, 3, 3), "arrays": [A(r, 3, 2), A(r, 3, 1)], "axis": 1},
    {"v": A(r, 7), "arrays": [A(r, 2, 2), A(r, 3)], "axis": None}]
CASES["rt.unstack"] = lambda r: [{"v": A(r, 2, 3, 4)}, {"v": _X(r), "axis": 1, "n": 4}]
CASES["rt.vstack_grad"] = lambda r: [{"v": A(r, 3, 3), "tup": [A(r, 3), A(r, 2, 3)]}]
CASES["rt.hstack_grad"] = lambda r: [{"v": A(r, 3, 3), "tup": [A(r, 3, 2), A(r, 3, 1)]},
                                     {"v": A(r, 5), "tup": [A(r, 2), A(r, 3)]}]
CASES["rt.split_grad"] = lambda r: [
    {"v": [A(r, 2, 4), A(r, 2, 4), A(r, 2, 4)], "ary": A(r, 6, 4), "indices_or_sections": 3},
    {"v": [A(r, 3, 1), A(r, 3, 3), A(r, 3, 1)], "ary": A(r, 3, 5),
     "indices_or_sections": [1, 4], "axis": 1}]
CASES["rt.select_grad"] = lambda r: [{"v": _X(r), "condlist": _C2(r),
                                      "choicelist": [A(r, 3, 4), A(r, 1, 4)]}]
CASES["rt.select_default_grad"] = lambda r: [{"v": _X(r), "condlist": _C2(r),
                                              "default": A(r, 3, 1)}]
for _n in ("inner", "tensordot", "kron"):
    for _s in ("ga", "gb"):
        CASES[f"rt.{_n}_{_s}"] = lambda r, _n=_n: [
            {**c, "v": A(r, *np.shape(getattr(np, _n)(c["a"], c["b"], **(
                {"axes": c["axes"]} if "axes" in c else {}))))}
            for c in CASES[f"numpy.{_n}"](r)]


def _einsum_cases(r):
    out = []
    for c in CASES["numpy.einsum"](r):
        ops = [c[k] for k in "abcd" if k in c]
        out.append({**c, "v": A(r, *np.shape(np.einsum(c["subscripts"], *ops)))})
    return out


CASES["rt.einsum_ops"] = lambda r: CASES["numpy.einsum"](r)
for _k in "abcd":
    CASES[f"rt.einsum_g{_k}"] = lambda r, _k=_k: [c for c in _einsum_cases(r) if _k in c]
CASES["rt.reduce_jvp"] = lambda r: [
    {"w": _X(r), "t": _X(r), "axis": 1}, {"w": _X(r), "t": _X(r)},
    {"w": _X(r), "t": _X(r), "axis": 0, "keepdims": True}]
_ZEROS = np.array([[0.5, 0.0, 2.0, 1.5], [1.5, -1.0, 0.0, 0.0], [0.7, 1.1, -0.4, 0.9]])
CASES["rt.prod_grad"] = lambda r: [
    {"v": A(r, 3), "x": _X(r), "axis": 1}, {"v": A(r), "x": _X(r)},
    {"v": A(r, 1, 4), "x": _X(r), "axis": 0, "keepdims": True},
    {"v": A(r, 3), "x": _ZEROS, "axis": 1}, {"v": A(r), "x": _ZEROS}]
CASES["rt.prod_hess"] = lambda r: [
    {"u": _X(r), "x": _X(r), "axis": 1}, {"u": _X(r), "x": _X(r)},
    {"u": _X(r), "x": _ZEROS, "axis": 1}, {"u": _X(r), "x": _ZEROS, "axis": (0, 1)}]
CASES["rt.group"] = lambda r: [{"v": _X(r)}, {"v": A(r, 2, 3, 4), "axis": (0, 2)}]
CASES["rt.ungroup"] = lambda r: [{"v": A(r, 12), "x": _X(r)},
                                 {"v": A(r, 3, 8), "x": A(r, 2, 3, 4), "axis": (0, 2)}]
for _n in ("pairs", "pairs_one"):
    CASES[f"rt.{_n}"] = lambda r: [{"x": _X(r)}, {"x": _X(r), "axis": 1}]
CASES["rt.pairs_t"] = lambda r: [{"c": A(r, 12, 12), "x": _X(r)},
                                 {"c": A(r, 3, 4, 4), "x": _X(r), "axis": 1}]
CASES["rt.var_grad"] = lambda r: [
    {"v": A(r, 3), "x": _X(r), "axis": 1}, {"v": A(r), "x": _X(r), "ddof": 1},
    {"v": A(r, 1, 4), "x": _X(r), "axis": 0, "keepdims": True}]


def _average(r, helper):
    """(v or t, a, ans_, axis, weights, keepdims) cases for the np.average helpers."""
    out = []
    for axis, w, kd in ((1, P(r, 4), False), (0, P(r, 3, 4), True), (None, P(r, 3, 4), False),
                        (0, P(r, 3), False)):
        a = _X(r)
        ans = np.average(a, axis, w, keepdims=kd) if kd else np.average(a, axis, w)
        first = P(r, *np.shape(w)) if helper == "wjvp" else A(r, *np.shape(ans))
        case = {"a": a, "axis": axis, "weights": w, "keepdims": kd,
                ("t" if helper == "wjvp" else "v"): first}
        if helper != "grad":
            case["ans_"] = ans + A(r, *np.shape(ans)) * 0.1  # any value: an input here
        out.append(case)
    return out


CASES["rt.average_grad"] = lambda r: _average(r, "grad") + [{"v": A(r, 3), "a": _X(r),
                                                             "axis": 1}]
CASES["rt.average_wgrad"] = lambda r: _average(r, "wgrad")
CASES["rt.average_wjvp"] = lambda r: _average(r, "wjvp")
CASES["rt.weights_like"] = lambda r: [{"w": A(r, 4), "a": _X(r), "axis": 1},
                                      {"w": _X(r), "a": _X(r)}]
CASES["rt.weights_back"] = lambda r: [{"c": _X(r), "w": A(r, 4), "a": _X(r), "axis": 1},
                                      {"c": _X(r), "w": _X(r), "a": _X(r)}]


def _norm(r, kind):
    """Smooth cases only: at the flat ones (inf, max) a finite difference in ans_
    breaks the ties the adjoint is built from."""
    specs = [(A(r, 4), {}), (_X(r), {}), (_X(r), {"ord": 3, "axis": 1}),
             (_X(r), {"ord": 1.5, "axis": 0, "keepdims": True}), (_X(r), {"ord": 1, "axis": 1})]
    if kind == "norm":
        specs += [(_X(r), {"ord": "fro"}), (A(r, 2, 3, 4), {"axis": (1, 2)})]
    out = []
    for x, kw in specs:
        flat = kind == "vector" and "axis" not in kw  # vector_norm is NumPy >= 2
        ans = np.linalg.norm(np.ravel(x) if flat else x, **kw)
        out.append({"v": A(r, *np.shape(ans)), "x": x, "ans_": ans * U(r, 0.8, 1.2), **kw})
    return out


CASES["rt.norm_grad"] = lambda r: _norm(r, "norm")
CASES["rt.vector_norm_grad"] = lambda r: _norm(r, "vector")
CASES["rt.phi"] = lambda r: [{"v": A(r, 3, 3)}, {"v": A(r, 2, 3, 3)}]
CASES["rt.cholesky_jvp"] = lambda r: [{"t": A(r, 3, 3), "L": np.linalg.cholesky(spd(r))}]
CASES["rt.cholesky_grad"] = lambda r: [{"v": A(r, 3, 3), "L": np.linalg.cholesky(spd(r))}]
CASES["rt.logsumexp_grad"] = lambda r: [
    {"v": A(r, 3), "a": _X(r), "ans_": A(r, 3), "axis": 1},
    {"v": A(r), "a": _X(r), "ans_": A(r)},
    {"v": A(r, 1, 4), "a": _X(r), "ans_": A(r, 1, 4), "axis": 0, "keepdims": True}]
CASES["rt.sum_of"] = lambda r: [{"v": [A(r, 3, 4), A(r, 3, 4)], "like": _X(r)},
                                {"v": [A(r, 4), A(r, 3, 4)], "like": _X(r)}]


# ---- iterating dicts (runtime_dicts.py) -------------------------------------------
def _d(r):
    return {"a": A(r, 3), "b": A(r, 2, 2)}


CASES["rt.as_sequence"] = lambda r: [{"x": [A(r, 3), A(r, 2)]}]
CASES["rt.sequence_grad"] = lambda r: [{"v": [A(r, 3), A(r, 2)], "x": [A(r, 3), A(r, 2)]}]
CASES["rt.dict_items"] = lambda r: [{"d": _d(r)}]
CASES["rt.items_jvp"] = lambda r: [{"dd": _d(r), "d": _d(r)}]
CASES["rt.values_jvp"] = lambda r: [{"dd": _d(r), "d": _d(r)}]
CASES["rt.items_grad"] = lambda r: [{"v": [["a", A(r, 3)], ["b", A(r, 2, 2)]], "d": _d(r)}]
CASES["rt.items_spread"] = lambda r: [{"v": _d(r), "d": _d(r)}]
CASES["rt.dict_values"] = lambda r: [{"d": _d(r)}]
CASES["rt.values_grad"] = lambda r: [{"v": [A(r, 3), A(r, 2, 2)], "d": _d(r)}]
CASES["rt.values_spread"] = lambda r: [{"v": _d(r), "d": _d(r)}]
CASES["rt.dict_get"] = lambda r: [{"d": _d(r), "key": "a", "default": A(r, 3)},
                                  {"d": _d(r), "key": "c", "default": A(r, 3)}]
CASES["rt.get_grad"] = lambda r: [{"v": A(r, 2, 2), "d": _d(r), "key": "b"}]
CASES["rt.get_pick"] = lambda r: [{"v": _d(r), "d": _d(r), "key": "b"},
                                  {"v": {"a": A(r, 3)}, "d": {"a": A(r, 3)}, "key": "b"}]
CASES["rt.get_default"] = lambda r: [{"v": A(r, 3), "d": _d(r), "key": "c", "like": A(r, 3)},
                                     {"v": A(r, 3), "d": _d(r), "key": "a", "like": A(r, 3)}]

# ---- creation functions with float arguments (start/stop/step/fill_value/weights) -----
CASES["numpy.full"] = lambda r: [{"shape": (3, 4), "fill_value": A(r)},
                                 {"shape": (3, 4), "fill_value": A(r, 4)}]
CASES["numpy.full_like"] = lambda r: [{"a": A(r, 3, 4), "fill_value": A(r)},
                                      {"a": A(r, 3, 4), "fill_value": A(r, 3, 1)}]
CASES["numpy.linspace"] = lambda r: [
    {"start": A(r), "stop": A(r), "num": 5}, {"start": A(r), "stop": A(r), "num": 1},
    {"start": A(r), "stop": A(r), "num": 4, "endpoint": False},
    {"start": A(r, 3), "stop": A(r), "num": 4, "axis": 1},
    {"start": A(r, 2, 1), "stop": A(r, 3), "num": 4, "axis": -1},
    {"start": A(r), "stop": A(r, 2), "num": 4, "retstep": True},
    {"start": A(r), "stop": A(r), "num": 3, "retstep": True, "endpoint": False}]
CASES["rt.linspace_grad"] = lambda r: [
    {"v": A(r, 4, 3), "num": 4, "endpoint": True, "retstep": False, "axis": 0, "end": False},
    {"v": A(r, 2, 5), "num": 5, "endpoint": False, "retstep": False, "axis": -1, "end": True}]
CASES["rt.linspace_spread"] = lambda r: [
    {"v": A(r, 3), "like": 0.0, "num": 4, "endpoint": True, "retstep": False, "axis": 0,
     "end": True},
    {"v": A(r), "like": np.zeros(2), "num": 5, "endpoint": False, "retstep": False,
     "axis": -1, "end": False}]
CASES["numpy.logspace"] = lambda r: [
    {"start": A(r), "stop": A(r), "num": 5},
    {"start": A(r, 3), "stop": A(r), "num": 4, "base": 2.0, "axis": 1, "endpoint": False}]
CASES["numpy.arange"] = lambda r: [  # lengths stay away from an integer boundary
    {"start": U(r, 0.12, 0.18), "stop": 2.3, "step": 0.3},
    {"start": U(r, 0.12, 0.18), "stop": 2.3}, {"start": 3.5}]
CASES["numpy.bincount"] = lambda r: [{"x": np.array([0, 2, 2, 3, 0]), "weights": A(r, 5)},
                                     {"x": np.array([1, 1, 4]), "weights": A(r, 3),
                                      "minlength": 7}]
CASES["numpy.histogram"] = lambda r: [  # values away from the edges; one out of range
    {"a": np.array([0.05, 0.42, 0.93, 0.31, 0.66, 0.12]), "weights": A(r, 6), "bins": 3},
    {"a": np.array([0.05, 0.42, 0.93, 0.31, 1.5]), "weights": A(r, 5),
     "bins": np.array([0.0, 0.25, 0.5, 1.0])},
    {"a": np.array([0.2, 0.4, 0.6]), "weights": A(r, 3), "bins": 2, "range": (0.0, 0.5)}]
CASES["rt.histogram_grad"] = lambda r: [
    {"v": A(r, 3), "a": np.array([0.05, 0.42, 0.93, 0.31, 1.5, 1.0]),
     "edges": np.array([0.0, 0.25, 0.5, 1.0])}]
CASES["rt.histogram_jvp"] = lambda r: [
    {"dw": A(r, 4), "a": np.array([0.05, 0.42, 0.93, 0.31]),
     "ans_": np.histogram(np.array([0.05, 0.42, 0.93, 0.31]), bins=3)}]
CASES["rt.last_writes"] = lambda r: [  # a repeated index: only its last write counts
    {"v": A(r, 4), "index": np.array([0, 2, 0, 1]), "base": A(r, 3)},
    {"v": A(r, 3, 2), "index": (np.array([1, 1, 0]), np.array([0, 0, 1])),
     "base": A(r, 2, 2, 2)},
    {"v": A(r, 2), "index": np.array([0, 1]), "base": A(r, 3)}]
CASES["divmod"] = lambda r: [  # a / b stays between integers (floor is constant)
    {"a": U(r, 1.15, 1.3), "b": U(r, 0.5, 0.55)}, {"a": -U(r, 1.15, 1.3, 3), "b": U(r, 0.5, 0.55)},
    {"a": U(r, 1.15, 1.3), "b": U(r, 0.5, 0.55, 2, 1)}]


class Fields(dict):
    """A dict whose items read as attributes (like EasyDict): a record for the rule of
    `getattr` (the attribute read `p.W`), which the harness perturbs like a dict."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


CASES["getattr"] = lambda r: [{"obj": Fields(a=A(r, 3), b=A(r, 2, 2)), "name": "b"},
                              {"obj": Fields(a=A(r), b=A(r, 2)), "name": "a"}]
CASES["rt.field_tangent"] = lambda r: [{"dobj": Fields(a=A(r, 3), b=A(r, 2)),
                                        "obj": Fields(a=A(r, 3), b=A(r, 2)), "name": "a"}]


# ---- matrix decompositions (tests/rule_cases_linalg.py) -----------------------------
from rule_cases_linalg import CASES as _LINALG  # noqa: E402

CASES.update(_LINALG)
from rule_cases_edits import CASES as _EDITS  # noqa: E402

CASES.update(_EDITS)
