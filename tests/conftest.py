import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


def run_cli(*args, cwd=None, stdin=None):
    """Run the installed console entry point in a subprocess (as users and CI do)."""
    import subprocess

    return subprocess.run(
        [sys.executable, "-m", "adamw_lint", *args],
        cwd=cwd or ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
