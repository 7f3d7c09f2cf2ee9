"""The runner's two pre-filter passes (issue 14 reach without issue 11's cost): a file that names
no optimizer is analyzed only when it uses a project name that can reach one, found in the
candidates' own module-level definitions. Small temporary projects, checked through the CLI,
serially and in parallel; nothing is imported or executed."""
import ast
import os
import textwrap

import pytest

from adamw_lint import runner
from adamw_lint.engine import analyze_tree, reaching_names
from adamw_lint.files import physical_lines
from helpers import as_own_process, cli, pools_started, start_methods

OPTIM = """
    import torch

    def make_opt(params, **kw):
        return torch.optim.Adam(params, **kw)

    def make_w(params, **kw):
        return torch.optim.AdamW(params, **kw)

    class Smooth(torch.optim.Adam):
        pass

    REGISTRY = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}

    def helper(x, weight_decay=0.0):
        return x
"""

# Names no optimizer (a candidate only because it says "Adam" in a comment): a subclass of a
# project class defined elsewhere, and a re-export under another name.
TUNED = """
    from myproj.optim import Smooth, make_opt as build
    # a tuned Adam

    class Tuned(Smooth):
        lr = 1e-3
"""


def write(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))


@pytest.fixture
def project(tmp_path):
    write(tmp_path, {
        "myproj/__init__.py": "",
        "myproj/config.py": "WEIGHT_DECAY = 1e-4\n",
        "myproj/optim.py": OPTIM,
        "myproj/tuned.py": TUNED,
    })
    return tmp_path


def findings(capsys, root, jobs):
    code, out, err = cli(capsys, "check", "-j", jobs, str(root))
    assert "Traceback" not in err and code in (0, 1)
    return sorted(line.split(": ", 1)[0].replace(str(root) + "/", "") + " " + line.split(": ", 2)[1]
                  for line in out.splitlines() if ": AWL" in line)


CASES = {
    # positives: each names no optimizer itself
    "myproj/train_kwargs.py": ("from myproj.optim import make_opt\n"
                               "opt = make_opt(model.parameters(), lr=1e-3, weight_decay=1e-4)\n", True),
    "myproj/train_subclass.py": ("from myproj.optim import Smooth\n"
                                 "opt = Smooth(model.parameters(), weight_decay=1e-4)\n", True),
    "myproj/train_registry.py": ("from myproj.optim import REGISTRY\n"
                                 "opt = REGISTRY[name](model.parameters(), weight_decay=1e-4)\n", True),
    "myproj/train_positional.py": ("from myproj.optim import REGISTRY\n"
                                   "opt = REGISTRY['adam'](model.parameters(), 1e-3, (0.9, 0.999), 1e-8, 1e-4)\n", True),
    "myproj/train_constant.py": ("from .config import WEIGHT_DECAY\nfrom .optim import make_opt\n"
                                 "opt = make_opt(model.parameters(), weight_decay=WEIGHT_DECAY)\n", True),
    "myproj/train_chain.py": ("from myproj.tuned import Tuned\n"
                              "opt = Tuned(model.parameters(), weight_decay=1e-4)\n", True),
    "myproj/train_inside.py": ("from myproj import optim\n\n\ndef main(model):\n"
                               "    return optim.make_opt(model.parameters(), weight_decay=1e-4)\n", True),
    # negatives: what the wrapper builds, the value passed, or whose function it is decides
    "myproj/train_adamw.py": ("from myproj.optim import make_w\n"
                              "opt = make_w(model.parameters(), weight_decay=1e-2)\n", False),
    "myproj/train_zero.py": ("from myproj.optim import make_opt\n"
                             "opt = make_opt(model.parameters(), weight_decay=0)\n", False),
    "myproj/train_other.py": ("from otherlib.optim import make_opt\n"
                              "opt = make_opt(model.parameters(), weight_decay=1e-4)\n", False),
    "myproj/train_sgd.py": ("from myproj.optim import REGISTRY\n"
                            "opt = REGISTRY['sgd'](model.parameters(), weight_decay=1e-4)\n", False),
}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_calls_into_the_project_are_found_from_files_that_name_no_optimizer(project, capsys, jobs):
    write(project, {name: text for name, (text, _) in CASES.items()})
    found = findings(capsys, project, jobs)
    reported = {line.split(":", 1)[0] for line in found}
    assert reported == {name for name, (_, positive) in CASES.items() if positive}  # optim.py only forwards
    assert all(" AWL101" in line or " AWL103" in line for line in found)


