"""File blobs on local disk under `YARDSTICK_DATA_DIR/files`.

A blob is stored by its file's id (`files/<last two hex digits>/<id>`, so no folder grows past
a few thousand entries), never by a client-given name. An upload is first written to
`files/staging/` and moved into place with one `os.replace` once its row exists, so a reader
never sees a partial blob and a failed upload leaves only a staging file, which it removes.
"""

import os
from pathlib import Path

from yardstick.ids import new_id


class BlobStore:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "files"

    def path(self, file_id: str) -> Path:
        return self.root / file_id[-2:] / file_id

    def staging_path(self) -> Path:
        staging = self.root / "staging"
        staging.mkdir(parents=True, exist_ok=True)
        return staging / f"{new_id()}.part"

    def commit(self, staged: Path, file_id: str) -> Path:
        """Move a finished staging file to its blob's place (same filesystem: atomic)."""
        final = self.path(file_id)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, final)
        return final

    def remove(self, file_id: str) -> None:
        self.path(file_id).unlink(missing_ok=True)
