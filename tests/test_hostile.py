"""Regression tests for the rows of the adversarial trial that concern reading, writing and
printing (each test names its row). Notebook, config, fix and runtime rows have their own files."""
import errno
import json
import os
import subprocess
import sys

import pytest
from helpers import BAD, ROOT, cli

FIXED = BAD.replace("Adam(", "AdamW(")


def test_7_owner_and_group_are_kept_and_hard_links_refused(tmp_path, capsys):
    owned = tmp_path / "owned.py"
    owned.write_text(BAD)
    if os.getuid() == 0:
        os.chown(owned, 1000, 1000)
    linked = tmp_path / "linked.py"
    linked.write_text(BAD)
    os.link(linked, tmp_path / "other_name.txt")
    code, _, err = cli(capsys, "fix", str(tmp_path))
    assert owned.read_text() == FIXED
    if os.getuid() == 0:
        assert (os.stat(owned).st_uid, os.stat(owned).st_gid) == (1000, 1000)
    assert code == 2 and "linked.py: has 2 hard links; not written" in err
    assert linked.read_text() == BAD and (tmp_path / "other_name.txt").read_text() == BAD
    assert "without an automatic fix" not in err  # row 40: a failed write is an error, not a finding


@pytest.mark.parametrize("number,name", [(errno.ENOSPC, "No space left on device"), (errno.EBUSY, "Device or resource busy")])
def test_17_18_a_failed_write_is_an_error_for_that_file_and_the_others_are_fixed(tmp_path, capsys, monkeypatch, number, name):
    import adamw_lint.files as files

    for stem in ("a", "b", "c"):
        (tmp_path / f"{stem}.py").write_text(BAD)
    def failing(real):
        def rename(source, target):
            if str(target).endswith("b.py"):
                raise OSError(number, os.strerror(number))
            return real(source, target)
        return rename

    monkeypatch.setattr(files.os, "replace", failing(os.replace))
    monkeypatch.setattr(files, "_exchange", failing(files._exchange))  # the rename used where Linux has it
    code, _, err = cli(capsys, "fix", "-j", "1", str(tmp_path))
    assert code == 2 and f"b.py: cannot be written: {name}; left unchanged" in err and "Traceback" not in err
    assert [(tmp_path / f"{s}.py").read_text() for s in "abc"] == [FIXED, BAD, FIXED]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py", "b.py", "c.py"]  # no temporary left


def test_21_a_long_file_name_is_fixed(tmp_path, capsys):
    target = tmp_path / ("n" * 240 + ".py")
    target.write_text(BAD)
    assert cli(capsys, "fix", str(tmp_path))[0] == 0 and target.read_text() == FIXED


def test_23_an_unreadable_directory_is_an_error_not_silence(tmp_path, capsys, monkeypatch):
    import adamw_lint.discovery as discovery

    (tmp_path / "ok.py").write_text(BAD)
    (tmp_path / "locked").mkdir()
    real_scandir = os.scandir

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(discovery.os, "scandir", scandir)
    code, out, err = cli(capsys, "check", str(tmp_path))
    assert code == 2 and "ok.py:2:7: AWL101" in out and "locked: directory cannot be read: Permission denied" in err
    code, _, err = cli(capsys, "check", str(tmp_path / "locked"))
    assert code == 2 and "Traceback" not in err


def test_28_stdin_keeps_the_files_own_encoding_and_bom():
    latin = "# -*- coding: latin-1 -*-\n# été\n".encode("latin-1") + BAD.encode()
    result = subprocess.run([sys.executable, "-m", "adamw_lint", "fix", "--stdin-filename", "l.py", "-"],
                            input=latin, capture_output=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0 and result.stdout == latin.replace(b"Adam(", b"AdamW(")
    bom = b"\xef\xbb\xbf" + BAD.encode()
    result = subprocess.run([sys.executable, "-m", "adamw_lint", "fix", "-"], input=bom, capture_output=True,
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "ascii:strict"})
    assert result.returncode == 0 and result.stdout == bom.replace(b"Adam(", b"AdamW(")


def test_29_control_characters_cannot_forge_output_lines(tmp_path, capsys):
    sneaky = tmp_path / "a\rb\x1b[31m.py"
    sneaky.write_text(BAD)
    code, out, _ = cli(capsys, "check", "--quiet", str(tmp_path))
    assert code == 1 and len(out.splitlines()) == 1 and "\r" not in out and "\x1b" not in out
    assert "a\\rb\\x1b[31m.py:2:7: AWL101" in out


