"""Name resolution and the traps of shared/optimizer-semantics.md §6 (PyTorch side)."""
import textwrap

import pytest

from adamw_lint.analysis import analyze_source


def findings(source: str):
    return analyze_source(textwrap.dedent(source))


def codes(source: str):
    return [(f.line, f.code) for f in analyze_source(textwrap.dedent(source))]


# --- name resolution ------------------------------------------------------------------------

@pytest.mark.parametrize(
    "imports,call",
    [
        ("import torch", "torch.optim.Adam"),
        ("import torch.optim", "torch.optim.Adam"),
        ("import torch.optim as optim", "optim.Adam"),
        ("from torch import optim as O", "O.Adam"),
        ("from torch.optim import Adam as X", "X"),
        ("from torch.optim import adam", "adam.Adam"),
        ("import torch", "torch.optim.adam.Adam"),
        ("import torch", "torch.optim._multi_tensor.Adam"),
        ("from torch.optim import *", "Adam"),
        ("import torch", 'getattr(torch.optim, "Adam")'),
    ],
)
def test_import_styles_resolve(imports, call):
    assert codes(f"{imports}\nopt = {call}(params, weight_decay=1e-4)\n") == [(2, "AWL101")]


@pytest.mark.parametrize("binding,reported", [
    ('import importlib\ntorch = importlib.import_module("torch")', True),  # a soft dependency (sktime)
    ('from importlib import import_module\ntorch = import_module("torch")', True),
    ('torch = __import__("torch")', True),
    ('torch = __import__("torch.nn")', True),  # __import__ returns the package at the top
    ('import importlib\ntorch = importlib.import_module(name)', False),
    ('import importlib\ntorch = importlib.import_module(".torch", "mypkg")', False),
    ('def __import__(name):\n    return None\ntorch = __import__("torch")', False),
    ('import importlib\ntorch = importlib.import_module("torch")\ntorch = stub', False),
])
def test_a_module_imported_by_a_call_of_its_literal_name(binding, reported):
    source = f"{binding}\nopt = torch.optim.Adam(p, weight_decay=1e-4)\n"
    assert codes(source) == ([(source.count("\n"), "AWL101")] if reported else [])


def test_the_last_star_import_that_binds_a_name_wins():
    # bitsandbytes' Adam decays decoupled (semantics §5.3): the star import of it that comes last
    # makes ``Adam`` its own, and the one that comes first leaves it torch's
    def found(first: str, last: str):
        return analyze_source(f"from {first} import *\nfrom {last} import *\nopt = Adam(params, weight_decay=1e-4)\n")
    assert found("torch.optim", "bitsandbytes.optim") == []
    coupled = found("bitsandbytes.optim", "torch.optim")
    assert [(f.line, f.code) for f in coupled] == [(3, "AWL101")] and "torch.optim.Adam" in coupled[0].message


def test_a_long_elif_chain_is_analyzed():
    # each ``elif`` nests one level deeper: the resolver takes an ``if`` in one frame a level
    branches = "".join(f"elif x == {i}:\n    y = {i}\n" for i in range(1, 420))
    assert codes("import torch\nif x == 0:\n    y = 0\n" + branches + "opt = torch.optim.Adam(p, weight_decay=1e-4)\n") \
        == [(842, "AWL101")]


def test_import_inside_function():
    assert codes("""
        def make(p):
            from torch.optim import Adam
            return Adam(p, weight_decay=1e-4)
    """) == [(4, "AWL101")]


def test_alias_through_assignment():
    assert codes("import torch\nOpt = torch.optim.Adam\nopt = Opt(p, weight_decay=1e-4)\n") == [(3, "AWL101")]


@pytest.mark.parametrize(
    "source",
    [
        # a project class called Adam
        "class Adam:\n    pass\nAdam(p, weight_decay=1e-4)\n",
        # a function parameter shadows the module
        "import torch.optim as optim\ndef f(optim):\n    return optim.Adam(p, weight_decay=1e-4)\n",
        # an assignment rebinds the imported name
        "from torch.optim import Adam\nAdam = make_adam()\nAdam(p, weight_decay=1e-4)\n",
        # a local variable inside the function shadows the import
        "import torch\ndef f():\n    torch = load()\n    return torch.optim.Adam(p, weight_decay=1e-4)\n",
        # a relative import is the project's own module
        "from .optim import Adam\nAdam(p, weight_decay=1e-4)\n",
        # no import at all
        "Adam(p, weight_decay=1e-4)\n",
        # a name used before its import in the same scope
        "Adam(p, weight_decay=1e-4)\nfrom torch.optim import Adam\n",
        # an assignment expression in a comprehension binds the name where the comprehension is
        "from torch.optim import *\n_ = [(Adam := c) for c in pick()]\nAdam(p, weight_decay=1e-4)\n",
        # comprehension variables are their own scope
        "import torch\nopts = [torch.optim.Adam(p, weight_decay=1e-4) for torch in mods]\n",
        # strings and comments are not code
        "import torch\ns = 'torch.optim.Adam(p, weight_decay=1e-4)'\n# torch.optim.Adam(p, weight_decay=1e-4)\n",
    ],
)
def test_names_bound_to_user_objects_are_never_reported(source):
    assert codes(source) == []


def test_class_scope_is_not_visible_in_methods():
    source = """
        import torch
        class Trainer:
            torch = None
            def opt(self, p):
                return torch.optim.Adam(p, weight_decay=1e-4)
    """
    assert codes(source) == [(6, "AWL101")]


def test_try_except_imports_first_in_source_order_wins():
    apex_first = """
        try:
            from apex.optimizers import FusedAdam as Adam
        except ImportError:
            from torch.optim import Adam
        opt = Adam(p, weight_decay=1e-4)
    """
    torch_first = """
        try:
            from torch.optim import Adam
        except ImportError:
            from apex.optimizers import FusedAdam as Adam
        opt = Adam(p, weight_decay=1e-4)
    """
    assert codes(apex_first) == []  # apex FusedAdam is decoupled by default
    assert codes(torch_first) == [(6, "AWL101")]


# --- argument values ---------------------------------------------------------------------------

@pytest.mark.parametrize("zero", ["0", "0.0", "0.", "0e0", "-0.0", "+0", "False", "None", "ZERO"])
def test_literal_zero_is_not_reported(zero):
    assert codes(f"import torch\nZERO = 0.0\ntorch.optim.Adam(p, weight_decay={zero})\n") == []


@pytest.mark.parametrize("value", ["1e-4", "args.weight_decay", "cfg['wd']", "wd * 2", "WD"])
def test_non_zero_or_unknown_value_is_reported(value):
    findings = analyze_source(f"import torch\nWD = 5e-4\ntorch.optim.Adam(p, weight_decay={value})\n")
    assert [f.code for f in findings] == ["AWL101"]
    if value in ("args.weight_decay", "cfg['wd']", "wd * 2"):
        assert "if it is non-zero" in findings[0].message


def test_constant_assigned_twice_is_not_trusted_as_zero():
    source = "import torch\nWD = 0.0\nif big:\n    WD = 1e-4\ntorch.optim.Adam(p, weight_decay=WD)\n"
    assert codes(source) == [(5, "AWL101")]


def test_positional_weight_decay_and_switches():
    assert codes("import torch\ntorch.optim.Adam(p, 1e-3, (0.9, 0.999), 1e-8, 1e-4)\n") == [(2, "AWL101")]
    assert codes("import torch\ntorch.optim.Adam(p, 1e-3, (0.9, 0.999), 1e-8)\n") == []
    # NAdam's flag is positional index 6, RAdam's index 5 (trap 4)
    assert codes("import torch\ntorch.optim.NAdam(p, 2e-3, (0.9, 0.999), 1e-8, 1e-2, 4e-3, True)\n") == []
    assert codes("import torch\ntorch.optim.RAdam(p, 1e-3, (0.9, 0.999), 1e-8, 1e-2, True)\n") == []
    assert codes("import torch\ntorch.optim.RAdam(p, 1e-3, (0.9, 0.999), 1e-8, 1e-2, False)\n") == [(2, "AWL102")]


def test_switch_set_by_an_expression_is_trusted():
    assert codes("import torch\ntorch.optim.Adam(p, weight_decay=1e-2, decoupled_weight_decay=args.adamw)\n") == []


def test_positional_pitfalls_trap_10():
    assert codes("import torch\ntorch.optim.Adagrad(p, 0.01, 1e-4)\n") == []  # lr_decay
    assert codes("import torch\ntorch.optim.ASGD(p, 0.01, 1e-4)\n") == []  # lambd, and not adaptive
    assert codes("import torch\ntorch.optim.Muon(p, 0.02, 0.1)\n") == []  # decoupled
    assert codes("from deepspeed.ops.adam import DeepSpeedCPUAdam\nDeepSpeedCPUAdam(p, 1e-3, True, (0.9, 0.99), 1e-8, 1e-2)\n") == []
    assert codes("from timm.optim import create_optimizer_v2\ncreate_optimizer_v2(m, 'adam', 1e-3, 0.05)\n") == [(2, "AWL101")]


def test_decay_like_names_are_not_weight_decay_trap_11():
    assert codes("import torch\ntorch.optim.NAdam(p, momentum_decay=4e-3)\n") == []
    assert codes("import torch\ntorch.optim.Adagrad(p, lr_decay=1e-4)\n") == []
    assert codes("import torch\ntorch.optim.Adafactor(p, beta2_decay=-0.8)\n") == []


def test_star_args_and_kwargs():
    # an unknown **kwargs may hold the switch or the decay: nothing visible, nothing reported
    assert codes("import torch\ntorch.optim.Adam(p, **kw)\n") == []
    assert codes("import torch\ntorch.optim.Adam(*args)\n") == []
    # a dict literal in the same scope is read
    assert codes("import torch\nkw = {'lr': 1e-3, 'weight_decay': 1e-4}\ntorch.optim.Adam(p, **kw)\n") == [(3, "AWL101")]
    assert codes("import torch\nkw = dict(weight_decay=1e-4, decoupled_weight_decay=True)\ntorch.optim.Adam(p, **kw)\n") == []
    assert codes("import torch\nhp = [1e-3, (0.9, 0.999), 1e-8, 1e-4]\ntorch.optim.Adam(p, *hp)\n") == [(3, "AWL101")]


@pytest.mark.parametrize("decay,expected", [("1e-4", [(11, "AWL101")]), ("0.0", [])])
def test_kwargs_held_by_a_table_entry_or_an_attribute(decay, expected):
    # the dict a table holds under a key, directly or through a name, and the one the class
    # stores in self.<attr>, each read for its decay
    source = f"""
        import torch

        DEFAULTS = {{"opt": torch.optim.Adam, "opt_params": {{"weight_decay": {decay}, "lr": 3e-4}}}}

        class Trainer:
            def __init__(self):
                self.opt_params = {{"weight_decay": {decay}, "lr": 3e-4}}

            def make(self, params):
                return torch.optim.Adam(params, **self.opt_params)
    """
    assert codes(source) == expected
    for spread in ('DEFAULTS["opt_params"]', 'DEFAULTS.get("opt_params")', "kw"):
        variant = source.replace("**self.opt_params", f"**{spread}").replace(
            "return torch", 'kw = DEFAULTS["opt_params"]; return torch')
        assert codes(variant) == expected
        assert all(f.fix is None for f in analyze_source(textwrap.dedent(variant)))  # the dict is kept elsewhere
    assert codes(source.replace("**self.opt_params", '**DEFAULTS["opt_other"]')) == []  # no such entry: unknown
    # the dict is kept elsewhere: no fix is planned from this call alone
    assert all(f.fix is None and "dict kept elsewhere" in f.fix_blocked for f in analyze_source(textwrap.dedent(source)))


