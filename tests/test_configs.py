"""Config files (Hydra/LightningCLI YAML, DeepSpeed JSON) on hostile and odd inputs.

Rows of the hostile-inputs report are named by number (#12 …); every crafted file is generated
here in a temporary directory. Each new recognition comes with the negatives around it.
"""
import json
import tracemalloc

import pytest
import yaml
from helpers import cli

from adamw_lint import configs
from adamw_lint.files import SourceError
from adamw_lint.selection import Selection

OPT = "opt:\n  _target_: torch.optim.Adam\n  weight_decay: 0.01\n"  # one AWL101, fixable
DEEPSPEED = {"optimizer": {"type": "Adam", "params": {"weight_decay": 0.01, "adam_w_mode": False}}}


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return str(path)


def check(tmp_path, name, text):
    path = write(tmp_path, name, text)
    return configs.check(path, text, Selection(), "rename")


def fix(tmp_path, name, text):
    """(new text, fixed findings, remaining findings); the result must read back with nothing to fix."""
    path = write(tmp_path, name, text)
    new, fixed, remaining = configs.fix(path, text, Selection(), "rename")
    assert not any(f.fix for f in configs.check(path, new, Selection(), "rename"))
    return new, fixed, remaining


def codes(findings):
    return [(f.line, f.code) for f in findings]


def error(tmp_path, name, text) -> SourceError:
    with pytest.raises(SourceError) as raised:
        check(tmp_path, name, text)
    assert raised.value.path.endswith(name)
    return raised.value


# --- #12: recursive aliases and long alias chains ---------------------------------------------------

def test_recursive_alias_is_an_opaque_value_not_a_recursion_error(tmp_path):
    text = OPT + "  betas: &b [0.9, *b]\n"
    assert codes(check(tmp_path, "c.yaml", text)) == [(2, "AWL101")]
    new, fixed, _ = fix(tmp_path, "c.yaml", text)
    assert new == text.replace("optim.Adam\n", "optim.AdamW\n") and len(fixed) == 1


def test_recursive_weight_decay_is_judged_as_unknown(tmp_path):
    findings = check(tmp_path, "c.yaml", "opt:\n  _target_: torch.optim.Adam\n  weight_decay: &w [*w]\n")
    assert codes(findings) == [(2, "AWL101")] and "<recursive value>" in findings[0].message


def test_alias_chain_of_3000_anchors(tmp_path):
    chain = "a0: &a0 [1]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 3000))
    assert codes(check(tmp_path, "c.yaml", chain + OPT + "  betas: *a2999\n")) == [(3002, "AWL101")]
    findings = check(tmp_path, "c.yaml", chain + "opt:\n  _target_: torch.optim.Adam\n  weight_decay: *a2999\n")
    assert codes(findings) == [(3002, "AWL101")] and "<value nested too deeply>" in findings[0].message


def test_merge_chain_of_3000_and_a_merge_cycle(tmp_path):
    chain = "m0: &m0 {weight_decay: 0.01}\n" + "".join(f"m{i}: &m{i} {{<<: *m{i - 1}}}\n" for i in range(1, 3000))
    findings = check(tmp_path, "c.yaml", chain + "opt: {<<: *m2999, _target_: torch.optim.Adam}\n")
    assert codes(findings) == [(3001, "AWL101")]
    cycle = "opt: &o {<<: *o, _target_: torch.optim.Adam, weight_decay: 0.01}\n"
    assert codes(check(tmp_path, "c.yaml", cycle)) == [(1, "AWL101")]


# --- #13: complex keys ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "opt:\n  class_path: torch.optim.Adam\n  init_args:\n    ? [a]\n    : 1\n    weight_decay: 0.01\n",
    "opt:\n  _target_: torch.optim.Adam\n  ? {a: 1}\n  : 2\n  weight_decay: 0.01\n",
    "opt:\n  _target_: torch.optim.Adam\n  weight_decay: 0.01\n  betas: {? [1, 2] : 3}\n",
])
def test_complex_keys_are_skipped_not_a_type_error(tmp_path, text):
    assert codes(check(tmp_path, "c.yaml", text)) == [(2, "AWL101")]


