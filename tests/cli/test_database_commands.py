"""Which commands open the database, and that those which must not create one do not: `worker`,
`accounts` and `keys` against a SQLite file that is not there stop with one line and leave
nothing behind. They run in this process (a subprocess costs seconds of imports)."""

import base64
import hashlib
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from tests.conftest import require_backend
from tests.fixtures.server import (
    create_postgres_database,
    drop_postgres_database,
    free_port,
    postgres_admin_url,
)
from yardstick.auth.service import auth_service, key_hasher
from yardstick.bootstrap import BootstrapRefused, bootstrap
from yardstick.cli.database import reachable
from yardstick.cli.main import app
from yardstick.cli.settings import check_master_key, load_settings
from yardstick.config import Settings, get_settings
from yardstick.db.engine import create_db_engine, sqlite_file
from yardstick.db.session import SessionFactory
from yardstick.execution.worker_sessions import application_name
from yardstick.secret_box import _box, secret_box


@pytest.fixture
def settings_from_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The commands read settings once per process: read them again for each test."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def umask_kept() -> Iterator[None]:
    """`worker` sets the process's umask for its files (yardstick.cli.private_files): run in
    this process, it must not change the files later tests make."""
    umask = os.umask(0o022)
    os.umask(umask)
    yield
    os.umask(umask)


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


@pytest.mark.parametrize(
    "url",
    ["sqlite://", "sqlite:///", "sqlite:///:memory:", "sqlite:///file:x?mode=memory&uri=true"],
)
@pytest.mark.parametrize(
    "args",
    [["migrate"], ["worker"], ["accounts", "create", "t"], ["keys", "list", "--account", "t"]],
)
def test_an_in_memory_sqlite_database_is_one_line(
    settings_from_env: None, args: list[str], url: str
) -> None:
    # It used to reach the engine's set-up and end in a TypeError traceback (a pool argument
    # that SQLite's in-memory pool does not take).
    result = CliRunner().invoke(app, args, env={"YARDSTICK_DATABASE_URL": url})
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        "error: YARDSTICK_DATABASE_URL: an in-memory SQLite database cannot be shared or kept; "
        "name a file (sqlite:///path)\n"
    )


def _tables(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A database that exists but holds nothing of Yardstick's: (its URL, how the error names
    it). An empty SQLite file, or a new PostgreSQL database, like `postgres` named by mistake."""
    if request.param == "sqlite":
        path = tmp_path / "empty.db"
        path.touch()
        yield f"sqlite:///{path}", str(path)
        return
    require_backend("postgresql")
    admin = postgres_admin_url()
    assert admin is not None
    url = create_postgres_database(admin)
    try:
        yield url, make_url(url).render_as_string(hide_password=True)
    finally:
        drop_postgres_database(admin, url)


@pytest.mark.parametrize(
    "args",
    [["worker"], ["accounts", "create", "team"], ["keys", "list", "--account", "team"]],
    ids=" ".join,
)
def test_a_database_without_yardstick_tables_is_not_migrated(
    settings_from_env: None, empty_database: tuple[str, str], args: list[str], tmp_path: Path
) -> None:
    # These commands used to run every migration there (34 tables, an extension) and, for
    # `worker`, add a default account and key: only `serve` and `migrate` may make a database.
    url, where = empty_database
    env = {"YARDSTICK_DATABASE_URL": url, "YARDSTICK_DATA_DIR": str(tmp_path / "data")}
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 1, result.output
    assert result.stderr == f"no Yardstick database at {where}; run `yardstick migrate` first\n"
    assert _tables(url) == []


def test_a_worker_is_not_named_after_itself_while_it_migrates(
    settings_from_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A take-over ends the sessions named after a worker whose last beat is stale. A worker
    restarted under its id held such sessions from its first moment, seconds before its first
    beat: another worker's take-over ended them while it migrated, and it exited with "server
    closed the connection unexpectedly"."""
    require_backend("postgresql")
    admin = postgres_admin_url()
    assert admin is not None
    url = create_postgres_database(admin)
    named: list[int] = []

    def counting(settings: Settings, engine: Engine) -> None:
        with create_engine(url).connect() as look:
            named.append(
                look.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :n"),
                    {"n": application_name("w1")},
                ).scalar_one()
            )
        raise BootstrapRefused("stopped by the test")

    try:
        env = {"YARDSTICK_DATABASE_URL": url, "YARDSTICK_DATA_DIR": str(tmp_path / "data")}
        assert CliRunner().invoke(app, ["migrate"], env=env).exit_code == 0
        monkeypatch.setattr("yardstick.bootstrap.bootstrap", counting)
        get_settings.cache_clear()  # read again, with the worker's id
        result = CliRunner().invoke(app, ["worker"], env={**env, "YARDSTICK_WORKER_ID": "w1"})
        assert result.exit_code == 1 and result.stderr == "stopped by the test\n"
        assert named == [0]
    finally:
        drop_postgres_database(admin, url)