COPIED = """
    import copy
    import torch

    DEFAULTS = {{"lr": 1e-3, "weight_decay": 1e-4}}
    {elsewhere}

    def build(net, user):
        {body}
"""


@pytest.mark.parametrize("body", [
    "kw = DEFAULTS.copy()\n        return torch.optim.Adam(net.parameters(), **kw)",
    "return torch.optim.Adam(net.parameters(), **dict(DEFAULTS, eps=1e-8))",
    "kw = {**DEFAULTS, 'eps': 1e-8}\n        return torch.optim.Adam(net.parameters(), **kw)",
    "return torch.optim.Adam(net.parameters(), **copy.deepcopy(DEFAULTS))",
    "kw = dict(DEFAULTS)\n        kw['lr'] = 3e-4\n        return torch.optim.Adam(net.parameters(), **kw)",
])
def test_a_copy_of_a_dict_holds_its_entries(body):
    (finding,) = analyze_source(textwrap.dedent(COPIED.format(elsewhere="", body=body)))
    assert (finding.line, finding.code) == (9 + body.count("\n"), "AWL101") and "Adam(weight_decay=1e-4)" in finding.message
    assert finding.fix is None and "dict kept elsewhere" in finding.fix_blocked  # the decay is written in DEFAULTS


@pytest.mark.parametrize("body, elsewhere", [
    ("kw = DEFAULTS.copy()\n        kw['weight_decay'] = 0.0\n        return torch.optim.Adam(net.parameters(), **kw)", ""),
    ("kw = DEFAULTS.copy()\n        kw.update(user)\n        return torch.optim.Adam(net.parameters(), **kw)", ""),
    ("return torch.optim.Adam(net.parameters(), **{**DEFAULTS, 'weight_decay': 0})", ""),
    ("return torch.optim.Adam(net.parameters(), **dict(DEFAULTS, weight_decay=0.0))", ""),
    ("return torch.optim.Adam(net.parameters(), **{**user, 'lr': 1e-3})", ""),  # a copy of a dict not known
    ("return torch.optim.AdamW(net.parameters(), **DEFAULTS.copy())", ""),
    # the module sets the entry again, anywhere in it: what a function reads is not the literal
    ("kw = DEFAULTS.copy()\n        return torch.optim.Adam(net.parameters(), **kw)", "DEFAULTS['weight_decay'] = 0.0"),
    ("return torch.optim.Adam(net.parameters(), **DEFAULTS)", "DEFAULTS.update(weight_decay=0.0)"),
    ("return torch.optim.Adam(net.parameters(), **DEFAULTS)", "def configure(wd):\n        DEFAULTS['weight_decay'] = wd"),
    # set again at module level, read through a function's alias (an alias is not followed, the fill is)
    ("kw = DEFAULTS\n        return torch.optim.Adam(net.parameters(), **kw)", "DEFAULTS['weight_decay'] = 0.0"),
])
def test_a_copy_or_a_module_dict_negatives(body, elsewhere):
    assert codes(COPIED.format(elsewhere=elsewhere, body=body)) == []


def test_a_spread_of_a_dict_not_known_keeps_its_own_reason_for_no_fix():
    """``{**base, "weight_decay": 1e-4}`` with ``base`` a parameter: what blocks the fix is the
    switch ``base`` may hold, not a dict kept elsewhere (that is said only of a copy it knows)."""
    (finding,) = analyze_source("import torch\n\ndef build(net, base):\n"
                                "    return torch.optim.Adam(net.parameters(), **{**base, 'weight_decay': 1e-4})\n")
    assert finding.fix is None and "may be passed through *args/**kwargs" in finding.fix_blocked


def test_a_module_dict_spread_copied_or_aliased_elsewhere_is_still_read_as_written():
    """``f(**DEFAULTS)``, ``DEFAULTS.copy()`` and an alias only spread elsewhere in the module
    change nothing in it (an alias is not followed: the dict is read as written)."""
    elsewhere = ("other = dict(**DEFAULTS)\n    snapshot = copy.copy(DEFAULTS)\n    print(DEFAULTS)\n"
                 "    def alias(net):\n        kw = DEFAULTS\n        return torch.optim.Adam(net.parameters(), **kw)")
    source = COPIED.format(elsewhere=elsewhere, body="return torch.optim.Adam(net.parameters(), **DEFAULTS)")
    assert codes(source) == [(11, "AWL101"), (14, "AWL101")]


def test_kwargs_a_table_may_hold_under_several_keys_are_not_one_dict():
    # which entry ``name`` picks is not known: SGD's decay is not Adam's
    source = """
        import torch

        KWARGS = {"sgd": {"lr": 0.1, "weight_decay": 5e-4}, "adam": {"lr": 1e-3}}

        def make(params, name):
            return torch.optim.Adam(params, **KWARGS[name])
    """
    assert codes(source) == []
    assert codes(source.replace('"adam": {"lr": 1e-3}', '"adam": {"lr": 1e-3, "weight_decay": 1e-4}').replace(
        '"sgd": {"lr": 0.1, "weight_decay": 5e-4}, ', "")) == [(7, "AWL101")]  # a table of one entry


def test_an_attribute_that_reads_itself_is_not_followed_forever():
    source = """
        import torch

        class Trainer:
            def __init__(self, weight_decay=0.0):
                self.cfg = self.cfg["optim"]  # the one store reads itself

            def make(self, params):
                return torch.optim.Adam(params, **self.cfg)

            def other(self, params):
                return torch.optim.Adam(params, weight_decay=1e-4)
    """
    assert codes(source) == [(12, "AWL101")]


def test_kwargs_a_class_stores_are_read_where_it_stores_them():
    # ``wd`` is 0.0 where the dict is built; ``make``'s own ``wd`` is not what it holds
    source = """
        import torch

        class Trainer:
            def __init__(self):
                wd = 0.0
                self.kw = {"weight_decay": wd}

            def make(self, params):
                wd = 1e-2
                return torch.optim.Adam(params, **self.kw)
    """
    assert codes(source) == []
    assert codes(source.replace("wd = 0.0", "wd = 1e-4")) == [(11, "AWL101")]
    # in a def nested in the method, the nested def's names
    nested = source.replace("wd = 0.0\n                self.kw", "wd = 1e-4\n\n                def configure():\n"
                            "                    wd = 0.0\n                    self.kw")
    assert "def configure" in nested and codes(nested) == []
    # the note on a default names the parameter the dict reads, not make's
    with_default = """
        import torch

        class Trainer:
            def __init__(self, weight_decay=1e-4):
                self.kw = {"lr": 1e-3, "weight_decay": weight_decay}

            def make(self, params, weight_decay=0.0):
                return torch.optim.Adam(params, **self.kw)
    """
    [finding] = analyze_source(textwrap.dedent(with_default))
    assert "(default 1e-4 from parameter weight_decay of __init__)" in finding.message


@pytest.mark.parametrize("elsewhere", [
    "def reset(self):\n                self.kw = {}",  # a second store, in a body no optimizer word marks
    'def tune(self):\n                self.kw["weight_decay"] = 0.0',
    "def tune(self):\n                self.kw.update(weight_decay=0.0)",
    "def tune(self):\n                self.kw.pop('weight_decay')",
    "kw = {}",  # a class-level value beside the instance's
    "def tune(self):\n                kw = self.kw\n                kw['decoupled_weight_decay'] = True",  # through another name
    "def tune(self):\n                setattr(self, 'kw', {})",
    "def tune(self):\n                vars(self).update(kw={})",
    "def tune(self):\n                self.__dict__['kw'] = {}",
    "def tune(self):\n                apply(self.kw)",  # handed to a call that may change it
])
def test_a_stored_dict_something_else_may_change_is_unknown(elsewhere):
    source = """
        import torch

        class Trainer:
            def __init__(self):
                self.kw = {"weight_decay": 1e-4}

            ELSEWHERE

            def make(self, params):
                return torch.optim.Adam(params, **self.kw)
    """
    assert codes(source.replace("ELSEWHERE", "")) == [(11, "AWL101")]
    assert codes(source.replace("ELSEWHERE", elsewhere)) == []


def test_a_sibling_class_store_is_not_this_instances():
    source = """
        import torch

        class Base:
            def make(self, params):
                return torch.optim.SGD(params, lr=0.1)

        class SgdTrainer(Base):
            def __init__(self):
                self.kw = {"lr": 0.1, "weight_decay": 5e-4}

        class AdamTrainer(Base):
            def __init__(self):
                self.kw = {"lr": 3e-4}

            def make(self, params):
                return torch.optim.Adam(params, **self.kw)
    """
    assert codes(source) == []
    # a subclass's store is: an instance of it runs the base's method, which may hold either dict
    inherited = source.replace("torch.optim.SGD(params, lr=0.1)", "torch.optim.Adam(params, **self.kw)")
    assert codes(inherited) == []
    assert codes(inherited.replace('self.kw = {"lr": 3e-4}', "pass")) == [(6, "AWL101")]  # one subclass stores it
    # this class's store is read whatever a sibling stores
    own = source.replace('self.kw = {"lr": 3e-4}', 'self.kw = {"lr": 3e-4, "weight_decay": 1e-4}').replace(
        '"weight_decay": 5e-4', '"weight_decay": 0.0')
    assert codes(own) == [(17, "AWL101")]


# --- param groups, wrappers ---------------------------------------------------------------------

def test_param_groups():
    assert codes("import torch\ntorch.optim.Adam([{'params': a, 'weight_decay': 1e-4}, {'params': b}])\n") == [(2, "AWL101")]
    assert codes("import torch\ntorch.optim.Adam([dict(params=a, weight_decay=1e-4)])\n") == [(2, "AWL101")]
    assert codes("import torch\ntorch.optim.Adam([{'params': a, 'weight_decay': 0.0}], weight_decay=0)\n") == []
    # group-level decoupling, both directions (trap 4 and trap 6)
    assert codes("import torch\ntorch.optim.Adam([{'params': a, 'decoupled_weight_decay': True}], weight_decay=1e-2)\n") == []
    assert codes("import torch\ntorch.optim.AdamW([{'params': a, 'decoupled_weight_decay': False}])\n") == [(2, "AWL101")]
    # call-level decay, one group opts out of it, the other does not
    source = "import torch\ntorch.optim.Adam([{'params': a, 'weight_decay': 0}, {'params': b}], weight_decay=1e-4)\n"
    assert codes(source) == [(2, "AWL101")]


@pytest.mark.parametrize("group,expected", [
    # the decay written after every spread is the group's (ultralytics' build_optimizer)
    ("{'params': a, **common, 'weight_decay': 1e-4}", "weight_decay=1e-4 in a param group, unless **common sets"),
    ("{'params': a, **KNOWN, 'weight_decay': 1e-4}", "weight_decay=1e-4 in a param group)"),  # KNOWN lacks the switch
    ("g", "weight_decay=1e-4 in a param group)"),
    # a spread after it, or a switch after every spread: not known to be coupled
    ("{'params': a, 'weight_decay': 1e-4, **common}", None),
    ("{'params': a, **common, 'weight_decay': 1e-4, 'decoupled_weight_decay': True}", None),
    ("{'params': a, **common, 'weight_decay': 0.0}", None),
    ("{'params': a, **common, name: 1e-4}", None),  # a key that is not written out
    ("{'params': a, **DECOUPLED, 'weight_decay': 1e-4}", None),  # a spread written out with the switch
])
def test_param_groups_with_a_spread(group, expected):
    source = ("import torch\nKNOWN = {'lr': 1e-3, 'weight_decay': 0.0}\nDECOUPLED = {'decoupled_weight_decay': True}\n\n"
              "def make(a, common, name):\n"
              "    g = {'params': a, **KNOWN, 'weight_decay': 1e-4}\n"
              f"    return torch.optim.Adam([{group}])\n")
    found = findings(source)
    assert [f.code for f in found] == (["AWL101"] if expected else [])
    if expected:
        assert expected in found[0].message


