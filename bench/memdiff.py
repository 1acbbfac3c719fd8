"""What grew in a worker between two tracemalloc snapshots of ``bench/memprobe`` (a debug tool).

    .venv/bin/python bench/memdiff.py DIR/1234-001.snap DIR/1234-014.snap --top 25 --group lineno

prints the traced bytes of each, then the ``--top`` sources of growth grouped by ``lineno`` or
``traceback`` (the probe keeps 8 frames), the probe's own allocations left out.
"""

from __future__ import annotations

import argparse
import sys
import tracemalloc

IGNORED = (tracemalloc.__file__, "<frozen importlib._bootstrap>", "*/memprobe/sitecustomize.py")


def load(path: str) -> tracemalloc.Snapshot:
    return tracemalloc.Snapshot.load(path).filter_traces(
        [tracemalloc.Filter(False, pattern) for pattern in IGNORED])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--group", choices=("lineno", "filename", "traceback"), default="lineno")
    args = parser.parse_args()
    before, after = load(args.before), load(args.after)
    total = [sum(t.size for t in s.traces) / 2**20 for s in (before, after)]
    print(f"traced: {total[0]:.1f} MB -> {total[1]:.1f} MB ({total[1] - total[0]:+.1f} MB)")
    for stat in after.compare_to(before, args.group)[:args.top]:
        print(f"{stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks  "
              f"{stat.size / 1024:9.1f} KiB now")
        for line in stat.traceback.format()[-(8 if args.group == "traceback" else 2):]:
            print(f"      {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
