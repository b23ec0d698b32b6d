"""A path segment read as a list position (`item.xs.0`, an output path `a.1`, a JSON pointer).

`str.isdigit()` takes every script's digits, `²` among them, which `int()` then refuses (a
ValueError that failed a whole run from a run condition), and `int()` refuses past 4,300
digits too: a position is ASCII digits, and no list is long enough for 19 of them.
"""

_MAX_DIGITS = 18


def list_index(segment: str, length: int) -> int | None:
    """The position `segment` names in a list of `length`, or None when it names none."""
    if len(segment) > _MAX_DIGITS or not (segment.isascii() and segment.isdigit()):
        return None
    index = int(segment)
    return index if index < length else None
