"""Benchmarks against a real `yardstick serve` process: `python -m bench [NAME ...]`.

Each benchmark is a module of this package that registers itself with `bench.registry.benchmark`;
`python -m bench` finds them all, so adding one is adding a file.
"""
