"""How often a long-running Yardstick process (`serve`, `worker`) runs Python's cyclic garbage
collector.

CPython collects its youngest generation every 700 new container objects, and each collection
walks every young object still alive. A run keeps many alive at once (at 256 cells in flight:
their tasks, futures, requests and parsed responses), so the collector walked them over and
over: ~0.4 s of a 3.6 s run of 10,000 chat cells, ~40 µs of CPU a cell. Every 50,000 objects,
the same run took 6-15 % less wall time and 265-291 µs of CPU a cell instead of 317-321, and
`PUT /v5/spans/batch` ingest 5-8 % more spans a second (alternated pairs, 2026-12-03). Garbage
in reference cycles lives a little longer; everything else is freed as before, by reference
counting.

What start-up built (modules, the app, its schemas) lives as long as the process: frozen, the
rare full collections do not walk it again either (-4.6 and -6.7 ms of server CPU per
1,000-item batch in two paired runs of `./dev bench ingest`).
"""

import gc

# New container objects between two collections of the youngest generation (CPython: 700).
YOUNG_EVERY = 50_000


def pace_gc() -> None:
    """Freeze what exists now and collect the young generation every YOUNG_EVERY objects; the
    older generations keep their ratios."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_EVERY, middle, old)
