"""Metric scoring for `metric` tasks: SGP's definitions, computed offline off the event loop.

Modules: `metrics` (the catalogue: parameters and what each result records), one scorer module
per family (`bleu`, `rouge`, `meteor` with `wordnet`, `f1`, `embedding` for cosine_similarity;
`tokenize` is shared), `worker` (what runs in a scorer process) and `service` (the micro-batching
executor the engine calls), with `choice` (which embedder cosine_similarity uses) and `remote`
(cosine through an embeddings endpoint). The server process imports only `service`, `metrics`,
`choice`, `remote` and `errors`: nltk, rouge_score and torch are loaded in the scorer processes
(torch and sentence-transformers are the optional `embeddings` extra).

This package's own module imports nothing: a scorer process imports `worker`, and through this
package it would otherwise import the service and with it the server's modules (SQLAlchemy,
aiohttp: a third of a second of its start). Import names from their modules.
"""
