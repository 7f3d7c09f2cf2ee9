"""Analysis work is bounded per file (hostile inputs, second round: H13, H14).

Each test counts the analysis' own steps instead of timing it: a regression to exponential or
cubic work shows as a count far above the bound, on any machine."""

import ast

from helpers import cli

from adamw_lint import context, engine, flow
from adamw_lint.engine import analyze_tree
from adamw_lint.files import physical_lines


def _counting(monkeypatch, cls, method):
    calls = []
    original = getattr(cls, method)

    def counted(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)
    monkeypatch.setattr(cls, method, counted)
    return calls


def _analyze(source):
    limits = []
    findings = analyze_tree(ast.parse(source), physical_lines(source), fixes=False, limited=limits.append)
    return findings, limits


def _chained_branches(levels, branches):
    """``n0`` is assigned in ``branches`` branches from ``n1``, and so on: branches**levels paths."""
    lines = ["import torch", "import random", "c = random.random()", f"n{levels} = torch.optim.Adam"]
    for i in range(levels - 1, -1, -1):
        lines += [f"{'if' if j == 0 else 'elif'} c < {j}:\n    n{i} = n{i + 1}" for j in range(branches)]
    lines.append("opt = n0(params, weight_decay=1e-4)")
    return "\n".join(lines) + "\n"


def test_h13_names_assigned_in_many_branches_are_answered_once_each(monkeypatch):
    steps = _counting(monkeypatch, context.Context, "_alternatives")
    findings, limits = _analyze(_chained_branches(6, 16))  # 16**6 = 16.7 million paths
    assert [f.code for f in findings] == ["AWL101"]
    assert not limits
    assert len(steps) <= 6 * 16 + 10  # one answer per (expression, depth), not per path


def test_h14_a_name_rebound_thousands_of_times_costs_near_linear_flow(monkeypatch):
    pairs = 1000
    source = "import torch\n" + "cls = torch.optim.Adam\nopt = cls(params, weight_decay=1e-4)\n" * pairs
    steps = _counting(monkeypatch, flow.Reaching, "stmt")
    findings, _ = _analyze(source)
    assert len(findings) == pairs
    assert len(steps) <= 4 * 2 * pairs  # each statement's effect computed a few times, not once per use


def test_h14_uses_inside_a_loop_body_reuse_the_flow_of_the_body(monkeypatch):
    body = "".join("    cls = torch.optim.Adam\n    opt = cls(params, weight_decay=1e-4)\n" for _ in range(500))
    source = "import torch\nfor step in range(3):\n" + body
    steps = _counting(monkeypatch, flow.Reaching, "stmt")
    findings, _ = _analyze(source)
    assert len(findings) == 500
    assert len(steps) <= 10 * 1000


def test_many_names_bound_once_in_a_long_module_cost_no_flow(monkeypatch):
    # 2,000 module functions, each handed a class and called once: each name's flow over the
    # module's 4,000 statements was quadratic (18 s); a name bound once, before its use, has none
    functions = 2000
    source = "import torch\n" + "".join(f"def g{i}(cls, p):\n    return cls(p, weight_decay=1e-4)\n"
                                        f"g{i}(torch.optim.AdamW, q)\n" for i in range(functions))
    steps = _counting(monkeypatch, flow.Reaching, "stmt")
    findings, _ = _analyze(source)
    assert findings == []
    assert len(steps) <= 4 * functions
    once_in_a_loop = "import torch\nfor _ in range(2):\n    opt = cls(p, weight_decay=1e-4)\n    cls = torch.optim.Adam\n"
    assert [(f.line, f.code) for f in _analyze(once_in_a_loop)[0]] == [(3, "AWL101")]  # bound once, after: the flow


def test_a_method_of_an_instance_is_named_only_where_a_route_can_be(monkeypatch):
    # 5,000 ``model.train()`` of a name bound in as many branches: nothing is chosen without arguments
    calls = 5000
    source = "import torch\n" + "".join(f"if c{i}:\n    model = make{i}()\nmodel.train()\n" for i in range(calls))
    steps = _counting(monkeypatch, flow.Reaching, "stmt")
    assert _analyze(source)[0] == []
    assert len(steps) <= 2 * calls


def test_a_receiver_bound_thousands_of_times_is_not_followed(monkeypatch):
    # each call asked about every binding that may reach it (5,000 of each: 12.8 s)
    calls = 3000
    source = "from ultralytics import YOLO\n" + "".join(
        f"if c{i}:\n    model = YOLO('n{i}.pt')\nmodel.train(optimizer='Adam')\n" for i in range(calls))
    asked = []
    original = engine._built_by
    monkeypatch.setattr(engine, "_built_by", lambda *a: asked.append(1) or original(*a))
    assert _analyze(source)[0] == []
    assert asked == []


def test_a_parameter_used_often_and_passed_often_is_followed_once(monkeypatch):
    # 1,000 uses of a parameter, each asking about the 1,000 calls that pass it, was quadratic
    n = 1000
    source = ("import torch\ndef make(cls, p):\n" + "".join(f"    o{i} = cls(p, weight_decay=0.01)\n" for i in range(n))
              + "".join(f"make(torch.optim.Adam, q{i})\n" for i in range(n)))
    asked = _counting(monkeypatch, context.Context, "passed")
    findings, _ = _analyze(source)
    assert len(findings) == n
    assert len(asked) <= 2


def test_the_flow_is_still_exact_after_caching():
    source = (
        "import torch\n"
        "if flag:\n    cls = torch.optim.Adam\nelse:\n    cls = torch.optim.SGD\n"
        "opt = cls(params, weight_decay=1e-4)\n"
        "cls = torch.optim.SGD\n"
        "opt = cls(params, weight_decay=1e-4)\n"
        "for _ in range(2):\n    opt = cls(params, weight_decay=1e-4)\n    cls = torch.optim.Adagrad\n"
    )
    findings, _ = _analyze(source)
    assert [(f.line, f.code) for f in findings] == [(6, "AWL101"), (10, "AWL103")]


def test_a_search_that_hits_its_bound_says_so_and_keeps_what_it_found(tmp_path, capsys):
    entries = ", ".join(f'"k{i}": torch.optim.Adam' for i in range(context._STEPS + 5))
    (tmp_path / "table.py").write_text(
        f"import torch\nTABLE = {{{entries}}}\nopt = TABLE[name](params, weight_decay=1e-4)\n")
    code, out, err = cli(capsys, "check", str(tmp_path / "table.py"))
    assert code == 2
    assert "AWL101" in out
    assert "analysis stopped after" in err and "table.py" in err
