"""Issue 22's acceptance figures over real package sources and generated trees: a fix never
lengthens a line past the line length (unless the original line already was), and no public Adam
class or factory is rewritten.

For every module with a finding that has a fix, ``fix_source`` runs as ``adamw-lint fix`` does
(the file's own path, so the public-API policy sees its package) at each line length given:

* **too long**: a changed block of lines whose longest new line passes the limit while its
  longest old line did not;
* **public Adam rewritten**: a changed line that built Adam (``Adam``, ``'adam'``) inside a def
  or class that other code can import (public names, in a package) whose name or string
  decorator names Adam (this script's own reading, independent of
  ``checkers/optimizer_fix.public_api``), or a changed ``class`` line whose bases were rewritten;
* **kept as API**: findings whose fix is display-only because of the policy (for the figures).

    python bench/fix_maintainer.py [--lengths 79,88,120] DIR...
"""

from __future__ import annotations

import argparse
import ast
import difflib
import os
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adamw_lint.analysis import analyze_source  # noqa: E402
from adamw_lint.catalog.schema import DISPLAY_ONLY  # noqa: E402
from adamw_lint.files import SourceError  # noqa: E402
from adamw_lint.fix import FixError, fix_source  # noqa: E402
from adamw_lint.project import torch_floor  # noqa: E402
from fix_corpus import candidates  # noqa: E402  (bench/ is this script's folder)

_BUILDS_ADAM = re.compile(r"\bAdam\b|['\"]adam['\"]")
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")  # AdamFactory → Adam, Factory; make_adam → make, adam


def _promises_adam(node: ast.AST) -> bool:
    name = getattr(node, "name", "")
    if "adam" in (w.lower() for w in _WORD.findall(name)) and "adamw" not in name.lower():
        return True
    for decorator in getattr(node, "decorator_list", []):
        for part in ast.walk(decorator):
            if isinstance(part, ast.Constant) and isinstance(part.value, str) and part.value.lower() == "adam":
                return True
    return False


def _public_adam_lines(tree: ast.AST, in_package: bool) -> Dict[int, str]:
    """Lines inside an importable def/class that promises Adam → its name; and ``class`` lines."""
    found: Dict[int, str] = {}
    if not in_package:
        return found

    def visit(body: Sequence[ast.stmt], importable: bool, prefix: str) -> None:
        for node in body:
            if not isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            public = importable and (not node.name.startswith("_") or node.name.endswith("__"))
            name = f"{prefix}{node.name}"
            if public and _promises_adam(node):
                for line in range(node.lineno, node.end_lineno + 1):  # type: ignore[operator]
                    found.setdefault(line, name)
            if public and isinstance(node, ast.ClassDef):
                for line in range(node.lineno, max(b.end_lineno for b in node.bases) + 1 if node.bases else 0):
                    found.setdefault(line, f"bases of {name}")
            visit(node.body, public and isinstance(node, ast.ClassDef), name + ".")

    visit(getattr(tree, "body", []), True, "")
    return found


def check_file(path: str, text: str, lengths: Sequence[int], totals: Counter, problems: List[str]) -> None:
    target = torch_floor(path)
    findings = analyze_source(text, target_torch=target, path=path)
    if not any(f.fix for f in findings):
        return
    totals["files with a fix or advice"] += 1
    kept = [f for f in findings if f.fix and f.fix.applicability == DISPLAY_ONLY and not f.fix.edits]
    totals["kept as public API (display-only)"] += len(kept)
    for f in kept:
        problems.append(f"note: {path}:{f.line}: kept: {f.fix_blocked[:100]}")
    in_package = os.path.isfile(os.path.join(os.path.dirname(path), "__init__.py"))
    api_lines = _public_adam_lines(ast.parse(text), in_package)
    old_lines = text.splitlines()
    for length in lengths:
        try:
            result = fix_source(text, target_torch=target, path=path, line_length=length)
        except FixError as error:
            problems.append(f"{path} (line length {length}): {error}")
            totals["fix errors"] += 1
            continue
        if not result.changed:
            continue
        totals[f"calls fixed at {length}"] += len(result.fixed)
        new_lines = result.source.splitlines()
        matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            totals[f"changed blocks at {length}"] += 1
            old_max = max((len(line) for line in old_lines[i1:i2]), default=0)
            new_max = max((len(line) for line in new_lines[j1:j2]), default=0)
            if new_max > length and old_max <= length:
                totals[f"lines made too long at {length}"] += 1
                problems.append(f"{path}:{i1 + 1} (line length {length}): {new_max} > {length}, was {old_max}")
            elif new_max > length:
                totals[f"blocks already too long at {length}"] += 1
            for line in range(i1 + 1, i2 + 1):  # a line that built Adam itself (not NAdam, not 'nadam')
                if line in api_lines and _BUILDS_ADAM.search(old_lines[line - 1]):
                    totals["public Adam rewritten"] += 1
                    problems.append(f"{path}:{line}: rewrites {api_lines[line]}")
                    break


