"""`idle`: the CPU a server with no work uses (target ≤ 0.5 % of a core over a minute).

A `yardstick serve` on a fresh database (the engine in the same process, its scorer processes
prewarmed) is left SETTLE_S seconds to start (DBOS's scheduler polls every second for its first
minute), then its CPU, and that of its child processes
(the scorer pool), is read from /proc over MEASURE_S seconds in which nothing is asked of it.
The machine's own figure beside it: how busy every other process kept the CPUs meanwhile.
"""

import time

from bench.backend import Backend
from bench.machine import OtherLoad, process_cpu_seconds, tree_cpu_seconds
from bench.registry import benchmark
from bench.report import table
from bench.server import Server

SETTLE_S = 65
MEASURE_S = 60
TARGET_SHARE = 0.005


@benchmark("idle")
def run(backend: Backend) -> None:
    other = OtherLoad()
    env = {"YARDSTICK_SCORING_PREWARM": "true"}  # the default, which bench servers turn off
    with Server(backend.new_database("idle"), backend.tmp, env=env) as server:
        time.sleep(SETTLE_S)
        server_only, tree = process_cpu_seconds(server.pid), tree_cpu_seconds(server.pid)
        with other.measure(lambda: tree_cpu_seconds(server.pid)):
            time.sleep(MEASURE_S)
        server_share = (process_cpu_seconds(server.pid) - server_only) / MEASURE_S
        tree_share = (tree_cpu_seconds(server.pid) - tree) / MEASURE_S
    rows = [
        ["server process", f"{server_share:.2%}", "", ""],
        [
            "server and its scorer processes",
            f"{tree_share:.2%}",
            f"<= {TARGET_SHARE:.1%}",
            "yes" if tree_share <= TARGET_SHARE else "NO",
        ],
    ]
    print(f"database: {backend.kind}; {SETTLE_S} s after start, over {MEASURE_S} s")
    print(table(["CPU while idle", "share of one core", "target", "met"], rows))
    print(f"other processes kept {other.cores:.2f} of 2 CPUs busy meanwhile")
