"""Benchmarks: run with `make bench`. They print figures; they never fail on speed."""
