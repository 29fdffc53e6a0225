"""Median wall-clock timing (timeit-style) and peak traced memory of one call."""
from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    repeats: int = 7          # timed repeats; the median is reported
    min_time: float = 0.1     # each repeat runs enough loops to last this long
    max_loops: int = 100_000


FULL = Settings()
QUICK = Settings(repeats=3, min_time=0.005, max_loops=1000)


def _run(call, args, loops):
    clock = time.perf_counter
    start = clock()
    for _ in range(loops):
        call(*args)
    return clock() - start


def _autorange(call, args, settings):
    """Loops per repeat: grow 1, 2, 5, 10, ... until one repeat lasts min_time."""
    loops = 1
    while True:
        for factor in (1, 2, 5):
            n = loops * factor
            if n >= settings.max_loops or _run(call, args, n) >= settings.min_time:
                return min(n, settings.max_loops)
        loops *= 10


def measure(call, args, settings):
    """Seconds per call: median, min and spread over `settings.repeats` repeats."""
    gc_was_enabled = gc.isenabled()
    call(*args)                                    # warm-up (caches, lazy compile)
    gc.disable()
    try:
        loops = _autorange(call, args, settings)
        per_call = [_run(call, args, loops) / loops for _ in range(settings.repeats)]
    finally:
        if gc_was_enabled:
            gc.enable()
    return {
        "median_s": statistics.median(per_call),
        "min_s": min(per_call),
        "max_s": max(per_call),
        "loops": loops,
        "repeats": settings.repeats,
    }


def first_call(call, args):
    """Result and duration of one call (the first one pays lazy compilation)."""
    start = time.perf_counter()
    out = call(*args)
    return out, time.perf_counter() - start


def peak_memory(call, args):
    """Peak bytes allocated (as seen by tracemalloc) during one call, above baseline."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        call(*args)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        if gc_was_enabled:
            gc.enable()
    return max(0, peak - base)