def test_wrappers():
    assert codes("from functools import partial\nimport torch\npartial(torch.optim.Adam, weight_decay=1e-4)\n") == [(3, "AWL101")]
    assert codes("import functools, torch\nfunctools.partial(torch.optim.Adam, lr=1e-3)\n") == []
    assert codes("import functools, torch\nfunctools.partial(torch.optim.AdamW, weight_decay=1e-4)\n") == []
    zero = "from torch.distributed.optim import ZeroRedundancyOptimizer as Z\nimport torch\n"
    assert codes(zero + "Z(p, torch.optim.Adam, weight_decay=1e-4)\n") == [(3, "AWL101")]
    assert codes(zero + "Z(p, torch.optim.Adam, weight_decay=1e-4, decoupled_weight_decay=True)\n") == []
    # DistributedOptimizer shifts the optimizer's positional arguments by one (§2.7)
    dist = "from torch.distributed.optim import DistributedOptimizer\nimport torch\n"
    assert codes(dist + "DistributedOptimizer(torch.optim.Adam, rrefs, 1e-3, (0.9, 0.99), 1e-8, 1e-4)\n") == [(3, "AWL101")]
    assert codes(dist + "DistributedOptimizer(torch.optim.Adam, rrefs, 1e-3, (0.9, 0.99), 1e-8)\n") == []
    backward = "from torch.distributed.optim import _apply_optimizer_in_backward\nimport torch\n"
    assert codes(backward + "_apply_optimizer_in_backward(torch.optim.Adam, p, {'weight_decay': 1e-4})\n") == [(3, "AWL101")]


# --- what is decoupled already (do not flag) ---------------------------------------------------

@pytest.mark.parametrize(
    "source",
    [
        "import bitsandbytes as bnb\nbnb.optim.Adam(p, weight_decay=1e-2)\n",
        "import bitsandbytes as bnb\nbnb.optim.PagedAdam32bit(p, weight_decay=1e-2)\n",
        "from apex.optimizers import FusedAdam\nFusedAdam(p, weight_decay=1e-2)\n",
        "from apex.optimizers import FusedAdam\nFusedAdam(p, 1e-3, True, (0.9, 0.999), 1e-8, True, 1e-2)\n",
        "import torch\ntorch.optim.AdamW(p, weight_decay=1e-2)\n",
        "import torch\ntorch.optim.SGD(p, lr=0.1, weight_decay=5e-4)\n",
        "import torch\ntorch.optim.Adafactor(p, weight_decay=1e-2)\n",
        "from timm.optim import create_optimizer_v2\ncreate_optimizer_v2(m, 'bnbadam', weight_decay=0.05)\n",
        "from timm.optim import create_optimizer_v2\ncreate_optimizer_v2(m, opt=name, weight_decay=0.05)\n",
        "from transformers import TrainingArguments\nTrainingArguments('o', optim='adafactor', weight_decay=0.1)\n",
        "from transformers import TrainingArguments\nTrainingArguments('o', optim='rmsprop')\n",
    ],
)
def test_decoupled_or_harmless_is_not_reported(source):
    assert codes(source) == []


def test_adam_family_codes():
    assert codes("from torch.optim import Adamax\nAdamax(p, weight_decay=1e-4)\n") == [(2, "AWL103")]
    assert codes("from torch.optim import Adadelta\nAdadelta(p, weight_decay=1e-4)\n") == [(2, "AWL103")]
    assert codes("import torch_optimizer as to\nto.QHAdam(p, weight_decay=1e-4, decouple_weight_decay=True)\n") == []
    assert codes("from transformers import AdamW\nAdamW(p)\n") == [(2, "AWL104")]
    assert codes("from transformers.optimization import AdamW\nAdamW(p)\n") == [(2, "AWL104")]


def test_location_uses_character_columns():
    findings = analyze_source("import torch\nétiquette = 'é'; opt = torch.optim.Adam(p, weight_decay=1e-4)\n")
    assert findings[0].span[:2] == (2, 23)  # 25 in UTF-8 bytes


def test_prefilter_skips_files_without_trigger_words():
    from adamw_lint.analysis import may_contain_findings

    assert not may_contain_findings(b"import torch\nopt = torch.optim.SGD(p)\n")
    assert may_contain_findings(b"from torch.optim import NAdam\n")


_LICENCE = b"# Ultralytics AGPL-3.0 License - https://ultralytics.com/license\n"


@pytest.mark.parametrize("source, candidate", [
    (_LICENCE + b"from ultralytics.utils import LOGGER\n\ndef log(x):\n    LOGGER.info(x)\n", False),
    (b"from ultralytics import YOLO\n", True),
    (b"import ultralytics\nm = ultralytics.RTDETR('l.pt')\n", True),
    (b"from ultralytics import *\nYOLOWorld('w.pt').train(optimizer='radam')\n", True),
    (b"from yolox.models import YOLOX\n", False),  # the class without its package
    (b"from ultralyticsplus import YOLO\n", False),  # another package, whose name starts like it
])
def test_a_method_of_an_instance_needs_its_package_and_its_class_in_the_file(source, candidate):
    from adamw_lint.analysis import may_contain_findings, may_contain_text

    assert may_contain_findings(source) is candidate and may_contain_text(source.decode()) is candidate


@pytest.mark.parametrize("text, project, candidate", [
    (_LICENCE + b"# YOLO11 object detection model\nbackbone:\n  - [-1, 1, Conv, [64, 3, 2]]\n", True, False),
    (_LICENCE + b"from: ultralytics import YOLO\n", False, False),  # a config calls no method
    (_LICENCE + b"lr0: 0.01\nweight_decay: 0.0005\n", True, True),  # may configure a class of the project
    (_LICENCE + b"lr0: 0.01\nweight_decay: 0.0005\n", False, False),
    (b"optimizer: Adam\n", False, True),
    (b"optim:\n  name: adam\n", True, False),  # a class in lower case alone: not read (may_configure)
])
def test_a_config_is_a_candidate_by_an_optimizers_name_not_by_a_package_whose_methods_train(text, project, candidate):
    from adamw_lint.prefilter import may_configure

    assert may_configure(text, project) is candidate


@pytest.mark.parametrize(
    "source",
    [
        "from torch.optim import Adam as X\n\ndef make(p):\n    return X(p, weight_decay=1e-4)\n",
        "import torch\nOpt = torch.optim.Adam\n\nclass T:\n    def make(self, p):\n        return Opt(p, weight_decay=1e-4)\n",
        "import functools, torch\nmake = functools.partial(torch.optim.Adam, weight_decay=1e-4)\n",
    ],
)
def test_bodies_without_the_optimizer_name_still_resolve_module_aliases(source):
    # the resolver skips bodies that mention nothing relevant; a module-level alias is relevant
    assert [code for _, code in codes(source)] == ["AWL101"]


def test_a_global_rebinding_in_a_skipped_looking_body_is_still_seen():
    source = "from torch.optim import Adam\n\ndef swap():\n    global Adam\n    Adam = object\n\nAdam(p, weight_decay=1e-4)\n"
    assert codes(source) == []


def test_pyro_optimizers_take_the_optimizers_options_as_one_dict():
    # pyro.optim.Adam(d) is torch.optim.Adam(param, **d); ClippedAdam is pyro's own, coupled (additions §A1)
    source = """
        import pyro
        import torch
        from pyro.optim import ClippedAdam, PyroOptim

        def fit(wd=1e-4):
            a = pyro.optim.Adam({"lr": 1e-3, "weight_decay": 1e-4})
            b = ClippedAdam({"lr": 1e-3, "weight_decay": wd})
            c = PyroOptim(torch.optim.Adam, {"lr": 1e-3, "weight_decay": 1e-4})
            d = pyro.optim.NAdam({"weight_decay": 1e-4})
    """
    findings = analyze_source(textwrap.dedent(source))
    assert [(f.line, f.code) for f in findings] == [(7, "AWL101"), (8, "AWL103"), (9, "AWL101"), (10, "AWL102")]
    assert "use pyro.optim.AdamW with the same dict and re-tune" in findings[0].message
    assert findings[0].fix is None and "use pyro.optim.AdamW with the same dict by hand" in findings[0].fix_blocked
    assert "clip_args={'clip_value': clip_norm}" in findings[1].message and "if it is non-zero" in findings[1].message
    assert "it takes no clip_norm, lrd or centered_variance" in findings[1].message
    assert "add 'decoupled_weight_decay': True to the dict" in findings[3].message  # NAdam's switch, in the dict
    assert findings[2].fix is not None  # the class PyroOptim is given is renamed in place
    # the decoupled ones, SGD, no decay, a decay of zero, a per-parameter callable: nothing
    quiet = """
        import pyro
        from pyro.optim import ClippedAdam
        a = pyro.optim.AdamW({"lr": 1e-3, "weight_decay": 1e-2})
        b = pyro.optim.SGD({"lr": 1e-3, "weight_decay": 1e-4})
        c = pyro.optim.Adam({"lr": 1e-3})
        d = ClippedAdam({"lr": 1e-3, "weight_decay": 0.0})
        e = pyro.optim.Adam(lambda name: {"lr": 1e-3, "weight_decay": 1e-4})
        f = pyro.optim.NAdam({"weight_decay": 1e-4, "decoupled_weight_decay": True})
    """
    assert codes(quiet) == []


def test_skorch_nets_pass_their_optimizer_keywords_to_the_optimizer_class():
    # NeuralNet builds optimizer(params, **{k: v for optimizer__k=v}); SGD by default (additions §A4)
    source = """
        import torch
        from skorch import NeuralNet, NeuralNetClassifier
        from skorch.regressor import NeuralNetRegressor

        def fit(module, wd=1e-4):
            a = NeuralNetClassifier(module, optimizer=torch.optim.Adam, optimizer__weight_decay=1e-4, lr=0.01)
            b = NeuralNetRegressor(module, optimizer=torch.optim.RMSprop, optimizer__weight_decay=wd)
            c = NeuralNet(module, torch.nn.MSELoss, torch.optim.Adam, optimizer__weight_decay=1e-4)
            defaults = {"module": module, "optimizer": torch.optim.Adam, "optimizer__weight_decay": 1e-4}
            d = NeuralNetClassifier(**defaults)
    """
    findings = analyze_source(textwrap.dedent(source))
    assert [(f.line, f.code) for f in findings] == [(7, "AWL101"), (8, "AWL103"), (9, "AWL101"), (11, "AWL101")]
    assert "torch.optim.Adam(weight_decay=1e-4)" in findings[0].message
    assert "(skorch.NeuralNetClassifier passes it its optimizer__* keywords)" in findings[0].message
    assert "if it is non-zero" in findings[1].message
    from helpers import fixed

    assert fixed(source).splitlines()[6].endswith("optimizer=torch.optim.AdamW, optimizer__weight_decay=1e-4, lr=0.01)")
    # SGD by default, decoupled, no decay, a decay of zero, another part's keyword: nothing
    quiet = """
        import torch
        from skorch import NeuralNetClassifier
        a = NeuralNetClassifier(module, optimizer__weight_decay=1e-4)
        b = NeuralNetClassifier(module, optimizer=torch.optim.AdamW, optimizer__weight_decay=1e-2)
        c = NeuralNetClassifier(module, optimizer=torch.optim.Adam, optimizer__lr=1e-3)
        d = NeuralNetClassifier(module, optimizer=torch.optim.Adam, optimizer__weight_decay=0.0)
        e = NeuralNetClassifier(module, optimizer=torch.optim.Adam, module__weight_decay=1e-4, weight_decay=1e-4)
    """
    assert codes(quiet) == []
    # the net's settings set again after it is built, of this net or another: not followed
    built = "import torch\nfrom skorch import NeuralNet\nnet = NeuralNet(m, optimizer=torch.optim.Adam, optimizer__weight_decay=1e-4)\n"
    assert codes(built) == [(3, "AWL101")]
    groups = built.replace("1e-4)", '1e-4, optimizer__param_groups=[("*", {"weight_decay": 0.0})])')
    assert "param_groups" in groups and codes(groups) == []  # the groups' options are not read
    for later in ("net.set_params(optimizer=torch.optim.AdamW)", "net.optimizer = torch.optim.AdamW",
                  "other.optimizer__weight_decay = 0.0", "net.optimizer_ = torch.optim.AdamW(ps, weight_decay=1e-2)"):
        assert codes(built + later + "\n") == [], later


