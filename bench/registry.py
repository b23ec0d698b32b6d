"""The benchmark registry: a name → function map that modules fill by importing themselves."""

import importlib
import pkgutil
from collections.abc import Callable, Sequence

from bench.backend import Backend

Benchmark = Callable[[Backend], None]

BENCHMARKS: dict[str, Benchmark] = {}

# Plumbing modules, not benchmarks; every other module in the package is one.
_PLUMBING = {
    "__main__",
    "backend",
    "big_evaluation",
    "load_workload",
    "machine",
    "registry",
    "report",
    "server",
    "ui_data",
}


def benchmark(name: str) -> Callable[[Benchmark], Benchmark]:
    def register(fn: Benchmark) -> Benchmark:
        if name in BENCHMARKS:
            raise ValueError(f"benchmark {name!r} is registered twice")
        BENCHMARKS[name] = fn
        return fn

    return register


def discover(names: Sequence[str] = ()) -> dict[str, Benchmark]:
    """Import benchmark modules and return the registry.

    A module registers the benchmark of its own name, so `python -m bench ingest` imports only
    `bench.ingest` (a broken neighbour cannot stop it); no names, or a name that is no module,
    imports them all, in name order.
    """
    import bench

    modules = sorted(
        m.name
        for m in pkgutil.iter_modules(bench.__path__)
        if m.name not in _PLUMBING and not m.name.startswith("_")
    )
    wanted = list(names) if names and all(name in modules for name in names) else modules
    for name in wanted:
        importlib.import_module(f"bench.{name}")
    return BENCHMARKS
