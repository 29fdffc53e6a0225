"""Input specs for np.delete, np.insert, np.convolve, np.correlate and the helpers
behind them and np.add.at (merged into rule_cases.CASES). Each index form NumPy
takes: int, slice, list, integer and boolean arrays, repeated entries, axis or not.
"""
import numpy as np

from rule_cases import A

CASES = {}
CASES["numpy.delete"] = lambda r: [
    {"arr": A(r, 3, 5), "obj": 1, "axis": 1}, {"arr": A(r, 3, 5), "obj": slice(1, 4, 2), "axis": 1},
    {"arr": A(r, 3, 5), "obj": np.array([0, 2]), "axis": 0},
    {"arr": A(r, 3, 5), "obj": np.array([True, False, True, False, False]), "axis": -1},
    {"arr": A(r, 3, 4), "obj": [1, 5, 11]}, {"arr": A(r, 6), "obj": -1}]
CASES["numpy.insert"] = lambda r: [
    {"arr": A(r, 3, 4), "obj": 1, "values": A(r, 3), "axis": 1},
    {"arr": A(r, 3, 4), "obj": 1, "values": A(r), "axis": 0},
    {"arr": A(r, 5), "obj": [1, 3, 3], "values": A(r, 3)},
    {"arr": A(r, 3, 4), "obj": [0, 2], "values": A(r, 3, 1), "axis": 1},
    {"arr": A(r, 2, 3), "obj": 2, "values": A(r, 2)},
    {"arr": A(r, 3, 4), "obj": 1, "values": A(r, 2, 4), "axis": 0}]
_LENGTHS = [(5, 3), (3, 5), (4, 6), (6, 4), (2, 5), (4, 4)]
CASES["numpy.convolve"] = CASES["numpy.correlate"] = lambda r: [
    {"a": A(r, m), "v": A(r, n), "mode": mode}
    for m, n in _LENGTHS for mode in ("full", "same", "valid")]


def _adjoint_cases(r, corr):
    out = []
    f = np.correlate if corr else np.convolve
    for m, n in _LENGTHS:
        for mode in ("full", "same", "valid"):
            a, v = A(r, m), A(r, n)
            out.append({"c": A(r, len(f(a, v, mode))), "a": a, "v": v, "mode": mode,
                        "corr": corr})
    return out


CASES["rt.convolve_ga"] = CASES["rt.convolve_gb"] = lambda r: (
    _adjoint_cases(r, False)[::2] + _adjoint_cases(r, True)[1::2])
CASES["rt.delete_grad"] = lambda r: [
    {"v": A(r, 3, 4), "arr": A(r, 3, 5), "obj": 1, "axis": 1},
    {"v": A(r, 9), "arr": A(r, 3, 4), "obj": [1, 5, 11]}]
CASES["rt.insert_grad_arr"] = CASES["rt.insert_grad_values"] = lambda r: [
    {"v": A(r, 3, 5), "arr": A(r, 3, 4), "obj": 1, "values": A(r, 3), "axis": 1},
    {"v": A(r, 8), "arr": A(r, 5), "obj": [1, 3, 3], "values": A(r, 3)},
    {"v": A(r, 4, 4), "arr": A(r, 3, 4), "obj": 1, "values": A(r), "axis": 0}]
CASES["rt.added_at"] = lambda r: [  # np.add.at(a, index, v): repeated entries accumulate
    {"a": A(r, 5), "index": np.array([0, 2, 0, 4]), "v": A(r, 4)},
    {"a": A(r, 4, 3), "index": np.array([1, 1, 3]), "v": A(r, 3, 3)},
    {"a": A(r, 4, 3), "index": (np.array([0, 0, 2]), np.array([1, 1, 2])), "v": A(r)},
    {"a": A(r, 5), "index": slice(1, 3), "v": A(r, 2)}]
