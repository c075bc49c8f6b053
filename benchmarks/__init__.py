"""Benchmarks: run as ``python -m benchmarks.run`` or each script on its own; not unit tests."""
