"""Following the project's own modules (issue 14, across files), on small temporary projects:
constants, wrappers (``**kwargs`` included), subclasses and registries defined elsewhere, and
Hydra targets that name a project class. Nothing is imported or executed."""
import pickle
import textwrap

import pytest

from adamw_lint import configs
from adamw_lint.engine import analyze_source
from adamw_lint.project_index import ProjectIndex
from adamw_lint.selection import Selection

OPTIM = """
    import torch

    def build_adam(params, lr=1e-3, **kwargs):
        return torch.optim.Adam(params, lr=lr, **kwargs)

    def build_fixed(params, weight_decay=0.0):
        return torch.optim.Adam(params, weight_decay=0.0)

    def build_adamw(params, **kwargs):
        return torch.optim.AdamW(params, **kwargs)

    def build_either(params, name, **kwargs):
        if name == "sgd":
            return torch.optim.SGD(params, **kwargs)
        return torch.optim.Adam(params, **kwargs)

    class Adam(torch.optim.Adam):
        pass

    class Custom(torch.optim.Adam):
        def step(self, closure=None):
            pass

    class Wrapped(torch.optim.RMSprop):
        def __init__(self, params, lr, weight_decay=0.0):
            super().__init__(params, lr=lr, weight_decay=weight_decay)

    OPTIMIZERS = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}
    SAFE = {"adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}

    def build_without_decay(params, **kwargs):
        kwargs.pop("weight_decay", None)  # decays the weights itself
        return torch.optim.Adam(params, **kwargs)

    def build_own_decay(params, **kwargs):
        decay = kwargs.pop("weight_decay", 0.0)
        return torch.optim.Adam(params, weight_decay=decay, **kwargs)

    class Holder:
        def __init__(self, params, **kwargs):
            kwargs["decoupled_weight_decay"] = True
            self.optimizer = torch.optim.Adam(params, **kwargs)
"""


@pytest.fixture
def project(tmp_path):
    package = tmp_path / "myproj"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "config.py").write_text("WEIGHT_DECAY = 1e-4\nNO_DECAY = 0.0\n")
    (package / "optim.py").write_text(textwrap.dedent(OPTIM))
    (package / "broken.py").write_text("def f(:\n")
    return tmp_path


def check(project, body: str, relative_import: bool = True):
    path = project / "myproj" / "train.py"
    source = "import torch\n" + textwrap.dedent(body).lstrip("\n")
    path.write_text(source)
    index = pickle.loads(pickle.dumps(ProjectIndex([str(project)])))  # what worker processes receive
    return analyze_source(source, path=str(path), project=index)


def lines(found):
    return [(f.line, f.code) for f in found]


def test_constant_from_another_module_decides(project):
    found = check(project, """
        from .config import WEIGHT_DECAY, NO_DECAY
        a = torch.optim.Adam(params, weight_decay=WEIGHT_DECAY)
        b = torch.optim.Adam(params, weight_decay=NO_DECAY)
    """)
    assert lines(found) == [(3, "AWL101")]
    assert "if it is non-zero" not in found[0].message


def test_wrapper_forwarding_kwargs_is_followed(project):
    found = check(project, """
        from .optim import build_adam, build_fixed, build_adamw
        from .config import WEIGHT_DECAY
        c = build_adam(params, weight_decay=1e-4)
        d = build_adam(params)
        e = build_fixed(params, weight_decay=1e-4)
        f = build_adamw(params, weight_decay=1e-2)
        g = build_adam(params, weight_decay=WEIGHT_DECAY)
    """)
    assert lines(found) == [(4, "AWL101"), (8, "AWL101")]
    assert "(via " in found[0].message and "myproj/optim.py:5 → torch.optim.Adam)" in found[0].message
    assert found[0].fix is None and "myproj/optim.py:5" in found[0].fix_blocked


