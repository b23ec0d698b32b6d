"""The reference definitions, computed by calling the libraries directly (not through scoring).

Only WordNet comes from our side: nltk's own download is unreachable here, so meteor's reference
gets the reader `yardstick.scoring.wordnet` builds over Debian's files; test_wordnet checks that
reader against nltk's documented WordNet and METEOR results.
"""

import warnings
from collections.abc import Callable

from nltk.tokenize import NLTKWordTokenizer
from nltk.translate.bleu_score import sentence_bleu
from nltk.translate.meteor_score import meteor_score
from rouge_score.rouge_scorer import RougeScorer

from yardstick.scoring import wordnet

_tokenize = NLTKWordTokenizer().tokenize


def bleu(candidate: str, reference: str) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(sentence_bleu([_tokenize(reference)], _tokenize(candidate)))


def rouge(kind: str) -> Callable[[str, str], float]:
    def score(candidate: str, reference: str) -> float:
        return float(RougeScorer([kind]).score(reference, candidate)[kind].fmeasure)

    return score


def meteor(candidate: str, reference: str) -> float:
    return float(
        meteor_score(
            [_tokenize(reference)],
            _tokenize(candidate),
            alpha=0.9,
            beta=3.0,
            gamma=0.5,
            wordnet=wordnet.reader(None),
        )
    )


REFERENCE: dict[str, Callable[[str, str], float]] = {
    "bleu": bleu,
    "rouge1": rouge("rouge1"),
    "rouge2": rouge("rouge2"),
    "rougeL": rouge("rougeL"),
    "meteor": meteor,
}

LONG_A = " ".join(
    f"Sentence {i} says the evaluation of model {i % 7} found {i * 3} errors in section {i % 11}."
    for i in range(100)
)
LONG_B = " ".join(
    f"Sentence {i} states that evaluating model {i % 5} found {i * 3} mistakes in part {i % 11}."
    for i in range(100)
)
# (candidate, reference): identical, disjoint, partial overlap, empty sides, unicode, long
# (~1,800 tokens each: rougeL's LCS is quadratic in pure Python, so not much longer).
EXAMPLES = [
    ("The cat sat on the mat.", "The cat sat on the mat."),
    ("Completely unrelated words here", "nothing in common at all"),
    ("The quick brown fox jumps over the lazy dog", "A quick brown dog jumps over the lazy fox"),
    (
        (
            "It is a guide to action which ensures that the military always obeys the commands "
            "of the party"
        ),
        "It is a guide to action that ensures that the military will forever heed Party commands",
    ),
    (
        "The runner was running quickly to the finish line",
        "Runners run quick to the finishing lines",
    ),
    ("", ""),
    ("", "a reference with words"),
    ("a candidate with words", ""),
    ("   ", "  \n\t "),
    ("one", "one"),
    ("Hello world. Bye now.", "Hello, world! Bye now."),
    ("Ça coûte 5 € — très cher, n'est-ce pas ?", "Ça coûte cinq euros, très cher !"),
    ("東京は日本の首都です", "東京は日本の首都です"),
    ("naïve café déjà vu 🙂", "naive cafe deja vu 🙂"),
    (LONG_A, LONG_B),
    (LONG_A, LONG_A),
]
