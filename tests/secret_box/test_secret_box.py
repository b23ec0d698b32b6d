"""AES-GCM sealing of stored secrets, and the master key's sources."""

import base64
import os
import stat
import threading
from pathlib import Path

import pytest

from yardstick.config import Settings
from yardstick.secret_box import (
    MasterKeyError,
    SecretBox,
    SecretUnreadable,
    key_file_path,
    master_key,
    secret_box,
)

KEY = bytes(range(32))
ROW = {"kind": "credential", "account_id": "acct-a", "object_id": "01a2-row"}


def box() -> SecretBox:
    return SecretBox(KEY)


def test_a_value_round_trips_under_a_fresh_nonce_each_time() -> None:
    sealed = [box().seal("sk-secret ünïcode", **ROW) for _ in range(2)]
    assert sealed[0] != sealed[1]  # a fresh nonce per value
    assert (
        sealed[0][:1] == b"\x01"
        and len(sealed[0]) == 1 + 12 + len("sk-secret ünïcode".encode()) + 16
    )
    assert b"sk-secret" not in sealed[0]
    assert {box().open(s, **ROW) for s in sealed} == {"sk-secret ünïcode"}
    assert box().open(box().seal("", **ROW), **ROW) == ""


@pytest.mark.parametrize("position", [0, 1, 12, 13, -1])  # version, nonce, body, tag
def test_a_changed_byte_is_refused(position: int) -> None:
    sealed = bytearray(box().seal("sk-secret", **ROW))
    sealed[position] ^= 0x01
    with pytest.raises(SecretUnreadable):
        box().open(bytes(sealed), **ROW)


def test_a_truncated_value_is_refused() -> None:
    sealed = box().seal("sk-secret", **ROW)
    for cut in (sealed[:5], sealed[:-1], b""):
        with pytest.raises(SecretUnreadable):
            box().open(cut, **ROW)


@pytest.mark.parametrize(
    "other",
    [
        {**ROW, "account_id": "acct-b"},
        {**ROW, "object_id": "01a2-other-row"},
        {**ROW, "kind": "account_secret"},
    ],
)
def test_a_value_opens_only_for_its_own_account_row_and_kind(other: dict[str, str]) -> None:
    sealed = box().seal("sk-secret", **ROW)
    with pytest.raises(SecretUnreadable):
        box().open(sealed, **other)


def test_another_master_key_cannot_open_it() -> None:
    sealed = box().seal("sk-secret", **ROW)
    with pytest.raises(SecretUnreadable):
        SecretBox(bytes(32)).open(sealed, **ROW)


def test_the_key_must_be_32_bytes() -> None:
    with pytest.raises(MasterKeyError):
        SecretBox(b"short")


# The master key ---------------------------------------------------------------------------------


def test_the_environment_key_is_base64_of_32_bytes(tmp_path: Path) -> None:
    text = base64.b64encode(KEY).decode()
    assert master_key(text, tmp_path / "unused.key") == KEY
    assert master_key(base64.urlsafe_b64encode(KEY).decode() + "\n", tmp_path / "k") == KEY
    assert not (tmp_path / "unused.key").exists()  # the variable wins; no file is made


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "is empty"),
        ("not base64 at all!", "is not base64"),
        (base64.b64encode(b"x" * 16).decode(), "decodes to 16 bytes"),
        (base64.b64encode(b"x" * 33).decode(), "decodes to 33 bytes"),
    ],
)
def test_a_bad_environment_key_is_a_clear_error_that_does_not_quote_it(
    tmp_path: Path, value: str, message: str
) -> None:
    with pytest.raises(MasterKeyError, match=message) as caught:
        master_key(value, tmp_path / "secret.key")
    assert "YARDSTICK_SECRET_KEY" in str(caught.value)
    if value:
        assert value not in str(caught.value)
    # Nor does a chained decoder error (a traceback would print it).
    exc = caught.value
    assert exc.__cause__ is None and (exc.__context__ is None or exc.__suppress_context__)


def test_the_key_file_is_made_owner_only_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "data" / "secret.key"
    previous = os.umask(0)  # even a permissive umask leaves it private
    try:
        first = master_key(None, path)
    finally:
        os.umask(previous)
    assert len(first) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert base64.b64decode(path.read_text()) == first
    assert master_key(None, path) == first
    assert [p.name for p in path.parent.iterdir()] == ["secret.key"]  # no temporary left


def test_processes_starting_at_once_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    keys: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: keys.append(master_key(None, path))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 8 and len(set(keys)) == 1


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    master_key(None, path)
    path.chmod(0o644)
    with pytest.raises(MasterKeyError, match="chmod 600"):
        master_key(None, path)


def test_a_key_file_that_is_not_a_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    path.write_text("hello\n")
    path.chmod(0o600)
    with pytest.raises(MasterKeyError, match="key file"):
        master_key(None, path)


def test_a_data_directory_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")  # the data directory would have to be made inside a file
    with pytest.raises(MasterKeyError, match="cannot create the key file"):
        master_key(None, blocker / "data" / "secret.key")


def test_the_settings_box_lives_in_the_data_directory(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", secret_key=None)
    assert key_file_path(settings) == tmp_path / "data" / "secret.key"
    sealed = secret_box(settings).seal("v", **ROW)
    assert secret_box(settings) is secret_box(settings)  # the key is read once
    assert SecretBox(master_key(None, key_file_path(settings))).open(sealed, **ROW) == "v"

    from_env = Settings(data_dir=tmp_path / "other", secret_key=base64.b64encode(KEY).decode())
    assert secret_box(from_env).open(box().seal("w", **ROW), **ROW) == "w"
    assert "secret_key=SecretStr('**********')" in repr(from_env)
