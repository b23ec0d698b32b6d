"""`meteor`: nltk `meteor_score([reference_tokens], candidate_tokens)` with SGP's parameters.

alpha 0.9, beta 3.0, gamma 0.5, Porter stemmer, WordNet 3.0 synonyms (see `wordnet`), nltk's
default lower-casing; tokens are the bleu tokens. An empty side scores 0, as in nltk.
"""

import threading

from nltk.stem.porter import PorterStemmer
from nltk.translate.meteor_score import meteor_score

from yardstick.scoring import wordnet
from yardstick.scoring.metrics import METEOR_ALPHA, METEOR_BETA, METEOR_GAMMA
from yardstick.scoring.tokenize import word_tokens

_stemmer = PorterStemmer()
# nltk's WordNet reader seeks and reads shared file handles: one meteor at a time per process
# (only the thread executor has more than one thread here; the GIL serialises them anyway).
_lock = threading.Lock()


def score(candidate: str, reference: str, wordnet_dir: str | None) -> float:
    reader = wordnet.reader(wordnet_dir)
    with _lock:
        value = meteor_score(
            [list(word_tokens(reference))],
            list(word_tokens(candidate)),
            stemmer=_stemmer,
            wordnet=reader,
            alpha=METEOR_ALPHA,
            beta=METEOR_BETA,
            gamma=METEOR_GAMMA,
        )
    return float(value)
