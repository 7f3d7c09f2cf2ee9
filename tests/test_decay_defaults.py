"""Messages and fix descriptions name a weight decay's default when it is written in the same file
(issue 13, "The weight-decay value"): argparse options, function parameters, dataclass fields."""
import textwrap

import pytest

from adamw_lint.analysis import analyze_source

ARGPARSE = """\
    import argparse
    import torch

    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--l2norm", type=float, default=0.0)
    args = parser.parse_args()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.l2norm)
    """


def _one(source, **options):
    (finding,) = analyze_source(textwrap.dedent(source), **options)
    return finding


def test_argparse_default_is_named_and_stays_conditional():
    finding = _one(ARGPARSE)
    assert "weight_decay=args.l2norm (default 0.0 from --l2norm))" in finding.message
    assert "if it is non-zero" in finding.message  # the command line can still set it
    assert finding.fix.description == ("Replace torch.optim.Adam with torch.optim.AdamW; weight_decay=args.l2norm "
                                       "(default 0.0 from --l2norm) is kept: re-tune it")


@pytest.mark.parametrize("option,attribute,note", [
    ('"--weight-decay", type=float, default=5e-4', "weight_decay", "(default 5e-4 from --weight-decay)"),
    ('"-w", "--wd", default=1e-4', "wd", "(default 1e-4 from -w)"),
    ('"--decay", dest="wd", default=0.01', "wd", "(default 0.01 from --decay)"),
])
def test_argparse_dest_as_argparse_derives_it(option, attribute, note):
    source = ("import argparse, torch\np = argparse.ArgumentParser()\ng = p.add_argument_group('optim')\n"
              f"g.add_argument({option})\nargs = p.parse_args()\nopt = torch.optim.Adam(w, weight_decay=args.{attribute})\n")
    assert f"weight_decay=args.{attribute} {note}" in _one(source).message


@pytest.mark.parametrize("source", [
    # a second parser shadows the first: its options are not the ones parsed
    ARGPARSE.replace("    args = parser.parse_args()", "    parser = argparse.ArgumentParser()\n    args = parser.parse_args()"),
    # an unrelated object with an attribute of the same name
    ARGPARSE.replace("args = parser.parse_args()", "args = load_config()"),
    # parsed from a list written here: the defaults are not what the call gets
    ARGPARSE.replace("parser.parse_args()", "parser.parse_args(['--l2norm', '0.1'])"),
    # a parser-level default wins over the option's
    ARGPARSE.replace("    args =", "    parser.set_defaults(l2norm=0.5)\n    args ="),
    # args reassigned on one path
    ARGPARSE.replace("    opt =", "    if debug:\n        args = other\n    opt ="),
    # not argparse
    ARGPARSE.replace("argparse.ArgumentParser()", "MyParser()"),
])
def test_argparse_negatives_name_no_default(source):
    assert "(default" not in _one(source).message


def test_function_parameter_default():
    finding = _one("""\
        import torch

        def build(params, wd=5e-4):
            return torch.optim.Adam(params, weight_decay=wd)
        """)
    assert "weight_decay=wd (default 5e-4 from parameter wd of build))" in finding.message
    assert "is kept: re-tune it" in finding.fix.description


@pytest.mark.parametrize("body", [
    "def build(params, wd):\n    return torch.optim.Adam(params, weight_decay=wd)\n",  # no default
    "def build(params, wd=5e-4):\n    if big:\n        wd = 0.1\n    return torch.optim.Adam(params, weight_decay=wd)\n",
    "wd = 0.1 if x else y\ndef build(params):\n    return torch.optim.Adam(params, weight_decay=wd)\n",
])
def test_function_parameter_negatives(body):
    assert "(default" not in _one("import torch\n" + body).message


CONFIG = """\
    import dataclasses
    from dataclasses import dataclass
    import torch

    @dataclass
    class Cfg:
        lr: float = 1e-3
        weight_decay: float = 1e-4
    """


@pytest.mark.parametrize("use", [
    "cfg = Cfg()\nopt = torch.optim.Adam(p, weight_decay=cfg.weight_decay)\n",
    "cfg = Cfg(lr=0.1)\nopt = torch.optim.Adam(p, weight_decay=cfg.weight_decay)\n",
    "def build(p, cfg: Cfg):\n    return torch.optim.Adam(p, weight_decay=cfg.weight_decay)\n",
])
def test_dataclass_field_default(use):
    assert "weight_decay=cfg.weight_decay (default 1e-4 from Cfg.weight_decay))" in \
        _one(textwrap.dedent(CONFIG) + use).message