def check_tree(root: str, lengths: Sequence[int]) -> Tuple[Counter, List[str]]:
    totals: Counter = Counter()
    problems: List[str] = []
    for path, text in candidates(root, totals):
        try:
            check_file(str(path), text, lengths, totals, problems)
        except (SourceError, SyntaxError, ValueError, RecursionError):
            continue
    return totals, problems


# Statements a fix rewrites (``{i}``: their indentation; ``{p}``: zeros that size the line that
# holds them): a rename, a switch added, a factory's string, a wrapper's class argument, a list
# element followed by a comment, a call given as an argument.
_STATEMENTS = (
    "{i}opt = torch.optim.Adam(p, weight_decay=1e-4, lr=0.{p}1)\n",
    "{i}opt = torch.optim.NAdam(p, weight_decay=1e-4, lr=0.{p}1)\n",
    "{i}opt = timm.optim.create_optimizer_v2(p, 'nadam', weight_decay=1e-4, lr=0.{p}1)\n",
    "{i}opt = timm.optim.create_optimizer_v2(p, 'adam', weight_decay=1e-4, lr=0.{p}1)\n",
    "{i}opt = ZeroRedundancyOptimizer(p, optimizer_class=torch.optim.Adam, weight_decay=1e-4, lr=0.{p}1)\n",
    "{i}opt = [\n{i}    torch.optim.Adam(p, weight_decay=1e-4, lr=0.{p}1),  # the first\n{i}]\n",
    "{i}opt = Trainer(optimizer=torch.optim.Adam(p, weight_decay=1e-4, lr=0.{p}1))\n",
)
_IMPORTS = ("import timm.optim\nimport torch\nfrom torch.distributed.optim import ZeroRedundancyOptimizer\n\n"
            "from registry import Trainer, register\n")
_WRAPPERS = (  # (head, depth): scripts and unrelated code, then public Adam APIs, then a private one
    ("def build(model):\n", 1),
    ("class Trainer:\n    def configure(self, model):\n", 2),
    ("if True:\n    if model:\n", 2),
    ("def make_adam(model):\n", 1),
    ("class AdamFactory:\n    @staticmethod\n    def create(model):\n", 2),
    ("def build_optimizer(model) -> torch.optim.Adam:\n", 1),
    ("@register(\"adam\")\ndef registered(model):\n", 1),
    ("def _private_adam(model):\n", 1),
)


def generate(root: str, lengths: Sequence[int]) -> None:
    """A package and a folder of scripts with each statement one character either side of each
    limit, at several indentations, under a comment, a blank line or nothing, in scripts and
    unrelated code, inside public Adam classes and factories (named, annotated, registered) and
    in a private one."""
    package = Path(root) / "genpkg"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    (Path(root) / "scripts").mkdir(exist_ok=True)
    above = ["", "# the optimizer\n", "\n", "# one\n# two\n\n"]
    count = 0
    for length in lengths:
        for width in (length - 1, length, length + 1):
            for comment in above:
                for wrapper, depth in _WRAPPERS:
                    for statement in _STATEMENTS:
                        indent = "    " * depth
                        sized = next(line for line in statement.splitlines() if "{p}" in line)
                        pad = max(width - len(sized.format(i=indent, p="")), 0)
                        body = "".join(indent + line if line.strip() else line for line in comment.splitlines(True))
                        code = statement.format(i=indent, p="0" * pad)
                        ending = "" if wrapper.startswith("if") else f"{indent}return opt\n"
                        source = f"{_IMPORTS}\nmodel = p = None\n\n\n{wrapper}{body}{code}{ending}"
                        count += 1
                        for folder in (package, Path(root) / "scripts"):
                            (folder / f"m{count:05}.py").write_text(source)


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lengths", default="79,88,120")
    parser.add_argument("--generate", metavar="DIR", help="write a generated tree there first, and check it too")
    parser.add_argument("roots", nargs="*")
    args = parser.parse_args(argv)
    lengths = [int(n) for n in args.lengths.split(",")]
    if args.generate:
        generate(args.generate, lengths)
        args.roots.append(args.generate)
    grand: Counter = Counter()
    failed = False
    for root in args.roots:
        totals, problems = check_tree(root, lengths)
        grand.update(totals)
        print(f"{os.path.basename(root.rstrip('/'))}: " + ", ".join(f"{k} {v}" for k, v in sorted(totals.items())))
        for problem in problems:
            print(f"  {problem}")
            failed = failed or not problem.startswith("note:")
    print("total: " + ", ".join(f"{k} {v}" for k, v in sorted(grand.items())))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
