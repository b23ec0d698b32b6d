"""Field types shared by request bodies."""

from typing import Annotated, Any

from pydantic import Field, StringConstraints

Name = Annotated[str, StringConstraints(min_length=1, max_length=512)]
Tags = list[Annotated[str, StringConstraints(min_length=1, max_length=256)]]
Row = dict[str, Any]
Rows = Annotated[list[Row], Field(min_length=1)]
