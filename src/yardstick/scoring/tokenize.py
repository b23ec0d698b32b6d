"""Word tokens for bleu, meteor and f1: nltk's Treebank-style word tokenizer, case preserved.

SGP's definitions use `nltk.word_tokenize`, which splits the text into sentences with the Punkt
model (downloaded data: not reachable here) and applies `NLTKWordTokenizer` to each sentence.
We apply `NLTKWordTokenizer` to the whole text instead. The one difference: a full stop that ends
a sentence *inside* the text stays on its word (`"world. Bye."` → `world.`, `Bye`, `.`), where
word_tokenize splits it off; the text's last full stop is split off by both.

nltk runs its ~20 expressions on the third-party `regex` engine, each call under a time limit:
~285 µs for a 30-word text, most of a bleu or f1 cell. Python's own `re` runs the same patterns
in ~120 µs, and gives the same tokens wherever the two engines agree on what `\\w`, `\\s`, `\\d`
and `\\b` match: in ASCII but for the four separator controls (U+001C–U+001F, whitespace to
`re` only), and in the quotes, dashes and ellipsis the rules name. A text of only those
characters (most English answers) takes `re`; any other text nltk's own tokenizer. The tests
compare the two on every ASCII character in many contexts and on random texts.
"""

import re
from functools import lru_cache
from typing import Any, ClassVar

from nltk.tokenize.destructive import NLTKWordTokenizer

_tokenizer = NLTKWordTokenizer()

# Text whose every character both engines class alike in these patterns.
_PLAIN = re.compile("[\x00-\x1b\x20-\x7f«»“”‘’„‚‹›–—‒―…]*")
_FLAGS = re.IGNORECASE | re.MULTILINE | re.DOTALL | re.UNICODE | re.VERBOSE


def _in_re(rule: tuple[Any, str]) -> tuple[re.Pattern[str], str]:
    """An nltk rule (pattern, substitution), its pattern compiled by `re`."""
    pattern, substitution = rule
    return re.compile(pattern.pattern, pattern.flags & _FLAGS), substitution


class _PlainTextTokenizer(NLTKWordTokenizer):  # type: ignore[misc]  # nltk has no types
    """nltk's tokenizer with its rules' patterns in `re` (its contractions already are)."""

    STARTING_QUOTES: ClassVar = [_in_re(rule) for rule in NLTKWordTokenizer.STARTING_QUOTES]
    ENDING_QUOTES: ClassVar = [_in_re(rule) for rule in NLTKWordTokenizer.ENDING_QUOTES]
    PUNCTUATION: ClassVar = [_in_re(rule) for rule in NLTKWordTokenizer.PUNCTUATION]
    PARENS_BRACKETS = _in_re(NLTKWordTokenizer.PARENS_BRACKETS)
    DOUBLE_DASHES = _in_re(NLTKWordTokenizer.DOUBLE_DASHES)


_plain_tokenizer = _PlainTextTokenizer()


def tokenizer_for(text: str) -> NLTKWordTokenizer:
    """The tokenizer that gives `text` nltk's tokens soonest."""
    return _plain_tokenizer if _PLAIN.fullmatch(text) else _tokenizer


@lru_cache(maxsize=4096)
def word_tokens(text: str) -> tuple[str, ...]:
    """The text's word tokens. Cached: bleu, meteor and f1 of one item tokenize the same texts."""
    return tuple(tokenizer_for(text).tokenize(text))