def test_a_wrapper_that_changes_the_kwargs_it_forwards(project):
    found = check(project, """
        from .optim import build_without_decay, build_own_decay, Holder
        a = build_without_decay(params, weight_decay=1e-4)
        b = build_own_decay(params, weight_decay=1e-4)
        c = build_own_decay(params, lr=1e-3)
        d = Holder(params, weight_decay=1e-4)
    """)
    assert lines(found) == [(4, "AWL101")]
    assert "myproj/optim.py:38 → torch.optim.Adam)" in found[0].message


def test_a_function_with_several_optimizers_is_not_guessed(project):
    assert lines(check(project, "from .optim import build_either\nx = build_either(p, 'sgd', weight_decay=1e-4)\n")) == []


def test_subclasses_defined_elsewhere(project):
    found = check(project, """
        from myproj.optim import Adam, Custom, Wrapped
        g = Adam(params, weight_decay=1e-4)
        h = Custom(params, weight_decay=1e-4)
        i = Wrapped(params, 1e-3, weight_decay=1e-5)
        j = Wrapped(params, 1e-3)
        k = Wrapped(params, 1e-3, weight_decay=0)
    """)
    assert lines(found) == [(3, "AWL101"), (5, "AWL103")]


def test_registry_in_another_module(project):
    found = check(project, """
        from . import optim
        from .optim import OPTIMIZERS, SAFE
        k = OPTIMIZERS[name](params, weight_decay=1e-4)
        m = SAFE[name](params, weight_decay=1e-4)
        n = OPTIMIZERS["sgd"](params, weight_decay=1e-4)
        o = optim.build_adam(params, weight_decay=1e-4)
    """)
    assert lines(found) == [(4, "AWL101"), (7, "AWL101")]
    assert "myproj/optim.py:" in found[0].message


STARRED = """
    from torch.optim import *
    from myproj.config import *

    OPTIMIZERS = {"adam": Adam, "sgd": SGD}
    Opt = Adam

    def build(params, **kwargs):
        return Adam(params, **kwargs)
"""


@pytest.mark.parametrize("checked_star", ["", "from torch.optim import *\n"])
def test_another_modules_names_mean_what_its_own_star_imports_make_them(project, checked_star):
    # ``Adam`` in a module that star-imports torch.optim is torch's, whatever the checked file
    # imports; in one that does not, it is unknown, even for a file that star-imports torch.optim
    package = project / "myproj"
    (package / "starred.py").write_text(textwrap.dedent(STARRED))
    (package / "unstarred.py").write_text(textwrap.dedent(STARRED).replace("from torch.optim import *\n", ""))
    found = check(project, checked_star + textwrap.dedent("""
        from .starred import OPTIMIZERS, Opt, build
        from . import unstarred
        a = OPTIMIZERS[name](params, weight_decay=1e-4)
        b = Opt(params, weight_decay=1e-4)
        c = build(params, weight_decay=1e-4)
        d = unstarred.OPTIMIZERS[name](params, weight_decay=1e-4)
        e = unstarred.Opt(params, weight_decay=1e-4)
        f = unstarred.build(params, weight_decay=1e-4)
    """).lstrip("\n"))
    first = 5 if checked_star else 4
    assert lines(found) == [(first, "AWL101"), (first + 1, "AWL101"), (first + 2, "AWL101")]
    assert all("myproj/starred.py" in f.message for f in found)


def _module(project, name: str, source: str) -> None:
    (project / "myproj" / name).write_text(textwrap.dedent(source))


def test_what_a_star_import_of_a_project_module_brings_is_followed(project):
    # as ``from .optim import Adam, OPTIMIZERS, build_adam`` would; ``SAFE`` holds AdamW and SGD
    found = check(project, """
        from myproj.optim import *
        a = Adam(params, weight_decay=1e-4)
        b = OPTIMIZERS[name](params, weight_decay=1e-4)
        c = build_adam(params, weight_decay=1e-4)
        d = SAFE[name](params, weight_decay=1e-4)
    """)
    assert lines(found) == [(3, "AWL101"), (4, "AWL101"), (5, "AWL101")]
    assert "myproj/optim.py" in found[0].message


