"""Custom functions through the sandbox pool: results, errors, escapes and limits, end to end.

One pool for the module, with small limits (2 s, 128 MB, two processes), so the tests also show
that a call breaching a limit leaves the pool serving the next ones.
"""

import asyncio
import multiprocessing
import os
import signal
import textwrap
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from yardstick.sandbox import errors
from yardstick.sandbox.errors import SandboxError
from yardstick.sandbox.guards import Limits
from yardstick.sandbox.pool import Result, SandboxPool

TIMEOUT = 2.0


@pytest.fixture(scope="module")
def pool() -> Iterator[SandboxPool]:
    pool = SandboxPool(Limits(timeout_seconds=TIMEOUT, memory_mb=128), workers=2)
    yield pool
    pool.close()


def src(body: str) -> str:
    return textwrap.dedent(body).strip() + "\n"


def run(
    pool: SandboxPool, source: str, outputs: list[tuple[str, str]] | None = None, **kwargs: Any
) -> Result:
    return pool.run(src(source), kwargs, outputs=outputs)


def fails(
    pool: SandboxPool, source: str, outputs: list[tuple[str, str]] | None = None, **kwargs: Any
) -> SandboxError:
    with pytest.raises(SandboxError) as caught:
        run(pool, source, outputs, **kwargs)
    return caught.value


def test_returns_numbers_from_keyword_arguments(pool: SandboxPool) -> None:
    source = """
        def score(output, expected, weight=2):
            return weight * (output == expected)
    """
    assert run(pool, source, output="a", expected="a") == 2
    assert run(pool, source, output="a", expected="b", weight=3) == 0
    assert run(pool, "def f(x):\n    return x / 4", x=1) == 0.25


def test_every_allowed_module_works_inside_the_body(pool: SandboxPool) -> None:
    source = """
        def f(text, numbers):
            import collections, copy, datetime, decimal, difflib, fractions, functools
            import itertools, json, math, re, statistics, textwrap, unicodedata
            from collections.abc import Mapping
            total = statistics.mean(numbers) + math.sqrt(16)
            total += datetime.datetime.strptime("2024-03-05", "%Y-%m-%d").day
            total += len(json.loads(json.dumps({"a": numbers})))
            total += len(re.findall(r"\\w+", text)) + collections.Counter(text)["a"]
            total += sum(itertools.islice(itertools.count(), 3)) + functools.reduce(max, numbers)
            total += float(decimal.Decimal("0.1") + decimal.Decimal("0.2")) + float(fractions.Fraction(1, 2))
            total += len(copy.deepcopy(numbers)) + len(textwrap.wrap(text, 4))
            total += difflib.SequenceMatcher(None, text, "a cat").ratio()
            total += len(unicodedata.normalize("NFD", "é")) + isinstance({}, Mapping)
            Point = collections.namedtuple("Point", "x y")
            with decimal.localcontext(prec=3):
                total += float(decimal.Decimal(1) / decimal.Decimal(3))
            print("debug output goes nowhere")
            return total + Point(1, 2).y
    """
    # mean 2, sqrt 4, day 5, one key, two words, two a's, 0+1+2, max 3, 0.3 + 0.5, three
    # numbers, two lines, ratio 0.8, two code points, a Mapping, 0.333, y = 2.
    expected = 2 + 4 + 5 + 1 + 2 + 2 + 3 + 3 + 0.3 + 0.5 + 3 + 2 + 0.8 + 2 + 1 + 0.333 + 2
    assert run(pool, source, text="a bat", numbers=[1, 2, 3]) == pytest.approx(expected)


