"""Encryption of the secrets Yardstick stores (credential payloads, account secret values).

AES-256-GCM under one server master key. Every value is sealed with a fresh random 96-bit
nonce, and with associated data naming what the value belongs to: the kind of row, the owning
account and the row's id. A ciphertext copied into another row, or another account, therefore
fails to open instead of yielding its secret there; a changed byte fails the same way.

Stored form: `0x01 | nonce (12 bytes) | ciphertext | tag (16 bytes)`. The leading version byte
leaves room for another key or scheme later without guessing at old rows.

The master key is `YARDSTICK_SECRET_KEY` (the base64 of 32 bytes) when set. Otherwise it lives in
a key file in the data directory, created on the first start (mode 0600) and reused after; a key
file that other users can read is refused, as ssh refuses such a private key. Every process that
reads the same database must have the same key: on several machines, set the variable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import stat
from functools import lru_cache
from pathlib import Path

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from yardstick.config import Settings

KEY_BYTES = 32
NONCE_BYTES = 12
VERSION = b"\x01"
KEY_FILE_NAME = "secret.key"
ENV_NAME = "YARDSTICK_SECRET_KEY"
_MAKE_ONE = "make one with `openssl rand -base64 32`"


class MasterKeyError(ValueError):
    """The master key cannot be used; raised at startup, naming what to fix (never the key)."""


class SecretUnreadable(Exception):
    """A sealed value that does not open: changed bytes, another row's value, another key."""


class SecretBox:
    """Seals and opens values under one master key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise MasterKeyError(f"the master key must be {KEY_BYTES} bytes, not {len(key)}")
        self._aead = AESGCM(key)
        self._key = key

    def derive(self, purpose: str) -> bytes:
        """A key of its own for `purpose` (HMAC-SHA256 of the purpose under the master key),
        so the master key itself serves only to seal."""
        return hmac.new(self._key, f"yardstick:{purpose}".encode(), hashlib.sha256).digest()

    def seal(self, plaintext: str, *, kind: str, account_id: str, object_id: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(
            nonce, plaintext.encode(), _associated_data(kind, account_id, object_id)
        )
        return VERSION + nonce + sealed

    def open(self, sealed: bytes, *, kind: str, account_id: str, object_id: str) -> str:
        if sealed[:1] != VERSION or len(sealed) < 1 + NONCE_BYTES + 16:
            raise SecretUnreadable("not a sealed value of this version")
        nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
        try:
            plaintext = self._aead.decrypt(
                nonce, body, _associated_data(kind, account_id, object_id)
            )
        except InvalidTag as exc:
            raise SecretUnreadable(
                "the value does not open with this master key for this row"
            ) from exc
        return plaintext.decode()


def _associated_data(kind: str, account_id: str, object_id: str) -> bytes:
    # A JSON array is unambiguous whatever the ids hold (no separator can be forged).
    return orjson.dumps(["yardstick", kind, account_id, object_id])


# The master key --------------------------------------------------------------------------------


def key_file_path(settings: Settings) -> Path:
    return settings.data_dir / KEY_FILE_NAME


def decode_key(text: str, where: str) -> bytes:
    """32 bytes from base64 text (standard or URL-safe alphabet); the message never shows it."""
    value = text.strip()
    if not value:
        raise MasterKeyError(f"{where} is empty: it must be the base64 of {KEY_BYTES} bytes")
    try:
        key = base64.b64decode(value.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        # `from None`: the decoder's own error adds nothing, and no message may quote the text.
        raise MasterKeyError(
            f"{where} is not base64: it must be the base64 of {KEY_BYTES} bytes ({_MAKE_ONE})"
        ) from None
    if len(key) != KEY_BYTES:
        raise MasterKeyError(
            f"{where} decodes to {len(key)} bytes; it must be the base64 of exactly "
            f"{KEY_BYTES} bytes ({_MAKE_ONE})"
        )
    return key


def _read_key_file(path: Path) -> bytes:
    where = f"the key file {str(path)!r}"
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise MasterKeyError(
                f"{where} is open to other users (mode {stat.S_IMODE(mode):04o}): "
                f"run `chmod 600 {path}`"
            )
        text = path.read_text()
    except OSError as exc:
        raise MasterKeyError(f"cannot read {where}: {exc.strerror}") from exc
    return decode_key(text, where)


def _create_key_file(path: Path) -> None:
    """Write a new random key to `path`, owner-only, unless another process got there first.

    The key is written to a private temporary file which is then hard-linked into place: the
    link either appears complete or fails because the file exists, so two processes starting
    at once agree on one key and neither reads a half-written file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        os.write(fd, base64.b64encode(os.urandom(KEY_BYTES)) + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


def master_key(secret: str | None, key_file: Path, *, create: bool = True) -> bytes:
    """The master key: `secret` (YARDSTICK_SECRET_KEY) when set, else the key file, which is
    created when missing (unless `create` is false: then a missing file is a MasterKeyError)."""
    if secret is not None:
        return decode_key(secret, ENV_NAME)
    if not key_file.exists() and not create:
        raise MasterKeyError(
            f"there is no key file {str(key_file)!r}: run this where the server's data directory "
            f"is (YARDSTICK_DATA_DIR), or set {ENV_NAME} as the server has it"
        )
    if not key_file.exists():
        try:
            _create_key_file(key_file)
        except OSError as exc:
            raise MasterKeyError(
                f"cannot create the key file {str(key_file)!r} ({exc.strerror}): make the data "
                f"directory writable, or set {ENV_NAME}"
            ) from exc
    return _read_key_file(key_file)


def secret_box(settings: Settings, *, create: bool = True) -> SecretBox:
    """The process's SecretBox for these settings; the key is read (or made) once. A command
    that is not the server passes `create=False`: a key of its own would fit nothing."""
    secret = settings.secret_key.get_secret_value() if settings.secret_key is not None else None
    return _box(secret, key_file_path(settings).resolve(), create)


@lru_cache(maxsize=4)
def _box(secret: str | None, key_file: Path, create: bool) -> SecretBox:
    # Keyed by where the key comes from, since `Settings` is not hashable.
    return SecretBox(master_key(secret, key_file, create=create))
