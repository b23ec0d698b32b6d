"""`rouge1`, `rouge2`, `rougeL`: `rouge_scorer.RougeScorer([type])`, no stemmer, F-measure.

rouge_score's own tokenizer lower-cases and keeps only `[a-z0-9]` runs, so text with no ASCII
letters or digits (e.g. Japanese) has no tokens and scores 0, as it does in the library.
"""

from rouge_score import rouge_scorer

_scorers: dict[str, rouge_scorer.RougeScorer] = {}


def score(kind: str, candidate: str, reference: str) -> float:
    scorer = _scorers.get(kind)
    if scorer is None:
        scorer = _scorers[kind] = rouge_scorer.RougeScorer([kind], use_stemmer=False)
    return float(scorer.score(reference, candidate)[kind].fmeasure)
