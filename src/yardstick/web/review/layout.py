"""An item as its queue's layout shows it, ready for the template: boxes and blocks.

The annotation view hands over the layout with each component's `value` (or `error`) filled
in. A container becomes a `Box` (a flex box in its `direction`, `row` when unset, as CSS's
`flex-direction` defaults); a component becomes a `Block` whose kind is chosen from what it
shows, since SGP's components carry only `data` and `label`:

- a file: a component reading exactly `item.<column>` of a column of the item's `files`
  (an image is shown inline from `/files/{id}/content`, another file is a download link);
- JSON: an object or a list, or a string holding one, shown indented and collapsible;
- markdown: a string that uses markdown's syntax (headings, lists, emphasis, code, links),
  rendered as the dashboards' markdown widgets are, with raw HTML off;
- text: any other value, as written.

A component's `error` (a field the item lacks, a task that failed on it) is shown in its place.
Long values are cut to `MAX_CHARS`, saying so.
"""

import re
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
from markupsafe import Markup
from sqlalchemy.orm import Session

from yardstick.auth.service import Principal
from yardstick.errors import NotFound
from yardstick.file.service import file_service
from yardstick.web.dashboard.markdown import render_markdown
from yardstick.web.file import IMAGE_TYPES

MAX_CHARS = 50_000
_FILE_LOCATOR = re.compile(r"^item\.([^.{}\s]+)$")
# Markdown's block syntax at a line's start, or its inline emphasis, code and links.
_MARKDOWN = re.compile(
    r"(^|\n)\s{0,3}(#{1,6}\s|[-*+]\s+\S|\d{1,3}[.)]\s+\S|>\s|```)"
    r"|\*\*[^*\n]+\*\*|__[^_\n]+__|`[^`\n]+`|\[[^\]\n]+\]\([^)\s]+\)"
)

Kind = Literal["text", "markdown", "json", "image", "file", "empty"]


@dataclass(frozen=True)
class FileRef:
    id: str
    filename: str
    mime_type: str
    size: int

    @property
    def url(self) -> str:
        return f"/files/{self.id}/content"


@dataclass(frozen=True)
class Block:
    label: str | None
    kind: Kind
    text: str = ""  # the text shown (text, JSON), or markdown's source
    html: Markup | None = None  # markdown, rendered
    file: FileRef | None = None
    error: str | None = None
    cut: bool = False  # `text` is the start of a longer value


@dataclass(frozen=True)
class Box:
    direction: Literal["row", "column"]
    children: list["Box | Block"] = field(default_factory=list)


def _cut(text: str) -> tuple[str, bool]:
    return (text[:MAX_CHARS], True) if len(text) > MAX_CHARS else (text, False)


def _pretty(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()


def _json_in(text: str) -> Any:
    """The object or list a string holds, or None."""
    stripped = text.strip()
    if not stripped.startswith(("{", "[")):
        return None
    try:
        value = orjson.loads(stripped)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict | list) else None


def value_block(label: str | None, value: Any, error: str | None = None) -> Block:
    """A component's value as a block of the kind it reads best as."""
    if value is None:
        return Block(label, "empty", error=error)
    if isinstance(value, str):
        held = _json_in(value)
        if held is not None:
            value = held
        elif _MARKDOWN.search(value):
            text, cut = _cut(value)
            return Block(label, "markdown", text, html=render_markdown(text), cut=cut)
        else:
            text, cut = _cut(value)
            return Block(label, "text", text, cut=cut)
    if isinstance(value, dict | list):
        text, cut = _cut(_pretty(value))
        return Block(label, "json", text, cut=cut)
    return Block(label, "text", _pretty(value))  # a number or a boolean, as JSON writes it


class _Files:
    """The item's files a layout shows, each looked up once (through the file service, so
    only the account's own)."""

    def __init__(self, session: Session, principal: Principal, files: dict[str, str]) -> None:
        self.session = session
        self.principal = principal
        self.files = files
        self.found: dict[str, FileRef | None] = {}

    def column_of(self, locator: Any) -> str | None:
        match = _FILE_LOCATOR.match(locator) if isinstance(locator, str) else None
        return match.group(1) if match and match.group(1) in self.files else None

    def ref(self, column: str) -> FileRef | None:
        file_id = self.files[column]
        if file_id not in self.found:
            try:
                row = file_service.get(self.session, self.principal, file_id)
            except NotFound:
                self.found[file_id] = None
            else:
                self.found[file_id] = FileRef(row.id, row.filename, row.mime_type, row.size)
        return self.found[file_id]


def _node(node: Any, files: _Files) -> Box | Block:
    if isinstance(node, dict) and "children" in node:
        direction: Literal["row", "column"] = (
            "column" if node.get("direction") == "column" else "row"
        )
        return Box(direction, [_node(child, files) for child in node.get("children") or []])
    if not isinstance(node, dict):  # the task's validation makes this unreachable
        return value_block(None, node)
    label = node.get("label") if isinstance(node.get("label"), str) else None
    column = files.column_of(node.get("data"))
    if column is not None:
        ref = files.ref(column)
        if ref is None:
            return Block(label, "empty", error=f"file {files.files[column]!r} is gone")
        return Block(label, "image" if ref.mime_type in IMAGE_TYPES else "file", file=ref)
    return value_block(label, node.get("value"), node.get("error"))


def build_layout(
    session: Session, principal: Principal, layout: dict[str, Any], files: dict[str, str]
) -> Box:
    """The item's boxes and blocks; the top is always a box."""
    top = _node(layout, _Files(session, principal, files))
    return top if isinstance(top, Box) else Box("column", [top])
