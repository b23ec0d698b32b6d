"""`bleu`: nltk `sentence_bleu([reference_tokens], candidate_tokens)`, weights 0.25 × 4.

No smoothing, as SGP: a missing n-gram order makes nltk warn and use the smallest float for that
precision, so the score is a tiny positive number rather than 0 (a one-word exact match scores
~1.8e-231); no overlap at all, or an empty side, scores exactly 0. The warning is silenced once
per process (`silence_warnings`), never caught per call.
"""

import warnings

from nltk.translate.bleu_score import sentence_bleu

from yardstick.scoring.metrics import BLEU_WEIGHTS
from yardstick.scoring.tokenize import word_tokens


def silence_warnings() -> None:
    warnings.filterwarnings("ignore", category=UserWarning, module=r"nltk\.translate\.bleu_score")


def score(candidate: str, reference: str) -> float:
    references = [list(word_tokens(reference))]
    return float(sentence_bleu(references, list(word_tokens(candidate)), BLEU_WEIGHTS))
