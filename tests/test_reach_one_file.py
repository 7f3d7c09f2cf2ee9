"""Optimizers a file builds without naming them at the call (issue 14, inside one file):
param groups added later, classes chosen by branches and registries, subclasses, Keras getters.
Every recognition has its negatives beside it."""
import textwrap

import pytest

from helpers import codes, findings, fixed




# --- add_param_group ------------------------------------------------------------------------

ADDED = """
    import torch
    opt = torch.optim.{cls}(model.backbone.parameters(), lr=1e-3{wd})
    opt.add_param_group({{"params": model.head.parameters(), {group}}})
"""


@pytest.mark.parametrize("cls,code", [("Adam", "AWL101"), ("RMSprop", "AWL103"), ("NAdam", "AWL102")])
def test_a_group_added_with_decay_to_an_adaptive_coupled_optimizer(cls, code):
    found = findings(ADDED.format(cls=cls, wd="", group='"weight_decay": 1e-4'))
    assert [(f.line, f.code) for f in found] == [(3, code)]
    assert "in a param group added at line 4" in found[0].message


@pytest.mark.parametrize(
    "cls,wd,group",
    [
        ("Adam", "", '"lr": 1e-4'),  # the group sets no decay: the optimizer's (none) applies
        ("Adam", "", '"weight_decay": 0.0'),
        ("AdamW", "", '"weight_decay": 1e-4'),  # decoupled
        ("SGD", "", '"weight_decay": 1e-4'),  # not adaptive
        ("Adam", "", '"weight_decay": 1e-4, "decoupled_weight_decay": True'),
        ("Adam", ", decoupled_weight_decay=True", '"weight_decay": 1e-4'),  # the default applies to the group
    ],
)
def test_groups_added_without_coupled_decay(cls, wd, group):
    assert codes(ADDED.format(cls=cls, wd=wd, group=group)) == []


def test_a_group_added_to_an_optimizer_built_with_decay_is_one_finding():
    assert codes(ADDED.format(cls="Adam", wd=", weight_decay=1e-4", group='"weight_decay": 1e-3')) == [(3, "AWL101")]


def test_add_param_group_on_an_unknown_object_or_a_rebound_name():
    assert codes("""
        import torch
        opt.add_param_group({"params": p, "weight_decay": 1e-4})
        opt = torch.optim.Adam(p)
        opt = make_optimizer()
        opt.add_param_group({"params": q, "weight_decay": 1e-4})
    """) == []


SMART = """
    import torch
    def smart_optimizer(model, name="Adam", lr=0.001, momentum=0.9, decay=1e-5):
        g = [], [], []
        if name == "Adam":
            optimizer = torch.optim.Adam(g[2], lr=lr, betas=(momentum, 0.999))
        elif name == "AdamW":
            optimizer = torch.optim.AdamW(g[2], lr=lr, betas=(momentum, 0.999), weight_decay=0.0)
        else:
            optimizer = {other}
        optimizer.add_param_group({{"params": g[0], "weight_decay": decay}})
        optimizer.add_param_group({{"params": g[1], "weight_decay": 0.0}})
        return optimizer
"""


@pytest.mark.parametrize("other", ["torch.optim.SGD(g[2], lr=lr, momentum=momentum, nesterov=True)", "make(g[2])"])
def test_a_group_added_to_an_optimizer_chosen_by_branches_is_judged_for_each(other):
    """yolov5's ``smart_optimizer``: the class by name, then the weights' group with its decay;
    the Adam branch is coupled, the AdamW one decoupled, SGD not adaptive, an unknown one unknown."""
    found = findings(SMART.format(other=other))
    assert [(f.line, f.code) for f in found] == [(6, "AWL101")]
    assert "weight_decay=decay (default 1e-5 from parameter decay of smart_optimizer) in a param group added at line 11" \
        in found[0].message


