"""What the machine is, and how busy other processes kept it while a benchmark ran.

Figures taken on a shared machine mean little without the second part: a benchmark reports the
CPU that processes other than the server and the benchmark itself used during its timed phases.
"""

import os
import platform
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def describe() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{mem_kb / 1024 / 1024:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        memory = "RAM unknown"
    return f"{os.cpu_count()} CPUs, {model}, {memory}, Python {platform.python_version()}"


def busy_seconds() -> float:
    """CPU seconds spent non-idle by the whole machine since boot (0 where /proc is missing)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU process `pid` has used so far (Linux /proc; 0 where unavailable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU of process `pid` and of its live descendants (a server's scorer processes)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
            except (OSError, ValueError, IndexError):
                continue  # gone meanwhile
    tree, grew = {pid}, True
    while grew:
        children = {child for child, parent in parents.items() if parent in tree} - tree
        tree |= children
        grew = bool(children)
    return sum(process_cpu_seconds(member) for member in tree)


def own_seconds() -> float:
    times = os.times()
    return times.user + times.system


class OtherLoad:
    """CPU used by every process but this one and the one `cpu` measures, inside `measure()`."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.wall = 0.0

    @contextmanager
    def measure(self, cpu: Callable[[], float] = lambda: 0.0) -> Iterator[None]:
        busy, theirs, own = busy_seconds(), cpu(), own_seconds()
        start = time.perf_counter()
        yield
        self.wall += time.perf_counter() - start
        self.seconds += (busy_seconds() - busy) - (cpu() - theirs) - (own_seconds() - own)

    @property
    def cores(self) -> float:
        """Average number of cores other processes kept busy (clamped at 0: tick rounding)."""
        return max(0.0, self.seconds / self.wall) if self.wall else 0.0
