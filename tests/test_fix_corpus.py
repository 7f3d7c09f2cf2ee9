"""The fix pipeline over installed sources of real packages (``pytest -m corpus``): every module
with a fixable finding is fixed in both styles, compiles, re-checks decoupled and gains no
pycodestyle E1xx/E501/W29x. Figures: ``python bench/fix_corpus.py DIR...``."""
import os
import sys
from pathlib import Path

import pytest
from helpers import ROOT

sys.path.insert(0, str(ROOT / "bench"))
CORPUS = Path(os.environ.get("ADAMW_LINT_CORPUS", ROOT / ".corpus"))  # where .ci/run installs them
PACKAGES = ["transformers", "diffusers", "timm", "pytorch_lightning", "peft", "accelerate"]


@pytest.mark.corpus
@pytest.mark.parametrize("package", PACKAGES)
def test_fix_pipeline_over_installed_sources(package):
    from fix_corpus import check_tree

    root = CORPUS / package
    if not root.is_dir():
        pytest.skip(f"{root} is not installed (pip install --no-deps --target {CORPUS} {package})")
    report = check_tree(str(root))
    assert report["totals"]["files"] > 50
    assert report["problems"] == []


@pytest.mark.corpus
@pytest.mark.parametrize("module", ["torch", "keras"])
def test_fix_pipeline_over_site_packages(module):
    from fix_corpus import check_tree

    spec = __import__("importlib.util").util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        pytest.skip(f"{module} is not installed")
    report = check_tree(next(iter(spec.submodule_search_locations)))
    assert report["totals"]["files"] > 50
    assert report["problems"] == []
