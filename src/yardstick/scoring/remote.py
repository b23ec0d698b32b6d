"""`cosine_similarity` through an embeddings endpoint: a provider's `vendor/model` (see `choice`).

When the embedding model is a model of a provider vendor (`openai/text-embedding-3-small`, or any
vendor of the providers file, e.g. a server hosting all-MiniLM-L12-v2 behind an OpenAI-style
`/embeddings`), named by YARDSTICK_EMBEDDING_MODEL or the providers file's `[embeddings] model`,
the scorer service embeds on the event loop through the provider layer (its concurrency, rate
limit and retries) instead of in the scorer processes. A batch's distinct texts go in requests
of at most `TEXTS_PER_REQUEST`; the cosine is computed as sentence-transformers' `cos_sim` does
(L2-normalised with eps 1e-12, then the dot product), with numpy: no torch. A provider error
fails every cell of its batch with the provider's error type.
"""

import asyncio
import dataclasses

from yardstick.provider import ModelRoute, ProviderError, Providers
from yardstick.provider.config import VENDORS
from yardstick.scoring.errors import Failure
from yardstick.span.calls import CallRecord

TEXTS_PER_REQUEST = 256


def is_endpoint(spec: str, vendors: set[str]) -> bool:
    """Whether the setting names a provider's model rather than a local one."""
    vendor, slash, name = spec.partition("/")
    return bool(slash and name) and (vendor in vendors or vendor in VENDORS)


async def cosine_batch(
    providers: Providers, route: ModelRoute, pairs: list[tuple[str, str]]
) -> list[float | Failure]:
    import numpy as np  # only where an endpoint is used

    texts = list(dict.fromkeys(text for pair in pairs for text in pair))
    chunks = [texts[i : i + TEXTS_PER_REQUEST] for i in range(0, len(texts), TEXTS_PER_REQUEST)]
    try:
        results = await asyncio.gather(*(providers.embeddings(route, chunk) for chunk in chunks))
    except ProviderError as exc:
        return [Failure(exc.type, exc.message)] * len(pairs)
    listed = [v for result in results for v in result.vectors]
    # Checked before numpy sees them: numpy 2 refuses ragged rows with its own message.
    lengths = {len(v) for v in listed}
    if len(lengths) > 1:
        return [Failure("UpstreamError", "the embeddings differ in length")] * len(pairs)
    if lengths == {0}:
        return [Failure("UpstreamError", "the embeddings are empty")] * len(pairs)
    vectors = np.asarray(listed, dtype=np.float64)
    norms = np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    unit = vectors / norms
    row = {text: index for index, text in enumerate(texts)}
    return [float(unit[row[c]] @ unit[row[r]]) for c, r in pairs]


def cell_calls(calls: list[CallRecord], candidate: str, reference: str) -> list[CallRecord]:
    """The batch's embeddings calls as one cell's trace shows them: those that carried its
    texts, holding only those texts and none of the vectors. A batch mixes cells of any run and
    account, so nothing of the other cells' texts may reach this cell's trace."""
    own = (candidate, reference)
    out = []
    for call in calls:
        sent = call.request.get("input")
        carried = set(sent) if isinstance(sent, list) else set()
        texts = [text for text in dict.fromkeys(own) if text in carried]
        if not texts:
            continue
        request = {
            "model": call.request.get("model"),
            "input": texts,
            "batch": {"texts": len(carried)},
        }
        response = None
        if call.response is not None:
            response = {"model": call.response.get("model"), "vectors": len(texts)}
        out.append(dataclasses.replace(call, request=request, response=response))
    return out