@pytest.mark.parametrize("method", start_methods())
def test_serial_equals_parallel_with_many_files(project, capsys, monkeypatch, method):
    """Enough candidates for the automatic mode to start workers, files of both passes interleaved."""
    as_own_process(monkeypatch, method)
    started = pools_started(monkeypatch)
    files = {}
    for i in range(30):
        files[f"myproj/a{i:02}.py"] = "import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4)\n"
        files[f"myproj/b{i:02}.py"] = "from myproj.optim import make_opt\nopt = make_opt(p, weight_decay=1e-4)\n"
        files[f"myproj/c{i:02}.py"] = "weight_decay = 1e-4\nx = other(p, weight_decay=weight_decay)\n"
    write(project, files)
    outputs = {jobs: cli(capsys, "check", "--no-cache", "-j", jobs, str(project)) for jobs in ("1", "2", "0")}
    assert outputs["1"] == outputs["2"] == outputs["0"]
    assert started == [method, method]  # -j 2 and automatic (90 candidates) ran in workers; -j 1 did not
    out = outputs["1"][1]
    assert out.count("AWL101") == 60 and out.count("(via ") == 30  # a*, and b* through the wrapper
    assert "c00.py" not in out


def analyzed(monkeypatch, capsys, root):
    """The files the runner analyzes (serially), in order."""
    seen = []
    original = runner.check_one

    def spy(path, raw, selection, options=runner.Options()):
        seen.append(path.replace(str(root) + "/", ""))
        return original(path, raw, selection, options)

    monkeypatch.setattr(runner, "check_one", spy)
    cli(capsys, "check", "--no-cache", "-j", "1", str(root))  # a cached result is not analyzed: no cache
    return seen


def test_only_files_using_a_reaching_name_where_it_is_followed_are_analyzed(project, capsys, monkeypatch):
    write(project, {
        "myproj/uses.py": "from myproj.optim import make_opt\nopt = make_opt(p, weight_decay=1e-4)\n",
        "myproj/no_decay.py": "from myproj.optim import make_opt\nopt = make_opt(p, lr=1e-3)\n",
        "myproj/helper_only.py": "from myproj.optim import helper\nx = helper(p, weight_decay=1e-4)\n",
        "myproj/unrelated.py": "def schedule(weight_decay):\n    return weight_decay * 2\n",
        "myproj/indexes.py": "from myproj.optim import REGISTRY\nopt = REGISTRY[k](p, 1e-3)\n",
        "myproj/lists.py": "names = [n for n in x]\ny = names[0](1)\n",
    })
    seen = analyzed(monkeypatch, capsys, project)
    # make_opt(p, lr=1e-3) too: whether an argument becomes the decay is make_opt's summary's to say
    assert {"myproj/uses.py", "myproj/indexes.py", "myproj/no_decay.py"} <= set(seen)
    assert not {"myproj/helper_only.py", "myproj/unrelated.py", "myproj/lists.py",
                "myproj/config.py", "myproj/__init__.py"} & set(seen)
    assert seen.index("myproj/uses.py") > seen.index("myproj/tuned.py")  # the second pass follows the first


def test_a_file_without_decay_is_analyzed_where_it_imports_or_calls_a_reaching_name(project, capsys, monkeypatch):
    """A reaching name may be a common word (a function ``model`` or ``get`` that builds an
    optimizer): a file that never says "decay" is analyzed where it imports such a name, not
    where it merely mentions it, calls a method of that name or one through a module
    (``config.get(``: the price of not reading every such file)."""
    write(project, {
        "myproj/imports.py": "from myproj.optim import make_opt\nopt = make_opt(p, wd=1e-4)\n",
        "myproj/listed.py": "from myproj.optim import (\n    helper,\n    make_opt,\n)\nopt = make_opt(p, lr=1e-3)\n",
        "myproj/attribute.py": "from myproj import optim\nopt = optim.make_opt(p, lr=1e-3)\n",
        "myproj/mentions.py": "# make_opt is our factory\nNAME = 'make_opt'\n",
        "myproj/method.py": "class A:\n    def make_opt(self, p):\n        return p\n    def f(self):\n"
                            "        return self.make_opt(1)\n",
    })
    seen = set(analyzed(monkeypatch, capsys, project))
    assert {"myproj/imports.py", "myproj/listed.py"} <= seen
    assert not {"myproj/mentions.py", "myproj/method.py", "myproj/attribute.py"} & seen


def test_without_reaching_names_nothing_more_is_read(tmp_path, capsys, monkeypatch):
    write(tmp_path, {"pkg/__init__.py": "", "pkg/a.py": "def make(params, **kw):\n    return build(params, **kw)\n",
                     "pkg/b.py": "from pkg.a import make\nopt = make(p, weight_decay=1e-4)\n"})
    assert analyzed(monkeypatch, capsys, tmp_path) == []


