from typing import Any

from pydantic import BaseModel, Field

from yardstick.kit.pagination import ListOut
from yardstick.kit.responses import Identity, format_ts, identity_json
from yardstick.models import File


class FileUpdate(BaseModel):
    """`tags` replaces the whole dict; `null` or absent leaves it as is."""

    tags: dict[str, Any] | None = Field(default=None, description="Replaces the file's tags")


class FileOut(BaseModel):
    object: str = "file"
    id: str
    filename: str
    mime_type: str
    size: int
    md5_checksum: str
    tags: dict[str, Any]
    created_at: str
    created_by_user_id: str
    created_by: Identity


class FileList(ListOut[FileOut]):
    pass


def file_json(file: File) -> dict[str, Any]:
    return {
        "object": "file",
        "id": file.id,
        "filename": file.filename,
        "mime_type": file.mime_type,
        "size": file.size,
        "md5_checksum": file.md5_checksum,
        "tags": file.tags,
        "created_at": format_ts(file.created_at),
        "created_by_user_id": file.created_by_user_id,
        "created_by": identity_json(file.created_by_user_id),
    }
