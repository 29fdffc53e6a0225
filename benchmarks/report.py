"""Render results as a readable text table and as JSON."""
from __future__ import annotations

import json
import math
import os
import re

COLUMNS = ("system", "fn", "grad", "grad/np-fn", "setup", "peak mem",
           "max rel diff", "status")
MISMATCH = 1e-6          # relative gradient difference flagged in the table
NOISY = 2.0              # max/min over repeats above this: the timing gets a star


def fmt_time(seconds):
    if seconds is None:
        return "-"
    if seconds <= 0:
        return "0"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def fmt_timing(t):
    """Median of a timing dict, starred when its repeats varied more than NOISY."""
    if not t:
        return "-"
    noisy = t["max_s"] > NOISY * t["min_s"]
    return fmt_time(t["median_s"]) + ("*" if noisy else "")


def fmt_bytes(n):
    if n is None:
        return "n/a"
    for unit, scale in (("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} B"


def fmt_diff(value, is_ref):
    if value is None:
        return "-"
    if is_ref:
        return "(reference)"
    text = f"{value:.1e}" if math.isfinite(value) else str(value)
    return text + ("" if value <= MISMATCH else " MISMATCH")   # nan fails too


_PATH = re.compile(r"(?:[^\s:]*[/\\])([^/\\\s:]+:\d+)(?::\d+)?")


def _status(entry, width=72):
    status = _PATH.sub(r"\1", entry["status"])       # /long/path/f.py:3:5 -> f.py:3
    if "fn_error" in entry:
        status += f" (fn: {entry['fn_error']})"
    return status if len(status) <= width else status[:width - 3] + "..."


def row(name, entry, ref):
    """Table cells for one system on one workload."""
    if "grad" not in entry:
        return [name, "-", "-", "-", "-", "-", "-", _status(entry)]
    return [name, fmt_timing(entry.get("fn")), fmt_timing(entry["grad"]),
            f"{entry['ratio']:.3g}x", fmt_time(entry["setup_s"]),
            fmt_bytes(entry["peak_mem_bytes"]),
            fmt_diff(entry.get("max_rel_diff"), name == ref), _status(entry)]


def workload_table(name, res):
    """A titled, aligned table for one workload."""
    base = res["numpy_fn"]
    rows = [list(COLUMNS),
            ["numpy", fmt_timing(base), "-", "-", "-",
             fmt_bytes(base["peak_mem_bytes"]), "-", "ok (baseline)"]]
    rows += [row(sys_name, entry, res["reference"])
             for sys_name, entry in res["systems"].items()]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    lines = [f"== {name}: {res['description']}"]
    for r in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    return "\n".join(lines)


def notes(results):
    """Footnotes: missing peers and how to read the columns."""
    meta = results["meta"]
    out = [f"Python {meta['python']}, NumPy {meta['numpy']}, {meta['cpus']} CPUs, "
           f"{'quick' if meta['quick'] else 'full'} mode, "
           f"median of {meta['repeats']} repeats, load average "
           f"{meta['loadavg_start']} at start, {meta['loadavg_end']} at end."]
    for name, info in results["systems"].items():
        if not info["available"]:
            out.append(f"{name}: skipped ({info['note']})")
    out += [
        "fn: the system's own forward pass (numpy-based systems run the NumPy one).",
        f"*: the repeats of that timing varied more than {NOISY:g}x (busy machine); "
        "min_s and max_s are in the JSON.",
        "grad/np-fn: gradient median divided by the plain NumPy function median.",
        "setup: build + (first call - median call): tracing, compiling, caching.",
        "peak mem: tracemalloc peak of one gradient call; n/a for torch and jax, "
        "whose buffers tracemalloc cannot see (not comparable).",
        f"max rel diff: max|g - g_ref| / max|g_ref| per output, worst output; "
        f"MISMATCH above {MISMATCH:g}.",
    ]
    return "\n".join("  " + line for line in out)


def render(results):
    tables = [workload_table(name, res) for name, res in results["workloads"].items()]
    return "\n\n".join(tables + ["Notes:\n" + notes(results)])


def write_json(results, path):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as fh:
        json.dump(_plain(results), fh, indent=2, allow_nan=False)
        fh.write("\n")


def _plain(value):
    """Strict-JSON copy: numpy scalars to Python, inf/nan floats to strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value