@pytest.mark.parametrize("body,expected", [
    ('kw = dict(lr=5e-3)\n    kw.update({"weight_decay": 1e-4})', "AWL103"),
    ('kw = dict(lr=5e-3)\n    kw["weight_decay"] = 1e-4', "AWL103"),
    # the dict held under the same name, filled where the caller did not set it (scvi-tools' decipher)
    ('kw = kw if isinstance(kw, dict) else {}\n    if "weight_decay" not in kw.keys():\n'
     '        kw.update({"weight_decay": 1e-4})', "AWL103"),
    ('kw = kw or {}\n    kw.setdefault("weight_decay", 1e-4)', "AWL103"),
    ('kw = dict(lr=5e-3)\n    kw["weight_decay"] = 0.0', None),
    # handed to another call first, which may change it: nothing is read from it
    ('kw = dict(lr=5e-3)\n    kw["weight_decay"] = 1e-4\n    prepare(kw)', None),
    ('kw = dict(lr=5e-3)\n    kw["weight_decay"] = 1e-4\n    alias = kw', None),
])
def test_a_dict_filled_before_the_call_it_is_handed_to(body, expected):
    # the call that reads the dict is handed it (pyro's optim_args), not spread with ``**``
    source = f"import pyro.optim\n\ndef build(kw=None):\n    {body}\n    return pyro.optim.ClippedAdam(optim_args=kw)\n"
    assert codes(source) == ([(source.count("\n"), expected)] if expected else [])


def test_a_dict_filled_after_the_call_it_is_handed_to_is_not_known():
    # pyro keeps the dict and builds its optimizers from it at the first step: a later fill counts
    source = ("import pyro.optim\n\ndef build():\n    kw = {'weight_decay': 1e-2}\n    optim = pyro.optim.ClippedAdam(kw)\n"
              "    kw['weight_decay'] = 0.0\n    return optim\n")
    assert codes(source) == []




def test_keras_decay_from_a_spread_dict():
    source = ("from keras import optimizers\n\ndef build(model, decay=1e-6):\n    args = {'lr': 1e-3, 'decay': decay}\n"
              "    return optimizers.Adam(**args)\n")
    assert codes(source) == [(5, "AWL203")]
    assert codes(source.replace("'decay': decay", "'beta_1': 0.9")) == []


def test_a_stored_dict_changed_outside_its_class_is_unknown():
    source = """
        import torch

        class Trainer:
            def __init__(self):
                self.kw = {"weight_decay": 1e-4}

            def make(self, params):
                return torch.optim.Adam(params, **self.kw)

        t = Trainer()
    """
    assert codes(source) == [(9, "AWL101")]
    assert codes(source.replace("t = Trainer()", "t = Trainer()\n        t.kw['decoupled_weight_decay'] = True")) == []
    assert codes(source.replace("t = Trainer()", "t = Trainer()\n        t.kw = {'lr': 1e-3}")) == []


@pytest.mark.parametrize("store,reads", [
    ('self.kw: dict = {"weight_decay": 1e-4}', ""),  # an annotated store
    ('self.kw = {"weight_decay": 1e-4}  # make() spreads self.kw', ""),  # a comment is not a use
    ('self.kw = {"weight_decay": 1e-4}', "print(self.kw); logger.info('%s', self.kw); run.config.update(self.kw)"),
    ('self.kw = {"weight_decay": 1e-4}', "lr = self.kw.get('lr'); wd = self.kw['weight_decay']"),  # item reads
])
def test_a_stored_dict_only_read_is_followed(store, reads):
    source = f"""
        import torch

        class Trainer:
            def __init__(self):
                {store}
                {reads or "pass"}

            def make(self, params):
                return torch.optim.Adam(params, ** self.kw)
    """
    assert codes(source) == [(10, "AWL101")]


@pytest.mark.parametrize("stores,expected", [
    ('kw["weight_decay"] = 1e-4', [(6, "AWL101")]),
    ("kw.update(weight_decay=1e-4)", [(6, "AWL101")]),
    ('kw.update({"weight_decay": 1e-4})', [(6, "AWL101")]),
    ('if wd:\n        kw["weight_decay"] = wd', [(7, "AWL101")]),  # may be set: a decay that may be non-zero
    ('if wd:\n        kw["weight_decay"] = wd\n    else:\n        return None', [(9, "AWL101")]),
    ('kw["weight_decay"] = 1e-4\n    print(kw)\n    log.info("%s", kw)', [(8, "AWL101")]),  # reads
    ('kw["weight_decay"] = 0.0', []),
    ('kw["weight_decay"] = 1e-4; kw["decoupled_weight_decay"] = True', []),
    # the fill does not reach the call: another branch returns, dead code, the name bound again
    ('if wd:\n        kw["weight_decay"] = wd\n        return torch.optim.SGD(model.parameters(), **kw)', []),
    ('return None\n    kw["weight_decay"] = wd', []),
    ('kw["weight_decay"] = 1e-4\n    kw = dict(lr=1e-3)', []),
    # what else may change the dict is not known: nothing is read from it
    ('kw["weight_decay"] = 1e-4; kw.pop("weight_decay")', []),
    ('kw["weight_decay"] = 1e-4; del kw["weight_decay"]', []),
    ('kw["weight_decay"] = 1e-4\n    other(kw)', []),
    ('kw["weight_decay"] = 1e-4\n    alias = kw', []),
    ('kw.setdefault("weight_decay", 1e-4)', [(6, "AWL101")]),  # set, by what is not read: a decay that may be non-zero
    ('for k, v in pairs:\n        kw[k] = v', []),
])
def test_kwargs_filled_by_item_stores_before_the_call(stores, expected):
    source = f"import torch\n\ndef build(model, wd=0.0):\n    kw = dict(lr=1e-3)\n    {stores}\n    return torch.optim.Adam(model.parameters(), **kw)\n"
    assert codes(source) == expected
    # after the call, or in a nested def, a store does not fill it
    later = f"import torch\n\ndef build(model, wd=0.0):\n    kw = dict(lr=1e-3)\n    opt = torch.optim.Adam(model.parameters(), **kw)\n    {stores}\n    return opt\n"
    assert codes(later) == []
    nested = (f"import torch\n\ndef build(model, wd=0.0):\n    kw = dict(lr=1e-3)\n    def fill():\n"
              f"        {stores.replace(chr(10), chr(10) + '    ')}\n    return torch.optim.Adam(model.parameters(), **kw)\n")
    assert codes(nested) == []


def test_a_dict_filled_before_the_call_gets_no_automatic_fix():
    source = "import torch\n\ndef build(model):\n    kw = {}\n    kw['weight_decay'] = 1e-4\n    return torch.optim.Adam(model.parameters(), **kw)\n"
    (finding,) = analyze_source(source)
    assert finding.code == "AWL101" and "Adam(weight_decay=1e-4)" in finding.message
    # renamed to AdamW, a fill that does not happen would leave AdamW's own default decay
    assert finding.fix is None and "filled before the call" in finding.fix_blocked
    # a dict nothing fills is read as bound, its fix planned as before
    literal = "import torch\n\ndef build(model):\n    kw = {'weight_decay': 1e-4}\n    if kw is not None:\n        pass\n" \
              "    return torch.optim.Adam(model.parameters(), **kw)\n"
    (finding,) = analyze_source(literal)
    assert finding.fix is not None


def test_keras_decay_from_a_dict_filled_before_the_call():
    source = ("from keras import optimizers\n\ndef build(model, lr=None, decay=None):\n    args = {}\n"
              "    if decay is not None:\n        args['decay'] = decay\n    return optimizers.Adam(**args)\n")
    assert codes(source) == [(7, "AWL203")]
    assert codes(source.replace("args['decay'] = decay", "args['lr'] = lr")) == []


@pytest.mark.parametrize("body,expected", [
    # the decay is set under the test that also chooses AdamW: not known to go with Adam
    ('    if name == "adamw":\n        cls = torch.optim.AdamW\n        kw["weight_decay"] = wd\n'
     '    else:\n        cls = torch.optim.Adam\n    return cls(params, **kw)\n', []),
    ('    cls = torch.optim.AdamW if args.weight_decay > 0 else torch.optim.Adam\n'
     '    if args.weight_decay > 0:\n        kw["weight_decay"] = args.weight_decay\n    return cls(params, **kw)\n', []),
    # set on Adam's own branch, or under a test both are in: it goes with Adam
    ('    if name == "adamw":\n        cls = torch.optim.AdamW\n    else:\n        cls = torch.optim.Adam\n'
     '        kw["weight_decay"] = wd\n    return cls(params, **kw)\n', [(11, "AWL101")]),
    ('    if args.train:\n        if args.wd:\n            kw["weight_decay"] = args.wd\n        if name == "adamw":\n'
     '            cls = torch.optim.AdamW\n        else:\n            cls = torch.optim.Adam\n'
     '        return cls(params, **kw)\n', [(13, "AWL101")]),
    # a test that reads something else: Adam may get it
    ('    if name == "adamw":\n        cls = torch.optim.AdamW\n    else:\n        cls = torch.optim.Adam\n'
     '    if wd is not None:\n        kw["weight_decay"] = wd\n    return cls(params, **kw)\n', [(12, "AWL101")]),
    # set on every path: whatever the class
    ('    if name == "adamw":\n        cls = torch.optim.AdamW\n    else:\n        cls = torch.optim.Adam\n'
     '    kw["weight_decay"] = wd\n    return cls(params, **kw)\n', [(11, "AWL101")]),
])
def test_a_decay_filled_under_the_test_that_chooses_the_class(body, expected):
    head = ("import torch\nOPTS = {'adam': torch.optim.Adam, 'adamw': torch.optim.AdamW}\n\n"
            "def make(params, name, wd, args):\n    kw = {'lr': 1e-3}\n")
    assert codes(head + body) == expected