def test_a_group_added_under_a_test_of_the_branches_is_not_judged_for_each():
    """``if name != "Adam": optimizer.add_param_group(...)``: the test rules out the Adam branch."""
    source = SMART.format(other="torch.optim.SGD(g[2], lr=lr)").replace(
        '        optimizer.add_param_group({"params": g[0], "weight_decay": decay})',
        '        if name != "Adam":\n            optimizer.add_param_group({"params": g[0], "weight_decay": decay})')
    assert 'if name != "Adam"' in source and codes(source) == []


def test_a_group_added_after_every_branch_built_a_decoupled_or_plain_optimizer_is_no_finding():
    assert codes(SMART.format(other="torch.optim.SGD(g[2], lr=lr)").replace("torch.optim.Adam(", "torch.optim.AdamW(")) == []


def test_the_fix_renames_the_construction_and_keeps_its_decay_off():
    assert fixed(ADDED.format(cls="Adam", wd="", group='"weight_decay": 1e-4')) == textwrap.dedent("""
        import torch
        opt = torch.optim.AdamW(model.backbone.parameters(), lr=1e-3, weight_decay=0)
        opt.add_param_group({"params": model.head.parameters(), "weight_decay": 1e-4})
    """)


# --- a class chosen by a conditional ---------------------------------------------------------

def test_conditional_expression_reports_the_coupled_alternative():
    found = findings("""
        import torch
        import bitsandbytes as bnb
        cls = bnb.optim.Adam8bit if args.use_8bit else torch.optim.Adam
        opt = cls(params, lr=1e-3, weight_decay=1e-2)
    """)
    assert [(f.line, f.code) for f in found] == [(5, "AWL101")]
    assert "cls may be torch.optim.Adam, named at line 4" in found[0].message
    assert found[0].fix is None and "line 4" in found[0].fix_blocked


def test_if_elif_branches_report_each_coupled_alternative_and_skip_dead_ones():
    found = findings("""
        import torch
        def build(args, params):
            cls = torch.optim.Adagrad  # replaced on every path below
            if args.optimizer == "Adam":
                cls = torch.optim.Adam
            elif args.optimizer == "SGD":
                cls = torch.optim.SGD
            elif args.optimizer == "RMSprop":
                cls = torch.optim.RMSprop
            else:
                raise ValueError(args.optimizer)
            return cls(params, lr=args.lr, weight_decay=args.weight_decay)
    """)
    assert [(f.line, f.code) for f in found] == [(13, "AWL101"), (13, "AWL103")]
    assert "named at line 6" in found[0].message and "named at line 10" in found[1].message


@pytest.mark.parametrize(
    "source",
    [
        # every alternative is decoupled or not adaptive
        "import torch\ncls = torch.optim.AdamW if fast else torch.optim.SGD\nopt = cls(p, weight_decay=1e-4)\n",
        # no decay at the call
        "import torch\ncls = torch.optim.Adam if a else torch.optim.SGD\nopt = cls(p, lr=1e-3)\n",
        "import torch\ncls = torch.optim.Adam if a else torch.optim.SGD\nopt = cls(p, weight_decay=0)\n",
        # the Adam assignment is replaced before the call on every path
        "import torch\ncls = torch.optim.Adam\ncls = torch.optim.AdamW\nopt = cls(p, weight_decay=1e-4)\n",
        # the Adam branch returns before the call
        "import torch\ndef f(a, p):\n    if a:\n        cls = torch.optim.Adam\n        return None\n"
        "    cls = torch.optim.SGD\n    return cls(p, weight_decay=1e-4)\n",
        # the user's own classes
        "class Adam:\n    pass\ncls = Adam if a else object\nopt = cls(p, weight_decay=1e-4)\n",
        # a global rebinding makes the name unknowable
        "from torch.optim import Adam\ndef swap():\n    global Adam\n    Adam = object\nAdam(p, weight_decay=1e-4)\n",
    ],
)
def test_conditional_negatives(source):
    assert codes(source) == []


# --- registries --------------------------------------------------------------------------------

REGISTRY = """
    import torch
    OPTIMIZERS = {{"adam": torch.optim.{a}, "sgd": torch.optim.SGD, "adamw": torch.optim.AdamW}}
    def build(name, params):
        return {call}(params, weight_decay=1e-4)
"""