def test_a_relative_star_import_and_a_chain_of_them_are_followed(project):
    _module(project, "reexport.py", "from .optim import *\n")  # brings what optim exports
    found = check(project, "from .reexport import *\nopt = Wrapped(params, 1e-3, weight_decay=1e-5)\n")
    assert lines(found) == [(3, "AWL103")]


def test_a_name_a_star_import_does_not_export_is_not_taken_from_it(project):
    _module(project, "listed.py", """
        import torch
        __all__ = ["make"]
        class Adam(torch.optim.Adam):
            pass
        def make(params, **kwargs):
            return torch.optim.SGD(params, **kwargs)
        def _hidden(params, **kwargs):
            return torch.optim.Adam(params, **kwargs)
    """)
    _module(project, "private.py", "import torch\n\ndef _hidden(params, **kwargs):\n    return torch.optim.Adam(params, **kwargs)\n")
    found = check(project, """
        from myproj.listed import *
        from myproj.private import *
        a = Adam(params, weight_decay=1e-4)
        b = make(params, weight_decay=1e-4)
        c = _hidden(params, weight_decay=1e-4)
    """)
    assert lines(found) == []


@pytest.mark.parametrize("shadow, expected", [
    ("class Adam(torch.optim.AdamW):\n    pass\n", []),  # the project's Adam, star-imported last, wins
    ("class Other(torch.optim.AdamW):\n    pass\n", [(4, "AWL101")]),  # it binds no Adam: torch's stays
])
def test_a_later_star_import_of_the_project_can_rebind_a_catalog_name(project, shadow, expected):
    _module(project, "mine.py", "import torch\n\n" + shadow)
    found = check(project, "from torch.optim import *\nfrom myproj.mine import *\nopt = Adam(params, weight_decay=1e-4)\n")
    assert lines(found) == expected


def test_star_imports_in_a_cycle_or_of_a_module_that_does_not_parse(project):
    _module(project, "one.py", "from myproj.two import *\n")
    _module(project, "two.py", "from myproj.one import *\nfrom torch.optim import *\n")
    found = check(project, "from myproj.one import *\nopt = Adam(params, weight_decay=1e-4)\n")
    assert lines(found) == [(3, "AWL101")]  # two's torch.optim, through one
    # a project module that cannot be read may bind anything: torch's Adam is not assumed
    assert lines(check(project, "from torch.optim import *\nfrom myproj.broken import *\n"
                                "opt = Adam(params, weight_decay=1e-4)\n")) == []


SAFE_ADAM = "import torch\n\nclass Adam(torch.optim.AdamW):\n    pass\n"


@pytest.mark.parametrize("all_, exported", [
    ('__all__ = ["make"]\n', False),
    ('__all__ = ["make", "Adam"]\n', True),
    ('__all__ = ["make"]\n__all__ += ["Adam"]\n', None),  # what it exports is not known
    ('__all__ = ["make"]\n__all__.append("Adam")\n', None),
    ("__all__ = base.__all__ + ['make']\n", None),
])
@pytest.mark.parametrize("first, imported", [("torch.optim", "myproj.safe"), ("myproj.safe", "torch.optim")])
def test_what_a_modules_all_says_decides_what_its_star_import_brings(project, all_, exported, first, imported):
    # ``from <first> import *`` then ``from myproj.mod import *``, where mod imports the other Adam
    _module(project, "safe.py", SAFE_ADAM)
    _module(project, "mod.py", f"from {imported} import Adam\nfrom myproj import base\n" + all_
            + "\ndef make(params):\n    return params\n")
    found = check(project, f"from {first} import *\nfrom myproj.mod import *\nopt = Adam(params, weight_decay=1e-4)\n")
    wins = imported if exported else first  # whose Adam it is, when that is known
    assert lines(found) == ([] if exported is None or wins != "torch.optim" else [(4, "AWL101")])


