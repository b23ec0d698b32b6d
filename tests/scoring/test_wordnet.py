"""WordNet from Debian's files, read by nltk: checked against nltk's documented results.

The expected values are nltk's own doctests (nltk/test/wordnet.doctest, meteor.doctest and the
meteor_score docstring), computed by the nltk project with its WordNet 3.0 download.
"""

import gzip
import re
from pathlib import Path

import pytest
from nltk.tokenize import NLTKWordTokenizer
from nltk.translate.meteor_score import meteor_score

from yardstick.scoring import wordnet
from yardstick.scoring.errors import ResourceMissing

tokenize = NLTKWordTokenizer().tokenize


def test_synsets_and_lemmas_match_nltk_wordnet() -> None:
    wn = wordnet.reader(None)
    assert wn.get_version() == "3.0"
    assert [s.name() for s in wn.synsets("dog")] == [
        "dog.n.01",
        "frump.n.01",
        "dog.n.03",
        "cad.n.01",
        "frank.n.02",
        "pawl.n.01",
        "andiron.n.01",
        "chase.v.01",
    ]
    assert [s.name() for s in wn.synsets("dog", pos="v")] == ["chase.v.01"]
    dog = wn.synset("dog.n.01")
    assert dog.lemma_names() == ["dog", "domestic_dog", "Canis_familiaris"]
    assert dog.examples() == ["the dog barked all night"]
    assert dog.lexname() == "noun.animal"  # reads our lexnames table
    assert "run.v.01" in [s.name() for s in wn.synsets("ran")]  # verb.exc: ran → run


def test_meteor_reproduces_nltk_documented_scores() -> None:
    wn = wordnet.reader(None)
    hypothesis = [
        "It",
        "is",
        "a",
        "guide",
        "to",
        "action",
        "which",
        "ensures",
        "that",
        "the",
        "military",
        "always",
        "obeys",
        "the",
        "commands",
        "of",
        "the",
        "party",
    ]
    references = [
        "It is a guide to action that ensures that the military will forever heed Party commands",
        (
            "It is the guiding principle which guarantees the military forces always being "
            "under the command of the Party"
        ),
        "It is the practical guide for the army always to heed the directions of the party",
    ]
    assert round(meteor_score([r.split() for r in references], hypothesis, wordnet=wn), 4) == 0.6944
    for reference, candidate, expected in [
        ("The candidate has no alignment to any of the references", "John loves Mary", 0.0),
        ("The cat sat on the mat", "on the mat sat the cat", 0.5),
        ("The cat sat on the mat", "The cat was sat on the mat", 0.9654),
        ("create or update a vm set", "creates or updates a virtual machine scale set", 0.7806),
    ]:
        score = meteor_score([tokenize(reference)], tokenize(candidate), wordnet=wn)
        assert round(score, 4) == expected


def test_a_synonym_counts_only_through_wordnet() -> None:
    """'auto' ~ 'car' only through WordNet (nltk looks synonyms up after Porter stemming, so
    'automobile', stemmed to 'automobil', finds none: the library's behaviour, kept)."""
    wn = wordnet.reader(None)
    reference = [["the", "car", "is", "red"]]
    synonym = meteor_score(reference, ["the", "auto", "is", "red"], wordnet=wn)
    stemmed_away = meteor_score(reference, ["the", "automobile", "is", "red"], wordnet=wn)
    unrelated = meteor_score(reference, ["the", "banana", "is", "red"], wordnet=wn)
    assert synonym == meteor_score(reference, ["the", "car", "is", "red"], wordnet=wn)
    assert synonym > unrelated == stemmed_away


def test_lexnames_is_wordnet_3_0s_table() -> None:
    """Our lexnames equals the table of Debian's lexnames(5WN) man page, when it is installed."""
    page = Path("/usr/share/man/man5/lexnames.5WN.gz")
    if not page.exists():
        pytest.skip("Debian's wordnet-base man page is not installed")
    with gzip.open(page, "rt") as man:
        rows = re.findall(r"^(\d\d)\t(\S+)\s*\t", man.read(), re.MULTILINE)
    assert len(rows) == 45
    ours = [line.split("\t") for line in wordnet.LEXNAMES.splitlines()]
    assert [(number, name) for number, name, _ in ours] == rows
    category = {"noun": "1", "verb": "2", "adj": "3", "adv": "4"}
    assert all(cat == category[name.split(".")[0]] for _, name, cat in ours)


def test_a_missing_wordnet_says_how_to_install_it(tmp_path: Path) -> None:
    with pytest.raises(ResourceMissing, match="apt-get install wordnet-base") as caught:
        wordnet.locate(str(tmp_path))
    assert "YARDSTICK_WORDNET_DIR" in str(caught.value)
    assert str(tmp_path) in str(caught.value)


def test_a_configured_directory_is_used(tmp_path: Path) -> None:
    """YARDSTICK_WORDNET_DIR: a copy of the dict files elsewhere works the same."""
    source = wordnet.locate(None)
    for name in wordnet.REQUIRED:
        (tmp_path / name).write_bytes((Path(source.path) / name).read_bytes())
    located = wordnet.locate(str(tmp_path))
    assert located.path == str(tmp_path.resolve()) and located.version == "3.0"
    wn = wordnet.reader(str(tmp_path))
    assert wn is not wordnet.reader(None)
    assert [s.name() for s in wn.synsets("dog")][:2] == ["dog.n.01", "frump.n.01"]