def test_32_python_m_never_imports_the_working_directorys_modules(tmp_path):
    marker = tmp_path / "MARKER"
    for name in ("yaml", "tomllib", "libcst", "pathspec"):
        (tmp_path / f"{name}.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    (tmp_path / "conf.yaml").write_text("opt:\n  _target_: torch.optim.Adam\n  weight_decay: 0.01\n")
    (tmp_path / "t.py").write_text(BAD)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    for command in (["check", "."], ["fix", "--diff", "."]):
        result = subprocess.run([sys.executable, "-m", "adamw_lint", *command], cwd=tmp_path, capture_output=True,
                                text=True, env=env)
        assert result.returncode == 1 and "conf.yaml" in result.stdout and "Traceback" not in result.stderr
    assert not marker.exists()


@pytest.mark.parametrize("slash", ["", "/"])
def test_33_a_named_symlinked_directory_is_walked_the_same_with_or_without_a_slash(tmp_path, capsys, slash):
    outside = tmp_path / "out"
    outside.mkdir()
    (outside / "v.py").write_text(BAD)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "vendor").symlink_to(outside)
    code, out, _ = cli(capsys, "check", "--quiet", str(repo / "vendor") + slash)
    assert code == 1 and out.count("AWL101") == 1
    assert cli(capsys, "check", "--quiet", str(repo))[1] == ""  # met during a walk: never followed


def test_35_a_file_reachable_twice_is_checked_and_fixed_once(tmp_path, capsys):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.py").write_text(BAD)
    code, out, _ = cli(capsys, "check", "--quiet", str(tmp_path / "sub" / "a.py"), str(tmp_path / "sub" / "." / "a.py"))
    assert code == 1 and out.count("AWL101") == 1
    code, _, err = cli(capsys, "fix", str(tmp_path), str(tmp_path / "sub"))
    assert code == 0 and "changed on disk" not in err and (tmp_path / "sub" / "a.py").read_text() == FIXED


def test_39_verify_steps_must_be_positive(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli(capsys, "verify", "--steps", "0")
    assert exit_info.value.code == 2


def test_a_closed_pipe_is_not_a_traceback(tmp_path):
    for i in range(300):
        (tmp_path / f"t{i}.py").write_text(BAD)
    command = f"{sys.executable} -m adamw_lint check {tmp_path} | head -1"
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.stdout.count("AWL101") == 1 and "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


def test_16_sarif_with_200_findings_in_one_file_is_fast_and_exact(tmp_path, capsys):
    source = "import torch\n" + "".join(f"o{i} = torch.optim.Adam(p, weight_decay=1e-4)\n" for i in range(200))
    (tmp_path / "many.py").write_text(source)
    code, out, _ = cli(capsys, "check", "--format", "sarif", str(tmp_path))
    results = json.loads(out)["runs"][0]["results"]
    assert code == 1 and len(results) == 200
    for result in results[:5]:  # each fix, alone, turns its own call into AdamW and nothing else
        fixed = source
        for replacement in sorted(result["fixes"][0]["artifactChanges"][0]["replacements"],
                                  key=lambda r: -r["deletedRegion"]["charOffset"]):
            start, length = replacement["deletedRegion"]["charOffset"], replacement["deletedRegion"]["charLength"]
            fixed = fixed[:start] + replacement.get("insertedContent", {}).get("text", "") + fixed[start + length:]
        assert fixed.count("AdamW(") == 1


@pytest.mark.parametrize("name,data", [
    ("cr_only.py", b"import torch\r# \xc3\xa9\ropt = torch.optim.Adam(p, weight_decay=1e-4)\r"),
    ("utf7.py", "# -*- coding: utf-7 -*-\n# café +- 1\nimport torch\nopt = torch.optim.Adam(p, weight_decay=1e-4)\n".encode("utf-7")),
    ("jp.py", "# -*- coding: iso-2022-jp -*-\n# 日本語\nimport torch\nopt = torch.optim.Adam(p, weight_decay=1e-4)\n".encode("iso-2022-jp")),
    ("continued.py", b"import torch\nopt = torch.optim.\\\n    Adam(p, weight_decay=1e-4)  # why\n"),
])
def test_bytes_outside_the_edit_never_change(tmp_path, capsys, name, data):
    """Rows '—': CR-only files kept their last CR, stateful encodings were re-encoded outside the
    edit, backslash continuations inside the rewritten name were collapsed."""
    target = tmp_path / name
    target.write_bytes(data)
    assert cli(capsys, "fix", str(tmp_path))[0] == 0
    assert target.read_bytes() == data.replace(b"Adam(", b"AdamW(")