def test_an_all_extended_by_a_function_leaves_what_the_module_exports_unknown(project):
    # ``@export`` appends to ``__all__`` when the module runs: its literal ``[]`` says nothing
    _module(project, "exported.py", """
        import torch
        __all__ = []
        def export(obj):
            __all__.append(obj.__name__)
            return obj
        @export
        class Adam(torch.optim.AdamW):
            pass
    """)
    found = check(project, "from torch.optim import *\nfrom myproj.exported import *\nopt = Adam(params, weight_decay=1e-4)\n")
    assert lines(found) == []


@pytest.mark.parametrize("elsewhere", [
    "def __dir__():\n    return __all__.copy()\n",  # read, not changed
    "def local():\n    __all__ = []\n    __all__.append('Adam')\n",  # a function's own list
    "class Holder:\n    __all__ = []\n    __all__.append('Adam')\n",  # a class's
    "if TYPE_CHECKING:\n    __all__ = ['make', 'Adam']\n",  # for type checkers only
])
def test_an_all_that_is_only_read_or_is_not_the_modules_still_says_what_it_exports(project, elsewhere):
    # ``__all__ = ["make"]``: the module's ``Adam`` (safe's) is not exported, torch's stays
    _module(project, "listing.py", "from typing import TYPE_CHECKING\nfrom myproj.safe import Adam\n"
                                   "__all__ = ['make']\n\ndef make(params):\n    return params\n\n" + elsewhere)
    _module(project, "safe.py", SAFE_ADAM)
    found = check(project, "from torch.optim import *\nfrom myproj.listing import *\nopt = Adam(params, weight_decay=1e-4)\n")
    assert lines(found) == [(4, "AWL101")]


def test_the_last_star_import_of_a_star_imported_module_that_binds_a_name_wins(project):
    _module(project, "safe.py", SAFE_ADAM)
    _module(project, "first.py", "from torch.optim import *\nfrom myproj.safe import *\n")
    _module(project, "second.py", "from myproj.safe import *\nfrom torch.optim import *\n")
    assert lines(check(project, "from myproj.first import *\nopt = Adam(params, weight_decay=1e-4)\n")) == []
    assert lines(check(project, "from myproj.second import *\nopt = Adam(params, weight_decay=1e-4)\n")) == [(3, "AWL101")]


@pytest.mark.parametrize("length", [7, 1200])
@pytest.mark.parametrize("first, last, expected", [
    ("myproj.safe", "from torch.optim import Adam\n", [(4, "AWL101")]),  # followed to torch's Adam
    ("torch.optim", SAFE_ADAM, []),  # followed to safe's, which decays decoupled
])
def test_a_chain_of_star_imports_is_followed_to_its_end(project, length, first, last, expected):
    # longer than the interpreter's recursion limit: the search keeps its own stack
    _module(project, "safe.py", SAFE_ADAM)
    for k in range(1, length + 1):  # m1 → m2 → … → m<length>
        _module(project, f"m{k}.py", f"from myproj.m{k + 1} import *\n" if k < length else last)
    found = check(project, f"from {first} import *\nfrom myproj.m1 import *\nopt = Adam(params, weight_decay=1e-4)\n")
    assert lines(found) == expected


@pytest.mark.parametrize("block, expected", [
    ("if TYPE_CHECKING:\n    from torch.optim import Adam\n", []),  # for type checkers: safe's stays
    ("if TYPE_CHECKING:\n    from torch.optim import *\n", []),  # its star imports too
    ('import torch\nif TYPE_CHECKING:\n    x = """\ndoc\n"""\n    from torch.optim import Adam\n', []),
    ("if TYPE_CHECKING:\n    pass\nelse:\n    from torch.optim import Adam\n", [(4, "AWL101")]),
    ("try:\n    from torch.optim import Adam\nexcept ImportError:\n    pass\n", [(4, "AWL101")]),
])
def test_a_name_bound_only_for_type_checkers_is_not_brought_by_a_star_import(project, block, expected):
    _module(project, "safe.py", SAFE_ADAM)
    _module(project, "typed.py", "from typing import TYPE_CHECKING\n\n" + block)
    found = check(project, "from myproj.safe import *\nfrom myproj.typed import *\nopt = Adam(params, weight_decay=1e-4)\n")
    assert lines(found) == expected


