"""`rouge1`, `rouge2`, `rougeL`: `rouge_scorer.RougeScorer([type])`, no stemmer, F-measure.

rouge_score's own tokenizer lower-cases and keeps only `[a-z0-9]` runs, so text with no ASCII
letters or digits (e.g. Japanese) has no tokens and scores 0, as it does in the library.

`rougeL` takes the library's tokens and F-measure, but not its longest common subsequence: that
fills an n×m table in Python, 2.4 s for two texts of 3,000 tokens and 10 s for 6,000 (minutes
past that, one scorer process held all the while). `lcs_length` counts the same length with the
bits of Python integers (Hyyrö's bit-parallel recurrence), a few ms at those sizes; the tests
compare it with the library's table.
"""

from rouge_score import rouge_scorer, scoring, tokenizers

# The scorers' own tokenizer (RougeScorer's default without a stemmer).
_TOKENIZER = tokenizers.DefaultTokenizer(use_stemmer=False)
_scorers: dict[str, rouge_scorer.RougeScorer] = {}


def _scorer(kind: str) -> rouge_scorer.RougeScorer:
    scorer = _scorers.get(kind)
    if scorer is None:
        scorer = _scorers[kind] = rouge_scorer.RougeScorer([kind], use_stemmer=False)
    return scorer


def lcs_length(first: list[str], second: list[str]) -> int:
    """The length of the longest common subsequence of two token lists.

    Bit i of `row` stands for the DP table's column i (a token of `second`); each token of
    `first` updates every column at once, and the zero bits left count the subsequence."""
    matches: dict[str, int] = {}
    for position, token in enumerate(second):
        matches[token] = matches.get(token, 0) | (1 << position)
    full = (1 << len(second)) - 1
    row = full
    for token in first:
        hit = row & matches.get(token, 0)
        row = ((row + hit) | (row - hit)) & full
    return len(second) - row.bit_count()


def _rouge_l(candidate: str, reference: str) -> float:
    # As the library's _score_lcs, with the length counted by lcs_length.
    target = _TOKENIZER.tokenize(reference)
    prediction = _TOKENIZER.tokenize(candidate)
    if not target or not prediction:
        return 0.0
    common = lcs_length(target, prediction)
    return float(scoring.fmeasure(common / len(prediction), common / len(target)))


def score(kind: str, candidate: str, reference: str) -> float:
    if kind == "rougeL":
        return _rouge_l(candidate, reference)
    return float(_scorer(kind).score(reference, candidate)[kind].fmeasure)
