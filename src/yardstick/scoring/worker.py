"""What runs inside a scorer process (or thread): one batch of (metric, candidate, reference).

A scorer module is imported on the first batch that needs it and keeps its resources (WordNet,
the embedding model, rouge scorers) for the life of the process. Each cell's outcome is its
float, or a `Failure`: MetricUnavailable when the metric's data or model is not installed,
MetricError when the library raised on that input. A batch never raises for one bad cell.
"""

import logging
import os
import signal
from collections import defaultdict
from typing import Any

from yardstick.kit.parent_watch import exit_with_parent
from yardstick.scoring import nltk_import
from yardstick.scoring.errors import Failure, ResourceMissing
from yardstick.scoring.metrics import ROUGE_TYPES, ScoringOptions

log = logging.getLogger(__name__)
Pair = tuple[str, str]
Outcome = float | Failure
_options = ScoringOptions()
_started = False


def initialize(options: ScoringOptions) -> None:
    """Executor initializer: remember the options; silence the libraries' per-call warnings."""
    global _options, _started
    _options = options
    if not _started:
        # Models load from disk only: huggingface_hub reads these when first imported.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from yardstick.scoring import bleu, embedding

        bleu.silence_warnings()
        embedding.configure(options.torch_threads)
        _started = True


def initialize_process(options: ScoringOptions) -> None:
    """Process-pool initializer: `initialize`, in a process that ends with its server.

    Ctrl-C reaches the terminal's whole process group: it would kill a scorer in the middle of
    the batches the server is draining (and print its traceback), so SIGINT is ignored and the
    server shuts the pool down itself. SIGTERM keeps its default: the pool terminates its
    processes with it when one of them died. `exit_with_parent` ends this process if the server
    dies without shutting the pool down.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    exit_with_parent()
    nltk_import.import_nltk()
    initialize(options)


def _one_by_one(score: Any, pairs: list[Pair], *args: Any) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for candidate, reference in pairs:
        try:
            outcomes.append(score(candidate, reference, *args))
        except ResourceMissing as exc:
            outcomes.append(Failure("MetricUnavailable", str(exc)))
        except Exception as exc:  # noqa: BLE001 - the library failed on this input: that cell's error
            outcomes.append(Failure("MetricError", f"{type(exc).__name__}: {exc}"))
    return outcomes


def score_pairs(metric: str, pairs: list[Pair]) -> list[Outcome]:
    """Score `pairs` with one metric, in this process."""
    if metric == "bleu":
        from yardstick.scoring import bleu

        return _one_by_one(bleu.score, pairs)
    if metric in ROUGE_TYPES:
        from yardstick.scoring import rouge

        return _one_by_one(lambda c, r: rouge.score(metric, c, r), pairs)
    if metric == "f1":
        from yardstick.scoring import f1

        return _one_by_one(f1.score, pairs)
    if metric == "meteor":
        from yardstick.scoring import meteor

        return _one_by_one(meteor.score, pairs, _options.wordnet_dir)
    if metric == "cosine_similarity":
        from yardstick.scoring import embedding

        model = _options.embedding_model
        if model is None:  # no embedder here (a task is refused at create; see scoring.choice)
            from yardstick.scoring.choice import NO_EMBEDDER

            return [Failure("MetricUnavailable", NO_EMBEDDER)] * len(pairs)
        try:
            return list(embedding.score_many(pairs, model))
        except ResourceMissing as exc:
            return [Failure("MetricUnavailable", str(exc))] * len(pairs)
        except Exception as exc:
            log.exception("embedding a batch of %d pairs failed", len(pairs))
            return [Failure("MetricError", f"{type(exc).__name__}: {exc}")] * len(pairs)
    return [Failure("UnknownMetric", f"unknown metric type {metric!r}")] * len(pairs)


def run_batch(batch: list[tuple[str, str, str]]) -> list[Outcome]:
    """Score a batch of (metric, candidate, reference); outcomes in the batch's order."""
    by_metric: dict[str, list[int]] = defaultdict(list)
    for index, (metric, _, _) in enumerate(batch):
        by_metric[metric].append(index)
    outcomes: list[Outcome] = [0.0] * len(batch)
    for metric, indexes in by_metric.items():
        scored = score_pairs(metric, [(batch[i][1], batch[i][2]) for i in indexes])
        for index, outcome in zip(indexes, scored):
            outcomes[index] = outcome
    return outcomes
