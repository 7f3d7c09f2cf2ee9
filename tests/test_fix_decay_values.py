"""``fix --weight-decay-from``: λ′ from a runtime calibration written into the rewritten calls
(issue 13, "The weight-decay value"), matched by file and line; λ kept everywhere else."""
import json

import pytest

from adamw_lint.decay_values import DecayValues
from adamw_lint.fix import fix_source

PROGRAM = """\
import torch

opt = torch.optim.Adam(model.parameters(), lr=1e-3,
                       weight_decay=1e-2)
groups = [{"params": a, "weight_decay": 5e-4}, {"params": b, "weight_decay": 0.0}, {"params": c}]
opt2 = torch.optim.Adam(groups, weight_decay=1e-2)
other = torch.optim.Adam(head.parameters(), weight_decay=1e-2)
"""


def _group(index, wd, suggested, search):
    return {"index": index, "weight_decay": wd, "suggested_weight_decay": suggested, "search": search}


CALIBRATION = [
    {"site": "train.py:3", "optimizer": "torch.optim.Adam", "groups": [_group(0, 0.01, 1.03, [0.72, 1.03])]},
    {"site": "train.py:6", "optimizer": "torch.optim.Adam",
     "groups": [_group(0, 5e-4, 0.05, [0.02, 0.05]), _group(1, 0.0, 0.0, [0.0, 0.0]), _group(2, 0.01, 0.9, [0.5, 0.9])]},
    {"site": "elsewhere.py:7", "optimizer": "torch.optim.Adam", "groups": [_group(0, 0.01, 2.0, [1.0, 2.0])]},
]


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "train.py").write_text(PROGRAM)

    def load(data=CALIBRATION, scale=1.0):
        (tmp_path / "cal.json").write_text(json.dumps(data))
        return DecayValues.load("cal.json", scale)
    return load


def test_calibrated_values_go_into_the_right_call_and_group(project):
    result = fix_source(PROGRAM, path="train.py", decay_values=project())
    lines = result.source.splitlines()
    assert lines[2:4] == ["opt = torch.optim.AdamW(model.parameters(), lr=1e-3,",
                          "                        weight_decay=1.03)"]  # the site line is the call's first line
    assert lines[4] == 'groups = [{"params": a, "weight_decay": 0.05}, {"params": b, "weight_decay": 0.0}, {"params": c}]'
    assert lines[5] == "opt2 = torch.optim.AdamW(groups, weight_decay=0.9)"  # group 2 inherits the call's value
    assert lines[6] == "other = torch.optim.AdamW(head.parameters(), weight_decay=1e-2)"  # not calibrated: λ kept
    descriptions = {f.line: f.fix.description for f in result.fixed}
    assert descriptions[3].endswith("; weight_decay 1e-2 → 1.03 (runtime calibration)")
    assert descriptions[7] == "Replace torch.optim.Adam with torch.optim.AdamW"
    assert result.decay_notes == []


def test_a_site_on_a_continuation_line_matches_the_call(project):
    moved = [dict(CALIBRATION[0], site="train.py:4")]
    assert "weight_decay=1.03)" in fix_source(PROGRAM, path="train.py", decay_values=project(moved)).source


def test_scale_picks_a_point_of_the_search_range_on_a_log_scale(project):
    low = fix_source(PROGRAM, path="train.py", decay_values=project(scale=0.0)).source
    assert "weight_decay=0.72)" in low and '"weight_decay": 0.02}' in low
    middle = fix_source(PROGRAM, path="train.py", decay_values=project(scale=0.5)).source
    assert f"weight_decay={float(f'{(0.72 * 1.03) ** 0.5:.4g}')!r})" in middle


def test_sites_that_do_not_match_leave_lambda(project):
    for site in ("train.py:2", "train.py:8", "other.py:3", "sub/train.py:3"):
        values = project([dict(CALIBRATION[0], site=site)])
        fixed = fix_source(PROGRAM, path="train.py", decay_values=values).source
        assert "1.03" not in fixed and fixed.count("weight_decay=1e-2") == 3, site
    assert fix_source(PROGRAM, decay_values=project()).source.count("weight_decay=1e-2") == 3  # no path: no match