@pytest.mark.parametrize("body,expected", [
    # the decay is filled, or the class built, only where the table's key is not Adam's
    ('    if name == "adamw":\n        kw["weight_decay"] = wd\n    return OPTS[name](params, **kw)\n', []),
    ('    if name in ("adamw", "sgd"):\n        kw["weight_decay"] = wd\n    cls = OPTS[name]\n    return cls(params, **kw)\n', []),
    ('    if name != "adam":\n        kw["weight_decay"] = wd\n    return OPTS[name](params, **kw)\n', []),
    ('    if not name == "adam" and wd:\n        kw["weight_decay"] = wd\n    return OPTS[name](params, **kw)\n', []),
    ('    if name == "adamw":\n        return OPTS[name](params, weight_decay=wd)\n    return OPTS[name](params)\n', []),
    ('    if name == "adam":\n        return OPTS[name](params)\n    return OPTS[name](params, weight_decay=wd)\n', []),
    ('    if name.lower() == "adamw":\n        kw["weight_decay"] = wd\n    return OPTS[name.lower()](params, **kw)\n', []),
    ('    if args.optimizer == "adamw":\n        kw["weight_decay"] = wd\n    return OPTS[args.optimizer](params, **kw)\n', []),
    ('    if args.optimizer == "adamw":\n        kw["weight_decay"] = args.wd\n'
     '    print(f"{args.optimizer}", args.lr)\n    return OPTS[args.optimizer](params, lr=args.lr, **kw)\n', []),
    # or only where the class is not Adam
    ('    cls = OPTS[name]\n    if cls is torch.optim.AdamW:\n        kw["weight_decay"] = wd\n    return cls(params, **kw)\n', []),
    ('    cls = OPTS[name]\n    if cls in (torch.optim.AdamW, torch.optim.SGD):\n        kw["weight_decay"] = wd\n'
     '    return cls(params, **kw)\n', []),
    # where the key or the class may be Adam's, it goes with Adam
    ('    if name == "adam":\n        kw["weight_decay"] = wd\n    return OPTS[name](params, **kw)\n', [(8, "AWL101")]),
    ('    if name in ("adam", "adamw"):\n        kw["weight_decay"] = wd\n    return OPTS[name](params, **kw)\n', [(8, "AWL101")]),
    ('    if name != "adamw":\n        kw["weight_decay"] = wd\n    return OPTS[name](params, **kw)\n', [(8, "AWL101")]),
    ('    if name == "adamw" or wd:\n        kw["weight_decay"] = wd\n    return OPTS[name](params, **kw)\n', [(8, "AWL101")]),
    ('    if name == "adamw":\n        return OPTS[name](params)\n    return OPTS[name](params, weight_decay=wd)\n', [(8, "AWL101")]),
    ('    cls = OPTS[name]\n    if cls is not torch.optim.AdamW:\n        kw["weight_decay"] = wd\n'
     '    return cls(params, **kw)\n', [(9, "AWL101")]),
    # another spelling of Adam is not proof of another class
    ('    cls = OPTS[name]\n    if cls is torch.optim.adam.Adam:\n        kw["weight_decay"] = wd\n'
     '    return cls(params, **kw)\n', [(9, "AWL101")]),
    # the test reads another variable, or the key is bound again after it: not known to be the key
    ('    if opt == "adamw":\n        kw["weight_decay"] = wd\n    return OPTS[name](params, **kw)\n', [(8, "AWL101")]),
    ('    if name == "adamw":\n        kw["weight_decay"] = wd\n        name = args.fallback\n'
     '    return OPTS[name](params, **kw)\n', [(9, "AWL101")]),
    # a fill in a loop that binds the key: the dict may carry it into a pass with another key
    ('    for key in ("adamw", "adam"):\n        if key == "adamw":\n            kw["weight_decay"] = wd\n'
     '        OPTS[key](params, **kw)\n', [(9, "AWL101")]),
    ('    for key in ("adamw", "adam"):\n        kw = {}\n        if key == "adamw":\n'
     '            kw["weight_decay"] = wd\n        OPTS[key](params, **kw)\n', [(10, "AWL101")]),
    # the call in the pass that tests the key: not Adam
    ('    for key in ("adamw", "adam"):\n        if key == "adam":\n            continue\n'
     '        OPTS[key](params, weight_decay=wd)\n', []),
    ('    for key in ("adamw", "adam"):\n        if key == "adamw":\n            OPTS[key](params, weight_decay=wd)\n', []),
    # a test around a nested def reads the outer scope's names
    ('    if name == "adamw":\n        def inner(name):\n            return OPTS[name](params, weight_decay=wd)\n'
     '        return inner\n', [(8, "AWL101")]),
    ('    if name == "adamw":\n        return [OPTS[name](p, weight_decay=wd) for name in args.names]\n', [(7, "AWL101")]),
])
def test_a_table_key_or_class_that_a_test_rules_out(body, expected):
    head = ("import torch\nOPTS = {'adam': torch.optim.Adam, 'adamw': torch.optim.AdamW, 'sgd': torch.optim.SGD}\n\n"
            "def make(params, name, wd, args, opt):\n    kw = {'lr': 1e-3}\n")
    assert codes(head + body) == expected


@pytest.mark.parametrize("source", [
    # the key may change between the test and the call: rebound in a loop, by a walrus, by a
    # nested def's nonlocal, stored as an attribute or an item
    "def make(params, wd, name, nxt):\n    kw = {}\n    while name:\n        if name == 'adamw':\n"
    "            kw['weight_decay'] = wd\n        OPTS[name](params, **kw)\n        name = nxt(name)\n",
    "def make(params, wd, name, get):\n    kw = {}\n    if name == 'adamw':\n        kw['weight_decay'] = wd\n"
    "        if (name := get()):\n            pass\n    return OPTS[name](params, **kw)\n",
    "def make(params, wd, name):\n    def downgrade():\n        nonlocal name\n        name = 'adam'\n    kw = {}\n"
    "    if name == 'adamw':\n        kw['weight_decay'] = wd\n        downgrade()\n    return OPTS[name](params, **kw)\n",
    "def make(params, wd, args):\n    kw = {}\n    if args.optimizer == 'adamw':\n        kw['weight_decay'] = wd\n"
    "        args.optimizer = 'adam'  # an old torch\n    return OPTS[args.optimizer](params, **kw)\n",
    "def make(params, wd, cfg):\n    kw = {}\n    if cfg['optimizer'] == 'adamw':\n        kw['weight_decay'] = wd\n"
    "        cfg['optimizer'] = 'adam'\n    return OPTS[cfg['optimizer']](params, **kw)\n",
    "def make(params, wd, sched):\n    kw = {}\n    while sched.name != 'adam':\n        kw['weight_decay'] = wd\n"
    "        sched.advance()\n    return OPTS[sched.name](params, **kw)\n",
    # the table may not say which class a key gives: changed, extended, spread from another dict
    "OPTS['adamw'] = torch.optim.Adam\n\ndef make(params, wd, name):\n    kw = {}\n    if name == 'adamw':\n"
    "        kw['weight_decay'] = wd\n    return OPTS[name](params, **kw)\n",
    "OPTS.update(adamw=torch.optim.Adam)\n\ndef make(params, wd, name):\n    kw = {}\n    if name == 'adamw':\n"
    "        kw['weight_decay'] = wd\n    return OPTS[name](params, **kw)\n",
    "MORE = {'adamw': torch.optim.Adam}\nTABLE = {'adam': torch.optim.Adam, 'adamw': torch.optim.AdamW, **MORE}\n\n"
    "def make(params, wd, name):\n    kw = {}\n    if name == 'adamw':\n        kw['weight_decay'] = wd\n"
    "    return TABLE[name](params, **kw)\n",
    "def make(params, wd, name, legacy):\n    opts = {'adam': torch.optim.Adam, 'adamw': torch.optim.AdamW}\n"
    "    if legacy:\n        opts['adamw'] = torch.optim.Adam\n    kw = {}\n    if name == 'adamw':\n"
    "        kw['weight_decay'] = wd\n    return opts[name](params, **kw)\n",
    # a dict key, attribute or table that code elsewhere may change: the dict or object handed to a
    # call, an imported module's attribute, a table under another name, an entry read from another table
    "def make(params, wd, cfg):\n    kw = {}\n    if cfg['optimizer'] == 'adamw':\n        kw['weight_decay'] = wd\n"
    "        downgrade(cfg)\n    return OPTS[cfg['optimizer']](params, **kw)\n",
    "def make(params, wd, args):\n    kw = {}\n    if args.cfg['optimizer'] == 'adamw':\n        kw['weight_decay'] = wd\n"
    "    return OPTS[args.cfg['optimizer']](params, **kw)\n",
    "def make(params, wd, args):\n    kw = {}\n    if args.optimizer == 'adamw':\n        kw['weight_decay'] = wd\n"
    "        fix_args(args)\n    return OPTS[args.optimizer](params, **kw)\n",
    "import settings\n\ndef make(params, wd):\n    kw = {}\n    if settings.OPTIMIZER == 'adamw':\n"
    "        kw['weight_decay'] = wd\n        patch()\n    return OPTS[settings.OPTIMIZER](params, **kw)\n",
    "TABLE = OPTS\nTABLE['adamw'] = torch.optim.Adam\n\ndef make(params, wd, name):\n    kw = {}\n    if name == 'adamw':\n"
    "        kw['weight_decay'] = wd\n    return OPTS[name](params, **kw)\n",
    "INNER = {'w': torch.optim.AdamW}\nINNER['w'] = torch.optim.Adam\nTABLE = {'adam': torch.optim.Adam, 'adamw': INNER['w']}\n\n"
    "def make(params, wd, name):\n    kw = {}\n    if name == 'adamw':\n        kw['weight_decay'] = wd\n"
    "    return TABLE[name](params, **kw)\n",
    # the object an attribute is read from escapes: under another name, a part of it handed on;
    # an attribute computed by a property, or changed by an item store
    "def make(params, wd, args):\n    kw = {}\n    if args.optimizer == 'adamw':\n        kw['weight_decay'] = wd\n"
    "        cfg = args\n        downgrade(cfg)\n    return OPTS[args.optimizer](params, **kw)\n",
    "def make(params, wd, cfg):\n    kw = {}\n    if cfg.optim.name == 'adamw':\n        kw['weight_decay'] = wd\n"
    "    prepare(cfg.optim)\n    return OPTS[cfg.optim.name](params, **kw)\n",
    "class Args:\n    optimizer = property(lambda self: pick())\n\ndef make(params, wd, args):\n    kw = {}\n"
    "    if args.optimizer == 'adamw':\n        kw['weight_decay'] = wd\n    return OPTS[args.optimizer](params, **kw)\n",
    "def make(params, wd, cfg):\n    kw = {}\n    if cfg.optimizer == 'adamw':\n        kw['weight_decay'] = wd\n"
    "        cfg['optimizer'] = 'adam'\n    return OPTS[cfg.optimizer](params, **kw)\n",
    # module names a star import or globals() may rebind
    "import sys\nname = sys.argv[1]\nfrom settings import *\n\ndef make(params, wd):\n    if name == 'adamw':\n"
    "        return OPTS[name](params, weight_decay=wd)\n",
    "import sys\nname = sys.argv[1]\n\ndef make(params, wd):\n    globals()['name'] = 'adam'\n    if name == 'adamw':\n"
    "        return OPTS[name](params, weight_decay=wd)\n",
    # the dict holds the key already: Adam gets the decay it was bound with
    "def make(params, wd, name):\n    kw = {'weight_decay': wd}\n    if name == 'adamw':\n        kw['weight_decay'] = wd * 10\n"
    "    return OPTS[name](params, **kw)\n",
    # a name the catalog does not know may be Adam itself (``AdamW = torch.optim.Adam`` in a project module)
    "from mypkg.compat import AdamW\n\ndef make(params, wd, name):\n    kw = {}\n    cls = OPTS[name]\n"
    "    if cls is AdamW:\n        kw['weight_decay'] = wd\n    return cls(params, **kw)\n",
])
def test_a_test_that_may_not_read_the_key_the_call_does(source):
    head = "import torch\nOPTS = {'adam': torch.optim.Adam, 'adamw': torch.optim.AdamW}\n"
    assert [code for _, code in codes(head + source)] == ["AWL101"]