def test_dataclass_field_through_field_default():
    source = textwrap.dedent(CONFIG).replace("= 1e-4", "= dataclasses.field(default=2e-4)")
    assert "(default 2e-4 from Cfg.weight_decay)" in _one(source + "cfg = Cfg()\nopt = torch.optim.Adam(p, "
                                                                  "weight_decay=cfg.weight_decay)\n").message


@pytest.mark.parametrize("config,use", [
    (CONFIG, "cfg = Cfg(weight_decay=0.1)\nopt = torch.optim.Adam(p, weight_decay=cfg.weight_decay)\n"),  # passed
    (CONFIG, "cfg = Cfg(1e-3, 0.1)\nopt = torch.optim.Adam(p, weight_decay=cfg.weight_decay)\n"),  # positionally
    (CONFIG, "cfg = Cfg(**overrides)\nopt = torch.optim.Adam(p, weight_decay=cfg.weight_decay)\n"),
    (CONFIG, "cfg = other()\nopt = torch.optim.Adam(p, weight_decay=cfg.weight_decay)\n"),  # unrelated object
    (CONFIG.replace("    @dataclass\n", ""), "cfg = Cfg()\nopt = torch.optim.Adam(p, weight_decay=cfg.weight_decay)\n"),
    (CONFIG + "\n        def __post_init__(self):\n            self.weight_decay *= 2\n",
     "cfg = Cfg()\nopt = torch.optim.Adam(p, weight_decay=cfg.weight_decay)\n"),
])
def test_dataclass_negatives(config, use):
    assert "(default" not in _one(textwrap.dedent(config) + use).message


_STORED = """\
    import torch

    class Model:
        def __init__(self, weight_decay=0.0):
            self.weight_decay = weight_decay

        def configure(self, params):
            return torch.optim.Adam(params, weight_decay=self.weight_decay)
    """


@pytest.mark.parametrize("store,note", [
    ("self.weight_decay = weight_decay", " (default 0.0 from parameter weight_decay of __init__)"),
    # computed, or stored twice: what it holds is not one default
    ("self.weight_decay = 2 * weight_decay", ""),
    ("self.weight_decay = weight_decay\n            self.weight_decay = 1e-4", ""),
    ("self.weight_decay = weight_decay\n            setattr(self, 'weight_decay', 1e-2)", ""),
])
def test_an_attribute_stored_from_a_parameter_names_its_default(store, note):
    finding = _one(_STORED.replace("self.weight_decay = weight_decay", store))
    assert f"weight_decay=self.weight_decay{note})" in finding.message


# a constant the class keeps on ``self``: the value itself, where nothing else in the module may set it
_KEPT = """\
    import torch

    class Trainer:
        def __init__(self, model):
            self.model = model
            self.weight_decay = 1e-4
            self.decoupled = False
            self.name = "Adam"

        def build(self):
            return torch.optim.Adam(self.model.parameters(), weight_decay=self.weight_decay,
                                    decoupled_weight_decay=self.decoupled)

        def by_name(self):
            return getattr(torch.optim, self.name)(self.model.parameters(), weight_decay=1e-4)

    class Other:  # a sibling's own ``self`` is another object
        def __init__(self):
            self.weight_decay = 0.5
    """


def test_a_constant_kept_on_self_is_the_value():
    found = analyze_source(textwrap.dedent(_KEPT))
    assert [(f.line, f.code) for f in found] == [(11, "AWL101"), (15, "AWL101")]
    assert "weight_decay=self.weight_decay (= 1e-4, stored at line 6)) adds L2 to the gradient (coupled), not" in found[0].message
    assert "torch.optim.Adam" in found[1].message
    assert analyze_source(textwrap.dedent(_KEPT).replace("= 1e-4", "= 0.0").replace("weight_decay=1e-4", "weight_decay=0.0")) == []
    assert [f.line for f in analyze_source(textwrap.dedent(_KEPT).replace("self.decoupled = False", "self.decoupled = True"))] == [15]


