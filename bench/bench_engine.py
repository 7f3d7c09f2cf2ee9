"""The analysis alone, without discovery, reading or output: parse + ``analyze_tree`` over a tree's
candidate files (those the pre-filter passes), with the project index the CLI would build.

    python bench/bench_engine.py [TREE] [--rounds N]

TREE defaults to the installed torch package. Prints the candidates, the findings, and the best
and median CPU seconds (``time.process_time``) of the rounds. Run it with ``PYTHONPATH`` set to
another checkout to compare two versions of the engine on the same files (issue 19 asks that
following values across hops costs at most 10% on the torch tree).
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import os
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("tree", nargs="?")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    tree = args.tree or importlib.util.find_spec("torch").submodule_search_locations[0]  # located, not imported

    from adamw_lint import engine
    from adamw_lint.files import decode, physical_lines
    from adamw_lint.project_index import ProjectIndex

    sources = []
    for directory, _, names in os.walk(tree):
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(directory, name)
                with open(path, "rb") as handle:
                    raw = handle.read()
                if engine.may_contain_findings(raw):
                    sources.append((path, decode(path, raw).text))
    times, found = [], 0
    for _ in range(args.rounds):
        project = ProjectIndex([tree])
        started = time.process_time()
        found = 0
        for path, text in sources:
            try:
                found += len(engine.analyze_tree(ast.parse(text), physical_lines(text), fixes=False, path=path,
                                                 project=project))
            except (SyntaxError, RecursionError, ValueError):
                pass
        times.append(time.process_time() - started)
    print(f"{tree}: {len(sources)} candidates, {found} findings; CPU s per round: "
          f"best {min(times):.3f}, median {statistics.median(times):.3f} ({args.rounds} rounds)")


if __name__ == "__main__":
    main()
