"""Run benchmarks: `python -m bench` runs every `bench/bench_*.py`; `python -m bench NAME [ARGS]`
runs `bench_NAME.py` alone and passes it ARGS (e.g. `python -m bench demo --invoices 1000000`)."""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

PREFIX = "bench_"


def available() -> list[str]:
    here = Path(__file__).resolve().parent
    return sorted(
        info.name.removeprefix(PREFIX)
        for info in pkgutil.iter_modules([str(here)])
        if info.name.startswith(PREFIX)
    )


def load(name: str) -> Callable[[list[str]], None] | None:
    module = importlib.import_module(f"bench.{PREFIX}{name}")
    entry = getattr(module, "main", None)
    return cast(Callable[[list[str]], None], entry) if callable(entry) else None


def run(name: str, argv: list[str]) -> None:
    entry = load(name)
    if entry is None:
        return
    print(f"== bench {name} {' '.join(argv)}".rstrip(), flush=True)
    started = time.perf_counter()
    entry(argv)
    print(f"== bench {name}: {time.perf_counter() - started:.1f} s in all\n", flush=True)


def main(argv: list[str]) -> int:
    # Benchmarks set up Django themselves; this default lets them share the project settings.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recoup.settings")
    names = available()
    if argv and argv[0] in {"-h", "--help"}:
        print(__doc__)
        print("available:", ", ".join(names) or "none")
        return 0
    if argv and not argv[0].startswith("-"):
        name = argv[0].removeprefix(PREFIX).removesuffix(".py")
        if name not in names:
            print(f"no benchmark {argv[0]!r}; available: {', '.join(names)}", file=sys.stderr)
            return 2
        run(name, argv[1:])
        return 0
    if argv:
        # Options belong to one benchmark; each one parses its own.
        print("options need a benchmark name: python -m bench NAME [ARGS]", file=sys.stderr)
        return 2
    for name in names:
        run(name, [])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
