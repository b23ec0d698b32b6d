"""Escapes found by probing a running server's dry run: each reached past the source check and
the restricted builtins through code of an allowed module that reads attributes by name."""

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest

from yardstick.sandbox import errors
from yardstick.sandbox.errors import SandboxError
from yardstick.sandbox.guards import Limits
from yardstick.sandbox.pool import Result, SandboxPool


@pytest.fixture(scope="module")
def pool() -> Iterator[SandboxPool]:
    pool = SandboxPool(Limits(timeout_seconds=5.0, memory_mb=128), workers=1)
    yield pool
    pool.close()


def run(pool: SandboxPool, source: str, **kwargs: object) -> Result:
    return pool.run(textwrap.dedent(source).strip() + "\n", dict(kwargs))


def fails(pool: SandboxPool, source: str) -> SandboxError:
    with pytest.raises(SandboxError) as caught:
        run(pool, source)
    return caught.value


# Each reads the server's environment (through json's codecs, hence sys) in a format field.
FIELD = "0.__globals__[codecs].sys.modules[os].environ"
FORMAT_ESCAPES = [
    line.replace("FIELD", FIELD)
    for line in (
        'raise ValueError("{FIELD}".format(json.dumps))',
        'raise ValueError("{FIELD}".replace("0.", "x.").format_map({"x": json.dumps}))',
        'raise ValueError(str.format("{FIELD}", json.dumps))',
        'raise ValueError("{1:{FIELD}}".format(json.dumps, 1))',
        'raise ValueError(getattr("{FIELD}", "format")(json.dumps))',
        'raise ValueError(collections.UserString("{FIELD}").format(json.dumps))',
    )
]


@pytest.mark.parametrize("line", FORMAT_ESCAPES)
def test_format_fields_cannot_read_private_attributes(pool: SandboxPool, line: str) -> None:
    error = fails(pool, f"def f():\n    import collections, json\n    {line}")
    assert error.type == errors.SANDBOX_VIOLATION, error.message
    assert "environ" not in error.message and "codecs" not in error.message


def test_format_still_formats(pool: SandboxPool) -> None:
    source = """
        def f(x, row):
            import collections
            a = "{0:.2f}|{1}|{name}|{0!r}".format(x, "b", name="n")
            b = "{row[k]}|{row[k]:>3}".format_map({"row": row})
            c = str.format("{}{}", 1, 2)
            d = list(map("<{}>".format, [1, 2]))
            P = collections.namedtuple("P", "x y")
            e = "{0.x}-{0.y}".format(P(3, 4))
            return len(a + b + c + "".join(d) + e) + int(hasattr("s", "format"))
    """
    # "0.50|b|n|0.5" 12, "v|  v" 5, "12" 2, "<1><2>" 6, "3-4" 3, and True.
    assert run(pool, source, x=0.5, row={"k": "v"}) == 12 + 5 + 2 + 6 + 3 + 1


def test_format_keeps_pythons_errors(pool: SandboxPool) -> None:
    missing = fails(pool, 'def f():\n    return "{0.nope}".format(1)')
    assert missing.type == errors.ERROR and missing.message.startswith("AttributeError")
    mixed = fails(pool, 'def f():\n    return "{}{0}".format(1, 2)')
    assert mixed.type == errors.ERROR and mixed.message.startswith("ValueError")
    assert run(pool, "def f():\n    return int(hasattr(1, 'format'))") == 0


def test_update_wrapper_cannot_copy_globals_into_the_harness(pool: SandboxPool) -> None:
    # Copied json's globals (codecs, hence sys) into the function's, then the function's into
    # the audit hook's module, replacing the predicate it calls: files and sockets were open.
    source = """
        def f():
            import functools, json
            global event_blocked
            functools.update_wrapper(f, json.dumps, assigned=(), updated=("__globals__",))
            guards = codecs.sys.modules["yardstick.sandbox.guards"]
            event_blocked = str.isdigit
            functools.update_wrapper(guards.violation, f, assigned=(), updated=("__globals__",))
            os = codecs.sys.modules["os"]
            return len(os.read(os.open("/proc/self/environ", os.O_RDONLY), 100))
    """
    error = fails(pool, source)
    assert error.type == errors.ERROR
    assert error.message.startswith("AttributeError") and "update_wrapper" in error.message


@pytest.mark.parametrize("name", ["update_wrapper", "wraps", "total_ordering"])
def test_attribute_writing_helpers_are_not_importable(pool: SandboxPool, name: str) -> None:
    error = fails(pool, f"def f():\n    from functools import {name}\n    return 1")
    assert error.type == errors.ERROR and error.message.startswith("ImportError")


def test_the_sandbox_process_forgets_the_servers_environment() -> None:
    code = (
        "import os; from yardstick.sandbox.child import forget_environment; "
        "forget_environment(); print(sorted(os.environ))"
    )
    env = {**os.environ, "YARDSTICK_SECRET_KEY": "not-for-custom-functions"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_a_class_pattern_cannot_read_private_attributes(pool: SandboxPool) -> None:
    """`case object(__globals__=g)` handed over the harness's globals, and through them the
    audit hook's switch; checked at create, and again in the sandbox before compiling."""
    error = fails(
        pool,
        """
        def f():
            match getattr:
                case object(__globals__=g):
                    return len(g)
            return 0
        """,
    )
    assert error.type == errors.SANDBOX_VIOLATION and "class pattern" in error.message


def test_a_call_cannot_change_a_class_table_that_later_calls_use(pool: SandboxPool) -> None:
    """`TextWrapper.unicode_whitespace_trans` is a dict on the class: an item assignment made
    `textwrap.fill` drop every "a" for every later call, other accounts' included."""
    error = fails(
        pool,
        """
        def f():
            import textwrap
            textwrap.TextWrapper.unicode_whitespace_trans[ord("a")] = ord("X")
            return 1
        """,
    )
    assert error.type == errors.ERROR and "does not support item assignment" in error.message
    counted = run(
        pool, 'def f():\n    import textwrap\n    return textwrap.fill("banana").count("a")'
    )
    assert counted == 3


def test_no_class_of_an_allowed_module_holds_a_mutable_table() -> None:
    """What `_freeze_class_attributes` is for: a Python upgrade that adds a list or a set on a
    class (which it would refuse at start) fails here first."""
    from yardstick.sandbox.runtime import VIEWS, _mutable_class_attributes

    assert _mutable_class_attributes(VIEWS) == []


def test_dates_format_in_the_sandbox(pool: SandboxPool) -> None:
    """strftime, timetuple and a date format spec import `time` from C, through the function's
    own `__import__`: they were refused as a violation, and the process replaced."""
    done = run(
        pool,
        """
        def f():
            import datetime
            d = datetime.date(2024, 1, 2)
            return len(d.strftime("%Y-%m-%d") + f"{d:%Y}") + d.timetuple().tm_yday
        """,
    )
    assert done == 14 + 2