def test_a_name_bound_below_a_type_checking_block_is_the_modules(project):
    # ``Adam`` is bound at a column past 0 (a tuple's second target) right below the block: it
    # runs, and is typed's (AdamW), not the earlier star import's
    _module(project, "typed.py", "import torch\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    pass\n"
                                 "SGD, Adam = torch.optim.SGD, torch.optim.AdamW\n")
    found = check(project, "from torch.optim import *\nfrom myproj.typed import *\nopt = Adam(params, weight_decay=1e-4)\n")
    assert lines(found) == []


def test_a_subclass_in_a_module_that_star_imports_the_project_is_followed(project):
    _module(project, "base.py", "from torch.optim import *\n")
    _module(project, "wrap.py", "from myproj.base import *\n\nclass Mine(Adam):\n    pass\n")
    assert lines(check(project, "from myproj.wrap import Mine\nopt = Mine(params, weight_decay=1e-4)\n")) == [(3, "AWL101")]


def test_modules_that_star_import_each_other_are_each_searched_once(project, monkeypatch):
    names = [f"s{k}" for k in range(20)]
    for name in names:
        _module(project, f"{name}.py", "".join(f"from myproj.{other} import *\n" for other in names if other != name))
    searched = []
    original = ProjectIndex.module

    def module(self, dotted, optimizers=False):
        searched.append(dotted)
        return original(self, dotted, optimizers)
    monkeypatch.setattr(ProjectIndex, "module", module)
    found = check(project, "from myproj.s0 import *\nopt = Adam(params, weight_decay=1e-4)\nx = helper(params)\n")
    assert lines(found) == []
    assert len(searched) < 3 * len(names) * 3  # each module once per name asked (Adam, helper), not once per path


def test_a_package_is_found_before_a_module_of_the_same_name(project):
    # ``import myproj.opt`` is the package when both exist, as Python imports it
    _module(project, "opt.py", "import torch\n\nclass Tuned(torch.optim.Adam):\n    pass\n")
    (project / "myproj" / "opt").mkdir()
    (project / "myproj" / "opt" / "__init__.py").write_text("import torch\n\nclass Tuned(torch.optim.AdamW):\n    pass\n")
    for imported in ("from myproj.opt import Tuned\n", "from myproj.opt import *\n"):
        assert lines(check(project, imported + "opt = Tuned(params, weight_decay=1e-4)\n")) == []


def test_without_the_project_each_file_is_read_alone(project):
    source = "from .optim import build_adam\nc = build_adam(params, weight_decay=1e-4)\n"
    assert analyze_source("import torch\n" + source) == []


def test_a_module_that_cannot_be_parsed_is_unknown_not_an_error(project):
    assert lines(check(project, "from .broken import f\nx = f(p, weight_decay=1e-4)\n")) == []


def test_hydra_target_naming_a_project_wrapper(project):
    text = ("optimizer:\n  _target_: myproj.optim.build_adam\n  lr: 1e-3\n  weight_decay: 1e-2\n"
            "other:\n  _target_: myproj.optim.build_adamw\n  weight_decay: 1e-2\n")
    index = ProjectIndex([str(project)])
    found = configs.check("c.yaml", text, Selection(), "rename", index)
    assert lines(found) == [(2, "AWL101")] and found[0].fix is None
    assert configs.check("c.yaml", text, Selection(), "rename") == []
    new, done, left = configs.fix("c.yaml", text, Selection(), "rename", index)
    assert new == text and not done and len(left) == 1


def test_only_reached_modules_are_parsed(project):
    (project / "myproj" / "unrelated.py").write_text("import torch\nx = torch.optim.Adam(p, weight_decay=1)\n")
    index = ProjectIndex([str(project)])
    path = project / "myproj" / "train.py"
    source = "from .config import WEIGHT_DECAY\nimport torch\nopt = torch.optim.Adam(p, weight_decay=WEIGHT_DECAY)\n"
    analyze_source(source, path=str(path), project=index)
    assert sorted(name for name, module in index._modules.items() if module is not None) == ["myproj.config"]