def exports(source):
    source = textwrap.dedent(source).lstrip("\n")
    found = []
    analyze_tree(ast.parse(source), physical_lines(source), exported=found.append)
    return found[0]


def test_reach_exports_follow_the_rules_of_the_project_index():
    direct, links, tables = exports(OPTIM)
    assert direct == {"make_opt", "make_w", "Smooth", "REGISTRY"}  # not helper, not torch
    assert tables == {"REGISTRY"}
    direct, links, _ = exports(TUNED)
    assert not direct and links["Tuned"] == {"Smooth"} and links["build"] == {"make_opt"}
    assert reaching_names({"Smooth", "make_opt"}, links) == {"Smooth", "make_opt", "Tuned", "build"}
    assert reaching_names({"other"}, links) == {"other"}


def test_reach_exports_ignore_what_the_index_would_not_follow():
    direct, links, tables = exports("""
        import torch
        # Adam is mentioned here, and in the docstrings below: text alone reaches nothing
        try:
            from apex.optimizers import FusedAdam as Fast
            from torch.optim import Adam as Slow
        except ImportError:
            Slow = None

        class Trainer:
            \"\"\"Trains with torch.optim.Adam.\"\"\"
            def build(self):
                return torch.optim.Adam(self.params)

        class Own(torch.optim.Adam):
            def step(self, closure=None):
                pass

        def plain():
            \"\"\"Like Adam.\"\"\"
            return 1

        CONFIG = {"lr": 1e-3, "name": "Adam"}
    """)
    assert direct == {"Slow", "Fast"}  # apex's FusedAdam is a catalog optimizer
    assert not {"Trainer", "build", "Own", "plain", "CONFIG"} & (direct | set(links))
    assert tables == {"CONFIG"}


def test_a_call_that_passes_no_decay_keyword_parses_only_a_module_that_names_the_decay(tmp_path, capsys, monkeypatch):
    """``build(p, wd=1e-4)`` is followed into a module that says "weight_decay" (the wrapper
    passes it on under that name); a Keras builder's module, which names an optimizer and a
    learning-rate decay, is not parsed for ``dense(4)``."""
    from adamw_lint import project_index

    parsed = []
    original = project_index._parse
    monkeypatch.setattr(project_index, "_parse", lambda dotted, *rest: parsed.append(dotted) or original(dotted, *rest))
    write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/layers.py": "import keras\n\ndef dense(n):\n    return keras.layers.Dense(n)\n\nOPT = keras.optimizers.Adam\n"
                         "DECAY_STEPS = 1000  # learning-rate decay\n",
        "pkg/optim.py": "import torch\n\ndef build(p, wd=0.0):\n    return torch.optim.Adam(p, weight_decay=wd)\n",
        "train.py": "import torch\nfrom pkg.layers import dense\nfrom pkg.optim import build\nx = dense(4)\n"
                    "opt = build(p, wd=1e-4)\nplain = torch.optim.SGD(p, 0.1)\n",
    })
    code, out, _ = cli(capsys, "check", "--no-cache", "-j", "1", str(tmp_path))
    assert code == 1 and "train.py:5:7: AWL101" in out
    assert "pkg.optim" in parsed and "pkg.layers" not in parsed


def test_files_are_not_read_again_for_a_reaching_name_the_pre_filter_sees(tmp_path, capsys, monkeypatch):
    """A re-exported ``AdamW`` is a reaching name, but a file that imports it names it, and is a
    candidate already: the files that are not are not read a second time for it."""
    reads = []
    original = runner.read_bytes
    monkeypatch.setattr(runner, "read_bytes", lambda path, *rest: reads.append(os.path.basename(path)) or original(path, *rest))
    write(tmp_path, {"pkg/__init__.py": "", "pkg/opt.py": "from torch.optim import AdamW\n",
                     "pkg/plain.py": "x = 1\n", "pkg/other.py": "y = 2\n"})
    cli(capsys, "check", "--no-cache", "-j", "1", str(tmp_path))
    assert reads.count("plain.py") == reads.count("other.py") == 1
    write(tmp_path, {"pkg/opt.py": "from torch.optim import AdamW\n\ndef make(p, wd):\n    return AdamW(p, weight_decay=wd)\n"})
    reads.clear()
    cli(capsys, "check", "--no-cache", "-j", "1", str(tmp_path))
    assert reads.count("plain.py") == reads.count("other.py") == 2  # ``make`` could be imported there
