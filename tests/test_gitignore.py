"""Our gitignore expressions against pathspec's (a test dependency only: it takes ~45 ms to import,
more than a pre-commit run of one file has): the same regular expression for every line, or
the same verdict (dropped, discarded, invalid)."""

import itertools
import random

import pytest

from adamw_lint.gitignore import Patterns, PatternError, _expression

pathspec_spec = pytest.importorskip("pathspec.patterns.gitignore.spec")  # pathspec 1.x

# pieces that exercise every rule: anchoring, trailing slashes, `**` at each place, negation,
# escapes (of a space, `#`, `!`, a backslash), brackets (negated, `]` first, unclosed, reversed)
PIECES = ["", "/", "**", "*", "?", "a", "b.py", "\\ ", " ", "\\#", "#", "!", "\\!", "\\\\", "\\",
          "[ab]", "[!a]", "[^a]", "[]a]", "[!]a]", "[a", "[z-a]", "[[:alpha:]]", ".", "+", "(", "x*y", "***"]


def _theirs(line):
    """pathspec's (regex, include), "invalid" for what it rejects; None for no pattern."""
    try:
        regex, include = pathspec_spec.GitIgnoreSpecPattern.pattern_to_regex(line)
    except ValueError:
        return "invalid"
    return None if include is None else (include, regex)


def _ours(line):
    try:
        return _expression(line)
    except ValueError as error:
        return None if type(error).__name__ == "_Discarded" else "invalid"


def _lines():
    yield from ("".join(p) for n in (1, 2, 3) for p in itertools.product(PIECES, repeat=n))
    chooser = random.Random(7)
    for _ in range(20000):
        yield "".join(chooser.choices(PIECES, k=chooser.randint(4, 9)))


def test_every_line_gets_pathspecs_expression():
    count = 0
    for line in _lines():
        assert _ours(line) == _theirs(line), line
        count += 1
    assert count > 40000


def test_invalid_lines_are_named_in_our_settings_and_dropped_elsewhere():
    for line in ("a\\", "!", "[z-a]"):
        with pytest.raises(PatternError, match="invalid pattern"):
            Patterns([line], strict=True)
        assert Patterns([line, "b"]).check("a") is None  # dropped, as git drops it
    assert Patterns(["[a", "b"]).check("[a") is None  # an unclosed bracket: git discards the line


def test_verdicts_on_paths():
    patterns = Patterns(["*.pyc", "!keep.pyc", "build/", "/top", "a/**/b", "docs/*", "\\#x", "sp\\ "])
    cases = {"x.pyc": True, "d/keep.pyc": False, "build/": True, "build": None, "q/build/": True, "top": True,
             "q/top": None, "a/b": True, "a/x/y/b": True, "docs/x": True, "docs": None, "#x": True, "sp ": True,
             "sp": None}
    assert {path: patterns.check(path) for path in cases} == cases
