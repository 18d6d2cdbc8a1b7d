"""`python -m bench`: run each benchmark module and print its table."""

from __future__ import annotations

import importlib
import sys

MODULES = ("bench.archive",)


def main() -> int:
    for name in MODULES:
        module = importlib.import_module(name)
        print(f"== {name}")
        module.main()
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
