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
