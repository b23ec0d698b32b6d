"""Helpers for the file tests: where the server keeps blobs, and raw multipart bodies."""

from pathlib import Path

from tests.fixtures.server import Server


def blob_path(server: Server, file_id: str) -> Path:
    """Where the server stores a file's bytes (see `yardstick.file.storage`)."""
    return server.data_dir / "files" / file_id[-2:] / file_id


def staging_files(server: Server) -> list[Path]:
    staging = server.data_dir / "files" / "staging"
    return sorted(staging.iterdir()) if staging.exists() else []


def all_blobs(server: Server) -> set[Path]:
    root = server.data_dir / "files"
    if not root.exists():
        return set()
    return {p for p in root.glob("*/*") if p.parent.name != "staging"}


def multipart(parts: list[tuple[bytes, bytes]], boundary: bytes = b"b0undary") -> tuple[bytes, str]:
    """A multipart body from (headers, content) pairs, and its content type."""
    body = b"".join(
        b"--" + boundary + b"\r\n" + headers + b"\r\n\r\n" + content + b"\r\n"
        for headers, content in parts
    )
    return body + b"--" + boundary + b"--\r\n", f"multipart/form-data; boundary={boundary.decode()}"
