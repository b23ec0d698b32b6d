"""The static rules: what `analyze` accepts, refuses, and reads from a signature."""

import pytest

from yardstick.sandbox.source import MAX_SOURCE_CHARS, Param, SourceError, analyze


def refused(source: str) -> SourceError:
    with pytest.raises(SourceError) as caught:
        analyze(source)
    return caught.value


def test_reads_the_function_and_its_signature() -> None:
    info = analyze("def score(a, b=1, /, c=2, *rest, d, e=3, **extra):\n    return 1\n")
    assert info.name == "score"
    assert info.params == (
        Param("a", False, positional_only=True),
        Param("b", True, positional_only=True),
        Param("c", True),
        Param("d", False),
        Param("e", True),
    )
    assert info.accepts_any_keyword
    assert not analyze("def f(x):\n    return x\n").accepts_any_keyword


def test_imports_inside_the_body_of_allowed_modules_pass() -> None:
    source = (
        "def f(x):\n"
        "    import math, json\n"
        "    from collections import Counter\n"
        "    from collections.abc import Mapping\n"
        "    import collections.abc\n"
        "    return math.sqrt(x)\n"
    )
    assert analyze(source).name == "f"


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("def f(:\n    pass", "not valid Python"),
        ("x = 1", "exactly one top-level function"),
        ("import math\ndef f():\n    return 1", "exactly one top-level function"),
        ("def f():\n    return 1\ndef g():\n    return 2", "exactly one top-level function"),
        ("async def f():\n    return 1", "not an `async def`"),
        ("@cache\ndef f():\n    return 1", "decorators"),
        (
            (
                "def f():\n    import functools\n    @functools.cache\n    def g():\n"
                "        return 1\n    return g()"
            ),
            "decorators are not supported (line 3)",
        ),
        # Parsed, but not compiled: each cell once crashed the sandbox instead.
        ("def f(x, x):\n    return 1", "duplicate argument 'x'"),
        ("def f():\n    from math import *\n    return 1", "import * only allowed"),
        ("def f():\n    break", "'break' outside loop"),
        ("def f():\n    return 1\x00", "not valid Python"),
    ],
)
def test_refuses_what_is_not_one_plain_function(source: str, words: str) -> None:
    error = refused(source)
    assert words in error.message
    assert not error.violation


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("def f():\n    import os\n    return 1", "import of 'os' is not allowed (line 2)"),
        ("def f():\n    import subprocess\n    return 1", "import of 'subprocess'"),
        ("def f():\n    from os import path\n    return 1", "import of 'os'"),
        ("def f():\n    import json.decoder\n    return 1", "import of 'json.decoder'"),
        ("def f():\n    from . import x\n    return 1", "relative imports"),
        ("def f():\n    from json import _default_encoder\n    return 1", "private name"),
        (
            "def f():\n    if True:\n        import socket\n    return 1",
            "import of 'socket' is not allowed (line 3)",
        ),
        ("def f():\n    return __import__('os')", "'__import__'"),
        ("def f():\n    return __builtins__", "'__builtins__'"),
        ("def f():\n    return ().__class__.__bases__[0].__subclasses__()", "'__subclasses__'"),
        ("def f():\n    return f.__globals__", "'__globals__'"),
        ("def f():\n    import statistics\n    return statistics._sum", "'_sum'"),
        ("def f():\n    g = (i for i in [1])\n    return g.gi_frame.f_back", "'f_back'"),
        ("def f():\n    g = (i for i in [1])\n    return g.gi_frame", "'gi_frame'"),
        ("def f():\n    return int.mro()", "'mro'"),
        (
            "def f():\n    import collections.abc\n    collections.abc.Mapping.register(list)",
            "'register'",
        ),
        ("def f():\n    import decimal\n    decimal.getcontext().prec = 3", "assigning"),
        ("def f(x):\n    del x.y", "deleting"),
        ("def f():\n    class A:\n        pass\n    return 1", "class definitions"),
        ("def f():\n    import json as __x\n    return 1", "'__x'"),
        # A class pattern reads its keywords as attributes, in C.
        (
            (
                "def f():\n    match getattr:\n        case object(__globals__=g):\n"
                "            return g\n    return 1"
            ),
            "the attribute '__globals__' is not allowed in a class pattern (line 3)",
        ),
        (
            (
                "def f():\n    g = (i for i in [1])\n    match g:\n"
                "        case object(gi_frame=x):\n            return x"
            ),
            "'gi_frame'",
        ),
    ],
)
def test_refuses_imports_and_escapes_as_violations(source: str, words: str) -> None:
    error = refused(source)
    assert words in error.message
    assert error.violation


def test_refuses_oversized_source() -> None:
    source = "def f():\n    return 1\n" + "#" * MAX_SOURCE_CHARS
    assert "at most" in refused(source).message
