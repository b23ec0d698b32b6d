"""What a custom function may return: a number, or with `outputs`, a dict of numbers by path.

Run twice: in the sandbox process (to pick the outputs and keep the reply small) and in the
server on the reply (which comes from a process that ran untrusted code, so it is checked again).
Types are compared exactly: a bool, an int subclass or a float subclass is not a number here.
"""

import math
from typing import Any

from yardstick.kit.list_index import list_index

Number = int | float
Output = tuple[str, str]  # (dot path into the returned dict, the alias it is stored under)
# The result is stored as JSON: integers must fit 64 bits and floats must be finite.
_INT_RANGE = (-(2**63), 2**64 - 1)


class ResultError(Exception):
    """The return value is not an allowed result; the message says what it was."""


def _describe(value: Any) -> str:
    return type(value).__name__


def check_number(value: Any, where: str = "the function's return value") -> Number:
    if type(value) is int:
        if not _INT_RANGE[0] <= value <= _INT_RANGE[1]:
            raise ResultError(f"{where} is an integer outside the 64-bit range")
        return value
    if type(value) is float:
        if not math.isfinite(value):
            raise ResultError(f"{where} must be a finite number, got {value!r}")
        return value
    if type(value) is bool:
        raise ResultError(
            f"{where} must be an int or a float, got bool (use int(...) or float(...))"
        )
    raise ResultError(f"{where} must be an int or a float, got {_describe(value)}")


def pick(value: Any, path: str) -> Any:
    """`value` at the dot path `a.b.0` (dict keys, list indexes), or ResultError."""
    current = value
    for depth, segment in enumerate(path.split(".")):
        if type(current) is dict and segment in current:
            current = current[segment]
        elif type(current) is list and (index := list_index(segment, len(current))) is not None:
            current = current[index]
        else:
            walked = ".".join(path.split(".")[: depth + 1])
            raise ResultError(f"the returned value has no {walked!r} (output path {path!r})")
    return current


def shape(value: Any, outputs: list[Output] | None) -> Number | dict[str, Number]:
    """The stored result: the number, or with outputs `{alias: number}` in outputs order."""
    if not outputs:
        if type(value) is dict:
            raise ResultError(
                "the function must return an int or a float, got dict "
                "(configure `outputs` to store numbers picked from a returned dict)"
            )
        return check_number(value)
    if type(value) is not dict:
        raise ResultError(f"with `outputs` the function must return a dict, got {_describe(value)}")
    return {alias: check_number(pick(value, path), f"output {path!r}") for path, alias in outputs}
