from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

SgpFormat = Literal["json", "jsonl", "csv"]
StreamFormat = Literal["jsonl", "csv", "parquet"]
ExportMethod = Literal["signed_url", "direct"]


class ExportRequest(BaseModel):
    """The body of `POST /v5/evaluation-items/export`."""

    model_config = ConfigDict(extra="ignore")

    evaluation_id: Annotated[str, StringConstraints(min_length=1)]
    export_format: SgpFormat = "json"
    export_method: ExportMethod = "direct"
    include_archived: StrictBool = False


class ExportOut(BaseModel):
    """The response: the file inline (`direct`); `signed_url` is for object storage."""

    filename: str
    content: str | None = Field(None, description="The file's text (export_method=direct)")
    signed_url: str | None = None
