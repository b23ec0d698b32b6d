"""nltk, imported without the optional scientific libraries it probes for.

`import nltk` imports nearly every subpackage, and some of them try scipy.stats and scikit-learn
(for collocation tests, a distribution of sentence alignment, classifier wrappers: nothing our
metrics use). Installed (scipy is Yardstick's, scikit-learn comes with the embeddings extra),
those probes are ~0.6 s of the ~0.85 s a scorer process spends importing nltk and rouge-score
before its first cell. Each probe is guarded by `except ImportError` in nltk, so while nltk
imports both are made unimportable, and afterwards import normally for whatever needs them.

Only for a scorer process, before anything else imports there: a thread importing scipy while
they are hidden would fail.
"""

import sys

_HIDDEN = ("scipy", "sklearn")


def import_nltk() -> None:
    """Import nltk with scipy and scikit-learn hidden, unless either is imported already."""
    if "nltk" in sys.modules or any(name in sys.modules for name in _HIDDEN):
        return
    for name in _HIDDEN:
        sys.modules[name] = None  # type: ignore[assignment]  # `import name` raises ImportError
    try:
        import nltk  # noqa: F401
    finally:
        for name in _HIDDEN:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]
