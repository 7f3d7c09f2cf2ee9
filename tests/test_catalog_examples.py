"""Every catalog row's own examples are tests (as Fixit runs VALID/INVALID)."""
import ast

import pytest

from adamw_lint import catalog
from adamw_lint.analysis import analyze_source
from adamw_lint.fix import fix_source
from adamw_lint.selection import Selection

def label(row) -> str:
    return row.names[0] if hasattr(row, "names") else type(row).__name__


VALID = [(label(row), src) for row in catalog.all_rows() for src in getattr(row, "valid", ())]
INVALID = [(row, ex) for row in catalog.all_rows() for ex in getattr(row, "invalid", ())]


@pytest.mark.parametrize("name,source", VALID, ids=[f"{n}-{i}" for i, (n, _) in enumerate(VALID)])
def test_valid_example_has_no_finding(name, source):
    # no rule at all reports it: neither its own rule alone, nor the defaults, nor the opt-in rules
    assert analyze_source(source) == []


@pytest.mark.parametrize("row,example", INVALID, ids=[f"{label(r)}-{i}" for i, (r, _) in enumerate(INVALID)])
def test_invalid_example_is_reported_and_fixed_as_documented(row, example):
    findings = analyze_source(example.source)
    assert len(findings) == 1, findings
    finding = findings[0]
    assert finding.code in catalog.codes_of(row)
    # the code an example states (a row of several codes: the docs group examples by it) is the one it gets
    assert finding.code == (example.code or catalog.codes_of(row)[0]) and (example.code is None) == (len(catalog.codes_of(row)) == 1)
    assert finding.message.startswith(finding.code + " ")
    alone = Selection(select=(finding.code,))  # Fixit's model: the rule tested by itself
    assert [f.code for f in alone.filter(analyze_source(example.source, fixes=False))] == [finding.code]
    if example.fixed is None:
        assert finding.fix is None
        assert not fix_source(example.source, selection=alone).changed
        return
    assert finding.fix is not None
    assert finding.fix.applicability == catalog.RULES_BY_CODE[finding.code].fix_applicability
    result = fix_source(example.source, selection=alone)
    assert result.source == example.fixed
    assert fix_source(example.source).source == example.fixed  # the same with every rule on
    ast.parse(result.source)
    assert [f for f in analyze_source(result.source) if f.fix] == []
    assert fix_source(result.source).source == result.source  # idempotent


def test_every_reporting_row_and_every_code_has_examples():
    for row in (*catalog.OPTIMIZERS, *catalog.DECOUPLED_NOT_LR_SCALED, *catalog.OPTAX_OPTIMIZERS):
        if row.code is not None:
            assert row.invalid, f"{row.names[0]} reports {row.code} but has no invalid example"
    codes = {analyze_source(ex.source)[0].code for _, ex in INVALID}
    assert codes == {rule.code for rule in catalog.RULES}


def test_positional_indices_follow_the_semantics_reference():
    # §1 and trap 10 of shared/optimizer-semantics.md: where naive linters go wrong
    by_name = catalog.OPTIMIZERS_BY_NAME
    assert by_name["torch.optim.Adam"].signature.index("weight_decay") == 4
    assert by_name["torch.optim.Adagrad"].signature.index("weight_decay") == 3
    assert by_name["torch.optim.ASGD"].signature.index("weight_decay") == 5
    assert by_name["torch.optim.Muon"].signature.index("weight_decay") == 2
    assert by_name["torch.optim.NAdam"].signature.index("decoupled_weight_decay") == 6
    assert by_name["torch.optim.RAdam"].signature.index("decoupled_weight_decay") == 5
    assert by_name["torch.optim.Adam"].signature.index("decoupled_weight_decay") is None
    assert by_name["apex.optimizers.FusedAdam"].signature.index("adam_w_mode") == 5
    assert by_name["apex.optimizers.FusedAdam"].signature.index("weight_decay") == 6
    assert by_name["deepspeed.ops.adam.DeepSpeedCPUAdam"].signature.index("weight_decay") == 5
    assert by_name["deepspeed.ops.adam.DeepSpeedCPUAdam"].signature.index("adamw_mode") == 7
    assert by_name["apex.optimizers.FusedAdagrad"].signature.index("adagrad_w_mode") == 5
    assert by_name["torch.optim.AdamW"].signature.defaults["weight_decay"] == "1e-2"
    timm = catalog.FACTORIES_BY_NAME["timm.optim.create_optimizer_v2"]
    assert timm.signature.index("weight_decay") == 3


def test_catalog_signatures_match_installed_torch():
    torch = pytest.importorskip("torch")
    import inspect

    for row in catalog.OPTIMIZERS:
        name = row.names[0]
        if not name.startswith("torch.optim."):
            continue
        cls = getattr(torch.optim, name.rsplit(".", 1)[1], None)
        if cls is None:
            continue
        params = list(inspect.signature(cls.__init__).parameters.values())[1:]
        positional = tuple(p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD)
        keyword_only = tuple(p.name for p in params if p.kind is p.KEYWORD_ONLY)
        assert row.signature.positional == positional, name
        assert set(row.signature.keyword_only) == set(keyword_only), name
        for p in params:
            if p.default is not p.empty and p.name in row.signature.defaults:
                assert ast.literal_eval(row.signature.defaults[p.name]) == p.default, (name, p.name)


def test_trigger_words_cover_every_reportable_name():
    # every finding is reported at an optimizer, a factory or an optax chain: their names need a word
    words = catalog.trigger_words()
    for row in catalog.all_rows():
        if isinstance(row, (catalog.L2Penalty, catalog.SquaredNormPattern, catalog.OptimizerWrapper)):
            continue  # reported only with an optimizer, whose name is a word
        for name in row.names:
            if isinstance(row, catalog.TrainingOptimizer) and not row.adaptive:
                continue  # keras SGD: looked for only where Keras is mentioned (test below)
            if catalog.instance_method(name):  # ``pkg.YOLO().train``: its package and its class
                cls = catalog.instance_method(name)[0]
                assert cls.rsplit(".", 1)[1] in catalog.instance_triggers()[cls.split(".", 1)[0]], name
            elif catalog.codes_of(row) or isinstance(row, catalog.TrainingOptimizer):
                assert any(w in name for w in words), name


def test_prefilter_passes_every_example_and_compile_strings():
    from adamw_lint.analysis import may_contain_findings, may_contain_text

    for _, example in INVALID:
        assert may_contain_text(example.source) and may_contain_findings(example.source.encode())
    assert may_contain_text("model.compile(optimizer='RMSprop')\n")
    for keras_sgd in ("from keras import optimizers\noptimizers.SGD(0.1, decay=1e-4)\n",
                      "from tensorflow.keras.optimizers.legacy import SGD\nSGD(0.1, decay=1e-4)\n"):
        assert may_contain_text(keras_sgd) and analyze_source(keras_sgd)[0].code == "AWL203"
    assert not may_contain_text("import keras\nx = keras.layers.Dense(3, kernel_regularizer='l2')\n# lambda million\n")
