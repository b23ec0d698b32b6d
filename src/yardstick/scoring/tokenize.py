"""Word tokens for bleu, meteor and f1: nltk's Treebank-style word tokenizer, case preserved.

SGP's definitions use `nltk.word_tokenize`, which splits the text into sentences with the Punkt
model (downloaded data: not reachable here) and applies `NLTKWordTokenizer` to each sentence.
We apply `NLTKWordTokenizer` to the whole text instead. The one difference: a full stop that ends
a sentence *inside* the text stays on its word (`"world. Bye."` → `world.`, `Bye`, `.`), where
word_tokenize splits it off; the text's last full stop is split off by both.
"""

from functools import lru_cache

from nltk.tokenize.destructive import NLTKWordTokenizer

_tokenizer = NLTKWordTokenizer()


@lru_cache(maxsize=4096)
def word_tokens(text: str) -> tuple[str, ...]:
    """The text's word tokens. Cached: bleu, meteor and f1 of one item tokenize the same texts."""
    return tuple(_tokenizer.tokenize(text))
