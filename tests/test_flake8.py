"""The plugin under the real flake8, in a subprocess: columns agree with the CLI; noqa works."""
import subprocess
import sys

from helpers import FIXTURES, ROOT, run_cli


def flake8(*args):
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "AWL", *args], cwd=ROOT, capture_output=True, text=True
    )


def test_flake8_reports_the_same_locations_as_the_cli():
    result = flake8(str(FIXTURES.relative_to(ROOT)), "--exclude", "fixtures/fix")
    assert result.returncode == 1, result.stderr
    plugin = sorted(line.split(" ")[0] + " " + line.split(" ")[1] for line in result.stdout.splitlines())
    cli = run_cli("check", "fixtures", "--exclude", "fix")
    ours = sorted(line.split(" ")[0] + " " + line.split(" ")[1] for line in cli.stdout.splitlines()
                  if line.split(":")[0].endswith(".py"))  # flake8 reads .py files only
    assert plugin == ours and len(plugin) >= 20


def test_flake8_honours_noqa_and_registers_the_plugin(tmp_path):
    (tmp_path / "m.py").write_text(
        "import torch\n"
        "a = torch.optim.Adam(p, weight_decay=1e-4)  # noqa: AWL101\n"
        "b = torch.optim.Adam(p, weight_decay=1e-4)\n"
    )
    result = flake8(str(tmp_path / "m.py"))
    assert result.stdout.strip().endswith("m.py:3:5: AWL101 torch.optim.Adam(weight_decay=1e-4) adds L2 to the "
                                          "gradient (coupled), not decoupled weight decay; use torch.optim.AdamW "
                                          "and re-tune weight_decay")
    assert result.stdout.count("AWL") == 1
    version = subprocess.run([sys.executable, "-m", "flake8", "--version"], capture_output=True, text=True).stdout
    assert "adamw-lint" in version


def test_off_by_default_rules_need_extend_select(tmp_path):
    (tmp_path / "m.py").write_text(
        "import torch\nopt = torch.optim.Adam(model.parameters())\n"
        "reg = sum(p.pow(2).sum() for p in model.parameters())\n"
    )
    plain = [sys.executable, "-m", "flake8", "--isolated", str(tmp_path / "m.py")]
    default = subprocess.run(plain, capture_output=True, text=True).stdout
    assert "AWL105" not in default and "F821" in default  # flake8 itself ran
    extended = subprocess.run(plain + ["--extend-select", "AWL105"], capture_output=True, text=True).stdout
    assert "AWL105" in extended
