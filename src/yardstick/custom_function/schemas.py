from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_SAMPLE_ROWS = 100


class DryRunIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # Inferred from the configuration when absent, as in an evaluation's tasks.
    task_type: str | None = None
    configuration: dict[str, Any]
    sample_data: list[dict[str, Any]] = Field(max_length=MAX_SAMPLE_ROWS)


class DryRunError(BaseModel):
    type: str
    message: str


class DryRunRow(BaseModel):
    index: int
    result: Any
    error: DryRunError | None


class DryRunOut(BaseModel):
    object: Literal["list"] = "list"
    items: list[DryRunRow]