def test_non_identifier_and_keyword_keys_are_not_arguments(tmp_path):
    text = "opt:\n  _target_: torch.optim.Adam\n  weight_decay: 0.01\n  class: 1\n  1: 2\n  a-b: 3\n"
    assert codes(check(tmp_path, "c.yaml", text)) == [(2, "AWL101")]


# --- #14: billion laughs --------------------------------------------------------------------------

def laughs(levels=7):
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    names = "abcdefghijklmnop"
    for previous, name in zip(names[:levels], names[1:levels + 1]):
        text += f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]\n"
    return text, names[levels]


def test_billion_laughs_is_capped(tmp_path):
    bomb, top = laughs()
    assert len(bomb) < 400
    tracemalloc.start()
    try:
        quiet = check(tmp_path, "c.yaml", bomb + OPT + f"  betas: *{top}\n")
        loud = check(tmp_path, "c.yaml", bomb + f"opt:\n  _target_: torch.optim.Adam\n  weight_decay: *{top}\n")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000  # uncapped: 9**7 strings, about 6 GB
    assert codes(quiet) == [(10, "AWL101")] and "lol" not in quiet[0].message
    assert codes(loud) == [(10, "AWL101")] and "<value too large>" in loud[0].message


def test_merge_key_laughs_stay_small(tmp_path):
    text = "a: &a {_target_: torch.optim.Adam, weight_decay: 0.01}\n"
    for previous, name in zip("abcdefg", "bcdefgh"):
        text += f"{name}: &{name} {{<<: [" + ", ".join([f"*{previous}"] * 9) + "]}\n"
    findings = check(tmp_path, "c.yaml", text)
    assert len(findings) == 8 and {f.code for f in findings} == {"AWL101"}


def test_a_file_that_expands_too_far_is_an_error(tmp_path):
    big = "big: &big [" + ", ".join(["1.0"] * 1500) + "]\n"  # under the cap for one value
    keys = "".join(f"  k{i}: *big\n" for i in range(400))
    raised = error(tmp_path, "c.yaml", big + "opt:\n  _target_: torch.optim.Adam\n  weight_decay: 0.01\n" + keys)
    assert "expands too far" in raised.reason


# --- #24: JSON is JSON ------------------------------------------------------------------------------

def test_tab_indented_json(tmp_path):
    text = json.dumps(DEEPSPEED, indent="\t")
    assert codes(check(tmp_path, "ds.json", text)) == [(3, "AWL101")]
    new, fixed, remaining = fix(tmp_path, "ds.json", text)
    assert new == text.replace("false", "true") and len(fixed) == 1 and not remaining


def test_json_key_longer_than_yaml_allows(tmp_path):
    text = json.dumps({"k" * 1100: 1, **DEEPSPEED}, indent=1)
    assert codes(check(tmp_path, "ds.json", text)) == [(4, "AWL101")]


def test_yaml_is_still_yaml(tmp_path):
    raised = error(tmp_path, "c.yaml", "opt:\n\t_target_: torch.optim.Adam\n")
    assert "cannot be parsed as YAML" in raised.reason and raised.line == 2


# --- #25: large JSON -------------------------------------------------------------------------------

