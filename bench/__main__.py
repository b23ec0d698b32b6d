"""`python -m bench [NAME ...] [--database-url URL]`: run the named benchmarks, or all of them."""

import argparse
import os
import signal
import sys

from bench.backend import Backend
from bench.machine import describe
from bench.registry import discover
from bench.server import PY_SPY_ENV


def main(argv: list[str] | None = None) -> int:
    # A plain `kill` must still stop the servers and drop the databases (the `with` blocks do).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run (default: all)")
    parser.add_argument(
        "--database-url",
        help="default: fresh SQLite files in a temp dir (sqlite:///DIR/any.db: in DIR); a "
        "postgresql+psycopg URL: fresh databases are created on that server and dropped after",
    )
    parser.add_argument(
        "--py-spy",
        metavar="DIR",
        help="profile every server with `py-spy record` (raw collapsed stacks) into DIR",
    )
    args = parser.parse_args(argv)
    if args.py_spy:
        os.environ[PY_SPY_ENV] = os.path.abspath(args.py_spy)
    benchmarks = discover(args.names)
    unknown = [name for name in args.names if name not in benchmarks]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(benchmarks)}")
    print(f"machine: {describe()}", flush=True)
    for name in args.names or list(benchmarks):
        print(f"\n## {name}", flush=True)
        with Backend(args.database_url) as backend:
            benchmarks[name](backend)
    return 0


if __name__ == "__main__":
    sys.exit(main())
