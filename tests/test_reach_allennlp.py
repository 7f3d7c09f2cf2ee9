"""AllenNLP experiment configs (issue 14): ``"trainer": {"optimizer": {"type": "adam", …}}`` in JSON
and plain Jsonnet, read through AllenNLP's optimizer registry (catalog/conventions.py), with the
negatives around it: other JSON with an ``optimizer`` object, DeepSpeed configs, decoupled and
non-adaptive names, zero decay, groups dropped by ``requires_grad: false``."""
import json

import pytest

from adamw_lint import configs
from adamw_lint.selection import Selection

BASE = {"dataset_reader": {"type": "sequence_tagging"}, "model": {"type": "simple_tagger"}}


def config(optimizer, **top):
    return json.dumps({**BASE, **top, "trainer": {"num_epochs": 3, "optimizer": optimizer}}, indent=2)


def check(text, name="experiment.json"):
    return configs.check(name, text, Selection(), "rename")


def fix(text, name="experiment.json", style="rename"):
    new, fixed, remaining = configs.fix(name, text, Selection(), style)
    assert not any(f.fix for f in configs.check(name, new, Selection(), style))
    return new, fixed, remaining


@pytest.mark.parametrize("kind,code", [("adam", "AWL101"), ("rmsprop", "AWL103"), ("adagrad", "AWL103"),
                                       ("adadelta", "AWL103"), ("adamax", "AWL103")])
def test_coupled_adaptive_type_is_reported_at_the_type(kind, code):
    text = config({"type": kind, "lr": 0.001, "weight_decay": 0.01})
    found = check(text)
    assert [(f.line, f.code) for f in found] == [(text.splitlines().index(f'      "type": "{kind}",') + 1, code)]
    assert f'AllenNLP "type": "{kind}" builds torch.optim.' in found[0].message


@pytest.mark.parametrize("style", ["rename", "flag"])
def test_adam_is_renamed_to_adamw_in_place_whatever_the_style(style):
    # AllenNLP's registered "adam" takes no decoupled_weight_decay: the only decoupled spelling is "adamw"
    text = config({"type": "adam", "lr": 0.001, "weight_decay": 0.01})
    new, fixed, remaining = fix(text, style=style)
    assert new == text.replace('"type": "adam"', '"type": "adamw"') and len(fixed) == 1 and not remaining
    assert fixed[0].fix.applicability == "unsafe"  # it changes the numerics


def test_no_fix_for_optimizers_without_a_decoupled_form():
    text = config({"type": "rmsprop", "weight_decay": 0.01})
    new, fixed, remaining = fix(text)
    assert new == text and not fixed and [f.code for f in remaining] == ["AWL103"]


@pytest.mark.parametrize("optimizer", [
    {"type": "adamw", "weight_decay": 0.01},  # decoupled
    {"type": "huggingface_adamw", "weight_decay": 0.01},  # decoupled (transformers' removed import is AllenNLP's)
    {"type": "sgd", "lr": 0.1, "weight_decay": 0.01},  # not adaptive
    {"type": "averaged_sgd", "weight_decay": 0.01},
    {"type": "sparse_adam", "lr": 0.001},  # no weight decay
    {"type": "dense_sparse_adam", "lr": 0.001},
    {"type": "adam", "lr": 0.001},  # no decay
    {"type": "adam", "weight_decay": 0.0},
    {"type": "Adam", "weight_decay": 0.01},  # not a registered name (the registry is case-sensitive)
    {"type": "my_project_adam", "weight_decay": 0.01},  # a project's own registration: not followed
    {"type": "adamw", "weight_decay": 0.01, "parameter_groups": [[["bias"], {"weight_decay": 0.0}]]},
])
def test_negatives_in_an_allennlp_config(optimizer):
    assert check(config(optimizer)) == []


def test_parameter_groups_override_the_optimizers_options():
    # a zero-decay group leaves the unmatched parameters on the optimizer's coupled decay
    text = config({"type": "adam", "weight_decay": 0.01,
                   "parameter_groups": [[["bias", "LayerNorm\\\\.weight"], {"weight_decay": 0.0}]]})
    assert [f.code for f in check(text)] == ["AWL101"]
    # a group's own decay is coupled under "adam" even with none on the optimizer
    text = config({"type": "adam", "lr": 0.001, "parameter_groups": [[["encoder"], {"weight_decay": 1e-4}]]})
    found = check(text)
    assert [f.code for f in found] == ["AWL101"] and "in a param group" in found[0].message
    # every group at zero, and nothing on the optimizer: no coupled decay anywhere
    text = config({"type": "adam", "parameter_groups": [[["encoder"], {"weight_decay": 0.0, "lr": 1e-5}]]})
    assert check(text) == []


def test_a_group_dropped_by_requires_grad_false_is_not_an_optimizer_group():
    text = config({"type": "adam", "parameter_groups": [[["embedder"], {"requires_grad": False, "weight_decay": 0.1}]]})
    assert check(text) == []
    text = config({"type": "adam", "parameter_groups": [[["embedder"], {"requires_grad": True, "weight_decay": 0.1}]]})
    assert [f.code for f in check(text)] == ["AWL101"]


def test_rename_with_a_group_relying_on_adams_zero_default_needs_a_hand_edit():
    # "adamw" defaults weight_decay to 0.01: renaming alone would start decaying the other parameters
    text = config({"type": "adam", "parameter_groups": [[["encoder"], {"weight_decay": 1e-4}]]})
    new, fixed, remaining = fix(text)
    assert new == text and not fixed
    assert '"weight_decay": 0 beside "type"' in remaining[0].fix_blocked
    explicit = config({"type": "adam", "weight_decay": 0.0, "parameter_groups": [[["encoder"], {"weight_decay": 1e-4}]]})
    new, fixed, _ = fix(explicit)
    assert new == explicit.replace('"adam"', '"adamw"') and len(fixed) == 1