def test_classes_of_one_catalog_row_are_not_one_class():
    # bitsandbytes' RMSprop8bit and RMSprop32bit share a row: a test of one says nothing of the other
    source = ("import bitsandbytes as bnb\nOPTS = {'a': bnb.optim.RMSprop8bit, 'b': bnb.optim.RMSprop32bit}\n\n"
              "def make(params, wd, name):\n    cls = OPTS[name]\n    if cls is bnb.optim.RMSprop8bit:\n"
              "        return cls(params)\n    return cls(params, weight_decay=wd)\n")
    assert codes(source) == [(8, "AWL103")]


def test_an_early_exit_elsewhere_does_not_take_a_class_with_a_decay_away():
    # a test of the module's own ``name`` is not the function's parameter; a loop's ``continue``
    # leaves the dict filled for the next pass
    module = ("import sys\nimport torch\nname = sys.argv[1]\nif name == 'adamw':\n    raise SystemExit\n"
              "DEFAULT = torch.optim.Adam\n\ndef make(params, name, wd):\n    kw = {}\n    if name == 'adamw':\n"
              "        kw['weight_decay'] = wd\n    cls = torch.optim.SGD if wd is None else DEFAULT\n    return cls(params, **kw)\n")
    assert codes(module) == [(13, "AWL101")]
    loop = ("import torch\n\ndef make(params, names, wd):\n    kw = {}\n    for name in names:\n        if name == 'adamw':\n"
            "            kw['weight_decay'] = wd\n            cls = torch.optim.AdamW\n            cls(params, **kw)\n"
            "            continue\n        cls = torch.optim.Adam\n        cls(params, **kw)\n")
    assert codes(loop) == [(12, "AWL101")]


@pytest.mark.parametrize("body,reported", [
    ("    cls = torch.optim.AdamW if decoupled else torch.optim.Adam\n"
     "    return cls(params, weight_decay=wd if decoupled else 0.0)\n", False),
    ("    return (torch.optim.AdamW if decoupled else torch.optim.Adam)(params, weight_decay=wd if decoupled else 0)\n", False),
    # Adam goes with the other branch, or the decay's test reads something else, or may differ
    ("    cls = torch.optim.Adam if decoupled else torch.optim.AdamW\n"
     "    return cls(params, weight_decay=wd if decoupled else 0.0)\n", True),
    ("    cls = torch.optim.AdamW if decoupled else torch.optim.Adam\n"
     "    return cls(params, weight_decay=wd if other else 0.0)\n", True),
    ("    cls = torch.optim.AdamW if decoupled else torch.optim.Adam\n    decoupled = not decoupled\n"
     "    return cls(params, weight_decay=wd if decoupled else 0.0)\n", True),
    ("    for flag in (True, False):\n        cls = torch.optim.AdamW if flag else torch.optim.Adam\n"
     "        cls(params, weight_decay=wd if flag else 0.0)\n", True),
    # a test whose value may change in place between the two
    ("    cls = torch.optim.AdamW if other['decoupled'] else torch.optim.Adam\n    other['decoupled'] = True\n"
     "    return cls(params, weight_decay=wd if other['decoupled'] else 0.0)\n", True),
    ("    cls = torch.optim.AdamW if other else torch.optim.Adam\n    other.append(1)\n"
     "    return cls(params, weight_decay=wd if other else 0.0)\n", True),
    # the decay's test is the module's, not the function's parameter of the same name
    ("    cls = torch.optim.AdamW if decoupled else torch.optim.Adam\n    return cls(params, **KW)\n"
     "\ndecoupled = True\nKW = {'weight_decay': 0.01 if decoupled else 0.0}\n", True),
])
def test_a_decay_chosen_on_the_test_that_chose_the_class(body, reported):
    source = "import torch\n\ndef make(params, wd, decoupled, other):\n" + body
    assert [code for _, code in codes(source)] == (["AWL101"] if reported else [])


def test_getattr_with_a_name_a_test_rules_out():
    source = ("import torch\n\ndef make(params, wd, name='Adam'):\n    kw = {}\n    if name == '{}':\n"
              "        kw['weight_decay'] = wd\n    return getattr(torch.optim, name)(params, **kw)\n")
    assert codes(source.replace("'{}'", "'AdamW'")) == []
    assert codes(source.replace("'{}'", "'Adam'")) == [(7, "AWL101")]


@pytest.mark.parametrize("change", [
    'kw.pop("weight_decay")', 'del kw["weight_decay"]', 'kw.setdefault("decoupled_weight_decay", True)', "kw.clear()",
    # two fills, either may reach: which value is not known
    'if a:\n        kw["weight_decay"] = 1e-4\n    else:\n        kw["weight_decay"] = 0.0',
])
def test_a_dict_changed_before_the_call_is_not_read_as_written(change):
    source = f"import torch\n\ndef build(model, wd, a):\n    kw = {{'weight_decay': 1e-4}}\n    {change}\n" \
             "    return torch.optim.Adam(model.parameters(), **kw)\n"
    assert codes(source) == []
    # handed to a call without being filled: read as written, as before
    assert codes(source.replace(change.split("\n")[0], "log_options(kw)") if "\n" not in change
                 else source.replace(change, "log_options(kw)")) == [(6, "AWL101")]


@pytest.mark.parametrize("change,reported", [
    ("pass", True),
    # the wrapper takes the caller's decay out, or sets its own, on every path
    ('kw.pop("weight_decay", None)', False),
    ('del kw["weight_decay"]', False),
    ('kw["weight_decay"] = 0.0', False),
    ("kw.update(weight_decay=0)", False),
    ('kw["decoupled_weight_decay"] = True', False),
    ('if flag:\n        kw["weight_decay"] = 0.0\n    else:\n        kw.pop("weight_decay")', False),
    # the caller's decay may still be there: removed on one path, kept by setdefault, or changed
    # in ways not followed (handed to a call, an augmented store)
    ('if flag:\n        kw.pop("weight_decay")', True),
    ('kw.setdefault("weight_decay", 0.0)', True),
    ("adjust(kw)", True),
    ('kw["weight_decay"] *= 0', True),
    ('kw["weight_decay"] = 0.0\n    kw = dict(other)', True),  # another dict, not followed
    ('kw.pop("lr", None)', True),
    ('with contextlib.suppress(KeyError):\n        scale = kw["scale"]\n        kw.pop("weight_decay")', True),
    # a decay popped and used: it may reach the optimizer some other way (a param group)
    ('wd = kw.pop("weight_decay", 0.0)\n    params = [{"params": params, "weight_decay": wd}]', True),
    ('wd = float(kw.pop("weight_decay", 0.0))', True),
    ('kw["weight_decay"] = float(kw["weight_decay"])', True),
    ('kw.update(weight_decay=kw.get("weight_decay", 0.0))', True),
    # set differently on every path: one of them turns a coupled decay on, reported as before
    ('if flag:\n        kw["weight_decay"] = 5e-4\n    else:\n        kw["weight_decay"] = 1e-2', True),
    ('if flag:\n        kw.pop("weight_decay", None)\n    else:\n        kw["weight_decay"] = 1e-2', True),
    # setdefault after the caller's is taken out sets its own, in a loop too
    ('kw.pop("weight_decay", None)\n    kw.setdefault("weight_decay", 0.0)', False),
    ('kw.pop("weight_decay", None)\n    for i in range(3):\n        kw.setdefault("weight_decay", 0.0)', False),
    # a local a nested def rebinds with ``nonlocal`` is not followed
    ('off = True\n    def turn():\n        nonlocal off\n        off = False\n    turn()\n'
     '    kw["decoupled_weight_decay"] = off', True),
    ('for i in range(3):\n        kw.setdefault("weight_decay", 0.0)', True),
    # a local of the wrapper, not the module's name of the same spelling
    ('wd = 0.0\n    kw["weight_decay"] = wd', False),
    ('off = False\n    kw["decoupled_weight_decay"] = off', True),
])
def test_a_wrapper_that_changes_its_own_kwargs(change, reported):
    source = (f"import contextlib\nimport torch\n\nwd = 1e-2\noff = True\n\ndef build(params, flag=False, **kw):\n    {change}\n"
              "    return torch.optim.Adam(params, **kw)\n\nopt = build(model.parameters(), lr=1e-3, weight_decay=1e-4)\n")
    call = source.count("\n")
    assert [c for line, c in codes(source) if line == call] == (["AWL101"] if reported else [])
    # a change after the construction does not count
    after = source.replace(f"    {change}\n    return torch.optim.Adam(params, **kw)\n",
                           f"    opt = torch.optim.Adam(params, **kw)\n    {change}\n    return opt\n")
    assert [c for line, c in codes(after) if line == after.count("\n")] == ["AWL101"]


@pytest.mark.parametrize("read,passed,reported", [
    ('kw.pop("weight_decay", 0.0)', "weight_decay=1e-4", True),
    ('kw.pop("weight_decay", 0.0)', "lr=1e-3", False),  # its default
    ('kw.pop("weight_decay", 1e-4)', "lr=1e-3", False),  # the wrapper's own default: reported in the wrapper
    ('kw.get("weight_decay", 0.0)', "weight_decay=1e-4", True),
    ('kw["weight_decay"]', "weight_decay=1e-4", True),
    ('kw.pop("wd", 0.0)', "wd=1e-4", True),  # renamed on the way
])
def test_a_decay_a_wrapper_reads_from_its_kwargs_is_the_callers(read, passed, reported):
    source = (f"import torch\n\ndef build(params, **kw):\n    wd = {read}\n    kw.pop('wd', None)\n"
              f"    return torch.optim.Adam(params, weight_decay=wd, **kw)\n\nopt = build(params, {passed})\n")
    assert [c for line, c in codes(source) if line == 8] == (["AWL101"] if reported else [])


@pytest.mark.parametrize("body,reported", [
    # the construction's own names are its own: a nested def's parameter is not the popped decay
    ('    wd = kw.pop("weight_decay", 0.0)\n\n    def make(wd=0.0):\n        return torch.optim.Adam(params, weight_decay=wd)\n'
     '    return make()\n', False),
    # set again when the caller passed nothing: not the caller's, which is reported
    ('    wd = kw.pop("weight_decay", None)\n    if wd is None:\n        wd = 0.0\n'
     '    return torch.optim.Adam(params, weight_decay=wd, **kw)\n', True),
])
def test_a_decay_popped_from_kwargs_where_the_construction_reads_it(body, reported):
    source = f"import torch\n\ndef build(params, **kw):\n{body}\nopt = build(params, weight_decay=1e-4)\n"
    call = source.count("\n")
    assert [c for line, c in codes(source) if line == call] == (["AWL101"] if reported else [])