def test_serve_on_a_port_in_use_stops_before_anything_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings_from_env: None
) -> None:
    """uvicorn ran the app's start-up, the engine included, before it bound the port: a
    second `serve` on a busy port took chunks (and repeated their calls) before exiting 3."""
    monkeypatch.chdir(tmp_path)
    env = {"YARDSTICK_DATABASE_URL": "sqlite:///./yardstick.db", "YARDSTICK_DATA_DIR": "data"}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["serve", "--port", str(port)], env=env)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}: ")
    assert result.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []  # no database, no data directory


@pytest.mark.parametrize("port", ["0", "65536", "99999", "-5"])
def test_serve_refuses_a_port_outside_1_to_65535(port: str, settings_from_env: None) -> None:
    """99999 was taken modulo 65536 (uvicorn logged 99999 and listened on 34463)."""
    result = CliRunner().invoke(app, ["serve", "--port", port])
    assert result.exit_code == 2, result.output
    assert "--port" in result.stderr


def test_a_lost_key_file_is_not_replaced_on_a_database_that_needs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings_from_env: None
) -> None:
    """`serve` made a new master key without a word: every API key but the init one stopped
    matching, and secrets stored meanwhile were sealed under a key the old ones do not share."""
    monkeypatch.chdir(tmp_path)
    env = {
        "YARDSTICK_DATABASE_URL": "sqlite:///./yardstick.db",
        "YARDSTICK_DATA_DIR": "data",
        "YARDSTICK_INIT_ACCOUNT_ID": "team",
        "YARDSTICK_INIT_API_KEY": "k" * 48,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    check_master_key(settings)  # a new installation: the key is made
    bootstrap(settings, create_db_engine(settings.database_url))
    key_file = tmp_path / "data" / "secret.key"
    kept = key_file.read_bytes()
    key_file.unlink()

    with pytest.raises(typer.Exit) as stopped:
        check_master_key(settings)
    assert stopped.value.exit_code == 2
    assert not key_file.exists()
    monkeypatch.setenv("YARDSTICK_SECRET_KEY", kept.decode().strip())
    get_settings.cache_clear()
    check_master_key(load_settings())  # the key given another way: the start goes on


def test_a_database_of_keys_made_before_master_keys_gets_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings_from_env: None
) -> None:
    """API keys of the versions before master keys (`scheme` 1, plain SHA-256) were taken for
    keys made with one: every such database was refused at its first start, asking for a key
    file it never had."""
    monkeypatch.chdir(tmp_path)
    key = "k" * 48
    for name, value in {
        "YARDSTICK_DATABASE_URL": "sqlite:///./yardstick.db",
        "YARDSTICK_DATA_DIR": "data",
        "YARDSTICK_INIT_ACCOUNT_ID": "team",
        "YARDSTICK_INIT_API_KEY": key,
    }.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    check_master_key(settings)
    engine = create_db_engine(settings.database_url)
    bootstrap(settings, engine)
    salt = "0" * 32
    with engine.begin() as connection:  # the init key as those versions stored it
        connection.execute(
            text("UPDATE api_keys SET scheme = 1, lookup = :lookup, salt = :salt, digest = :d"),
            {
                "lookup": hashlib.sha256(key.encode()).hexdigest()[:16],
                "salt": salt,
                "d": hashlib.sha256(f"{salt}:{key}".encode()).hexdigest(),
            },
        )
    with engine.begin() as connection:  # nor did they keep a master key's fingerprint
        connection.execute(text("DELETE FROM master_key_check"))
    (tmp_path / "data" / "secret.key").unlink()
    _box.cache_clear()  # the key is read once a process

    check_master_key(settings)  # no key file to restore: the start goes on, with a new key
    bootstrap(settings, engine)

    assert (tmp_path / "data" / "secret.key").exists()
    with SessionFactory(engine).read() as session:
        found = auth_service.verify(session, key_hasher(settings), key=key)
        assert found is not None and found.account_id == "team"
    engine.dispose()


