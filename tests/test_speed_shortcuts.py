"""Each shortcut taken for speed gives the answer of the slow path it replaces: checked here by
comparing the two on generated inputs (and on real code in ``test_corpus.py``)."""
import os
import random

from adamw_lint.settings import DEFAULT_EXCLUDE, Settings, _pattern_matcher


def test_plain_name_excludes_match_as_pathspec_does():
    """``exclude`` of plain names (ruff's defaults, ``extend-exclude = ["wandb"]``) is decided
    without pathspec: at any depth, files and folders alike, and everything below a folder."""
    names = [*DEFAULT_EXCLUDE, "a", "x.py", "my lib", "dist2", "build.py"]
    rng = random.Random(1)
    root = os.path.abspath("r")
    for _ in range(5000):
        patterns = tuple(rng.sample(names, 3))
        parts = [rng.choice([*names, "c", "e.py"]) for _ in range(rng.randint(1, 4))]
        path, is_dir = os.path.join(root, *parts), rng.random() < 0.5
        slow = os.path.basename(path) in patterns or _pattern_matcher(patterns, root)(path, is_dir)
        assert Settings(exclude=patterns, root=root).excluded(path, is_dir) == slow, (patterns, parts, is_dir)
    outside = os.path.join(os.path.dirname(root), "build", "m.py")
    assert not Settings(root=root).excluded(outside, False)  # patterns are relative to their root


def test_physical_lines_without_carriage_returns_split_as_the_regular_expression_does():
    from adamw_lint.files import _LINE_BREAK, physical_lines

    def slow(text):
        lines = _LINE_BREAK.split(text)
        return lines[:-1] if lines and lines[-1] == "" else lines

    rng = random.Random(2)
    pieces = ["a", "x = 1", "\n", "\n\n", "\r", "\r\n", "\f", "\x1c", "\u2028", "\x85", "\v", " ", "é"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert physical_lines(text) == slow(text), repr(text)


def test_lines_containing_finds_the_lines_the_regular_expression_finds():
    import itertools
    import re

    from adamw_lint.engine import _RELEVANT, _lines_containing
    from adamw_lint.files import physical_lines

    pattern = re.compile("|".join(map(re.escape, _RELEVANT)))
    rng = random.Random(3)
    pieces = [*rng.sample(_RELEVANT, 12), "x", " ", "\n", "Ada", "glob", "al "]
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        starts = list(itertools.accumulate(map(len, physical_lines(text)), initial=0))
        expected = sorted({text.count("\n", 0, m.start()) + 1 for m in pattern.finditer(text)})
        assert _lines_containing(_RELEVANT, text, starts) == expected, text


def test_the_pre_filter_on_bytes_and_on_text_agree():
    """The CLI scans bytes, flake8 hands text: one ``_Scan`` definition, built for each. They agree
    on ASCII; past it the bytes scan may only admit more ("Nadamé": a non-ASCII letter's UTF-8
    bytes are not lower-case bytes), which the engine then decides on the parsed file."""
    from adamw_lint.engine import _NOT_ADAPTIVE, _PENALTIES, _STRINGS, _WORDS, may_contain_findings, may_contain_text

    rng = random.Random(4)
    pieces = [*_WORDS, *_STRINGS, *_NOT_ADAPTIVE, *_PENALTIES, "keras", "tensorflow", "decay", "da", "é", " ", "\n"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 5)))
        on_bytes, on_text = may_contain_findings(text.encode()), may_contain_text(text)
        assert on_bytes == on_text if text.isascii() else on_bytes >= on_text, text