def test_kwargs_of_another_function_than_the_one_called_are_not_the_callers():
    # a factory whose constructor drops its **kwargs, and whose __call__ reads its own
    factory = ("import torch\n\nclass F:\n    def __init__(self, lr, **kwargs):\n        self.lr = lr\n\n"
               "    def __call__(self, params, **kwargs):\n        wd = kwargs.get('weight_decay', 0.0)\n"
               "        return torch.optim.Adam(params, lr=self.lr, weight_decay=wd)\n\nmake = F(1e-3, weight_decay=1e-4)\n")
    assert codes(factory) == [(9, "AWL101")]  # the construction's own decay, not the constructor's call
    nested = ("import torch\n\ndef build(params, **kw):\n    def inner(**kw):\n        wd = kw.get('weight_decay', 0.0)\n"
              "        return torch.optim.Adam(params, weight_decay=wd)\n    return inner()\n\nopt = build(p, weight_decay=1e-4)\n")
    assert (9, "AWL101") not in codes(nested)
    # a factory whose constructor drops its **kwargs, and whose __call__ spreads its own; a def
    # inside the wrapper with **kwargs of the same name
    spread = factory.replace("wd = kwargs.get('weight_decay', 0.0)\n", "").replace("weight_decay=wd", "**kwargs")
    assert codes(spread) == []
    assert codes(nested.replace("wd = kw.get('weight_decay', 0.0)\n", "").replace("weight_decay=wd", "**kw")) == []
    # the wrapper's own **kwargs, closed over by a def, a class body or a comprehension inside it
    closure = ("import torch\n\ndef build(params, **kw):\n    def make():\n        return torch.optim.Adam(params, **kw)\n"
               "    return make()\n\nopt = build(p, weight_decay=1e-4)\n")
    assert codes(closure) == [(8, "AWL101")]
    assert codes(closure.replace("    def make():\n        return", "    class Box:\n        opt =")
                 .replace("    return make()", "    return Box.opt")) == [(8, "AWL101")]
    assert codes(closure.replace("    def make():\n        return torch.optim.Adam(params, **kw)\n    return make()",
                                 "    return [torch.optim.Adam(ps, **kw) for ps in params]")) == [(6, "AWL101")]
    # ``Base.__init__(self, …)`` is read as a call of the base made up for it: no position
    explicit = ("import torch\n\nclass MyAdam(torch.optim.Adam):\n    def __init__(self, params, lr=1e-3, **kw):\n"
                "        torch.optim.Adam.__init__(self, params, lr=lr, **kw)\n\n"
                "sgd = torch.optim.Adam(p, weight_decay=5e-4)\no = MyAdam(p, weight_decay=1e-4)\np2 = MyAdam(p)\n")
    assert codes(explicit) == [(7, "AWL101"), (8, "AWL101")]


def test_setdefaults_of_a_wrapper_are_each_read_once(monkeypatch):
    from adamw_lint.checkers import optimizers

    asked = []
    real = optimizers.key_defs
    monkeypatch.setattr(optimizers, "key_defs", lambda *a: asked.append(a) or real(*a))
    pairs = "".join(f"    if f{i}:\n        kw.setdefault('weight_decay', 0.0)\n    else:\n        kw.setdefault('weight_decay', 0.0)\n"
                    for i in range(24))
    source = f"import torch\n\ndef build(params, **kw):\n{pairs}    return torch.optim.Adam(params, **kw)\n\nopt = build(p, lr=1e-3)\n"
    assert codes(source) == []
    assert len(asked) < 200  # each setdefault asked once: 2 ** 24 paths before
    # setdefaults each reading the next key's value: as deep as followed, then as the wrapper wrote it
    chain = "".join(f"    w{k} = kw.get('k{k + 1}', 0.0)\n" + f"    kw.setdefault('k{k}', w{k})\n" * 60 for k in range(15))
    deep = f"import torch\n\ndef build(params, **kw):\n{chain}    return torch.optim.Adam(params, **kw)\n\n" \
           "other = torch.optim.Adam(p, weight_decay=5e-4)\nopt = build(p, lr=1e-3, weight_decay=1e-4)\n"
    assert (deep.count("\n") - 1, "AWL101") in codes(deep)


def test_kwargs_reads_through_one_another_and_a_factory_storing_a_local_are_no_error():
    chain = "".join(f"    w{i + 1} = kw.pop('k{i + 1}', w{i})\n" for i in range(400))
    source = f"import torch\n\ndef build(params, w0=0.0, **kw):\n{chain}    return torch.optim.Adam(params, weight_decay=w400, **kw)\n" \
             "\nopt = build(params, k1=1e-4)\n"
    assert codes(source)  # followed as deep as it goes, then as the wrapper wrote it: no error
    factory = ("import torch\n\nclass Factory:\n    def __init__(self, params, **kw):\n        wd = kw.pop('weight_decay', 0.0)\n"
               "        self.params = params\n        self.wd = wd\n\n    def build(self):\n"
               "        return torch.optim.Adam(self.params, weight_decay=self.wd)\n\nf = Factory(p, weight_decay=1e-4)\n")
    assert (10, "AWL101") in codes(factory)


def test_a_dict_changed_under_suppress_may_keep_what_it_held():
    source = ("import contextlib\nimport torch\n\ndef build(params, extra):\n    kw = {'weight_decay': 1e-4}\n"
              "    with contextlib.suppress(KeyError):\n        scale = extra['scale']\n        kw.pop('weight_decay')\n"
              "    return torch.optim.Adam(params, **kw)\n")
    assert codes(source) == [(9, "AWL101")]
    assert codes(source.replace("contextlib.suppress(KeyError)", "torch.no_grad()")) == []


def test_a_decay_read_from_kwargs_with_itself_as_default_is_no_error():
    source = ("import torch\n\ndef build(params, steps, **kw):\n    for s in steps:\n        wd = kw.get('weight_decay', wd)\n"
              "    return torch.optim.Adam(params, weight_decay=wd, **kw)\n\nopt = build(p, [1], weight_decay=1e-4)\n")
    assert (8, "AWL101") in codes(source)


def test_a_lambda_spreading_its_own_kwargs_is_no_error():
    assert codes("import torch\nmake = lambda params, **kw: torch.optim.Adam(params, **kw)\n") == []


# --- a method of an instance the module builds (ultralytics' train, additions §A3) ------------

_YOLO = "from ultralytics import YOLO\n"


@pytest.mark.parametrize(
    "source,expected",
    [
        ("model = YOLO('n.pt')\nmodel.train(data='d.yaml', optimizer='Adam')\n", [(3, "AWL101")]),
        ("YOLO('n.pt').train(optimizer='adam', weight_decay=1e-4)\n", [(2, "AWL101")]),
        ("model = YOLO('n.pt')\nmodel.train(optimizer='NAdam', weight_decay=wd)\n", [(3, "AWL103")]),
        ("model = YOLO('n.pt')\nmodel.train(optimizer='RMSprop', cfg='my.yaml')\n", [(3, "AWL103")]),
        ("model = YOLO('n.pt')\nmodel.train(optimizer='Adam', trainer=None, resume=False)\n", [(3, "AWL101")]),
        ("model = YOLO('n.pt')\ndef main():\n    model.train(optimizer='Adam')\n", [(4, "AWL101")]),
        ("if big:\n    model = YOLO('l.pt')\nelse:\n    model = YOLO('n.pt')\nmodel.train(optimizer='Adam')\n",
         [(6, "AWL101")]),
        # not ultralytics' configuration, or not one the call decides
        ("model = YOLO('n.pt')\nmodel.train(optimizer='AdamW')\n", []),
        ("model = YOLO('n.pt')\nmodel.train(optimizer='auto')\n", []),
        ("model = YOLO('n.pt')\nmodel.train(optimizer='SGD')\n", []),
        ("model = YOLO('n.pt')\nmodel.train(data='d.yaml')\n", []),
        ("model = YOLO('n.pt')\nmodel.train(optimizer='Adam', weight_decay=0.0)\n", []),
        ("model = YOLO('n.pt')\nmodel.train(optimizer='Adam', trainer=MyTrainer)\n", []),
        ("model = YOLO('n.pt')\nmodel.train(optimizer='Adam', resume=True)\n", []),
        ("model = YOLO('n.pt')\nmodel.train(optimizer='Adam', resume='')\n", [(3, "AWL101")]),  # not true: not given
        # the model's overrides are what train() starts from: changed, the decay is out of sight
        ("model = YOLO('n.pt')\nmodel.overrides['weight_decay'] = 0.0\nmodel.train(optimizer='Adam')\n", []),
        ("model = YOLO('n.pt')\nmodel.overrides.update(weight_decay=0.0)\nmodel.train(optimizer='Adam')\n", []),
        ("model = YOLO('n.pt')\nprint(model.overrides.get('data'))\nmodel.train(optimizer='Adam')\n", [(4, "AWL101")]),
        ("model = YOLO('n.pt')\ncfg = model.overrides\ncfg['weight_decay'] = 0.0\nmodel.train(optimizer='Adam')\n", []),
        ("model = YOLO('n.pt')\nmodel.train(optimizer='Adam', **overrides)\n", []),
        ("model = YOLO('n.pt')\nmodel.train(optimizer=name)\n", []),
        # the receiver is not known to be one
        ("def fit(model):\n    model.train(optimizer='Adam')\n", []),
        ("model = YOLO('n.pt') if pretrained else None\nmodel.train(optimizer='Adam')\n", []),
        ("model = None\nif ok:\n    model = YOLO('n.pt')\nmodel.train(optimizer='Adam')\n", []),
        ("model = YOLO('n.pt')\nmodel = model.to('cuda')\nmodel.train(optimizer='Adam')\n", []),
        # bound again where the flow must see it: a walrus in a test, except … as, a case pattern, nonlocal
        ("model = YOLO('n.pt')\nif (model := make()) is not None:\n    pass\nmodel.train(optimizer='Adam')\n", []),
        ("model = YOLO('n.pt')\nwhile (model := make()):\n    model.train(optimizer='Adam')\n", []),
        ("model = YOLO('n.pt')\ntry:\n    pass\nexcept Exception as model:\n    model.train(optimizer='Adam')\n", []),
        ("model = YOLO('n.pt')\nmatch x:\n    case Net() as model:\n        model.train(optimizer='Adam')\n", []),
        ("def outer():\n    model = YOLO('n.pt')\n    def swap():\n        nonlocal model\n        model = make()\n"
         "    swap()\n    model.train(optimizer='Adam')\n", []),
        ("import torch\nnet = torch.nn.Linear(2, 2)\nnet.train(optimizer='Adam')\n", []),
        ("model = Other('n.pt')\nmodel.train(optimizer='Adam')\n", []),
    ],
)
def test_ultralytics_train_names_its_optimizer(source, expected):
    assert codes(_YOLO + source) == expected


def test_ultralytics_models_named_as_a_star_import_or_an_alias_brings_them():
    assert codes("from ultralytics import *\nYOLO('n.pt').train(optimizer='Adam')\n") == [(2, "AWL101")]
    # a function that trains the module's model is read: its lines name neither the class nor an optimizer
    aliased = "from ultralytics import YOLO as Detector\nmodel = Detector('n.pt')\n\ndef main():\n    model.train(optimizer='radam')\n"
    assert codes(aliased) == [(5, "AWL103")]


@pytest.mark.parametrize("source", [
    "def main():\n    from ultralytics import YOLO\n    YOLO('n.pt').train(optimizer='radam')\n",
    "import ultralytics\n\ndef main():\n    model = ultralytics.YOLO('n.pt')\n    model.train(optimizer='radam')\n",
])
def test_a_function_whose_only_relevant_word_is_the_models_package_is_read(source):
    # the package word marks the body as relevant, as an optimizer's name does (a fresh review's)
    assert [code for _, code in codes(source)] == ["AWL103"]


@pytest.mark.parametrize("binding,reaches", [
    ("if (cls := pick()) is not None:\n    pass", False),
    # the test runs again before the body does: what the body bound last is not what it gets
    ("while (cls := pick()) is not None:\n    opt = cls(p, weight_decay=1e-4)\n    cls = torch.optim.Adam", False),
    ("if ok and (cls := pick()):\n    pass", True),  # the walrus may not run
    ("try:\n    pass\nexcept Exception as cls:\n    pass", True),  # the handler may not run
    # in the case, the pattern's cls; after the match, Adam where no case matched
    ("match x:\n    case int() as cls:\n        opt = cls(p, weight_decay=1e-4)", True),
])
def test_the_flow_sees_a_walrus_in_a_test_an_exception_name_and_a_case_pattern(binding, reaches):
    source = f"import torch\ncls = torch.optim.Adam\n{binding}\nopt = cls(p, weight_decay=1e-4)\n"
    assert codes(source) == ([(source.count("\n"), "AWL101")] if reaches else [])