@pytest.mark.parametrize("change", [
    # stored again, by the class or on another object, by name (written out or not), or at class level
    "\n    def reset(self):\n        self.weight_decay = 1e-4\n",
    "\n    def tune(self, other):\n        other.weight_decay = 1e-4\n",
    "\n    def tune(self):\n        setattr(self, 'weight_decay', 1e-4)\n",
    "\n    def load(self, settings):\n        for k, v in settings.items():\n            setattr(self, k, v)\n",
    "\n    def load(self, settings):\n        for k in settings:\n            self.__setattr__(k, settings[k])\n",
    "\n    weight_decay = 1e-4\n",
])
def test_a_constant_kept_on_self_that_may_change_is_not_taken_for_the_value(change):
    zero = textwrap.dedent(_KEPT).replace("= 1e-4", "= 0.0").replace("weight_decay=1e-4", "weight_decay=0.0") \
        .replace(",\n                                decoupled_weight_decay=self.decoupled", "")
    found = analyze_source(_inject(zero, change))
    assert [f.code for f in found if "weight_decay=self.weight_decay) adds L2 to the gradient (coupled) if it is non-zero"
            in f.message] == ["AWL101"]


def test_a_base_class_whose_body_names_nothing_relevant_still_says_it_keeps_no_value():
    # pygod's Detector: the resolver does not enter its body, which is read for a class-level value
    source = textwrap.dedent("""\
        import torch

        class Detector:
            def fit(self, x):
                return x

        class DeepDetector(Detector):
            def __init__(self, weight_decay=0.0):
                self.weight_decay = weight_decay

            def build(self, params):
                return torch.optim.Adam(params, weight_decay=self.weight_decay)
        """)
    assert "weight_decay=self.weight_decay (default 0.0 from parameter weight_decay of __init__))" in _one(source).message
    shadowed = source.replace("    def fit(self, x):", "    weight_decay = 1e-4\n\n    def fit(self, x):")
    assert "weight_decay=self.weight_decay) adds" in _one(shadowed).message


@pytest.mark.parametrize("store,use,note", [
    # scarches' trainer: what ``**kwargs`` falls back to, kept on self or in a name
    ('self.weight_decay = kwargs.pop("weight_decay", 0.04)', "self.weight_decay",
     ' (default 0.04 from kwargs.pop("weight_decay") of __init__)'),
    ('self.weight_decay = kwargs.get("weight_decay", 0.0)', "self.weight_decay",
     ' (default 0.0 from kwargs.get("weight_decay") of __init__)'),
    ('wd = kwargs.pop("weight_decay", 1e-4)\n        self.optimizer = torch.optim.Adam(params, weight_decay=wd)', None,
     ' (default 1e-4 from kwargs.pop("weight_decay") of __init__)'),
    # not the function's own ``**kwargs``, or no default
    ('self.weight_decay = options.pop("weight_decay", 0.04)', "self.weight_decay", ""),
    ('self.weight_decay = kwargs.pop("weight_decay")', "self.weight_decay", ""),
])
def test_what_kwargs_falls_back_to_is_named(store, use, note):
    source = textwrap.dedent("""\
        import torch

        class Trainer:
            def __init__(self, params, options=None, **kwargs):
                STORE

            def build(self, params):
                return torch.optim.Adam(params, weight_decay=USE)
        """).replace("STORE", store).replace("USE", use or "0.5")
    found = analyze_source(source)
    message = found[0].message
    assert f"weight_decay={use or 'wd'}{note}) adds" in message


def _inject(source: str, member: str) -> str:
    """``member`` (indented for a class body) added to ``Trainer``."""
    return source.replace("\n    def build(self):", member.rstrip("\n") + "\n\n    def build(self):", 1)


def test_a_literal_needs_no_note():
    finding = _one("import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4)\n")
    assert "(default" not in finding.message and finding.fix.description.endswith("AdamW")


def test_a_constant_a_co_base_may_store_again_is_not_the_value():
    # Child(Regularized, Trainer) runs Trainer.build with what Regularized.setup stores
    source = textwrap.dedent("""\
        import torch

        class Trainer:
            def __init__(self):
                self.weight_decay = 0.0

            def build(self, params):
                return torch.optim.Adam(params, weight_decay=self.weight_decay)

        class Regularized:
            def setup(self):
                self.weight_decay = 5e-4

        class Child(Regularized, Trainer):
            pass
        """)
    assert "weight_decay=self.weight_decay) adds L2 to the gradient (coupled) if it is non-zero" in _one(source).message
