"""The server's files are its own: the database, its data directory (uploaded files, the
master key's file) and whatever it writes later.

Custom functions run as `nobody` (yardstick.sandbox.guards). A SQLite file other users may
read (SQLite creates it 0644 under the usual umask) would hand every account's data to code
that got past the sandbox's other layers; so `serve` and `worker` write with umask 077 and take
group and other access off the files an earlier start (or `migrate`) left readable.
"""

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from yardstick.config import Settings
from yardstick.db.engine import sqlite_file

PRIVATE_UMASK = 0o077


def keep_private(settings: Settings) -> list[Path]:
    """Set the umask and make the database's files and the data directory the owner's alone;
    the paths whose access this changed."""
    os.umask(PRIVATE_UMASK)
    database = sqlite_file(settings.database_url)
    paths = [settings.data_dir]
    if database is not None:
        paths += [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
    return tighten(paths)


def tighten(paths: Iterable[Path]) -> list[Path]:
    """Take group and other access off each path that exists and is this user's."""
    changed: list[Path] = []
    for path in paths:
        try:
            status = path.stat()
            if status.st_uid != os.geteuid() or not status.st_mode & 0o077:
                continue
            path.chmod(stat.S_IMODE(status.st_mode) & ~0o077)
        except OSError:
            continue  # absent, or not ours to change: the umask still covers new files
        changed.append(path)
    return changed
