"""The write rules every writer's spans obey, checked before anything is written.

- A batch holds at most `MAX_BATCH` spans; ids and references fit their columns; `group_id`
  is at most 256 bytes; a span does not end before it starts (422s naming the item).
- One id in one batch: an insert-only write refuses it (409); an upsert keeps one write per
  id, the completed one (with `end_timestamp`) over an in-progress one, else the last.
- A span's parent is in the span's trace, whether the parent is in the batch or stored, and
  a stored span whose parent is in the batch is in that parent's trace (409).
- Parents never form a cycle (409). The stored spans have none, so a new cycle runs through
  the batch; when no stored span has a batch span as its parent, it runs through the batch
  alone, and the stored ancestors need not be read (`needs_ancestors`).
A 409 here is permanent (`x-should-retry: false`): sending the batch again changes nothing.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from yardstick.errors import Conflict, Unprocessable
from yardstick.models.span import SPAN_REF
from yardstick.span.records import SpanWrite
from yardstick.span.stored import utc

MAX_BATCH = 1000
MAX_GROUP_ID_BYTES = 256
_REFERENCES = ("parent_id", "application_interaction_id", "application_variant_id")


@dataclass(frozen=True, slots=True)
class Node:
    """A span's place in its trace."""

    id: str
    trace_id: str
    parent_id: str | None


# Where a problem with item `index`'s `field` is, for a 422's `loc` and a 409's message.
Locate = Callable[[int, str], list[str | int]]


def batch_loc(index: int, field: str) -> list[str | int]:
    return ["body", "items", index, field]


def single_loc(_index: int, field: str) -> list[str | int]:
    return ["body", field]


def named(loc: list[str | int]) -> str:
    """`items[3].parent_id` for a loc, as messages name it."""
    text = ""
    for part in loc[1:]:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def check_each(spans: Sequence[SpanWrite], locate: Locate) -> None:
    """The 422s: batch size, lengths, `end_timestamp` before `start_timestamp`."""
    if len(spans) > MAX_BATCH:
        raise Unprocessable(["body", "items"], f"at most {MAX_BATCH} spans per request")
    for index, span in enumerate(spans):
        for field, value in (("id", span.id), ("trace_id", span.trace_id)):
            if not value or len(value) > SPAN_REF:
                _refuse(locate(index, field), f"must be 1 to {SPAN_REF} characters")
        for field in _REFERENCES:
            value = getattr(span, field)
            if value is not None and len(value) > SPAN_REF:
                _refuse(locate(index, field), f"must be at most {SPAN_REF} characters")
        if span.group_id is not None and len(span.group_id.encode()) > MAX_GROUP_ID_BYTES:
            _refuse(locate(index, "group_id"), f"must be at most {MAX_GROUP_ID_BYTES} bytes")
        if span.end_timestamp is not None and utc(span.end_timestamp) < utc(span.start_timestamp):
            _refuse(locate(index, "end_timestamp"), "must not be before start_timestamp")


def _refuse(loc: list[str | int], message: str) -> None:
    raise Unprocessable(loc, f"{named(loc)}: {message}")


def winners(spans: Sequence[SpanWrite], *, upsert: bool, locate: Locate) -> dict[str, int]:
    """Id → index of the write kept for it, in order of first appearance."""
    kept: dict[str, int] = {}
    for index, span in enumerate(spans):
        earlier = kept.get(span.id)
        if earlier is None:
            kept[span.id] = index
        elif not upsert:
            loc = named(locate(index, "id"))
            raise Conflict(f"{loc}: span {span.id!r} appears twice in this batch")
        elif span.end_timestamp is not None or spans[earlier].end_timestamp is None:
            kept[span.id] = index
    return kept


def check_one_trace_each(spans: Sequence[SpanWrite], locate: Locate) -> None:
    """409 when a batch sends one id in two traces: a span is in one trace only, and which of
    the two the batch meant cannot be told (an upsert would otherwise keep one silently)."""
    first: dict[str, str] = {}
    for index, span in enumerate(spans):
        trace_id = first.setdefault(span.id, span.trace_id)
        if trace_id != span.trace_id:
            raise Conflict(
                f"{named(locate(index, 'trace_id'))}: span {span.id!r} is also sent in trace "
                f"{trace_id!r} in this batch; a span is in one trace only"
            )


def check_traces(
    written: Mapping[str, tuple[int, Node]],
    stored: Mapping[str, Node],
    children: Sequence[Node],
    locate: Locate,
) -> None:
    """409 when a span and its parent would be in different traces.

    `written` is the batch after `winners` (id → item index and node), `stored` the stored
    spans among the batch's ids and parents, `children` the stored spans whose parent is in
    the batch."""
    for span_id, (index, node) in written.items():
        if node.parent_id is None:
            continue
        parent = written[node.parent_id][1] if node.parent_id in written else None
        parent = parent or stored.get(node.parent_id)
        if parent is not None and parent.trace_id != node.trace_id:
            raise Conflict(
                f"{named(locate(index, 'parent_id'))}: the parent {node.parent_id!r} of span "
                f"{span_id!r} is in trace {parent.trace_id!r}, not in {node.trace_id!r}"
            )
    for child in children:
        if child.id in written or child.parent_id is None:
            continue
        index, parent = written[child.parent_id]
        if child.trace_id != parent.trace_id:
            raise Conflict(
                f"{named(locate(index, 'trace_id'))}: span {child.id!r}, stored in trace "
                f"{child.trace_id!r}, has {parent.id!r} as its parent, which would be in "
                f"trace {parent.trace_id!r}"
            )


def needs_ancestors(written: Mapping[str, tuple[int, Node]], children: Sequence[Node]) -> bool:
    """Whether a cycle could run through stored spans (see the module's docstring)."""
    return any(child.id not in written for child in children)


def check_cycles(
    written: Mapping[str, tuple[int, Node]],
    stored_parents: Mapping[str, str | None],
    locate: Locate,
) -> None:
    """409 when following parents from a batch span comes back to it. `stored_parents`:
    id → parent of the stored spans the batch's parents lead through (may be empty)."""
    parent_of = dict(stored_parents)
    parent_of.update({span_id: node.parent_id for span_id, (_, node) in written.items()})
    done: set[str] = set()
    for start in written:
        path: list[str] = []
        on_path: set[str] = set()
        current: str | None = start
        while current is not None and current not in done:
            if current in on_path:
                cycle = path[path.index(current) :] + [current]
                # A new cycle runs through the batch (the stored spans have none).
                index = next(written[span_id][0] for span_id in cycle if span_id in written)
                raise Conflict(
                    f"{named(locate(index, 'parent_id'))}: these parents would form a cycle: "
                    + " → ".join(repr(span_id) for span_id in cycle)
                )
            path.append(current)
            on_path.add(current)
            current = parent_of.get(current)
        done.update(path)
