"""The flake8 plugin: a thin adapter over the shared engine (flake8 already parsed the tree).

flake8 runs every installed plugin on every file whatever ``--select`` says, so the pre-filter
comes first: a file that cannot hold a finding costs one regular-expression scan.
"""

from __future__ import annotations

import ast
from typing import Iterator, List, Tuple, Type

from . import __version__
from .analysis import analyze_tree, may_contain_text
from .catalog import RULES


class Plugin:
    name = "adamw-lint"
    version = __version__

    @classmethod
    def add_options(cls, option_manager) -> None:
        # heuristic rules stay off unless selected, as flake8-bugbear does for B9xx
        option_manager.extend_default_ignore([rule.code for rule in RULES if not rule.enabled_by_default])

    def __init__(self, tree: ast.AST, lines: List[str], filename: str) -> None:
        self.tree = tree
        self.lines = lines
        self.filename = filename  # the project's requirements decide what some rules mean (AWL203)

    def run(self) -> Iterator[Tuple[int, int, str, Type["Plugin"]]]:
        if not may_contain_text("".join(self.lines)):
            return
        try:
            findings = analyze_tree(self.tree, self.lines, fixes=False, path=self.filename)  # flake8 shows no fixes
        except RecursionError:  # a pathologically nested file: flake8 must go on with the rest
            return
        for finding in findings:
            yield finding.line, finding.col, finding.message, type(self)