def test_an_import_a_star_import_brings_is_what_it_imports(project):
    # ``from myproj.layers import *`` brings ``tf`` and ``optim``, the modules they import
    _module(project, "layers.py", "import tensorflow as tf\nimport torch.optim as optim\nimport torch.nn as nn\n")
    path = project / "myproj" / "model.py"
    source = textwrap.dedent("""
        from myproj.layers import *

        def train(x, y, lr=1e-3):
            h = tf.compat.v1.layers.dense(x, 32, kernel_regularizer=tf.keras.regularizers.l2(1e-3))
            loss = tf.reduce_mean(tf.square(y - h))
            opt = tf.compat.v1.train.AdamOptimizer(lr).minimize(loss + tf.compat.v1.losses.get_regularization_loss())
            return opt, optim.Adam(params, weight_decay=1e-4), nn.Linear(2, 2)
    """)
    path.write_text(source)
    index = pickle.loads(pickle.dumps(ProjectIndex([str(project)])))
    assert lines(analyze_source(source, path=str(path), project=index)) == [(7, "AWL202"), (8, "AWL101")]
    # a name the module binds twice is its own (which import holds it is not known here)
    _module(project, "layers.py", "import tensorflow as tf\nif x:\n    import torch.optim as optim\nelse:\n    import mylib as optim\n")
    index = pickle.loads(pickle.dumps(ProjectIndex([str(project)])))
    assert lines(analyze_source(source, path=str(path), project=index)) == [(7, "AWL202")]


def test_a_re_export_a_star_import_brings_is_followed_as_one(project):
    # ``from torch.optim import Adam`` there: the message names the module, and the fix is left there
    _module(project, "compat.py", "from torch.optim import Adam\n")
    path = project / "myproj" / "train.py"
    source = "from myproj.compat import *\nopt = Adam(params, weight_decay=1e-4)\n"
    path.write_text(source)
    index = pickle.loads(pickle.dumps(ProjectIndex([str(project)])))
    [finding] = analyze_source(source, path=str(path), project=index)
    assert finding.code == "AWL101" and "compat.py" in finding.message and finding.fix is None


_TASKS = """
    class Task:
        def train(self, data):
            self._model.compile(optimizer=self._optimizer, loss="mse")
            self._model.fit(data)

    class Plain:
        def train(self, data):
            self.model.fit(data)
"""


@pytest.mark.parametrize("base,model,optimizer,expected", [
    # the base class of another module compiles what the subclass stores (mediapipe-model-maker)
    ("Task", "l2(1e-4)", "keras.optimizers.Adam(1e-3)", [(9, "AWL201")]),
    ("Task", "l2(1e-4)", "self._create_optimizer()", [(12, "AWL201")]),
    ("Task", "l2(1e-4)", "keras.optimizers.SGD(0.1)", []),
    ("Task", "None", "keras.optimizers.Adam(1e-3)", []),
    # a base that compiles nothing of the subclass's, or whose compiling method the class overrides
    ("Plain", "l2(1e-4)", "keras.optimizers.Adam(1e-3)", []),
    ("Task", "l2(1e-4)", "keras.optimizers.Adam(1e-3)\n\n            def train(self, data):\n                pass", []),
    # an override that calls the base's still compiles
    ("Task", "l2(1e-4)", "keras.optimizers.Adam(1e-3)\n\n            def train(self, data):\n"
     "                super().train(data)", [(9, "AWL201")]),
])
def test_a_base_class_of_another_module_compiles_what_the_class_stores(project, base, model, optimizer, expected):
    _module(project, "tasks.py", _TASKS)
    found = check(project, f"""
        import keras
        from keras.regularizers import l2
        from .tasks import {base}

        class Classifier({base}):
            def __init__(self):
                self._model = keras.Sequential([keras.layers.Dense(3, kernel_regularizer={model})])
                self._optimizer = {optimizer}

            def _create_optimizer(self):
                return keras.optimizers.RMSprop()
    """)
    assert lines(found) == expected
