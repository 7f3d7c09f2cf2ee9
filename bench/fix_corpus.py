"""The fix pipeline over installed sources of real packages (issue 13's acceptance check).

For every module with a fixable finding: fix it (``adamw-lint fix``: every fix, both styles),
then require that the result compiles, that re-checking it leaves no fixable finding (each
changed call is decoupled now: ``fix_source`` raises otherwise), and that pycodestyle finds no
E1xx/E501/W291/W293 the original did not have (at the project's line length, 88 for installed
packages). Prints one line per package and the totals; exit status 1 if any check failed.

    python bench/fix_corpus.py /tmp/corpus/transformers /tmp/corpus/timm ...
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_fix_format import new_style_problems  # noqa: E402

from adamw_lint.analysis import analyze_source, may_contain_findings  # noqa: E402
from adamw_lint.files import SourceError, decode  # noqa: E402
from adamw_lint.fix import FixError, fix_source  # noqa: E402
from adamw_lint.project import line_length, torch_floor  # noqa: E402


def candidates(root: str, totals: Counter) -> Iterator[Tuple[Path, str]]:
    """The tree's modules that the pre-filter passes, decoded (``totals["files"]`` counts all)."""
    for path in sorted(Path(root).rglob("*.py")):
        raw = path.read_bytes()
        totals["files"] += 1
        if not may_contain_findings(raw):
            continue
        try:
            yield path, decode(str(path), raw).text
        except SourceError:
            continue


def check_tree(root: str, styles=("rename", "flag")) -> Dict[str, object]:
    totals: Counter = Counter()
    problems: List[str] = []
    for path, text in candidates(root, totals):
        try:
            target, length = torch_floor(str(path)), line_length(str(path))
            if not any(f.fix for f in analyze_source(text, target_torch=target)):
                continue
        except (SourceError, SyntaxError, ValueError, RecursionError):
            continue
        totals["fixable files"] += 1
        for style in styles:
            try:
                result = fix_source(text, style, target_torch=target, path=str(path), line_length=length)
            except FixError as error:
                problems.append(f"{path} ({style}): {error}")
                totals["fix errors"] += 1
                continue
            if not result.changed:
                continue
            totals[f"files changed ({style})"] += 1
            totals[f"calls fixed ({style})"] += len(result.fixed)
            try:
                compile(result.source, str(path), "exec")
            except SyntaxError as error:
                problems.append(f"{path} ({style}): does not compile: {error}")
                totals["compile errors"] += 1
            new = new_style_problems(text, result.source, length)
            if new:
                problems.append(f"{path} ({style}): new style problems {new}")
                totals["files with new style problems"] += 1
    return {"totals": totals, "problems": problems}


def main(roots: List[str]) -> int:
    grand: Counter = Counter()
    failed = False
    for root in roots:
        started = time.perf_counter()
        report = check_tree(root)
        totals, problems = report["totals"], report["problems"]
        grand.update(totals)  # type: ignore[arg-type]
        shown = ", ".join(f"{k} {v}" for k, v in sorted(totals.items()))  # type: ignore[union-attr]
        print(f"{os.path.basename(root.rstrip('/'))}: {shown} ({time.perf_counter() - started:.1f} s)")
        for problem in problems:  # type: ignore[union-attr]
            print("  " + problem)
            failed = True
    print("total: " + ", ".join(f"{k} {v}" for k, v in sorted(grand.items())))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
