"""`python -m bench`: run each benchmark module and print its table.

A module exposes `main()`, a coroutine function or a plain one. Benchmarks
print figures; they never fail on speed.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import sys

BENCHMARKS = (
    "bench.alert_fanout",
    "bench.fanout",
    "bench.discord_relay",
    "bench.archive",
    "bench.telegram_pacing",
    "bench.timers",
    "bench.task_claim",
    "bench.trust",
    "bench.identity",
    "bench.web_redirects",
    "bench.web_pages",
    "bench.shared_store",
    "bench.store_layers",
)


def main() -> int:
    only = set(sys.argv[1:])
    for name in BENCHMARKS:
        if only and name.removeprefix("bench.") not in only:
            continue
        module = importlib.import_module(name)
        print(f"== {name}")
        if inspect.iscoroutinefunction(module.main):
            asyncio.run(module.main())
        else:
            module.main()
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