def test_outputs_pick_numbers_by_dot_path(pool: SandboxPool) -> None:
    source = """
        def f():
            return {"accuracy": 0.5, "counts": {"hits": 3}, "list": [7, 8], "text": "x"}
    """
    outputs = [("accuracy", "accuracy"), ("counts.hits", "hits"), ("list.1", "list_1")]
    assert run(pool, source, outputs) == {"accuracy": 0.5, "hits": 3, "list_1": 8}
    missing = fails(pool, source, [("counts.misses", "m")])
    assert (missing.type, missing.message) == (
        errors.INVALID_RESULT,
        "the returned value has no 'counts.misses' (output path 'counts.misses')",
    )
    assert fails(pool, source, [("text", "t")]).type == errors.INVALID_RESULT
    assert "must return a dict" in fails(pool, "def f():\n    return 1", [("a", "a")]).message


@pytest.mark.parametrize(
    ("returned", "words"),
    [
        ("True", "got bool"),
        ("None", "got NoneType"),
        ("'1'", "got str"),
        ("[1]", "got list"),
        ("{'a': 1}", "configure `outputs`"),
        ("float('nan')", "finite"),
        ("float('inf')", "finite"),
        ("2 ** 80", "64-bit"),
        ("__import__", None),  # refused before it runs, as a violation
    ],
)
def test_anything_but_a_number_is_an_invalid_result(
    pool: SandboxPool, returned: str, words: str | None
) -> None:
    error = fails(pool, f"def f():\n    return {returned}")
    if words is None:
        assert error.type == errors.SANDBOX_VIOLATION
    else:
        assert error.type == errors.INVALID_RESULT and words in error.message


def test_decimal_and_fraction_results_must_be_converted(pool: SandboxPool) -> None:
    error = fails(pool, "def f():\n    import decimal\n    return decimal.Decimal('1.5')")
    assert (error.type, error.message) == (
        errors.INVALID_RESULT,
        "the function's return value must be an int or a float, got Decimal",
    )


def test_exceptions_are_the_functions_errors_with_their_line(pool: SandboxPool) -> None:
    error = fails(pool, "def f(x):\n    y = 1\n    return x / 0", x=1)
    assert (error.type, error.message) == (
        errors.ERROR,
        "ZeroDivisionError: division by zero (line 3)",
    )
    recursion = fails(pool, "def f(n):\n    return f(n + 1)", n=0)
    assert recursion.type == errors.ERROR and recursion.message.startswith("RecursionError")
    assert fails(pool, "def f():\n    raise SystemExit(3)").type == errors.ERROR
    assert fails(pool, "def f(x):\n    return x", y=1).message.startswith("TypeError")


@pytest.mark.parametrize(
    "source",
    [
        "def f():\n    import os\n    return os.getpid()",
        "def f():\n    import subprocess\n    return 1",
        "def f():\n    import socket\n    return socket.socket()",
        "def f():\n    return __import__('os').system('true')",
        "def f():\n    return __builtins__['open']",
        "def f():\n    return len(().__class__.__bases__[0].__subclasses__())",
        "def f():\n    return len(f.__globals__)",
        "def f():\n    g = (x for x in [1])\n    return len(g.gi_frame.f_back.f_globals)",
    ],
)
def test_escapes_in_the_source_are_refused(pool: SandboxPool, source: str) -> None:
    error = fails(pool, source)
    assert error.type == errors.SANDBOX_VIOLATION
    assert error.message.startswith("function_source: ")


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("return len(getattr(getattr((), '__class__'), '__bases__'))", "'__class__'"),
        ("return len(getattr(f, '__glob' + 'als__'))", "'__globals__'"),
        ("return len(open('/etc/passwd').read())", "open()"),
        ("return len(open('/tmp/out', 'w').write('x'))", "open()"),
        ("return eval('1 + 1')", "eval()"),
        ("exec('x = 1')\n    return 1", "exec()"),
        ("return compile('1', 'x', 'eval')", "compile()"),
        ("return len(globals())", "globals()"),
        ("return len(vars())", "vars()"),
        ("return breakpoint()", "breakpoint()"),
        ("return input()", "input()"),
    ],
)
def test_escapes_at_run_time_are_refused(pool: SandboxPool, source: str, words: str) -> None:
    error = fails(pool, f"def f():\n    {source}")
    assert error.type == errors.SANDBOX_VIOLATION
    assert words in error.message


