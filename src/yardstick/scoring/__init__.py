"""Metric scoring for `metric` tasks: SGP's definitions, computed offline off the event loop.

Modules: `metrics` (the catalogue: parameters and what each result records), one scorer module
per family (`bleu`, `rouge`, `meteor` with `wordnet`, `f1`, `embedding` for cosine_similarity;
`tokenize` is shared), `worker` (what runs in a scorer process) and `service` (the micro-batching
executor the engine calls). The server process imports only `service`, `metrics` and `errors`:
nltk, rouge_score and torch are loaded in the scorer processes.
"""

from yardstick.scoring.errors import ScoringError
from yardstick.scoring.metrics import METRICS, ScoringOptions, details
from yardstick.scoring.service import ScorerService, close_scorer, get_scorer

__all__ = [
    "METRICS",
    "ScorerService",
    "ScoringError",
    "ScoringOptions",
    "close_scorer",
    "details",
    "get_scorer",
]