def _start(monkeypatch: pytest.MonkeyPatch, secret: str) -> Settings:
    """Settings of a start in this directory's database with `secret` as the master key."""
    for name, value in {
        "YARDSTICK_DATABASE_URL": "sqlite:///./yardstick.db",
        "YARDSTICK_DATA_DIR": "data",
        "YARDSTICK_INIT_ACCOUNT_ID": "team",
        "YARDSTICK_INIT_API_KEY": "k" * 48,
        "YARDSTICK_SECRET_KEY": secret,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return load_settings()


KEY_A = base64.b64encode(b"a" * 32).decode()
KEY_B = base64.b64encode(b"b" * 32).decode()


def test_another_master_key_than_the_databases_stops_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings_from_env: None
) -> None:
    """A valid key that is not the database's started serve and worker without a word: every
    API key answered 401 and stored secrets did not open."""
    monkeypatch.chdir(tmp_path)
    first = _start(monkeypatch, KEY_A)
    bootstrap(first, create_db_engine(first.database_url))
    other = _start(monkeypatch, KEY_B)
    with pytest.raises(BootstrapRefused, match="is not the one this database was made with"):
        bootstrap(other, create_db_engine(other.database_url))
    result = CliRunner().invoke(app, ["keys", "create", "--account", "team"])
    assert result.exit_code == 1
    assert "is not the one this database was made with" in result.output
    again = _start(monkeypatch, KEY_A)
    bootstrap(again, create_db_engine(again.database_url))  # its own key: the start goes on


def test_a_database_from_before_the_fingerprint_gets_it_once_a_secret_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings_from_env: None
) -> None:
    """Databases made before the fingerprint was kept: a key that does not open a stored
    secret is refused; the one that does is recorded."""
    monkeypatch.chdir(tmp_path)
    settings = _start(monkeypatch, KEY_A)
    engine = create_db_engine(settings.database_url)
    bootstrap(settings, engine)
    sealed = secret_box(settings).seal(
        "sk-1", kind="account_secret", account_id="team", object_id="s1"
    )
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM master_key_check"))
        connection.execute(
            text(
                "INSERT INTO account_secrets (id, account_id, key, lookup_key, sealed_value, "
                "created_by_user_id, updated_by_user_id, created_at, updated_at) VALUES ('s1', 'team', "
                "'OPENAI_API_KEY', 'OPENAI_API_KEY', :sealed, 'someone', 'someone', :now, :now)"
            ),
            {"sealed": sealed, "now": "2026-12-01T00:00:00+00:00"},
        )
    other = _start(monkeypatch, KEY_B)
    with pytest.raises(BootstrapRefused, match="is not the one"):
        bootstrap(other, create_db_engine(other.database_url))
    own = _start(monkeypatch, KEY_A)
    bootstrap(own, create_db_engine(own.database_url))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM master_key_check")).scalar() == 1
    engine.dispose()


def test_an_init_key_of_another_account_is_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    settings_from_env: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """It stopped `serve` with a 63-line traceback ending in a Conflict."""
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "YARDSTICK_DATABASE_URL": "sqlite:///./yardstick.db",
        "YARDSTICK_DATA_DIR": "data",
        "YARDSTICK_INIT_ACCOUNT_ID": "first",
        "YARDSTICK_INIT_API_KEY": "k" * 48,
    }.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    bootstrap(settings, create_db_engine(settings.database_url))
    monkeypatch.setenv("YARDSTICK_INIT_ACCOUNT_ID", "second")
    get_settings.cache_clear()
    settings = load_settings()
    with pytest.raises(typer.Exit) as stopped:
        reachable(settings, lambda: bootstrap(settings, create_db_engine(settings.database_url)))
    assert stopped.value.exit_code == 1
    said = capsys.readouterr().err
    assert said == "YARDSTICK_INIT_API_KEY: that API key already belongs to another account\n"


def test_a_worker_whose_metrics_port_is_taken_says_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings_from_env: None
) -> None:
    """It ended in a 140-line traceback (`OSError: Address already in use`)."""
    monkeypatch.chdir(tmp_path)
    env = {"YARDSTICK_DATABASE_URL": "sqlite:///./yardstick.db", "YARDSTICK_DATA_DIR": "data"}
    assert CliRunner().invoke(app, ["migrate"], env=env).exit_code == 0
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        get_settings.cache_clear()
        result = CliRunner().invoke(
            app, ["worker"], env={**env, "YARDSTICK_METRICS_PORT": str(port)}
        )
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        f"error: YARDSTICK_METRICS_PORT: cannot listen on port {port}: Address already in use\n"
    )
    assert "running" not in result.stdout  # it said "worker … running" first
