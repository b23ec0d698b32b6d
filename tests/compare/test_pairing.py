"""Matching rows by key: unique keys, repeated keys (min(k, j) pairs in item order) and rows
without a key, each left over row counted."""

from yardstick.compare.pairing import _match


def test_unique_keys_pair_one_to_one_and_the_rest_is_counted() -> None:
    pairing = _match("by", [("b1", "x"), ("b2", "y"), ("b3", None)], [("c1", "y"), ("c2", "z")])
    assert (pairing.baseline_items, pairing.candidate_items) == (["b2"], ["c1"])
    assert (pairing.baseline_only, pairing.candidate_only) == (2, 1)


def test_a_key_k_times_on_one_side_and_j_on_the_other_makes_min_k_j_pairs_in_order() -> None:
    baseline = [("b1", "k"), ("b2", "k"), ("b3", "j"), ("b4", "k")]
    candidate = [("c1", "k"), ("c2", "j"), ("c3", "k")]
    pairing = _match("by", baseline, candidate)
    assert list(zip(pairing.baseline_items, pairing.candidate_items, strict=True)) == [
        ("b1", "c1"),
        ("b2", "c3"),
        ("b3", "c2"),
    ]
    assert (pairing.baseline_only, pairing.candidate_only) == (1, 0)


def test_a_key_repeated_only_in_the_baseline_pairs_once() -> None:
    pairing = _match("by", [("b1", "k"), ("b2", "k")], [("c1", "k")])
    assert (pairing.baseline_items, pairing.candidate_items) == (["b1"], ["c1"])
    assert pairing.baseline_only == 1
