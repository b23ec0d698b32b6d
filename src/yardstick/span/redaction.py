"""Credentials in span payloads are stored as `[REDACTED:credential]`.

Traces carry what applications send to models, and applications paste keys into prompts,
headers and tool arguments. A span store is read by many more people than a secrets store, so
a value shaped like a credential never reaches it: each match is replaced where it stands
("Authorization: Bearer [REDACTED:credential]"), the rest of the text kept.

The patterns run over the payload's JSON text, once per field, on RE2 (linear time, ~4 µs per
KB). A credential starts where a word cannot go on: at the start of the text, after any
character but an ASCII letter or digit (`_` included: `OPENAI_KEY_sk-…`), or after a JSON
escape (`\\n`, `\\t`, `\\u0001`…), whose last character is a letter or digit though the
character it stands for is not. RE2 has no lookbehind, so that boundary is matched and written
back as it was. The credential itself only consumes characters JSON never escapes (letters,
digits, `-_.~+/=`), so it lies inside one JSON string, and the replacement keeps the JSON valid.
An escaped backslash before a letter (`\\\\n`) is taken for an escape too: a credential after it
is redacted all the same.
"""

from typing import Any

import re2

MARK = "[REDACTED:credential]"

# What may come just before a credential (see the module's docstring).
_BOUNDARY = r"(^|[^0-9A-Za-z]|\\[bfnrt]|\\u[0-9A-Fa-f]{4})"
_PATTERNS = (
    r"sk-[A-Za-z0-9_-]{20,}",  # OpenAI and Anthropic (sk-, sk-proj-, sk-ant- …)
    r"AIza[0-9A-Za-z_-]{35}",  # Google API keys
    r"(?:AKIA|ASIA)[0-9A-Z]{16}\b",  # AWS access key ids
    r"gh[pousr]_[A-Za-z0-9]{36,}",  # GitHub tokens
    r"github_pat_[A-Za-z0-9_]{22,}",  # GitHub fine-grained tokens
    r"xox[abposr]-[A-Za-z0-9-]{10,}",  # Slack
    r"hf_[A-Za-z0-9]{30,}",  # Hugging Face
    # Bearer tokens, the word and what parts it from the token kept: spaces, tabs or line
    # breaks, as themselves (a name) or as JSON writes them (`\t`, `\n`, `\r`).
    r"(?i:(bearer(?:[ \t\r\n]|\\[tnr])+))[A-Za-z0-9._~+/=-]{16,}",
)
_CREDENTIAL = re2.compile(_BOUNDARY + "(?:" + "|".join(_PATTERNS) + ")")


def _replace(match: Any) -> str:
    return str(match.group(1)) + (match.group(2) or "") + MARK


def redact(text: str) -> str:
    """`text` (JSON, or plain text such as a span's name) with every credential-shaped value
    replaced by the mark."""
    if _CREDENTIAL.search(text) is None:  # the common case: no copy, no callback
        return text
    return str(_CREDENTIAL.sub(_replace, text))


def redact_all(texts: tuple[str, ...]) -> tuple[str, ...]:
    """`redact` of each; one search of them all in the common case of no credential."""
    if _CREDENTIAL.search("\n".join(texts)) is None:
        return texts
    return tuple(map(redact, texts))