def test_a_violation_the_function_catches_still_fails_the_call(pool: SandboxPool) -> None:
    source = """
        def f():
            try:
                open("/etc/passwd")
            except BaseException:
                pass
            return 1
    """
    error = fails(pool, source)
    assert error.type == errors.SANDBOX_VIOLATION and "open()" in error.message


def test_allowed_modules_lead_nowhere_else(pool: SandboxPool) -> None:
    # The real statistics module holds sys and random; json holds codecs, which holds builtins.
    for source in (
        "def f():\n    import statistics\n    return statistics.sys.modules['os'].getpid()",
        "def f():\n    import json\n    return json.codecs.builtins.open",
        "def f():\n    import copy\n    return len(copy.dispatch_table)",
        "def f():\n    from statistics import random\n    return random.random()",
    ):
        error = fails(pool, source)
        assert error.type == errors.ERROR, source
        assert error.message.startswith(("AttributeError", "ImportError")), error.message


def test_one_arg_type_only(pool: SandboxPool) -> None:
    assert run(pool, "def f():\n    return type(1)('2')") == 2
    assert fails(pool, "def f():\n    return type('X', (), {})").type == errors.ERROR
    metaclass = (
        "def f():\n    T = type(type(1))\n    return T('X', (), {'__str__': lambda self: 'x'})"
    )
    assert fails(pool, metaclass).type == errors.SANDBOX_VIOLATION


def test_calls_share_no_state(pool: SandboxPool) -> None:
    counter = """
        def f():
            global calls
            try:
                calls += 1
            except NameError:
                calls = 1
            return calls
    """
    assert [run(pool, counter) for _ in range(6)] == [1] * 6
    change = "def f():\n    import decimal\n    decimal.setcontext(decimal.Context(prec=3))\n    return 0"
    read = "def f():\n    import decimal\n    return decimal.getcontext().prec"
    for _ in range(4):  # on both processes
        run(pool, change)
        assert run(pool, read) == 28


def test_an_endless_loop_times_out_and_the_pool_goes_on(pool: SandboxPool) -> None:
    with ThreadPoolExecutor(1) as thread:
        started = time.monotonic()
        looping = thread.submit(run, pool, "def f():\n    while True:\n        pass")
        time.sleep(0.2)
        # The other process keeps serving while one is stuck.
        assert run(pool, "def f():\n    return 1") == 1
        assert time.monotonic() - started < TIMEOUT
        with pytest.raises(SandboxError) as caught:
            looping.result()
    elapsed = time.monotonic() - started
    assert caught.value.type == errors.TIMEOUT
    assert caught.value.message == "the function ran longer than 2 s and was stopped"
    assert TIMEOUT <= elapsed < TIMEOUT + 3
    assert [run(pool, "def f(x):\n    return x", x=i) for i in range(4)] == [0, 1, 2, 3]


def test_a_catastrophic_regex_times_out(pool: SandboxPool) -> None:
    source = "def f():\n    import re\n    return len(re.findall(r'(a+)+$', 'a' * 40 + 'b'))"
    assert fails(pool, source).type == errors.TIMEOUT


def test_unbounded_allocation_hits_the_memory_limit(pool: SandboxPool) -> None:
    assert run(pool, "def f():\n    return len(bytearray(32 * 2**20))") == 32 * 2**20
    big = fails(pool, "def f():\n    return len('x' * (1024 * 2**20))")
    assert big.type == errors.MEMORY_LIMIT
    growing = """
        def f():
            chunks = []
            while True:
                chunks.append(bytearray(2**20))
    """
    assert fails(pool, growing).type == errors.MEMORY_LIMIT
    assert run(pool, "def f():\n    return 5") == 5


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11])  # utime


