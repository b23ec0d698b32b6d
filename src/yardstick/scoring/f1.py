"""`f1`: token-overlap F1, case-insensitive (SGP's legacy definition).

Tokens are the bleu tokens lower-cased. The overlap counts each token as often as it occurs on
both sides (multiset intersection); precision is overlap / candidate tokens, recall is overlap /
reference tokens, F1 their harmonic mean, and 0 when nothing overlaps (so also when either side,
or both, is empty).
"""

from collections import Counter

from yardstick.scoring.tokenize import word_tokens


def score(candidate: str, reference: str) -> float:
    candidate_tokens = [token.lower() for token in word_tokens(candidate)]
    reference_tokens = [token.lower() for token in word_tokens(reference)]
    overlap = sum((Counter(candidate_tokens) & Counter(reference_tokens)).values())
    if overlap == 0:
        return 0.0
    precision = overlap / len(candidate_tokens)
    recall = overlap / len(reference_tokens)
    return 2 * precision * recall / (precision + recall)
