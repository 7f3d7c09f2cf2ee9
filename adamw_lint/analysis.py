"""The engine's public entry points, under the name other modules and plugins import.

The engine itself is ``engine.py`` (routing), ``context.py`` (the shared evaluator) and one
checker per framework in ``checkers/``.
"""

from .engine import analyze_source, analyze_tree, may_contain_findings, may_contain_text

__all__ = ("analyze_source", "analyze_tree", "may_contain_findings", "may_contain_text")
