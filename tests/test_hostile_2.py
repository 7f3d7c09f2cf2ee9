"""Regression tests for the second adversarial round (``hostile-inputs-2.md``); each test names its
case (H24, H28a, …). Inputs are generated in temporary directories; what a user sees at the level
of a repository is run through the real command (``run_cli``)."""
import ast
import json
import os

import pytest
from helpers import BAD, cli, run_cli

FIXED = BAD.replace("Adam(", "AdamW(")


# --- data loss and wrong code ----------------------------------------------------------------

def test_h24_noqa_in_a_cr_only_file_is_honoured_by_check_and_fix(tmp_path, capsys):
    inline = tmp_path / "cr.py"
    source = b"import torch\ropt = torch.optim.Adam(p, weight_decay=1e-4)  # noqa: AWL101\rx = 1\r"
    inline.write_bytes(source)
    whole = tmp_path / "whole.py"
    whole.write_bytes(b"import torch\r# flake8: noqa\ropt = torch.optim.Adam(p, weight_decay=1e-4)\r")
    assert cli(capsys, "check", str(inline), str(whole))[0] == 0
    assert cli(capsys, "fix", str(inline), str(whole))[0] == 0
    assert inline.read_bytes() == source  # the excluded call is not rewritten
    assert b"AdamW" not in whole.read_bytes()


def test_h24_a_cr_only_finding_without_noqa_is_still_reported(tmp_path, capsys):
    target = tmp_path / "cr.py"
    target.write_bytes(b"import torch\r# a comment\ropt = torch.optim.Adam(p, weight_decay=1e-4)  # noqa: E501\r")
    code, out, _ = cli(capsys, "check", str(target))
    assert code == 1 and "cr.py:3:7: AWL101" in out


def test_h28a_add_noqa_after_a_cr_only_line_continuation_keeps_the_file_parsing(tmp_path, capsys):
    target = tmp_path / "c.py"
    target.write_bytes(b"import torch\ropt = torch.optim.Adam(p, \\\r    weight_decay=1e-4)\r")
    code, _, err = cli(capsys, "check", "--add-noqa", str(target))
    assert code == 0 and "Added 1 noqa directive to 1 file." in err
    written = target.read_bytes()
    assert written == b"import torch\ropt = torch.optim.Adam(p, \\\r    weight_decay=1e-4)  # noqa: AWL101\r"
    ast.parse(written)
    assert cli(capsys, "check", str(target))[0] == 0


def test_h28a_add_noqa_never_writes_a_file_that_would_not_parse(tmp_path, monkeypatch, capsys):
    import adamw_lint.noqa as noqa

    target = tmp_path / "a.py"
    source = "import torch\nopt = torch.optim.Adam(p, \\\n    weight_decay=1e-4)\n"
    target.write_text(source)
    # a layout that puts the comment after the backslash (the bug H28a found): it would not parse
    monkeypatch.setattr(noqa, "_layout", lambda source: ({2: 2}, {}))
    code, _, err = cli(capsys, "check", "--add-noqa", str(target))
    assert code == 2 and "a.py: adding noqa would make the file unparseable" in err
    assert target.read_text() == source


def test_h28b_add_noqa_never_edits_a_string_that_looks_like_a_noqa(tmp_path, capsys):
    plain = tmp_path / "s.py"
    plain.write_text('import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4); s = "use # noqa:E501 here"\n')
    merged = tmp_path / "m.py"
    merged.write_text('import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4); s = "# noqa:E501 x"  # noqa:E731\n')
    assert cli(capsys, "check", "--add-noqa", str(plain), str(merged))[0] == 0
    assert plain.read_text().splitlines()[1].endswith('s = "use # noqa:E501 here"  # noqa: AWL101')
    assert merged.read_text().splitlines()[1].endswith('s = "# noqa:E501 x"  # noqa: AWL101, E731')
