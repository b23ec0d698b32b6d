"""Word-level diffs of two texts, rendered as escaped HTML with `<del>` and `<ins>`.

The texts are cut into words and the whitespace between them (so the diff keeps line breaks and
spacing), compared with difflib's SequenceMatcher, and rendered for two columns side by side: the
old text with what the new one lost marked `<del>`, the new text with what it gained marked
`<ins>`. Every piece of text goes through `markupsafe.escape`; the only tags are the two marks.
Texts are cut at MAX_CHARS first: SequenceMatcher is quadratic in the worst case, and a page
shows a few dozen diffs.
"""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

import orjson
from markupsafe import Markup, escape

MAX_CHARS = 4000
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def as_text(value: Any) -> str:
    """A value as the text a diff compares: strings as they are, anything else as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS).decode()


def _cut(text: str) -> tuple[str, bool]:
    return (text[:MAX_CHARS], True) if len(text) > MAX_CHARS else (text, False)


@dataclass(frozen=True)
class WordDiff:
    old: Markup  # the old text, its removed words in <del>
    new: Markup  # the new text, its added words in <ins>
    changed: bool
    cut: bool  # one of the texts was longer than MAX_CHARS and only its start was compared


def word_diff(old: str, new: str) -> WordDiff:
    old_text, old_cut = _cut(old)
    new_text, new_cut = _cut(new)
    a, b = _TOKENS.findall(old_text), _TOKENS.findall(new_text)
    left: list[str] = []
    right: list[str] = []
    changed = False
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        if tag == "equal":
            left.append(str(escape(removed)))
            right.append(str(escape(added)))
            continue
        changed = True
        if removed:
            left.append(f"<del>{escape(removed)}</del>")
        if added:
            right.append(f"<ins>{escape(added)}</ins>")
    return WordDiff(Markup("".join(left)), Markup("".join(right)), changed, old_cut or new_cut)
