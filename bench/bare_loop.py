"""The bare loop: the least any engine must do per item, as the limit `engine` measures against.

`python -m bench.bare_loop --model-url URL --items N --concurrency C --database PATH [--bleu]`
runs, in a process of its own on uvloop (as `serve` runs), N chat completions against the fake
model server with at most C in flight through one aiohttp session, and persists each answer
durably: a cell is committed to a SQLite file (WAL, synchronous=NORMAL, as Yardstick's engine
sets it; see yardstick.db.engine) by group commits of whatever has finished since the last one.
It bounds its calls as the engine does (yardstick.execution.slots): C calls at once, and C plus
`headroom(C)` calls in flight or waiting for their commit. With `--bleu` it also scores each
answer with Yardstick's own bleu (`yardstick.scoring.bleu.score`, nltk's sentence_bleu) on the
loop, and commits that cell too.
It prints one JSON line: `{"seconds": wall, "cpu_s": its own CPU}`, timed from the first call
to the last commit (imports and set-up excluded, as the server's start-up is).

No retries, no plans, no run bookkeeping: whatever an engine adds above this is its overhead.
"""

import argparse
import asyncio
import os
import sqlite3
import time
from datetime import UTC, datetime

import aiohttp
import orjson
import uvloop

from yardstick.execution.slots import headroom
from yardstick.scoring.bleu import score as bleu_score
from yardstick.scoring.bleu import silence_warnings

SCHEMA = """
CREATE TABLE cells (
    item_id TEXT NOT NULL, alias TEXT NOT NULL, status TEXT NOT NULL, value TEXT,
    latency_ms REAL, prompt_tokens INTEGER, completion_tokens INTEGER,
    started_at TEXT, finished_at TEXT, PRIMARY KEY (item_id, alias)
)
"""
INSERT = "INSERT INTO cells VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
Cell = tuple[str, str, str, str, float | None, int | None, int | None, str, str]


def question(index: int) -> str:
    """Item `index`'s input; the fake model answers "echo: " + it (`engine` sends the same)."""
    return f"question {index}"


def reference(index: int) -> str:
    """Item `index`'s expected answer, which bleu compares the model's with."""
    return f"echo: question {index} answer"


class GroupCommit:
    """Commits whatever cells finished since the last commit, in one transaction."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._pending: list[Cell] = []
        self._waiters: list[asyncio.Future[None]] = []
        self._wakeup = asyncio.Event()
        self._closing = False

    async def add(self, cells: list[Cell]) -> None:
        """Returns once `cells` are committed."""
        committed = asyncio.get_running_loop().create_future()
        self._pending.extend(cells)
        self._waiters.append(committed)
        self._wakeup.set()
        await committed

    async def run(self) -> None:
        while not (self._closing and not self._pending):
            await self._wakeup.wait()
            self._wakeup.clear()
            cells, self._pending = self._pending, []
            waiters, self._waiters = self._waiters, []
            if cells:
                with self._connection:  # BEGIN … COMMIT
                    self._connection.executemany(INSERT, cells)
            for waiter in waiters:
                waiter.set_result(None)
            await asyncio.sleep(0)  # let the cells finishing meanwhile join the next commit

    def close(self) -> None:
        self._closing = True
        self._wakeup.set()


def _now() -> str:
    return datetime.now(UTC).isoformat()


async def run(model_url: str, items: int, concurrency: int, database: str, bleu: bool) -> None:
    connection = sqlite3.connect(database, isolation_level="DEFERRED")
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(SCHEMA)
    writer = GroupCommit(connection)
    next_item = iter(range(items))
    url = f"{model_url}/chat/completions"
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        calls = asyncio.Semaphore(concurrency)

        async def slot() -> None:
            # One result slot: takes the next item, holds it until its cells are committed.
            for index in next_item:
                body = {
                    "model": "fake-chat",
                    "messages": [{"role": "user", "content": question(index)}],
                }
                started_at = _now()
                started = time.perf_counter()
                async with calls, session.post(url, data=orjson.dumps(body)) as response:
                    raw = await response.read()
                response.raise_for_status()
                latency_ms = (time.perf_counter() - started) * 1000
                reply = orjson.loads(raw)
                answer = reply["choices"][0]["message"]["content"]
                usage = reply["usage"]
                item_id = f"item-{index}"
                cells: list[Cell] = [
                    (
                        item_id,
                        "answer",
                        "completed",
                        orjson.dumps(answer).decode(),
                        latency_ms,
                        usage["prompt_tokens"],
                        usage["completion_tokens"],
                        started_at,
                        _now(),
                    )
                ]
                if bleu:
                    value = bleu_score(answer, reference(index))
                    cells.append(
                        (item_id, "bleu", "completed", str(value), None, None, None, _now(), _now())
                    )
                await writer.add(cells)

        flusher = asyncio.create_task(writer.run())
        started = time.perf_counter()
        cpu = os.times()
        await asyncio.gather(*(slot() for _ in range(concurrency + headroom(concurrency))))
        writer.close()
        await flusher
        seconds = time.perf_counter() - started
        cpu_s = (os.times().user - cpu.user) + (os.times().system - cpu.system)
    (count,) = connection.execute("SELECT count(*) FROM cells").fetchone()
    connection.close()
    expected = items * (2 if bleu else 1)
    if count != expected:
        raise RuntimeError(f"{count} cells committed, {expected} expected")
    print(orjson.dumps({"seconds": seconds, "cpu_s": cpu_s}).decode(), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-url", required=True, help="the fake server's /v1 base URL")
    parser.add_argument("--items", type=int, required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--database", required=True, help="a SQLite file to create")
    parser.add_argument("--bleu", action="store_true", help="score each answer with bleu too")
    args = parser.parse_args()
    silence_warnings()
    uvloop.run(run(args.model_url, args.items, args.concurrency, args.database, args.bleu))


if __name__ == "__main__":
    main()
