"""The sandbox process's own defences: resource limits, a dropped user, and an audit hook.

These run once, in the sandbox process, after everything it needs is imported and before the
first user function; afterwards the process is "sealed". They do not rely on the source checks or
the restricted builtins, so a way around those still meets them:

- RLIMIT_AS: address space = the process's size when sealed + the configured memory; a bigger
  allocation fails with MemoryError instead of growing the server's machine out of memory.
- RLIMIT_CPU: re-armed before every call at the CPU time used so far + the call's budget. The
  server kills a call at its wall-clock limit first; this one still stops a runaway loop whose
  server went away (SIGXCPU ends the process).
- RLIMIT_FSIZE 0 (SIGXFSZ ignored, so a write fails instead of killing), RLIMIT_CORE 0, and
  RLIMIT_NPROC 0: no files written, no core dumps, no new processes or threads.
- Running as root, the process moves into a network namespace of its own (no interface up: no
  socket reaches the server, the database or a vendor), then switches to `nobody` (RLIMIT_NPROC
  does not bind root).
- `sys.addaudithook`: once sealed, every event of `policy.BLOCKED_EVENTS` (opening any file, a
  socket, a subprocess, `os.*`, real imports, frame attributes, …) raises `SandboxViolation` and
  is recorded, so a call that tried one fails even if it swallowed the exception.
  The harness's own bookkeeping (re-arming the CPU limit, reading a traceback) runs `trusted()`.

Failure modes: a limit that cannot be set (another OS, no permission) is reported back to the
server as a warning, and the remaining layers still apply.
"""

import ctypes
import math
import os
import resource
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from yardstick.sandbox.policy import event_blocked

_NOBODY = 65534


@dataclass(frozen=True)
class Limits:
    timeout_seconds: float
    memory_mb: int


class SandboxViolation(BaseException):
    """Something the sandbox forbids. A BaseException, so `except Exception` does not catch it."""


_trusted = 0
_violations: list[str] = []
_sealed = False


@contextmanager
def trusted() -> Iterator[None]:
    """The harness's own work, which may touch what user code may not."""
    global _trusted
    _trusted += 1
    try:
        yield
    finally:
        _trusted -= 1


def violation(what: str) -> SandboxViolation:
    """Record a refused action and return the exception to raise for it."""
    _violations.append(what)
    return SandboxViolation(what)


def take_violations() -> list[str]:
    """What was refused since the last call (and forget it)."""
    taken = list(_violations)
    _violations.clear()
    return taken


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _trusted or not event_blocked(event):
        return
    shown = {"object.__getattr__": 1, "open": 0, "import": 0}.get(event)
    detail = f" {args[shown]!r}" if shown is not None and len(args) > shown else ""
    raise violation(f"{event}{detail} is not allowed in the sandbox")


def _address_space_bytes() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _set(limit: int, soft: int, hard: int, name: str, warnings: list[str]) -> None:
    try:
        resource.setrlimit(limit, (soft, hard))
    except (ValueError, OSError) as exc:
        warnings.append(f"{name} not applied: {exc}")


# unshare(2)'s flag for a new network namespace (linux/sched.h).
_CLONE_NEWNET = 0x40000000


def _isolate_network(warnings: list[str]) -> None:
    """Move the process into a network namespace of its own, which has no interface but a
    loopback that is down: no socket reaches anything, whatever got past the other layers.
    Needs CAP_SYS_ADMIN (root, before dropping it); elsewhere the audit hook is the guard.
    The pipe to the server is a socket pair, which a namespace does not touch."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(_CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    except (OSError, AttributeError) as exc:
        warnings.append(f"network not isolated: {exc}")


def _drop_root(warnings: list[str]) -> None:
    if os.geteuid() != 0:
        return
    try:
        os.setgroups([])
        os.setgid(_NOBODY)
        os.setuid(_NOBODY)
    except OSError as exc:
        warnings.append(f"running as root, could not switch to nobody: {exc}")


def seal(limits: Limits) -> list[str]:
    """Apply every limit and install the audit hook; returns what could not be applied."""
    warnings: list[str] = []
    # Ctrl-C in the server's terminal reaches this process group too; the server shuts us down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    baseline = _address_space_bytes()  # before dropping root: /proc/self is then unreadable
    _set(resource.RLIMIT_CORE, 0, 0, "RLIMIT_CORE", warnings)
    _set(resource.RLIMIT_FSIZE, 0, 0, "RLIMIT_FSIZE", warnings)
    memory = baseline + limits.memory_mb * 1024 * 1024
    _set(resource.RLIMIT_AS, memory, memory, "RLIMIT_AS", warnings)
    _isolate_network(warnings)
    _drop_root(warnings)
    _set(resource.RLIMIT_NPROC, 0, 0, "RLIMIT_NPROC", warnings)
    sys.addaudithook(_audit)
    global _sealed
    _sealed = True
    return warnings


def arm_cpu_limit(seconds: float) -> None:
    """Let the next call use `seconds` of CPU on top of what this process has used so far.

    Only in a sealed process: the module is also imported (and its calls tested) elsewhere.
    """
    if not _sealed:
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime + seconds)
    with trusted():
        # Only the soft limit moves: a lowered hard limit could never be raised again, and this
        # process needs a new soft limit for every call.
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