@pytest.mark.parametrize("call", ["OPTIMIZERS[name]", "OPTIMIZERS.get(name)", 'OPTIMIZERS["adam"]',
                                  'OPTIMIZERS.get(name, torch.optim.SGD)'])
def test_registry_indexed_at_the_call(call):
    found = findings(REGISTRY.format(a="Adam", call=call))
    assert [(f.line, f.code) for f in found] == [(5, "AWL101")]
    assert "may be torch.optim.Adam, named at line 3" in found[0].message


@pytest.mark.parametrize("a,call", [("Adam", 'OPTIMIZERS["adamw"]'), ("Adam", 'OPTIMIZERS["sgd"]'),
                                    ("Adam", 'OPTIMIZERS["missing"]'), ("AdamW", "OPTIMIZERS[name]"),
                                    ("AdamW", "OPTIMIZERS.get(name)")])
def test_registry_negatives(a, call):
    assert codes(REGISTRY.format(a=a, call=call)) == []


def test_registry_through_a_variable_and_a_table_of_names_for_getattr():
    assert codes("""
        import torch
        NAMES = {"a": "Adam", "s": "SGD"}
        def build(key, params):
            cls = getattr(torch.optim, NAMES[key])
            return cls(params, weight_decay=1e-4)
        def literal(params):
            return getattr(torch.optim, "RMSprop")(params, weight_decay=1e-4)
    """) == [(6, "AWL101"), (8, "AWL103")]


@pytest.mark.parametrize("name,fixes", [
    ('"Adam"', True),  # the class is named here: the call is renamed
    ('sys.argv[1] if len(sys.argv) > 1 else "Adam"', False),  # chosen at run time: another name may be SGD
    ('NAMES[key]', False),
    ('NAMES["a"]', True),  # one entry of a table written out in full
])
def test_getattr_with_a_name_chosen_at_run_time_is_not_rewritten(name, fixes):
    source = (f'import sys\nimport torch\nNAMES = {{"a": "Adam", "s": "SGD"}}\nkey = sys.argv[2]\nname = {name}\n'
              "opt = getattr(torch.optim, name)(params, weight_decay=1e-4)\n")
    found = findings(source)
    assert [(f.line, f.code) for f in found] == [(6, "AWL101")]
    assert ("builds torch.optim.Adam" if fixes else "may be torch.optim.Adam") in found[0].message
    assert ("torch.optim.AdamW(params" in fixed(source)) is fixes
    if not fixes:
        assert found[0].fix is None and "chooses the class at run time" in found[0].fix_blocked


@pytest.mark.parametrize("source", [
    # a name that is not a literal or a table entry
    "import torch\ndef f(name, p):\n    return getattr(torch.optim, name)(p, weight_decay=1e-4)\n",
    # a table without an adaptive coupled optimizer
    "import torch\nN = {'s': 'SGD', 'w': 'AdamW'}\ndef f(k, p):\n    return getattr(torch.optim, N[k])(p, weight_decay=1e-4)\n",
    # a dict of strings that is not looked up on torch.optim
    "import torch\nN = {'a': 'Adam'}\ndef f(k, p):\n    return make(N[k])(p, weight_decay=1e-4)\n",
])
def test_getattr_negatives(source):
    assert codes(source) == []


OPTION = """
    import argparse
    import torch
    DEFAULT = "Adam"
    OPTIONS = ["SGD", "AdamW"]
    parser = argparse.ArgumentParser()
    parser.add_argument("--optimizer", {option})
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    args = parser.parse_args()
    {change}
    opt = getattr(torch.optim, args.optimizer)(params, lr=1e-3, weight_decay=args.weight_decay)
"""


@pytest.mark.parametrize("option, code", [
    ('default="Adam"', "AWL101"),
    ('default="SGD", choices=["SGD", "RMSprop", "AdamW"]', "AWL103"),  # a choice the command line may make
    ('type=str, default=DEFAULT', "AWL101"),
])
def test_getattr_with_a_command_line_options_default_or_choices(option, code):
    found = findings(OPTION.format(option=option, change=""))
    assert [(f.line, f.code) for f in found] == [(11, code)]
    assert "getattr(torch.optim, args.optimizer) may be torch.optim." in found[0].message
    assert "(default 1e-4 from --weight-decay)" in found[0].message
    assert found[0].fix is None and (code != "AWL101" or "chooses the class at run time" in found[0].fix_blocked)


