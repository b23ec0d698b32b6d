"""WordNet 3.0 for meteor, read by nltk's own `WordNetCorpusReader` from a local dict directory.

nltk's WordNet download is not reachable from our machines, so the data comes from Debian's
`wordnet-base` package (`/usr/share/wordnet`, Princeton's WordNet 3.0 database files), or from
the directory in YARDSTICK_WORDNET_DIR (e.g. an unpacked `nltk_data/corpora/wordnet`).

Two gaps between Debian's files and nltk's format, closed in `_DictDirReader`:
- `lexnames` (the 45 lexicographer file names; nltk reads it at start-up) is not shipped by
  Debian: we supply WordNet 3.0's fixed list (the table in Debian's lexnames(5WN) man page).
- nltk maps synset ids from "its" WordNet (the nltk_data download, also 3.0) to the one loaded,
  reading `index.sense` of both; for the same version that map is the identity, which is what
  `map_wn` returns here. Neither is used by meteor (it reads synsets and lemma names only).

nltk refuses to read corpora outside its data path, so the directory is added to
`nltk.data.path` in the scorer process that loads it.
"""

import io
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yardstick.scoring.errors import ResourceMissing

DEBIAN_DIR = Path("/usr/share/wordnet")
REQUIRED = (
    "data.noun",
    "data.verb",
    "data.adj",
    "data.adv",
    "index.noun",
    "index.verb",
    "index.adj",
    "index.adv",
    "noun.exc",
    "verb.exc",
    "adj.exc",
    "adv.exc",
)
_NAMES = [
    "adj.all",
    "adj.pert",
    "adv.all",
    "noun.Tops",
    "noun.act",
    "noun.animal",
    "noun.artifact",
    "noun.attribute",
    "noun.body",
    "noun.cognition",
    "noun.communication",
    "noun.event",
    "noun.feeling",
    "noun.food",
    "noun.group",
    "noun.location",
    "noun.motive",
    "noun.object",
    "noun.person",
    "noun.phenomenon",
    "noun.plant",
    "noun.possession",
    "noun.process",
    "noun.quantity",
    "noun.relation",
    "noun.shape",
    "noun.state",
    "noun.substance",
    "noun.time",
    "verb.body",
    "verb.change",
    "verb.cognition",
    "verb.communication",
    "verb.competition",
    "verb.consumption",
    "verb.contact",
    "verb.creation",
    "verb.emotion",
    "verb.motion",
    "verb.perception",
    "verb.possession",
    "verb.social",
    "verb.stative",
    "verb.weather",
    "adj.ppl",
]
_CATEGORY = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}
# WordNet 3.0's `lexnames` file: number, name, syntactic category, tab-separated.
LEXNAMES = "".join(
    f"{number:02d}\t{name}\t{_CATEGORY[name.split('.')[0]]}\n" for number, name in enumerate(_NAMES)
)
MISSING_MESSAGE = (
    "meteor needs WordNet 3.0 and none was found: install Debian's wordnet-base package "
    "(`apt-get install wordnet-base`, which `./dev` does where it runs as root), or set "
    "YARDSTICK_WORDNET_DIR to a WordNet 3.0 dict directory (such as nltk_data/corpora/wordnet)"
)


@dataclass(frozen=True)
class WordNetSource:
    path: str
    version: str | None


def locate(configured: str | None) -> WordNetSource:
    """Where the WordNet files are; cheap (no nltk import), so the server can describe it."""
    candidates = [Path(configured)] if configured else [DEBIAN_DIR]
    for directory in candidates:
        if all((directory / name).is_file() for name in REQUIRED):
            return WordNetSource(str(directory.resolve()), _version(directory))
    where = f"YARDSTICK_WORDNET_DIR={configured}" if configured else str(DEBIAN_DIR)
    raise ResourceMissing(f"{MISSING_MESSAGE} (looked in {where})")


def _version(directory: Path) -> str | None:
    with open(directory / "data.adj", encoding="utf-8", errors="replace") as fp:
        for _, line in zip(range(40), fp):
            if "WordNet 3.0 Copyright" in line:
                return "3.0"
            if "Copyright" in line and "WordNet" in line:
                return line.split("WordNet", 1)[1].split("Copyright", 1)[0].strip() or None
    return None


_lock = threading.Lock()
_readers: dict[str, Any] = {}


def reader(configured: str | None) -> Any:
    """nltk's WordNet reader on the located directory: loaded once per process."""
    source = locate(configured)
    with _lock:
        loaded = _readers.get(source.path)
        if loaded is None:
            loaded = _readers[source.path] = _load(source.path)
        return loaded


def _load(path: str) -> Any:
    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class _DictDirReader(WordNetCorpusReader):  # type: ignore[misc]
        def open(self, file: str) -> Any:
            if file == "lexnames" and not (Path(path) / "lexnames").is_file():
                return io.StringIO(LEXNAMES)
            return super().open(file)

        def map_wn(self, version: str = "wordnet") -> None:
            return None

    if path not in nltk.data.path:
        nltk.data.path.append(path)
    with warnings.catch_warnings():
        # "The multilingual functions are not available": meteor uses English only.
        warnings.simplefilter("ignore")
        return _DictDirReader(path, None)
