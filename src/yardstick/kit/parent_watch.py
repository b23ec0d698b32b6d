"""Child processes (scorers, sandboxes, API processes) that end themselves once the server is gone.

A clean stop shuts the pools down; a `kill -9`, an out-of-memory kill or a crash of the server
runs none of its code, and its children would live on as orphans holding hundreds of MB each.
So every child started by multiprocessing runs a daemon thread that compares `os.getppid()`
with the pid of the parent that started it, every half second, and exits the process when they
differ: the parent died and the child was re-parented (to init, or to a subreaper).

Why polling rather than prctl(PR_SET_PDEATHSIG): the kernel sends that signal when the *thread*
that started the child ends, not the process. The pools start processes from whichever thread
first needs one (the event loop's, a sandbox pool thread), so a thread ending would kill a
healthy child. It is also Linux-only, and cleared when a sandbox process drops root for
`nobody`. Polling costs one system call per half second and reacts within a second.
"""

import multiprocessing
import os
import threading
import time

POLL_SECONDS = 0.5


def exit_with_parent(interval: float = POLL_SECONDS) -> None:
    """In a process started by multiprocessing, exit when its parent dies; elsewhere, nothing.

    Call it before anything that forbids new threads (the sandbox's seal).
    """
    parent = multiprocessing.parent_process()
    if parent is None or parent.pid is None:
        return
    # The pid multiprocessing recorded at the start, not a fresh getppid(): a parent that
    # died before this line is then still noticed.
    exit_without(parent.pid, interval)


def exit_without(parent_pid: int, interval: float = POLL_SECONDS) -> None:
    """Exit this process once `parent_pid` is no longer its parent (`serve --processes`'s API
    processes, which `serve` starts as commands of their own and names itself to)."""
    watch = threading.Thread(
        target=_watch, args=(parent_pid, interval), name="parent-watch", daemon=True
    )
    watch.start()


def _watch(parent_pid: int, interval: float) -> None:
    while os.getppid() == parent_pid:
        time.sleep(interval)
    # Not sys.exit (it would end only this thread), and no clean-up: the main thread may be in
    # the middle of a batch or a user function, and nobody is left to want its result.
    os._exit(0)