@pytest.mark.parametrize("option, change", [
    ('default="AdamW", choices=["AdamW", "SGD"]', ""),
    ('default="Adam"', 'args.optimizer = "SGD"'),  # the file sets it: the option's default is not what is read
    ('default="Adam"', 'setattr(args, "optimizer", "SGD")'),
    ('default="Adam"', 'parser.set_defaults(optimizer="SGD")'),  # a parser-level default wins (read before parsing: still)
    ('choices=OPTIONS', ""),
    ('default="Adam"', 'a2 = args; a2.optimizer = "SGD"'),  # through an alias
    ('default="Adam"', "adjust(args)"),  # handed to a function that may set it
    ('default="Adam"', 'args.__setattr__("optimizer", "SGD")'),
    ('default="Adam"', 'object.__setattr__(args, "optimizer", "SGD")'),
    ('default="Adam"', 'vars(args).update(optimizer="SGD")'),
    ('default="Adam"', 'args.__dict__["optimizer"] = "SGD"'),
    ('default="Adam"', 'args.update(cfg)'),  # a namespace with methods (jsonargparse's)
    ('default="Adam"', 'parser.add_subparsers().add_parser("t").set_defaults(optimizer="SGD")'),  # the subparser's wins
    ('default="Adam", type=str.lower', ""),  # "adam": no class of torch.optim
    ('default="Adam", action="store"', ""),
])
def test_getattr_with_a_command_line_option_negatives(option, change):
    assert codes(OPTION.format(option=option, change=change)) == []


@pytest.mark.parametrize("parse", ['parser.parse_args("--optimizer SGD".split())',
                                   'parser.parse_args(namespace=argparse.Namespace(optimizer="SGD"))'])
def test_a_command_line_parsed_from_what_the_file_gives_is_not_its_defaults(parse):
    assert codes(OPTION.format(option='default="Adam"', change="").replace("parser.parse_args()", parse)) == []


@pytest.mark.parametrize("change", ["print(vars(args))", "logger.info(args)", 'print(f"{args}")',
                                    "json.dump(vars(args), f)", "json.dump(args.__dict__, f)",
                                    'args.device = "cuda"'])  # another option stored
def test_a_command_line_namespace_printed_or_logged_keeps_its_defaults(change):
    assert codes(OPTION.format(option='default="Adam"', change=change)) == [(11, "AWL101")]


# --- subclasses -----------------------------------------------------------------------------------

def test_subclass_forwarding_decay_to_a_coupled_base():
    source = """
        import torch
        class MyAdam(torch.optim.Adam):
            def __init__(self, params, lr=1e-3, weight_decay=0.0):
                super().__init__(params, lr=lr, weight_decay=weight_decay)
    """
    found = findings(source)
    assert [(f.line, f.code) for f in found] == [(5, "AWL101")]
    assert "class MyAdam passes it to torch.optim.Adam, its base at line 3" in found[0].message
    assert "class MyAdam(torch.optim.AdamW):" in fixed(source)


def test_explicit_base_init_and_super_with_arguments():
    assert codes("""
        from torch import optim
        class A(optim.RMSprop):
            def __init__(self, params, wd):
                optim.RMSprop.__init__(self, params, 1e-2, 0.99, 1e-8, wd)
        class B(optim.Adagrad):
            def __init__(self, params):
                super(B, self).__init__(params, weight_decay=1e-4)
    """) == [(5, "AWL103"), (8, "AWL103")]


