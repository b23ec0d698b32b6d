"""Field types shared by request bodies."""

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

Name = Annotated[str, StringConstraints(min_length=1, max_length=512)]
Tags = list[Annotated[str, StringConstraints(min_length=1, max_length=256)]]
Row = dict[str, Any]
Rows = Annotated[list[Row], Field(min_length=1)]
# Files attached to a row: {column: file id}.
FileMap = dict[
    Annotated[str, StringConstraints(min_length=1)], Annotated[str, StringConstraints(min_length=1)]
]

# The contract's Vendor enum.
Vendor = Literal[
    "openai",
    "cohere",
    "vertex_ai",
    "anthropic",
    "azure",
    "gemini",
    "launch",
    "llmengine",
    "model_zoo",
    "bedrock",
    "xai",
    "fireworks_ai",
]