@pytest.fixture
def no_yaml(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("PyYAML used on JSON")

    monkeypatch.setattr(yaml, "compose_all", refuse)
    monkeypatch.setattr(yaml, "compose", refuse)


def tokenizer(extra=None):
    data = {"model": {"type": "BPE", "vocab": {f"Adam{i}": i for i in range(100_000)},
                      "merges": [f"Ad am{i}" for i in range(30_000)]}, "added_tokens": [{"id": 1, "content": "Adam"}]}
    return json.dumps({**data, **(extra or {})}, indent=2)


def test_large_json_without_optimizer_never_meets_pyyaml(tmp_path, no_yaml):
    assert check(tmp_path, "tokenizer.json", tokenizer()) == []


def test_large_json_with_optimizer_is_located_exactly(tmp_path, no_yaml):
    text = tokenizer(DEEPSPEED)
    line = text[:text.index('"type": "Adam"')].count("\n") + 1
    assert codes(check(tmp_path, "big.json", text)) == [(line, "AWL101")]
    new, _, _ = fix(tmp_path, "big.json", text)
    assert json.loads(new)["optimizer"]["params"]["adam_w_mode"] is True
    assert new.replace('"adam_w_mode": true', '"adam_w_mode": false') == text


def test_json_positions_with_crlf_escapes_and_line_separators(tmp_path):
    text = ('{"note": "\\u00e9\\n raw\u2028sep \u00e9",\r\n "optimizer": {"type": "Adam",\r\n'
            ' "params": {"weight_decay": 1e-2, "adam_w_mode": false}}}\r\n')
    findings = check(tmp_path, "ds.json", text)
    assert [(f.line, f.col) for f in findings] == [(2, 23)]
    new, _, _ = fix(tmp_path, "ds.json", text)
    assert new == text.replace("false", "true")


def test_json_nested_deeper_than_python_recurses_inside_an_optimizer(tmp_path):
    text = '{"_target_": "torch.optim.Adam", "weight_decay": 0.01, "betas": ' + "[" * 900 + "]" * 900 + "}"
    assert codes(check(tmp_path, "c.json", text)) == [(1, "AWL101")]


def test_json_duplicate_keys_read_as_json_loads_reads_them(tmp_path):
    later_adamw = '{"optimizer": %s, "optimizer": {"type": "AdamW"}}' % json.dumps(DEEPSPEED["optimizer"])
    assert check(tmp_path, "ds.json", later_adamw) == []
    later_adam = '{"optimizer": {"type": "AdamW"}, "optimizer": %s}' % json.dumps(DEEPSPEED["optimizer"])
    assert codes(check(tmp_path, "ds.json", later_adam)) == [(1, "AWL101")]


@pytest.mark.parametrize("data", [
    {"model": {"type": "Adam", "params": {"weight_decay": 0.01, "adam_w_mode": False}}},  # not under "optimizer"
    {"optimizer": "Adam", "weight_decay": 0.01},
    {"optimizer": {"type": "Adam"}},  # DeepSpeed defaults: adam_w_mode true, no weight decay
    {"optimizer": {"type": "AdamW", "params": {"weight_decay": 0.01, "adam_w_mode": False}}},
    {"_target_": "Adam", "weight_decay": 0.01},  # not a class path
    {"tokens": [{"type": "Adam", "_target": "torch.optim.Adam"}], "weight_decay": 0.01},
])
def test_json_that_holds_no_coupled_optimizer(tmp_path, data):
    assert check(tmp_path, "c.json", json.dumps(data)) == []


def test_json_hydra_and_lightning_mappings(tmp_path):
    data = {"a": [{"_target_": "torch.optim.Adam", "weight_decay": 0.01}],
            "b": {"class_path": "torch.optim.NAdam", "init_args": {"weight_decay": 0.01}}}
    assert sorted(f.code for f in check(tmp_path, "c.json", json.dumps(data, indent=1))) == ["AWL101", "AWL102"]


@pytest.mark.parametrize("text,reason,line", [
    ('{"a": \r\r 1,}', "cannot be parsed as JSON", 3),
    ('{"a": 1} {"b": 2}', "cannot be parsed as JSON", 1),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply", 0),
    ('{"a": ' + "1" * 5000 + "}", "cannot be parsed as JSON", 0),
])
def test_bad_json_is_a_source_error(tmp_path, text, reason, line):
    raised = error(tmp_path, "c.json", text)
    assert reason in raised.reason and raised.line == line


# --- #26: editing YAML scalars in place ---------------------------------------------------------------

@pytest.mark.parametrize("spelling", [
    "&cls torch.optim.Adam", "!!str torch.optim.Adam", "&cls !!str 'torch.optim.Adam'",
    '"torch.optim.Adam"', "&cls # why\n    torch.optim.Adam",
])
def test_fix_keeps_anchors_tags_and_quotes(tmp_path, spelling):
    text = f"opt:\n  _target_: {spelling}\n  weight_decay: 0.01\n"
    new, fixed, remaining = fix(tmp_path, "c.yaml", text)
    assert new == text.replace("optim.Adam", "optim.AdamW") and len(fixed) == 1 and not remaining


@pytest.mark.parametrize("spelling", [">-\n    torch.optim.Adam", "|-\n    torch.optim.Adam",
                                      '"torch.optim.Ad\\x61m"', '"torch.optim.\\\n    Adam"'])
def test_unspellable_scalar_needs_a_hand_edit_for_that_site_only(tmp_path, spelling):
    text = f"odd:\n  _target_: {spelling}\n  weight_decay: 0.01\n" + OPT
    new, fixed, remaining = fix(tmp_path, "c.yaml", text)
    assert new == text[::-1].replace("madA.mitpo", "WmadA.mitpo", 1)[::-1]  # only the last optimizer
    assert len(fixed) == 1 and [f.fix_blocked for f in remaining] == [
        "needs a hand edit in the config file: its YAML spelling (block, multi-line or escaped) "
        "cannot be changed in place"]


def test_one_scalar_aliased_by_two_optimizers_that_both_need_the_fix(tmp_path):
    text = "a:\n  _target_: &cls torch.optim.Adam\n  weight_decay: 0.01\nb:\n  _target_: *cls\n  weight_decay: 0.02\n"
    new, fixed, remaining = fix(tmp_path, "c.yaml", text)
    assert new == text.replace("optim.Adam\n", "optim.AdamW\n") and codes(fixed) == [(2, "AWL101"), (5, "AWL101")]
    assert not remaining


@pytest.mark.parametrize("other", [
    "b:\n  _target_: *cls\n  weight_decay: 0\n",  # AdamW's default weight decay would be new here
    "name: *cls\n",  # a plain value that must not change
])
def test_a_scalar_used_elsewhere_needs_a_hand_edit(tmp_path, other):
    text = "a:\n  _target_: &cls torch.optim.Adam\n  weight_decay: 0.01\n" + other
    new, fixed, remaining = fix(tmp_path, "c.yaml", text)
    assert new == text and not fixed and codes(remaining) == [(2, "AWL101")]
    assert "shared through a YAML anchor or merge key" in remaining[0].fix_blocked


def test_an_aliased_optimizer_mapping_is_one_optimizer(tmp_path):
    text = "base: &opt\n  _target_: torch.optim.Adam\n  weight_decay: 1.0e-4\nother: *opt\n"
    new, fixed, _ = fix(tmp_path, "c.yaml", text)
    assert new == text.replace("optim.Adam\n", "optim.AdamW\n") and codes(fixed) == [(2, "AWL101")]


def test_shared_switch_value_in_deepspeed_yaml(tmp_path):
    text = ("no: &off false\nquiet: *off\noptimizer:\n  type: Adam\n  params:\n"
            "    weight_decay: 0.01\n    adam_w_mode: *off\n")
    new, fixed, remaining = fix(tmp_path, "c.yaml", text)
    assert new == text and codes(remaining) == [(4, "AWL101")]


# --- #27: merge keys ----------------------------------------------------------------------------------

def test_merge_key_brings_the_target(tmp_path):
    text = "b: &b {_target_: torch.optim.Adam}\nopt: {<<: *b, weight_decay: 0.01}\n"
    findings = check(tmp_path, "c.yaml", text)
    assert [(f.line, f.col, f.code) for f in findings] == [(2, 5, "AWL101")]
    new, fixed, remaining = fix(tmp_path, "c.yaml", text)
    assert new == text and not fixed and "merge key" in remaining[0].fix_blocked  # b is used as is elsewhere


def test_merge_key_brings_the_weight_decay(tmp_path):
    text = "b: &b {weight_decay: 0.01}\nopt:\n  <<: *b\n  _target_: torch.optim.Adam\n"
    new, _, _ = fix(tmp_path, "c.yaml", text)
    assert codes(check(tmp_path, "c.yaml", text)) == [(4, "AWL101")] and "optim.AdamW" in new


def test_an_inline_merge_source_is_the_optimizer_own(tmp_path):
    text = "opt:\n  <<: {_target_: torch.optim.Adam}\n  weight_decay: 0.01\n"
    new, fixed, _ = fix(tmp_path, "c.yaml", text)
    assert new == text.replace("Adam}", "AdamW}") and len(fixed) == 1


@pytest.mark.parametrize("text,expected", [
    # explicit keys win over merged ones
    ("b: &b {_target_: torch.optim.Adam, weight_decay: 0.01}\nopt: {<<: *b, weight_decay: 0}\n", [(1, "AWL101")]),
    # of a merged list, the earlier mapping wins
    ("x: &x {weight_decay: 0}\ny: &y {weight_decay: 0.01}\nopt: {<<: [*x, *y], _target_: torch.optim.Adam}\n", []),
    ("x: &x {weight_decay: 0}\ny: &y {weight_decay: 0.01}\nopt: {<<: [*y, *x], _target_: torch.optim.Adam}\n",
     [(3, "AWL101")]),
    # a quoted "<<" is an ordinary key; a merged AdamW is fine
    ("b: &b {_target_: torch.optim.Adam}\nopt: {'<<': *b, weight_decay: 0.01}\n", []),
    ("b: &b {_target_: torch.optim.AdamW}\nopt: {<<: *b, weight_decay: 0.01}\n", []),
])
def test_merge_key_semantics(tmp_path, text, expected):
    assert codes(check(tmp_path, "c.yaml", text)) == expected


# --- #29: control characters ------------------------------------------------------------------------

def test_control_characters_from_values_are_escaped_in_messages(tmp_path):
    text = 'opt:\n  _target_: torch.optim.Adam\n  weight_decay: "${x}\\e[31mFAKE\\u2028\\n"\n'
    (finding,) = check(tmp_path, "c.yaml", text)
    assert "${x}\\x1b[31mFAKE\\u2028\\n" in finding.message
    assert finding.message.isprintable()


def test_control_characters_in_json_values_are_escaped(tmp_path):
    data = {"_target_": "torch.optim.Adam", "weight_decay": "${a}\u001b]0;x\u0007", "lr": "\u001b[2J"}
    (finding,) = check(tmp_path, "c.json", json.dumps(data))
    assert finding.message.isprintable() and "\\x1b]0;x\\x07" in finding.message


# --- everything else: errors name the file, never a traceback ---------------------------------------------

@pytest.mark.parametrize("text,reason", [
    ("a: [\n", "cannot be parsed as YAML"),
    ("a: *missing\n", "cannot be parsed as YAML"),
    ("a: 1\n\x07", "cannot be parsed as YAML"),
    ("[" * 1200, "nested too deeply"),
])
def test_bad_yaml_is_a_source_error(tmp_path, text, reason):
    raised = error(tmp_path, "c.yaml", text)
    assert reason in raised.reason and raised.reason.isprintable()


def test_noqa_is_read_on_the_line_pyyaml_counts(tmp_path):
    text = 'note: "a\u2028b"\nopt:\n  _target_: torch.optim.Adam  # noqa: AWL101\n  weight_decay: 0.01\n'
    assert check(tmp_path, "c.yaml", text) == []  # PyYAML ends a line at LS: the noqa is on line 4
    assert codes(check(tmp_path, "c.yaml", text.replace("  # noqa: AWL101", ""))) == [(4, "AWL101")]


def test_multiple_documents_each_with_its_own_anchors(tmp_path):
    text = "a: &x {_target_: torch.optim.Adam, weight_decay: 0.01}\n---\na: &x {_target_: torch.optim.Adam}\nb: *x\n"
    assert codes(check(tmp_path, "c.yaml", text)) == [(1, "AWL101")]


def test_cli_reports_hostile_configs_by_name_and_goes_on(tmp_path, capsys):
    bomb, top = laughs()
    write(tmp_path, "bomb.yaml", bomb + OPT + f"  betas: *{top}\n")
    # a config that does not parse is an error when it names a weight decay (README; one that
    # does not cannot hold a finding and is passed over: test_speed_robust.py)
    write(tmp_path, "bad.json", '{"optimizer": {"type": "Adam", "weight_decay": 0.0001,}}')
    write(tmp_path, "ds.json", json.dumps(DEEPSPEED, indent="\t"))
    code, out, err = cli(capsys, "check", str(tmp_path))
    assert code == 2 and "Traceback" not in err
    assert "bad.json:1:55: cannot be parsed as JSON" in err
    assert "bomb.yaml:10:13: AWL101" in out and "ds.json:3:" in out


# --- libyaml's events decide that a YAML file holds no finding; PyYAML reads every other ------------

_SHAPES = [
    OPT, "a: 1\r\nopt:\r\n  _target_: torch.optim.Adam\r\n  weight_decay: 1e-4\r\n",
    "opt: {_target_: torch.optim.Adam, weight_decay: 0.01}\n",
    "base: &b\n  _target_: torch.optim.Adam\n  weight_decay: 0.01\nopt:\n  <<: *b\n  lr: 0.1\n",
    "opt:\n  _target_: 'torch.optim.Adam'\n  weight_decay: \"1e-4\"\n  betas: [0.9, 0.99]\n---\nother:\n  - a\n  - |\n    b\n",
    "model:\n  optimizer:\n    class_path: torch.optim.RMSprop\n    init_args:\n      weight_decay: 1.0e-5\n",
    "trainer:\n  optimizer: adam\n  layers:\n  - 64\n  - 32\n# a comment\nname: >-\n  folded\n  text\n",
    "opt:\n  _target_: torch.optim.AdamW\n  weight_decay: 0.01\n", "labels: [tench, shampoo]\n", "", "# only a comment\n",
]


def _nodes(node, out):
    out.append((type(node).__name__, node.tag, node.start_mark.index, node.start_mark.line, node.start_mark.column,
                getattr(node, "style", None) if isinstance(node, yaml.ScalarNode) else None,
                node.value if isinstance(node, yaml.ScalarNode) else len(node.value),
                node.end_mark.index if isinstance(node, yaml.ScalarNode) else None))
    for item in node.value if not isinstance(node, yaml.ScalarNode) else ():
        for child in item if isinstance(item, tuple) else (item,):
            _nodes(child, out)
    return out


@pytest.mark.skipif(configs._event_loader() is None, reason="PyYAML built without libyaml: only its own reading runs")
@pytest.mark.parametrize("text", _SHAPES)
def test_libyamls_events_compose_the_nodes_pyyaml_composes(text):
    python = [_nodes(root, []) for root in configs._yaml_documents("c.yaml", text)]
    assert [_nodes(root, []) for root in configs._yaml_documents("c.yaml", text, configs._event_loader())] == python


@pytest.mark.parametrize("text", [
    *_SHAPES, "opt:\n  _target_: torch.optim.Adam\n  weight_decay:\t0.01\n", "opt:\n\t_target_: torch.optim.Adam\n", "opt: [\n",
    # libyaml reads these, PyYAML stops (a fresh review's): what is said of them is PyYAML's
    "opt:\n  _target_: torch.optim.AdamW\n  weight_decay: 0.01\nnotes: |# free text\n  hello\n",
    "opt: {_target_: torch.optim.AdamW, weight_decay: 0.01}\ndata: {name: what?, split: train}\n",
    "opt: {_target_: torch.optim.AdamW, weight_decay: 0.01, extra: !custom, lr: 1}\n",
    "opt:\n  _target_: torch.optim.Adam\n  weight_decay: 0.01\n\ufeff weight_decay: 0\n",
    "opt:\n  _target_: torch.optim.Adam\n  lr: 0.01\n\ufeff\n",
    "opt:\n  _target_: torch.optim.Adam\n  lr: !\n"])  # an empty tag: null in PyYAML, "" in libyaml
def test_a_yaml_file_reads_the_same_with_or_without_libyaml(tmp_path, monkeypatch, text):
    def reading():
        try:
            return [(f.code, f.span, f.message, f.fix, edits) for f, edits in configs.analyze(write(tmp_path, "c.yaml", text), text, "rename")]
        except SourceError as error:
            return str(error)
    fast = reading()
    monkeypatch.setattr(configs, "_event_loader", lambda: None)
    assert fast == reading()


def test_pyyaml_reads_only_the_files_where_libyaml_finds_something(tmp_path, monkeypatch):
    if configs._event_loader() is None:
        pytest.skip("PyYAML built without libyaml: only its own reading runs")
    made = []
    monkeypatch.setattr(configs._BoundedLoader, "__init__", lambda self, stream: made.append(1) or yaml.SafeLoader.__init__(self, stream))
    assert check(tmp_path, "c.yaml", "opt:\n  _target_: torch.optim.Adam\n  lr: 0.1\n") == [] and made == []
    # a decay: the file may be one whose error the run reports, which is PyYAML's to say
    assert check(tmp_path, "c.yaml", "opt:\n  _target_: torch.optim.AdamW\n  weight_decay: 0.01\n") == [] and made == [1]
    assert codes(check(tmp_path, "c.yaml", OPT)) == [(2, "AWL101")] and made == [1, 1]
    raised = error(tmp_path, "c.yaml", "opt:\n  _target_: torch.optim.AdamW\n  weight_decay:\t0.01\n")
    assert "cannot be parsed as YAML" in str(raised) and made == [1, 1, 1]
    # libyaml passes over a byte-order mark inside a file, PyYAML reads it as part of a key
    assert check(tmp_path, "c.yaml", "opt:\n  _target_: torch.optim.Adam\n\ufefflr: 0.1\n") == [] and made == [1, 1, 1, 1]
    assert check(tmp_path, "c.yaml", "opt:\n  _target_: torch.optim.Adam\n  lr: !\n") == [] and made == [1, 1, 1, 1, 1]
    # a data file past the bound is as large in either reading: not composed twice
    monkeypatch.setattr(configs, "MAX_YAML_NODES", 50)
    raised = error(tmp_path, "c.yaml", "opt: [" + "1, " * 60 + "Adam]\n")
    assert raised.reason == "skipped: more than 50 YAML nodes (a data file, not a configuration; not analyzed)"
    assert made == [1, 1, 1, 1, 1]


def test_a_config_without_a_decay_that_only_libyaml_reads_is_still_no_error_of_the_run(tmp_path):
    """What the run reports of a file without the word "decay" is the same whichever parser reads
    it: nothing, when it does not parse (``runner.check_one``)."""
    from helpers import git_repository, run_cli

    repository = git_repository(tmp_path, {
        "a.yaml": "opt: {_target_: torch.optim.Adam, lr: 0.1}\nnotes: {q: what?, split: train}\n",
        "b.yaml": "opt: {_target_: torch.optim.Adam, weight_decay: 0.1}\nnotes: {q: what?}\n"})
    result = run_cli("check", "-q", ".", cwd=repository)
    assert result.returncode == 2 and "b.yaml:2" in result.stderr, result.stdout + result.stderr
    assert "a.yaml" not in result.stdout + result.stderr