def test_without_a_calibration_the_fix_keeps_lambda():
    assert fix_source(PROGRAM).source.count("weight_decay=1e-2") == 3


@pytest.mark.parametrize("groups,note", [
    ([_group(0, 0.02, 1.5, [1.0, 1.5])], "is not the measured run's 0.02"),  # the source changed since
    ([_group(0, 0.01, None, None)], "were not measured"),
])
def test_a_stale_or_missing_measurement_keeps_lambda_and_says_why(project, groups, note):
    values = project([{"site": "train.py:3", "optimizer": "torch.optim.Adam", "groups": groups}])
    result = fix_source(PROGRAM, path="train.py", decay_values=values)
    assert "torch.optim.AdamW(model.parameters(), lr=1e-3,\n                        weight_decay=1e-2)" in result.source
    assert len(result.decay_notes) == 1 and result.decay_notes[0].startswith("train.py:3: ") and note in result.decay_notes[0]


def test_groups_sharing_the_calls_value_but_measured_differently_keep_it(project):
    data = [{"site": "train.py:6", "optimizer": "torch.optim.Adam",
             "groups": [_group(0, 5e-4, 0.05, [0.02, 0.05]), _group(2, 0.01, 0.9, [0.5, 0.9]),
                        _group(3, 0.01, 0.7, [0.5, 0.7])]}]
    result = fix_source(PROGRAM, path="train.py", decay_values=project(data))
    assert "opt2 = torch.optim.AdamW(groups, weight_decay=1e-2)" in result.source
    assert '"weight_decay": 0.05}' in result.source  # group 0's own value is still written
    assert any("groups 2, 3 share one weight_decay" in n for n in result.decay_notes)


def test_a_value_shared_by_two_calls_is_kept(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = ("import torch\ngroups = [{'params': a, 'weight_decay': 1e-2}]\n"
              "opt = torch.optim.Adam(groups)\nopt2 = torch.optim.Adam(groups)\n")
    data = [{"site": f"t.py:{line}", "optimizer": "torch.optim.Adam", "groups": [_group(0, 0.01, s, [0.1, s])]}
            for line, s in ((3, 1.0), (4, 2.0))]
    (tmp_path / "cal.json").write_text(json.dumps(data))
    result = fix_source(source, path="t.py", decay_values=DecayValues.load("cal.json"))
    assert "'weight_decay': 1e-2" in result.source
    assert any("shared with another call" in n for n in result.decay_notes)


@pytest.mark.parametrize("text,message", [
    ("{not json", "not a JSON calibration file"),
    ('{"site": "train.py:3"}', "top level: a list of optimizers"),
    ('[{"site": "train.py", "groups": []}]', "entry 0: 'site' must be 'path:line'"),
    ('[{"site": "train.py:3"}]', "entry 0: an object with a 'groups' list"),
    ('[{"site": "train.py:3", "groups": [{"index": "0", "weight_decay": 0.01}]}]', "entry 0, group 0"),
    ('[{"site": "t.py:3", "groups": [{"index": 0, "weight_decay": 0.01, "search": [2, 1]}]}]', "'search' must be"),
    ('[{"site": "t.py:3", "groups": [{"index": 0, "weight_decay": 0.01, "suggested_weight_decay": "1"}]}]',
     "'suggested_weight_decay' must be a number"),
])
def test_bad_calibration_is_a_value_error_naming_the_file(tmp_path, text, message):
    path = tmp_path / "cal.json"
    path.write_text(text)
    with pytest.raises(ValueError) as error:
        DecayValues.load(str(path))
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)


def test_missing_file_and_bad_scale_are_value_errors(tmp_path):
    with pytest.raises(ValueError, match="cannot read the calibration"):
        DecayValues.load(str(tmp_path / "missing.json"))
    (tmp_path / "cal.json").write_text("[]")
    for scale in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="from 0 to 1"):
            DecayValues.load(str(tmp_path / "cal.json"), scale)