def test_ultralytics_message_says_the_default_decay_and_what_may_replace_it():
    plain, = findings(_YOLO + "m = YOLO('n.pt')\nm.train(optimizer='Adam')\n")
    assert "ultralytics.YOLO(…).train(optimizer='Adam', weight_decay=0.0005 by default)" in plain.message
    assert "if it is non-zero" not in plain.message and plain.fix is not None
    configured, = findings(_YOLO + "m = YOLO('n.pt')\nm.train(optimizer='Adam', cfg='c.yaml')\n")
    assert "unless cfg sets it" in configured.message and "if it is non-zero" in configured.message
    rtdetr, = findings("from ultralytics.models.rtdetr.model import RTDETR as R\nR('l.pt').train(optimizer='Adamax')\n")
    assert rtdetr.code == "AWL103" and "ultralytics.models.rtdetr.model.RTDETR(…).train" in rtdetr.message


@pytest.mark.parametrize("source,expected", [
    # the class a module's call passes for a parameter (scvi-tools' _optimizer_creator_fn(torch.optim.Adam))
    ("def make(cls, params):\n    return cls(params, weight_decay=1e-4)\n\nmake(torch.optim.Adam, p)\n", [(2, "AWL101")]),
    ("def make(params, cls=None):\n    return cls(params, weight_decay=1e-4)\n\nmake(p, cls=torch.optim.NAdam)\n",
     [(2, "AWL102")]),
    ("class Plan:\n    def _creator(self, cls):\n        def create(params):\n            return cls(params, weight_decay=1e-4)\n"
     "        return create\n\n    def configure(self, params):\n        return self._creator(torch.optim.Adam)(params)\n",
     [(4, "AWL101")]),
    ("def make(cls, params):\n    return cls(params, weight_decay=1e-4)\n\nmake(torch.optim.AdamW, p)\nmake(torch.optim.SGD, p)\n", []),
    # not that function's call, another function's parameter, or the parameter bound again first
    ("def make(cls, params):\n    return cls(params, weight_decay=1e-4)\n\ndef other(cls):\n    pass\n\nother(torch.optim.Adam)\n", []),
    ("def make(cls, params):\n    cls = registry[cls]\n    return cls(params, weight_decay=1e-4)\n\nmake(torch.optim.Adam, p)\n", []),
    ("def make(cls, params):\n    return cls(params, weight_decay=0.0)\n\nmake(torch.optim.Adam, p)\n", []),
    ("def make(*args):\n    return args[0](p, weight_decay=1e-4)\n\nmake(torch.optim.Adam)\n", []),
])
def test_a_class_a_call_passes_for_a_parameter(source, expected):
    assert codes("import torch\n\n" + source) == [(line + 2, code) for line, code in expected]


@pytest.mark.parametrize("source,expected", [
    # a class or a dict of arguments a function or method of the module returns (dive-into-graphs, fairseq)
    ("def get_cls():\n    return torch.optim.Adam\n\nopt = get_cls()(p, weight_decay=1e-4)\n", [4]),
    ("def get_cls():\n    return torch.optim.Adam\n\ncls = get_cls()\nopt = cls(p, weight_decay=1e-4)\n", [5]),
    ("class E:\n    def get_optim(self, name):\n        return {'Adam': torch.optim.Adam, 'SGD': torch.optim.SGD}[name]\n\n"
     "    def run(self, p):\n        return self.get_optim('Adam')(p, weight_decay=1e-4)\n", [6]),
    ("def kwargs(wd=1e-4):\n    return {'lr': 1e-3, 'weight_decay': wd}\n\nopt = torch.optim.Adam(p, **kwargs())\n", [4]),
    ("class A:\n    @property\n    def config(self):\n        return {'weight_decay': self.wd}\n\n"
     "    def build(self, p):\n        return torch.optim.Adagrad(p, **self.config)\n", [7]),
    # not adaptive, not coupled, a decay of zero, or more than one dict returned
    ("def get_cls():\n    return torch.optim.SGD\n\nopt = get_cls()(p, weight_decay=1e-4)\n", []),
    ("def get_cls():\n    return torch.optim.AdamW\n\nopt = get_cls()(p, weight_decay=1e-4)\n", []),
    ("def kwargs():\n    return {'weight_decay': 0.0}\n\nopt = torch.optim.Adam(p, **kwargs())\n", []),
    ("def kwargs(big):\n    if big:\n        return {'weight_decay': 1e-4}\n    return {}\n\nopt = torch.optim.Adam(p, **kwargs(x))\n",
     []),
    ("def get_cls():\n    def inner():\n        return torch.optim.Adam\n    return torch.optim.SGD\n\nopt = get_cls()(p, weight_decay=1e-4)\n",
     []),
    ("class A:\n    def config(self):\n        return {'weight_decay': 1e-4}\n\n"
     "    def build(self, p):\n        return torch.optim.Adam(p, **self.config)\n", []),  # a method, not its result
])
def test_what_a_function_of_the_module_returns(source, expected):
    assert [line - 2 for line, _ in codes("import torch\n\n" + source)] == expected


def test_a_method_overridden_where_self_is_is_the_one_it_runs():
    base = "class Base:\n    def opt_cls(self):\n        return torch.optim.Adam\n\n"
    sub = ("class Sub(Base):\n    def opt_cls(self):\n        return torch.optim.AdamW\n\n"
           "    def build(self, p):\n        return self.opt_cls()(p, weight_decay=0.01)\n")
    assert codes("import torch\n" + base + sub) == []  # Sub's own opt_cls
    inherited = sub.replace("    def opt_cls(self):\n        return torch.optim.AdamW\n\n", "")
    assert [c for _, c in codes("import torch\n" + base + inherited)] == ["AWL101"]  # Base's
    # a subclass of the class may override it: self may be one of its instances
    below = base.replace("class Base:", "class Base:\n    def build(self, p):\n        return self.opt_cls()(p, weight_decay=0.01)\n") \
        .replace("torch.optim.Adam\n", "torch.optim.AdamW\n") + "class Sub(Base):\n    def opt_cls(self):\n        return torch.optim.Adam\n"
    assert [c for _, c in codes("import torch\n" + below)] == ["AWL101"]


@pytest.mark.parametrize("choice,reported", [
    # the class's own decoupling switch, set by an expression (megatron-core), as the flag is trusted
    ("torch.optim.AdamW if config.decoupled_weight_decay else torch.optim.Adam", False),
    ("torch.optim.Adam if config.coupled else torch.optim.AdamW", False),
    # two optimizers that are not one class and its decoupled form
    ("torch.optim.RAdam if config.rectified else torch.optim.Adam", True),
    ("torch.optim.AdamW if a else torch.optim.Adam if b else torch.optim.SGD", True),
    # not a decoupling switch: a constant, an optimizer's name compared, a class reported whatever its decay
    ("torch.optim.AdamW if USE_ADAMW else torch.optim.Adam", True),
    ("torch.optim.Adam if args.optimizer == 'adam' else torch.optim.AdamW", True),
    ("torch.optim.AdamW if use_torch else transformers.AdamW", True),
])
def test_a_class_and_its_decoupled_form_chosen_by_an_expression(choice, reported):
    source = f"import torch\nimport transformers\nUSE_ADAMW = False\ncls = {choice}\nopt = cls(p, weight_decay=1e-4)\n"
    assert bool(codes(source)) == reported


@pytest.mark.parametrize("source,reported", [
    # what a call passes is paired with what the same call passes for the decay
    ("def make(p, cls=torch.optim.AdamW, wd=0.01):\n    return cls(p, weight_decay=wd)\n\n"
     "a = make(q)\nb = make(q, torch.optim.Adam, 0.0)\n", False),
    ("def make(p, cls=torch.optim.AdamW, wd=0.01):\n    return cls(p, weight_decay=wd)\n\n"
     "a = make(q, torch.optim.Adam, 0.0)\nb = make(q, torch.optim.Adam)\n", True),
    ("def make(cls, p, **kw):\n    return cls(p, weight_decay=0.01, **kw)\n\n"
     "opt = make(torch.optim.Adam, q, decoupled_weight_decay=True)\n", False),
    # the method self.make(…) runs, not a sibling's or an override's of the same name
    ("class Plain:\n    def make(self, cls):\n        return cls(p)\n\n    def run(self):\n        return self.make(torch.optim.Adam)\n\n"
     "class Decayed:\n    def make(self, cls):\n        return cls(p, weight_decay=0.01)\n", False),
    # a returned dict is read only for a call that passes nothing (else its parameters are not their defaults)
    ("def kw(wd=0.01):\n    return {'weight_decay': wd}\n\nopt = torch.optim.Adam(p, **kw(wd=0.0))\n", False),
    # async, a generator, a decorator that may replace the function: not what the call returns
    ("async def get_cls():\n    return torch.optim.Adam\n\nopt = get_cls()(p, weight_decay=1e-4)\n", False),
    ("def get_cls():\n    yield 1\n    return torch.optim.Adam\n\nopt = get_cls()(p, weight_decay=1e-4)\n", False),
    ("@registry.wrap\ndef get_cls():\n    return torch.optim.Adam\n\nopt = get_cls()(p, weight_decay=1e-4)\n", False),
    ("@functools.lru_cache\ndef get_cls():\n    return torch.optim.Adam\n\nopt = get_cls()(p, weight_decay=1e-4)\n", True),
])
def test_what_a_call_passes_or_a_function_returns_where_it_is_known(source, reported):
    assert bool(codes("import functools\nimport torch\n\n" + source)) == reported


def test_the_method_self_runs_follows_the_bases_depth_first_and_left_to_right():
    source = ("import torch\nclass A:\n    def kw(self):\n        return {'weight_decay': 0.0}\n\nclass B(A):\n    pass\n\n"
              "class C:\n    def kw(self):\n        return {'weight_decay': 0.01}\n\nclass D(B, C):\n"
              "    def build(self, p):\n        return torch.optim.Adam(p, **self.kw())\n")
    assert codes(source) == []  # D's MRO runs A.kw (D, B, A, C)


@pytest.mark.parametrize("test", ["cfg['decoupled_weight_decay']", "cfg.get('decoupled_weight_decay', False)",
                                  "cfg.decoupled and cfg.ok"])
def test_a_decoupling_switch_read_from_a_config_item(test):
    source = f"import torch\ndef make(p, cfg):\n    cls = torch.optim.AdamW if {test} else torch.optim.Adam\n" \
             "    return cls(p, weight_decay=cfg['wd'])\n"
    assert codes(source) == []


@pytest.mark.parametrize("source,reported", [
    # a break leaves a while loop without its test
    ("while (cls := torch.optim.AdamW):\n    cls = torch.optim.Adam\n    break\nopt = cls(p, weight_decay=0.01)\n", True),
    # the decay is the enclosing function's, not the inner one's parameter at that place
    ("def make(p, wd):\n    def inner(cls, zero, p2):\n        return cls(p2, weight_decay=wd)\n"
     "    return inner(torch.optim.Adam, 0, p)\n", True),
    # a keyword the function takes by name is not forwarded by **kwargs
    ("def make(cls, p, weight_decay=0.0, wd=0.01, **kw):\n    return cls(p, weight_decay=wd, **kw)\n\n"
     "make(torch.optim.Adam, q, weight_decay=0.0)\n", True),
    ("def make(cls, p, wd=0.01):\n    return cls(p, weight_decay=wd)\n\nmake(torch.optim.Adam, q, decoupled_weight_decay=True)\n",
     True),
])
def test_what_the_calls_that_pass_a_class_do_not_rule_out(source, reported):
    assert bool(codes("import torch\n" + source)) == reported
