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


def devices():
    """CPU always; CUDA where present (marked, so ``pytest -m cuda`` runs only those)."""
    import pytest

    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except ImportError:
        has_cuda = False
    return ["cpu", pytest.param("cuda", marks=[pytest.mark.cuda, pytest.mark.skipif(not has_cuda, reason="needs CUDA")])]
