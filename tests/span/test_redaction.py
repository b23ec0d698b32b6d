"""yardstick.span.redaction on its own: where a credential may start in a payload's JSON text,
and that the text stays the same JSON around the mark."""

import orjson
import pytest

from yardstick.span.redaction import MARK, redact, redact_all

OPENAI = "sk-proj-" + "A" * 30
GOOGLE = "AIza" + "S" * 35
AWS = "AKIAABCDEFGHIJKLMNOP"
GITHUB = "ghp_" + "g" * 36


def redacted(value: str) -> str:
    """`value` as stored: redacted in its payload's JSON text."""
    text = redact(orjson.dumps({"v": value}).decode())
    stored: str = orjson.loads(text)["v"]
    return stored


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # JSON writes these characters as escapes (`\n`, `\u0001`), ending in a letter or digit.
        (f"key:\n{OPENAI}", f"key:\n{MARK}"),
        (f"\t{AWS}", f"\t{MARK}"),
        (f"key:\r\n{OPENAI}", f"key:\r\n{MARK}"),
        (f"\x01{OPENAI}", f"\x01{MARK}"),
        (f"\n{GOOGLE}", f"\n{MARK}"),
        (f"\n{GITHUB}", f"\n{MARK}"),
        ("Authorization:\nBearer abcdefghijklmnopqrstuvwxyz", f"Authorization:\nBearer {MARK}"),
        # The word and its token parted by a tab or a line break, not a space, were kept.
        ("Bearer\tabcdefghijklmnopqrstuvwxyz", f"Bearer\t{MARK}"),
        ("bearer\r\n abcdefghijklmnopqrstuvwxyz", f"bearer\r\n {MARK}"),
        (f'"{OPENAI}"', f'"{MARK}"'),
        (f"C:\\{OPENAI}", f"C:\\{MARK}"),
        # `_` joins words, yet a key after one is still a key.
        (f"OPENAI_KEY_{OPENAI}", f"OPENAI_KEY_{MARK}"),
        (f"aws_{AWS}", f"aws_{MARK}"),
        (f"{OPENAI}\n{OPENAI}", f"{MARK}\n{MARK}"),
        (f"é{OPENAI}", f"é{MARK}"),
    ],
)
def test_a_credential_after_an_escape_or_a_separator_is_redacted(value: str, expected: str) -> None:
    assert redacted(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "task-abcdefghijklmnopqrstuvwxyz",  # a word that merely contains a prefix
        "mask-" + "a" * 30,
        "xAIza" + "S" * 35,
        f"X{AWS}",
        f"{AWS}X",  # 17 characters: no AWS key id
        "Bearer short",
        "\\u00e9 is é",
    ],
)
def test_words_that_only_contain_a_prefix_are_kept(value: str) -> None:
    assert redacted(value) == value


def test_plain_text_is_redacted_as_json_is() -> None:
    assert redact(f"call {OPENAI}") == f"call {MARK}"
    assert redact(f"line\n{AWS}") == f"line\n{MARK}"


def test_redact_all_copies_only_when_a_text_holds_a_credential() -> None:
    texts = ('{"a":"b"}', '{"n":1}')
    assert redact_all(texts) is texts
    assert redact_all(('{"a":"b"}', f'{{"k":"x\\n{OPENAI}"}}')) == (
        '{"a":"b"}',
        f'{{"k":"x\\n{MARK}"}}',
    )


def test_a_bearer_token_in_plain_text_is_redacted_after_any_blank() -> None:
    """A span's name is plain text: its tabs and line breaks are themselves, not escapes."""
    for blank in (" ", "\t", "\n", " \t "):
        assert redact(f"Bearer{blank}abcdefghijklmnopqrstuvwxyz") == f"Bearer{blank}{MARK}"
