"""Custom functions as users write them: the 0.7.0 client's helper sends each one's source.

Imports go inside the body (only the function's own source is sent). Not called here.
"""

from typing import Any


def exact_match(output: str, expected: str) -> float:
    return float(output.strip().lower() == expected.strip().lower())


def answer_length(text: str, scale: int = 1) -> int:
    import re

    return scale * len(re.sub(r"\s+", "", text))


def input_length(input: str) -> int:
    return len(input)


def with_default(input: str, expected: str = "none") -> int:
    return len(input) + len(expected)


def text_stats(text: str) -> dict[str, Any]:
    import statistics

    words = text.split()
    return {
        "length": len(text),
        "shape": {"words": len(words), "mean_word": statistics.mean(len(w) for w in words)},
        "label": "not a number, not asked for",
    }


def divide_by_zero(input: str) -> float:
    return len(input) / 0


def says_true(input: str) -> bool:
    return True


def reads_upstream(divide_by_zero: float) -> float:
    return divide_by_zero + 1


def spins(input: str) -> int:
    while True:
        pass


def opens_a_file(input: str) -> int:
    return len(open("/etc/passwd").read())
