"""Word tokens through Python's `re` for plain text give nltk's own tokens, character for
character: every ASCII character in many contexts, and random texts of words, contractions,
quotes and punctuation."""

import random

import pytest
from nltk.tokenize.destructive import NLTKWordTokenizer

from yardstick.scoring.tokenize import _plain_tokenizer, tokenizer_for, word_tokens

NLTK = NLTKWordTokenizer()
SAFE = "«»“”‘’„‚‹›–—‒―…"
CONTEXTS = ["a{}b", "{}", " {} ", "a {}", "{}a", "'{}", "{}'", "a'{}s ", "x.{}", "{}.", "don{}t "]
WORDS = ["don't", "can't", "gonna", "wanna", "'tis", "more'n", "d'ye", "cannot", "it's", "I'm"]
WORDS += ["we'll", "they're", "O'Neil", "U.S.", "$3.88", "...", "--", "''", "``", "(x)", '"q"']


@pytest.mark.parametrize("code", range(0x80))
def test_each_ascii_character_is_tokenized_as_nltk_does(code: int) -> None:
    for context in CONTEXTS:
        text = context.format(chr(code))
        assert list(word_tokens(text)) == NLTK.tokenize(text), repr(text)


def test_the_separator_controls_take_nltks_own_engine() -> None:
    """U+001C–U+001F are whitespace to `re` (str.isspace), not to nltk's `regex`."""
    for code in range(0x1C, 0x20):
        text = f"x.{chr(code)}"  # `re`: ["x", "."]; nltk: ["x."]
        assert tokenizer_for(text) is not _plain_tokenizer
        assert _plain_tokenizer.tokenize(text) != NLTK.tokenize(text)  # why they must
        assert list(word_tokens(text)) == NLTK.tokenize(text)
    assert tokenizer_for("café") is not _plain_tokenizer
    assert tokenizer_for("It’s “fine” — really…") is _plain_tokenizer


def test_random_plain_texts_are_tokenized_as_nltk_does() -> None:
    r = random.Random(3)
    alphabet = [chr(c) for c in range(0x80) if not 0x1C <= c <= 0x1F] + list(SAFE)
    common = list("aeiouAEIOU tnsrl.,'\"-")
    for _ in range(20_000):
        parts = []
        for _ in range(r.randint(0, 12)):
            kind = r.random()
            if kind < 0.3:
                parts.append(r.choice(WORDS))
            elif kind < 0.6:
                parts.append("".join(r.choice(common) for _ in range(r.randint(1, 6))))
            else:
                parts.append("".join(r.choice(alphabet) for _ in range(r.randint(1, 4))))
        text = r.choice(["", " ", "\n"]).join(parts)
        assert tokenizer_for(text) is _plain_tokenizer
        assert _plain_tokenizer.tokenize(text) == NLTK.tokenize(text), repr(text)


def test_any_other_text_gets_nltks_tokens() -> None:
    r = random.Random(4)
    characters = [chr(c) for c in range(0x20000) if not 0xD800 <= c < 0xE000]
    for _ in range(2_000):
        text = "".join(r.choice(characters) for _ in range(r.randint(1, 30)))
        assert list(word_tokens(text)) == NLTK.tokenize(text), repr(text)