@pytest.mark.parametrize("source", [
    # the subclass has its own step(): its own update rule decides
    "import torch\nclass A(torch.optim.Adam):\n    def __init__(self, p, weight_decay=1e-2):\n"
    "        super().__init__(p, weight_decay=weight_decay)\n    def step(self, closure=None):\n        pass\n",
    # no decay forwarded
    "import torch\nclass A(torch.optim.Adam):\n    def __init__(self, p, lr=1e-3):\n        super().__init__(p, lr=lr)\n",
    # decoupled switch forwarded on
    "import torch\nclass A(torch.optim.Adam):\n    def __init__(self, p, wd):\n"
    "        super().__init__(p, weight_decay=wd, decoupled_weight_decay=True)\n",
    # decoupled or non-adaptive bases
    "import torch\nclass A(torch.optim.AdamW):\n    def __init__(self, p, wd):\n        super().__init__(p, weight_decay=wd)\n",
    "import torch\nclass A(torch.optim.SGD):\n    def __init__(self, p, wd):\n        super().__init__(p, weight_decay=wd)\n",
    # the project's own base class
    "class Base:\n    pass\nclass A(Base):\n    def __init__(self, p, wd):\n        super().__init__(p, weight_decay=wd)\n",
])
def test_subclass_negatives(source):
    assert codes(source) == []


def test_subclassing_the_removed_transformers_adamw_is_reported_at_the_base():
    found = findings("""
        from transformers import AdamW
        class Mine(AdamW):
            def __init__(self, params, lr):
                super().__init__(params, lr=lr)
    """)
    assert [(f.line, f.code) for f in found] == [(3, "AWL104")]
    assert found[0].span[:2] == (3, 11)


def test_removed_transformers_adamw_chosen_from_a_registry():
    assert codes("""
        import torch, transformers
        OPTS = {"hf": transformers.AdamW, "torch": torch.optim.AdamW}
        opt = OPTS[name](params, lr=1e-3)
    """) == [(4, "AWL104")]


# --- Keras getters ----------------------------------------------------------------------------------

KERAS = """
    import tensorflow as tf
    from tensorflow.keras import layers, regularizers
    model = tf.keras.Sequential([layers.Dense(10{reg})])
    opt = {built}
    model.compile(optimizer=opt, loss="mse")
"""
L2 = ", kernel_regularizer=regularizers.l2(1e-4)"


@pytest.mark.parametrize("built", ['tf.keras.optimizers.get("adam")', "tf.keras.optimizers.get(identifier='RMSprop')",
                                   'tf.keras.optimizers.deserialize({"class_name": "Adam", "config": {}})'])
def test_keras_optimizer_built_by_name(built):
    found = findings(KERAS.format(reg=L2, built=built))
    assert [(f.line, f.code) for f in found] == [(5, "AWL201")]


@pytest.mark.parametrize("reg,built", [(L2, 'tf.keras.optimizers.get("sgd")'), ("", 'tf.keras.optimizers.get("adam")'),
                                       (L2, "tf.keras.optimizers.get(name)"),
                                       (L2, 'tf.keras.optimizers.deserialize({"class_name": "SGD"})')])
def test_keras_getter_negatives(reg, built):
    assert codes(KERAS.format(reg=reg, built=built)) == []


# --- param groups built up before the call (TransReID's, fast-reid's make_optimizer) -------------

BUILT = """
    import torch

    def make(model, wd=5e-4):
        params = []
        for key, value in model.named_parameters():
            {add}
        {after}
        return torch.optim.Adam(params, lr=3e-4)
"""


@pytest.mark.parametrize("add", [
    'params += [{"params": [value], "lr": 3e-4, "weight_decay": wd}]',
    'params.append({"params": [value], "weight_decay": wd})',
    'params.insert(0, {"params": [value], "weight_decay": wd})',
    'params.extend([{"params": [value], "weight_decay": wd}])',
])
def test_param_groups_added_to_a_list_before_the_call(add):
    found = findings(BUILT.format(add=add, after=""))
    assert [(f.line, f.code) for f in found] == [(9, "AWL101")]
    assert "weight_decay=wd (default 5e-4 from parameter wd of make) in a param group" in found[0].message


