"""Run every benchmark listed here and print its table."""

from __future__ import annotations

import asyncio
import importlib
import sys

BENCHMARKS = ("bench.alert_fanout", "bench.fanout", "bench.discord_relay", "bench.telegram_pacing")


def main() -> int:
    for name in BENCHMARKS:
        module = importlib.import_module(name)
        print(f"== {name}")
        asyncio.run(module.main())
    return 0


if __name__ == "__main__":
    sys.exit(main())
