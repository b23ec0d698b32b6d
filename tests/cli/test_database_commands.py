"""Which commands open the database, and that those which must not create one do not: `worker`,
`accounts` and `keys` against a SQLite file that is not there stop with one line and leave
nothing behind. They run in this process (a subprocess costs seconds of imports)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.fixtures.server import free_port
from yardstick.cli.main import app
from yardstick.config import get_settings
from yardstick.db.engine import sqlite_file


@pytest.fixture
def settings_from_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The commands read settings once per process: read them again for each test."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("not a url", "YARDSTICK_DATABASE_URL: not a database URL: Could not parse"),
        ("foo://bar", "YARDSTICK_DATABASE_URL: not a database URL: Can't load plugin"),
        ("mysql://u@h/d", "YARDSTICK_DATABASE_URL: Yardstick runs on SQLite"),
    ],
)
@pytest.mark.parametrize("args", [["migrate"], ["worker"], ["keys", "list", "--account", "t"]])
def test_a_url_of_no_database_we_run_on_is_one_line(
    settings_from_env: None, args: list[str], url: str, said: str
) -> None:
    result = CliRunner().invoke(app, args, env={"YARDSTICK_DATABASE_URL": url})
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {said}") and result.stderr.count("\n") == 1


@pytest.mark.parametrize("args", [["migrate"], ["accounts", "create", "t"]])
def test_a_file_that_is_not_a_database_is_one_line(
    tmp_path: Path, settings_from_env: None, args: list[str]
) -> None:
    text = tmp_path / "notes.db"
    text.write_text("not a database, a note\n" * 100)
    result = CliRunner().invoke(app, args, env={"YARDSTICK_DATABASE_URL": f"sqlite:///{text}"})
    assert result.exit_code == 1, result.output
    assert (
        result.stderr == f"cannot open the database at sqlite:///{text}: file is not a database\n"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["worker"],
        ["accounts", "create", "team"],
        ["keys", "create", "--account", "team"],
        ["keys", "list", "--account", "team"],
        ["keys", "revoke", "some-key"],
    ],
    ids=" ".join,
)
def test_no_database_is_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings_from_env: None, args: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"YARDSTICK_DATABASE_URL": "sqlite:///./yardstick.db", "YARDSTICK_DATA_DIR": "data"}
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        f"no database at {tmp_path / 'yardstick.db'}; run `yardstick migrate` first\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_database_is_one_line(
    monkeypatch: pytest.MonkeyPatch, settings_from_env: None
) -> None:
    url = f"postgresql+psycopg://someone:secret@127.0.0.1:{free_port()}/nothing"
    result = CliRunner().invoke(
        app, ["keys", "list", "--account", "team"], env={"YARDSTICK_DATABASE_URL": url}
    )
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert line.startswith(
        "cannot open the database at postgresql+psycopg://someone:***@127.0.0.1:"
    ), result.stderr
    assert "\n" not in line and "secret" not in line


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///./yardstick.db", "yardstick.db"),
        ("sqlite:////var/lib/y.db", "/var/lib/y.db"),
        ("sqlite:///file:y.db?mode=rwc&uri=true", "y.db"),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("postgresql+psycopg://u:p@h/db", None),
    ],
)
def test_sqlite_file(url: str, path: str | None) -> None:
    assert sqlite_file(url) == (None if path is None else Path(path))