@pytest.mark.parametrize("add,after", [
    ('params.append({"params": [value], "weight_decay": 0.0})', ""),  # no decay
    ('params.append(group_for(value))', ""),  # a group not written out
    ('params.append({"params": [value], "weight_decay": wd})', 'params[0]["weight_decay"] = 0.0'),  # a group changed
    ('params.append({"params": [value], "weight_decay": wd})', 'for group in params:\n            group["weight_decay"] = 0.0'),
    ('params.append({"params": [value], "weight_decay": wd})', "params.clear()"),
    ('params.extend(more)', ""),
])
def test_param_groups_built_in_ways_not_followed_are_not_read(add, after):
    assert findings(BUILT.format(add=add, after=after)) == []


def test_a_group_added_after_the_call_is_not_its():
    source = BUILT.format(add="pass", after="").replace(
        "        return torch.optim.Adam(params, lr=3e-4)\n",
        "        opt = torch.optim.Adam([{\"params\": model.head.parameters()}], lr=3e-4)\n"
        "        params.append({\"params\": [value], \"weight_decay\": wd})\n        return opt\n")
    assert findings(source) == []


def test_param_groups_with_their_own_decay_beside_a_spread_of_options():
    # pyhealth's ``optimizer_class(groups, **optimizer_params)``: a group's decay is the group's
    found = findings("""
        import torch
        def build(model, optimizer_params):
            groups = [{"params": model.parameters(), "weight_decay": 1e-4}]
            return torch.optim.Adam(groups, **optimizer_params)
        def plain(model, optimizer_params):
            return torch.optim.Adam([{"params": model.parameters()}], **optimizer_params)
    """)
    assert [(f.line, f.code) for f in found] == [(5, "AWL101")]
    assert "weight_decay=1e-4 in a param group, unless **optimizer_params sets decoupled_weight_decay=True" in found[0].message


@pytest.mark.parametrize("body", [
    # added only on a path that leaves before the call
    'params = []\nif kind == "sgd":\n    params.append({"params": ps, "weight_decay": 5e-4})\n    return torch.optim.SGD(params, lr=0.1)\n'
    'params.append({"params": ps})\nreturn torch.optim.Adam(params, lr=1e-3)\n',
    # its groups changed through a loop, an alias, a call, or a def that may run
    'params = []\nparams.append({"params": ps, "weight_decay": 1e-4})\nfor i, g in enumerate(params):\n    g["weight_decay"] = 0.0\n'
    'return torch.optim.Adam(params)\n',
    'params = []\nparams.append({"params": ps, "weight_decay": 1e-4})\ngroups = params\nfor g in groups:\n    g["weight_decay"] = 0.0\n'
    'return torch.optim.Adam(params)\n',
    'params = []\nparams.append({"params": ps, "weight_decay": 1e-4})\nno_decay(params)\nreturn torch.optim.Adam(params)\n',
    'params = []\ndef reset():\n    params.clear()\nparams.append({"params": ps, "weight_decay": 1e-4})\nreset()\nreturn torch.optim.Adam(params)\n',
])
def test_param_groups_that_may_not_be_the_ones_added_are_not_read(body):
    source = "import torch\ndef make(ps, kind):\n" + textwrap.indent(body, "    ")
    assert [(f.line, f.code) for f in findings(source) if "Adam(" in f.message] == []


@pytest.mark.parametrize("body", [
    # grown in straight lines, and read again after the call (which leaves what it was given)
    'params = []\nparams += [{"params": ps, "weight_decay": 1e-4}]\nopt = torch.optim.Adam(params)\nprint(params[0])\nreturn opt\n',
    'params = [{"params": ps, "weight_decay": 1e-4}]\nopt = torch.optim.Adam(params)\nfor g in params:\n    print(g)\nreturn opt\n',
    # a read in a branch the call is not on
    'params = []\nparams.append({"params": ps, "weight_decay": 1e-4})\nif kind == "sgd":\n    return torch.optim.SGD(params)\n'
    'return torch.optim.Adam(params)\n',
])
def test_param_groups_read_where_nothing_on_the_way_may_change_them(body):
    source = "import torch\ndef make(ps, kind):\n" + textwrap.indent(body, "    ")
    assert [f.code for f in findings(source) if "Adam(weight_decay=1e-4 in a param group)" in f.message] == ["AWL101"]