@pytest.mark.parametrize("data", [
    {"trainer": {"optimizer": {"type": "adam", "weight_decay": 0.01}}},  # no other AllenNLP key
    {"model": {"type": "m"}, "optimizer": {"type": "adam", "weight_decay": 0.01}},  # optimizer not in trainer
    {"experiments": [{**BASE, "trainer": {"optimizer": {"type": "adam", "weight_decay": 0.01}}}]},  # not at the top
    {"name": "pkg", "version": "1.0.0", "dependencies": {"adam": "^1.0"}, "model": {"type": "adam"},
     "trainer": {"optimizer": "adam", "weight_decay": 0.01}},  # package.json-like, optimizer not an object
    {**BASE, "trainer": {"optimizer": {"type": 3, "weight_decay": 0.01}}},
    [BASE, {"trainer": {"optimizer": {"type": "adam", "weight_decay": 0.01}}}],
])
def test_unrelated_json_with_an_adam_type_is_not_read_as_allennlp(data):
    assert check(json.dumps(data)) == []


def test_allennlp_shape_is_only_read_in_json_not_yaml():
    assert configs.check("c.yaml", config({"type": "adam", "weight_decay": 0.01}), Selection(), "rename") == []


def test_deepspeed_config_keeps_its_own_reading():
    deepspeed = {"optimizer": {"type": "Adam", "params": {"weight_decay": 0.01, "adam_w_mode": False}}}
    assert [f.code for f in check(json.dumps(deepspeed))] == ["AWL101"]
    # AllenNLP's lower-case "adam" in a trainer is AllenNLP's, never DeepSpeed's FusedAdam
    found = check(config({"type": "adam", "weight_decay": 0.01}))
    assert len(found) == 1 and "torch.optim.Adam" in found[0].message and "FusedAdam" not in found[0].message


def test_parameter_groups_that_are_not_literal_groups_are_opaque():
    found = check(config({"type": "adam", "weight_decay": 0.01, "parameter_groups": [["bias"]]}))
    assert [f.code for f in found] == ["AWL101"]
    assert check(config({"type": "adam", "parameter_groups": "not a list"})) == []


# --- Jsonnet: read only when the config is a literal object; never evaluated -------------------------

JSONNET = """// An AllenNLP experiment
local bert = "bert-base-uncased";
local wd = std.parseJson(std.extVar("WD"));
{
  dataset_reader: { type: "sst_tokens", tokens: { model_name: bert } },
  "model": { "type": "basic_classifier" },
  /* the trainer */
  trainer: {
    local unused = 1,
    num_epochs: 3,
    optimizer: {
      type: 'adam',  # coupled
      lr: 2e-5,
      weight_decay: 0.01,
      parameter_groups: [[["bias", "LayerNorm"], {weight_decay: 0.0}],],
    },
    checkpoint:: { keep: 1 },
  },
}
"""


def test_jsonnet_literal_optimizer_is_reported_and_fixed_in_place():
    found = check(JSONNET, "experiment.jsonnet")
    assert [(f.line, f.code) for f in found] == [(12, "AWL101")]
    new, fixed, _ = fix(JSONNET, "experiment.jsonnet")
    assert new == JSONNET.replace("type: 'adam',", "type: 'adamw',") and len(fixed) == 1


def test_jsonnet_expression_values_are_unknown_not_strings():
    text = JSONNET.replace("weight_decay: 0.01,", "weight_decay: wd,")
    found = check(text, "experiment.libsonnet")
    assert [f.code for f in found] == ["AWL101"] and "weight_decay=wd" in found[0].message
    assert check(JSONNET.replace("weight_decay: 0.01,", "weight_decay: 0.0,"), "experiment.jsonnet") == []
    assert check(JSONNET.replace("'adam'", "'adamw'"), "experiment.jsonnet") == []


def test_jsonnet_hidden_field_is_not_the_config():
    text = JSONNET.replace("    optimizer: {", "    optimizer:: {")
    assert check(text, "experiment.jsonnet") == []


@pytest.mark.parametrize("text", [
    "local base = import 'base.jsonnet';\nbase + { trainer+: { optimizer: { type: 'adam', weight_decay: 0.1 } } }\n",
    JSONNET.replace("{\n  dataset_reader", "(import 'x.libsonnet') + {\n  dataset_reader"),
    JSONNET.replace("num_epochs: 3,", "description: |||\n  text\n|||,"),  # text block
    JSONNET.replace("type: 'adam',", "type: 'adam"),  # unterminated string
    JSONNET.replace("  },\n}\n", "  },\n"),  # unclosed object
    JSONNET.replace("lr: 2e-5,", "f(x): x,"),  # a method field
    "{" * 5000 + "}" * 5000,
    "",
    "local f(x) = { type: 'adam', weight_decay: x };\n{ model: {}, trainer: { optimizer: f(0.1) } }\n",
])
def test_jsonnet_that_needs_evaluating_is_skipped_silently(text):
    assert check(text, "experiment.jsonnet") == []


def test_jsonnet_needs_the_allennlp_shape_too():
    text = "{ trainer: { optimizer: { type: 'adam', weight_decay: 0.1 } } }"
    assert check(text, "x.jsonnet") == []
    assert [f.code for f in check("{ model: {}, " + text[1:], "x.jsonnet")] == ["AWL101"]