def _busy_sandbox_pid() -> int:
    """The sandbox process that keeps gaining CPU time while the others wait."""
    time.sleep(0.3)  # past start-up, whose imports cost CPU too
    deadline = time.monotonic() + TIMEOUT / 2
    while time.monotonic() < deadline:
        pids = [
            p.pid
            for p in multiprocessing.active_children()
            if p.name == "yardstick-sandbox" and p.pid is not None
        ]
        before = {pid: _cpu_ticks(pid) for pid in pids}
        time.sleep(0.2)
        gained = {pid: _cpu_ticks(pid) - ticks for pid, ticks in before.items()}
        busy = [pid for pid, ticks in gained.items() if ticks >= 5]
        if len(busy) == 1:
            return busy[0]
    raise AssertionError("no sandbox process ran the loop")


def test_a_process_that_dies_mid_call_is_replaced(pool: SandboxPool) -> None:
    # Both handles hold a started process first (an earlier test may have killed one), so the
    # only process burning CPU below is the one running the loop, never one still importing:
    # killing a starting process is a different failure (the sandbox is unavailable).
    busy_a_while = "def f():\n    return sum(range(3_000_000))"
    with ThreadPoolExecutor(2) as threads:
        assert (
            list(threads.map(lambda _: run(pool, busy_a_while), range(2)))
            == [sum(range(3_000_000))] * 2
        )
    with ThreadPoolExecutor(1) as thread:
        looping = thread.submit(run, pool, "def f():\n    while True:\n        pass")
        # Kill the process that runs the loop, once it does: the one burning CPU.
        os.kill(_busy_sandbox_pid(), signal.SIGKILL)
        with pytest.raises(SandboxError) as caught:
            looping.result(timeout=TIMEOUT)  # well before the time limit
    assert caught.value.type == errors.CRASHED
    assert "killed by SIGKILL" in caught.value.message
    assert [run(pool, "def f():\n    return 1") for _ in range(4)] == [1] * 4


def test_a_spent_budget_runs_nothing(pool: SandboxPool) -> None:
    with pytest.raises(SandboxError) as caught:
        pool.run("def f():\n    return 1\n", {}, not_after=time.monotonic() - 1)
    assert caught.value.type == errors.TIMEOUT and caught.value.message.startswith("not run")


def test_many_calls_are_cheap_and_async_callers_get_their_own(pool: SandboxPool) -> None:
    source = "def f(x):\n    import math\n    return math.floor(x * 2)\n"
    started = time.monotonic()
    assert [pool.run(source, {"x": i}) for i in range(500)] == [i * 2 for i in range(500)]
    assert time.monotonic() - started < 20  # a process per call would take minutes

    async def many() -> list[Result]:
        return await asyncio.gather(*(pool.call(source, {"x": i}) for i in range(200)))

    assert asyncio.run(many()) == [i * 2 for i in range(200)]


def sandbox_pids() -> set[int | None]:
    return {p.pid for p in multiprocessing.active_children() if p.name == "yardstick-sandbox"}


def test_a_closed_pool_stops_its_processes_and_refuses_calls() -> None:
    before = sandbox_pids()
    closed = SandboxPool(Limits(timeout_seconds=1, memory_mb=64), workers=1)
    assert closed.run("def f():\n    return 1\n", {}) == 1
    assert len(sandbox_pids() - before) == 1
    closed.close()
    assert sandbox_pids() <= before
    with pytest.raises(SandboxError) as caught:
        closed.run("def f():\n    return 1\n", {})
    assert caught.value.type == errors.UNAVAILABLE


def test_annotations_are_never_evaluated(pool: SandboxPool) -> None:
    # The helper sends a function as written, hints and all; `Any` was imported at module level.
    source = "def f(x: Any, y: 'Missing' = 1) -> dict[str, Any]:\n    return x + y\n"
    assert pool.run(source, {"x": 1}) == 2
