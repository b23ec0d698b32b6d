"""`serve` and `worker` keep their files to their own user: a custom function runs as
`nobody`, and the SQLite file, created 0644 under the usual umask, was readable to it."""

import stat
from pathlib import Path

from tests.fixtures.server import Server
from yardstick.cli.private_files import tighten
from yardstick.db.engine import sqlite_file


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_group_and_other_access_is_taken_off_what_exists(tmp_path: Path) -> None:
    database, data = tmp_path / "y.db", tmp_path / "data"
    database.write_bytes(b"")
    database.chmod(0o644)
    data.mkdir()
    data.chmod(0o755)  # whatever this process's umask
    private = tmp_path / "already"
    private.write_bytes(b"")
    private.chmod(0o600)

    changed = tighten([database, data, private, tmp_path / "absent"])

    assert changed == [database, data]
    assert (_mode(database), _mode(data), _mode(private)) == (0o600, 0o700, 0o600)


def test_a_served_database_and_its_data_directory_are_the_owners_alone(server: Server) -> None:
    database = sqlite_file(server.database_url)
    if database is not None:  # SQLite: its file and the WAL's
        for path in (database, Path(f"{database}-wal")):
            assert _mode(path) & 0o077 == 0, path
    assert _mode(server.data_dir) == 0o700
