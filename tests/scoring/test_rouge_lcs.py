"""rougeL's longest common subsequence, counted with integer bits instead of the library's
n×m table in Python (minutes for two long texts): the same scores, to the last bit."""

import random

import pytest

from tests.scoring.reference import REFERENCE
from yardstick.scoring import rouge
from yardstick.scoring.rouge import lcs_length


def _table(first: list[str], second: list[str]) -> int:
    """The textbook dynamic programme."""
    previous = [0] * (len(second) + 1)
    for token in first:
        row = [0]
        for j, other in enumerate(second):
            row.append(previous[j] + 1 if token == other else max(previous[j + 1], row[j]))
        previous = row
    return previous[-1]


@pytest.mark.parametrize("seed", range(4))
def test_the_length_is_the_tables(seed: int) -> None:
    r = random.Random(seed)
    for _ in range(300):
        vocabulary = [f"t{i}" for i in range(r.choice([1, 2, 3, 8, 50]))]
        first = [r.choice(vocabulary) for _ in range(r.randint(0, 40))]
        second = [r.choice(vocabulary) for _ in range(r.randint(0, 40))]
        assert lcs_length(first, second) == _table(first, second), (first, second)


def test_scores_equal_the_librarys_to_the_last_bit() -> None:
    r = random.Random(11)
    for _ in range(500):
        vocabulary = ["the", "a", "Model", "model", "x1", "日本", "--", "b2"][: r.randint(1, 8)]
        candidate = " ".join(r.choice(vocabulary) for _ in range(r.randint(0, 30)))
        reference = " ".join(r.choice(vocabulary) for _ in range(r.randint(0, 30)))
        expected = REFERENCE["rougeL"](candidate, reference)
        assert rouge.score("rougeL", candidate, reference) == expected, (candidate, reference)


def test_long_texts_are_scored() -> None:
    """30,000 tokens a side: the library's table would take many minutes here."""
    words = [f"w{i}" for i in range(30_000)]
    text = " ".join(words)
    assert rouge.score("rougeL", text, text) == 1.0
    # Reversed, no two tokens keep their order: the subsequence is one token long.
    backwards = " ".join(reversed(words))
    assert lcs_length(words, list(reversed(words))) == 1
    assert rouge.score("rougeL", backwards, text) == pytest.approx(1 / 30_000)
