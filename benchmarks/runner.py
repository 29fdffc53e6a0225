"""Run workloads on systems and collect one results dict (the JSON document)."""
from __future__ import annotations

import os
import platform
import sys
import time

import numpy as np

from . import systems as sysmod
from . import timing
from . import workloads as wlmod

REF_ORDER = ("adjoint", "autograd")   # whose gradient the others are compared to


def describe_error(exc):
    """First line of an exception's message (its type name if the message is empty)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _forward(system, fn, cargs, settings):
    """Median time of the system's own forward pass, or an error note."""
    fwd = system.forward(fn)
    if fwd is None:
        return {}
    try:
        return {"fn": timing.measure(fwd, cargs, settings)}
    except Exception as exc:
        return {"fn_error": describe_error(exc)}


def _gradient(system, work, cargs, settings, np_fn_s):
    """Build, first call, timing and memory of one system's gradient."""
    grad, build_s = system.build(work.fn, work.wrt)
    out, first_s = timing.first_call(grad, cargs)
    grads = system.to_numpy(out, work.wrt)
    t = timing.measure(grad, cargs, settings)
    mem = None
    if system.memory == sysmod.NUMPY_MEMORY:
        mem = timing.peak_memory(grad, cargs)
    return grads, {
        "status": "ok", "grad": t, "ratio": t["median_s"] / np_fn_s,
        "build_s": build_s, "first_call_s": first_s,
        "setup_s": build_s + max(0.0, first_s - t["median_s"]),
        "peak_mem_bytes": mem, "memory_method": system.memory,
    }


def run_system(system, work, args, settings, np_fn_s):
    """One (workload, system) cell; any failure becomes an 'unsupported' status."""
    try:
        cargs = system.convert(args, work.wrt)
        entry = _forward(system, work.fn, cargs, settings)
        grads, info = _gradient(system, work, cargs, settings, np_fn_s)
        entry.update(info)
        if _mutated(args, cargs):
            entry["status"] = "ok (but it modified its input arrays)"
        return entry, grads
    except Exception as exc:
        return {"status": f"unsupported: {describe_error(exc)}",
                "error_type": type(exc).__name__}, None


def _mutated(args, cargs):
    """Did a system write into the NumPy arrays it was given?"""
    return any(isinstance(a, np.ndarray) and isinstance(c, np.ndarray)
               and not np.array_equal(a, c) for a, c in zip(args, cargs))


def rel_diff(grads, ref):
    """max over components of max|a - b| / max|b| (inf if shapes differ, nan if nan)."""
    worst = 0.0
    if len(grads) != len(ref):
        return float("inf")
    for a, b in zip(grads, ref):
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        if a.shape != b.shape:
            return float("inf")
        scale = max(float(np.max(np.abs(b), initial=0.0)), 1e-300)
        diff = float(np.max(np.abs(a - b), initial=0.0)) / scale
        if not np.isfinite(diff):
            return float("nan") if np.isnan(diff) else float("inf")
        worst = max(worst, diff)
    return worst


def compare(entries, grads):
    """Fill in max_rel_diff against adjoint (or autograd, or the first that ran)."""
    ok = [name for name in grads if grads[name] is not None]
    if not ok:
        return None
    ref = next((n for n in REF_ORDER if n in ok), ok[0])
    for name in ok:
        entries[name]["max_rel_diff"] = rel_diff(grads[name], grads[ref])
    return ref


def run_workload(work, systems, settings, progress=None):
    """Baseline NumPy timing plus every requested system on one workload."""
    args = work.make_inputs()
    base = timing.measure(work.fn, args, settings)
    np_mem = timing.peak_memory(work.fn, args)
    entries, grads = {}, {}
    for system in systems:
        if progress:
            progress(f"  {work.name}: {system.name}")
        start = time.perf_counter()
        entries[system.name], grads[system.name] = run_system(
            system, work, args, settings, base["median_s"])
        entries[system.name]["wall_s"] = round(time.perf_counter() - start, 3)
    return {
        "description": work.description, "wrt": list(work.wrt),
        "numpy_fn": dict(base, peak_mem_bytes=np_mem),
        "reference": compare(entries, grads), "systems": entries,
    }


def system_info(names):
    """Availability and version of every requested system."""
    info = {}
    for name in names:
        ok, note = sysmod.BY_NAME[name].available()
        info[name] = {"available": ok, "version" if ok else "note": note}
    return info


def run_suite(workload_names, system_names, quick=False, progress=None):
    """The whole results document for the given workloads and systems."""
    settings = timing.QUICK if quick else timing.FULL
    info = system_info(system_names)
    runnable = [sysmod.BY_NAME[n] for n in system_names
                if n != "numpy" and info[n]["available"]]
    meta = _meta(quick, settings)
    results = {}
    for name in workload_names:
        results[name] = run_workload(wlmod.BY_NAME[name], runnable, settings, progress)
    meta["loadavg_end"] = _loadavg()
    return {"meta": meta, "systems": info, "workloads": results}


def _loadavg():
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):        # not on every platform
        return None


def _meta(quick, settings):
    return {
        "python": sys.version.split()[0], "numpy": np.__version__,
        "platform": platform.platform(), "cpus": os.cpu_count(),
        "loadavg_start": _loadavg(),
        "quick": quick, "repeats": settings.repeats, "min_time_s": settings.min_time,
        "timing": "median seconds per call over repeats; loops auto-scaled",
        "ratio": "gradient median / plain NumPy function median",
        "setup": "build time + (first call - median call), i.e. one-off cost",
        "max_rel_diff": "max over outputs of max|g - g_ref| / max|g_ref|",
        "peak_mem": "tracemalloc peak of one gradient call; not comparable "
                    "for torch/jax, whose allocations tracemalloc cannot see",
    }
