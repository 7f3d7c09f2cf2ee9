"""A project's own optimizer classes: a subclass of ``torch.optim.Optimizer`` whose ``step()`` adds
the decay to a gradient that then feeds its second moment is read as coupled, and its
constructions are checked as torch's are; every other way a step may decay is not."""
import pickle
import textwrap

import pytest

from adamw_lint.analysis import analyze_source
from adamw_lint.prefilter import may_contain_findings
from adamw_lint.project_index import ProjectIndex

from helpers import make_repo, run_cli

HEAD = "import torch\nfrom torch.optim import Optimizer\n\n\n"
INIT = """
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0{extra}):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay{fill})
        super().__init__(params, defaults)
"""
LOOP = """
    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                state = self.state[p]
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                beta1, beta2 = group["betas"]
"""
MOMENTS = """
                exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                denom = exp_avg_sq.sqrt().add_(group["eps"])
"""
UPDATE = """
                p.addcdiv_(exp_avg, denom, value=-group["lr"])
"""


def optimizer(decay: str, after: str = "", extra: str = "", fill: str = "", name: str = "MyAdam") -> str:
    """A class ``name`` whose step decays by ``decay`` before its moments and ``after`` them."""
    body = textwrap.indent(textwrap.dedent(decay), " " * 16) if decay else ""
    later = textwrap.indent(textwrap.dedent(after), " " * 16) if after else ""
    return (HEAD + f"class {name}(Optimizer):" + INIT.format(extra=extra, fill=fill) + LOOP + body + MOMENTS
            + later + UPDATE)


COUPLED = optimizer("""
    if group["weight_decay"] != 0:
        grad = grad.add(p, alpha=group["weight_decay"])
""")
USE = "\n\nopt = MyAdam(model.parameters(), lr=1e-3, weight_decay=1e-4)\n"


def codes(source: str):
    return [(f.line, f.code) for f in analyze_source(source)]


def test_a_step_that_adds_the_decay_before_the_second_moment_is_coupled():
    (finding,) = analyze_source(COUPLED + USE)
    assert (finding.code, finding.line) == ("AWL103", COUPLED.count("\n") + 3)
    assert finding.message.startswith("AWL103 MyAdam(weight_decay=1e-4) adds L2 to the gradient (coupled), "
                                      "and MyAdam has no decoupled mode; its step() adds weight_decay·p to the "
                                      "gradient at line 22, before the adaptive denominator")
    assert finding.fix is None  # the class is the project's: nothing to rename it to


@pytest.mark.parametrize("decay", [
    "grad = grad.add(p, alpha=group['weight_decay'])",
    "grad.add_(p, alpha=group['weight_decay'])",
    "grad = grad.add(group['weight_decay'], p.data)",  # the old signature
    "grad = grad + group['weight_decay'] * p",
    "grad += p.data * group['weight_decay']",
    "wd = group['weight_decay']\nif wd:\n    grad = grad.add(p, alpha=wd)",
], ids=["add-alpha", "add_-alpha", "old-signature", "plus-times", "augmented", "alias"])
def test_each_spelling_of_the_coupled_term(decay):
    assert codes(optimizer(decay) + USE)[-1][1] == "AWL103"


@pytest.mark.parametrize("source", [
    optimizer("p.mul_(1 - group['lr'] * group['weight_decay'])"),  # decoupled (AdamW)
    optimizer("p.add_(p, alpha=-group['weight_decay'] * group['lr'])"),  # decoupled, the RAdam spelling
    # NovoGrad, LAMB: added after the division, so not divided by the denominator
    optimizer("", after="grad.div_(denom)\ngrad.add_(p, alpha=group['weight_decay'])"),
    # a pull toward a reference model is no weight decay
    optimizer("grad = grad + group['weight_decay'] * (p - state['reference'])"),
    # a sampler: the decay is the prior's gradient, preconditioned on purpose
    optimizer("grad = grad.add(p, alpha=group['weight_decay'])", after="p.add_(torch.randn_like(p) * 1e-3)"),
    # under a test of something else than the decay: not known to run
    optimizer("if self.mode == 'adam':\n    grad = grad.add(p, alpha=group['weight_decay'])"),
    # the decay is not the constructor's argument of that name
    optimizer("grad = grad.add(p, alpha=group['decay'])"),
], ids=["adamw", "radam-spelling", "after-division", "reference-pull", "sampler", "other-test", "other-key"])
def test_steps_that_do_not_couple_the_decay_are_not_reported(source):
    assert codes(source + USE) == []


def test_a_decayed_gradient_that_no_moment_squares_is_sgd():
    sgd = (HEAD + "class MySGD(Optimizer):" + INIT.format(extra="", fill="") + """
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                d_p = p.grad.add(p, alpha=group["weight_decay"])
                p.add_(d_p, alpha=-group["lr"])
""")
    assert codes(sgd + "\nopt = MySGD(model.parameters(), weight_decay=1e-4)\n") == []


def test_a_square_in_the_other_branch_does_not_count():
    source = optimizer("""
        if group["mode"] == "sgd":
            d_p = grad + group["weight_decay"] * p
            p.add_(d_p, alpha=-group["lr"])
        else:
            grad = grad + 0.0
    """)
    assert codes(source + USE) == []


def test_a_group_flag_is_the_switch():
    source = optimizer("""
        if group["weight_decay"] != 0:
            if group["decoupled_decay"]:
                p.mul_(1 - group["lr"] * group["weight_decay"])
            else:
                grad = grad.add(p, alpha=group["weight_decay"])
    """, extra=", decoupled_decay=False", fill=", decoupled_decay=decoupled_decay")
    uses = ("\nopt = MyAdam(model.parameters(), weight_decay=1e-4)\n"
            "ok = MyAdam(model.parameters(), weight_decay=1e-4, decoupled_decay=True)\n"
            "groups = MyAdam([{'params': a, 'weight_decay': 1e-4, 'decoupled_decay': True}])\n"
            "zero = MyAdam(model.parameters(), weight_decay=0.0)\n")
    findings = analyze_source(source + uses)
    assert [(f.line, f.code) for f in findings] == [(source.count("\n") + 2, "AWL102")]
    assert "not decoupled weight decay; pass decoupled_decay=True (its step() adds weight_decay·p" in findings[0].message


def test_an_attribute_flag_set_from_the_constructor_is_the_switch():
    source = optimizer("""
        if self._decouple:
            p.mul_(1 - group["lr"] * group["weight_decay"])
        elif group["weight_decay"] != 0:
            grad.add_(p, alpha=group["weight_decay"])
    """, extra=", decouple=False").replace("super().__init__(params, defaults)",
                                          "super().__init__(params, defaults)\n        self._decouple = decouple")
    uses = ("\nopt = MyAdam(model.parameters(), weight_decay=1e-4)\n"
            "ok = MyAdam(model.parameters(), weight_decay=1e-4, decouple=True)\n")
    assert [c for _, c in codes(source + uses)] == ["AWL102"]


def test_a_moment_of_what_the_gradient_becomes_counts():
    """AdaBelief squares ``grad - exp_avg``."""
    source = optimizer("grad.add_(p.data, alpha=group['weight_decay'])").replace(
        'exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)',
        'residual = grad - exp_avg\n                exp_avg_sq.mul_(beta2).addcmul_(residual, residual, value=1 - beta2)')
    assert [c for _, c in codes(source + USE)] == ["AWL103"]


def test_a_class_that_is_no_torch_optimizer_is_not_read_and_a_subclass_of_adam_is():
    mine = COUPLED.replace("class MyAdam(Optimizer):", "class MyAdam(Base):")
    assert codes(mine + USE) == []
    # a subclass of torch's Adam with a step of its own decays as that step says
    subclass = COUPLED.replace("class MyAdam(Optimizer):", "class MyAdam(torch.optim.Adam):")
    assert [c for _, c in codes(subclass + USE)] == ["AWL103"]
    decoupled = optimizer("p.mul_(1 - group['lr'] * group['weight_decay'])").replace(
        "class MyAdam(Optimizer):", "class MyAdam(torch.optim.Adam):")
    assert codes(decoupled + USE) == []


def test_a_class_of_another_module_of_the_project(tmp_path):
    package = tmp_path / "proj"
    package.mkdir()
    (package / "__init__.py").write_text("from .optim import MyAdam\n")
    (package / "optim.py").write_text(COUPLED)
    train = "from proj import MyAdam\nopt = MyAdam(model.parameters(), lr=3e-4, weight_decay=5e-4)\n"
    (package / "train.py").write_text(train)
    index = pickle.loads(pickle.dumps(ProjectIndex([str(tmp_path)])))
    (finding,) = analyze_source(train, path=str(package / "train.py"), project=index)
    assert finding.code == "AWL103" and finding.line == 2
    assert "proj.MyAdam(weight_decay=5e-4)" in finding.message and "proj/optim.py:22" in finding.message


def test_the_cli_reports_it_and_follows_an_edit_of_the_class(tmp_path):
    root = make_repo(tmp_path, {"proj/__init__.py": "", "proj/optim.py": COUPLED,
                                "train.py": "from proj.optim import MyAdam\nopt = MyAdam(m.parameters(), weight_decay=5e-4)\n"})
    first = run_cli("check", ".", cwd=root)
    assert first.returncode == 1 and "train.py:2:7: AWL103 proj.optim.MyAdam(weight_decay=5e-4)" in first.stdout
    (root / "proj" / "optim.py").write_text(optimizer("p.mul_(1 - group['lr'] * group['weight_decay'])"))
    second = run_cli("check", ".", cwd=root)  # the cache knows the class's module
    assert second.returncode == 0, second.stdout


def test_a_subclass_of_adam_without_a_constructor_takes_adams_arguments():
    """parlai's MemoryEfficientFP16Adam: torch's Adam's constructor, its own coupled step."""
    source = COUPLED.replace("class MyAdam(Optimizer):", "class MyAdam(torch.optim.Adam):")
    source = source[:source.index("    def __init__")] + source[source.index("    @torch.no_grad()"):]
    uses = USE + "flagged = MyAdam(model.parameters(), weight_decay=1e-4, decoupled_weight_decay=True)\n"
    findings = analyze_source(source + uses)
    # its step ignores Adam's switch: both are coupled
    assert [f.code for f in findings] == ["AWL103", "AWL103"]
    assert findings[1].message.startswith("AWL103 MyAdam(weight_decay=1e-4) adds L2")


def test_a_step_that_calls_the_bases_step_keeps_the_bases_decay():
    """A step override that wraps ``super().step()`` (gradient clipping, logging) still decays as its base."""
    source = ("from torch.optim import Adagrad\n\n\nclass Clipped(Adagrad):\n"
              "    def __init__(self, params, lr=1e-2, weight_decay=0, clip=0):\n"
              "        Adagrad.__init__(self, params, lr=lr, weight_decay=weight_decay)\n\n"
              "    def step(self, closure=None):\n        return super().step(closure)\n\n\n"
              "opt = Clipped(model.parameters(), lr=0.1, weight_decay=1e-4)\n")
    assert codes(source) == [(6, "AWL103"), (12, "AWL103")]
    replaced = source.replace("return super().step(closure)", "return None")
    assert codes(replaced) == []  # a step of its own that decays nothing


def test_keys_given_to_the_bases_constructor_by_keyword_are_the_groups():
    """fairseq's AdagradWithGradClip: ``Adagrad.__init__(self, params, weight_decay=weight_decay)``."""
    source = COUPLED.replace("class MyAdam(Optimizer):", "class MyAdam(torch.optim.Adam):").replace(
        "defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)\n        super().__init__(params, defaults)",
        "torch.optim.Adam.__init__(self, params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)")
    assert [c for _, c in codes(source + USE)] == ["AWL103"]


@pytest.mark.parametrize("source", [
    # a square summed into a norm (LARS's trust ratio, clipping) is no per-weight denominator
    optimizer("grad = grad.add(p, alpha=group['weight_decay'])\nnorm = torch.sqrt(sum(grad * grad))").replace(
        "exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)", "exp_avg_sq.add_(grad)"),
    optimizer("grad = grad.add(p, alpha=group['weight_decay'])\nscale = (grad ** 2).sum().sqrt()").replace(
        "exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)", "exp_avg_sq.add_(grad)"),
    # statistics of the gradient that nothing divides by
    optimizer("grad = grad.add(p, alpha=group['weight_decay'])").replace(
        'denom = exp_avg_sq.sqrt().add_(group["eps"])', 'denom = 1.0'),
    # LAMB: the decay is added to the update, after the division
    optimizer("", after="update = exp_avg / denom\nupdate.add_(p, alpha=group['weight_decay'])"),
    # an elif chain whose last branch decays p itself: not coupled whatever the mode
    optimizer("""
        if group["mode"] == "l2":
            grad = grad.add(p, alpha=group["weight_decay"])
        elif group["mode"] == "l2_lr":
            grad = grad.add(p, alpha=group["weight_decay"] * group["lr"])
        else:
            p.mul_(1 - group["lr"] * group["weight_decay"])
    """),
    # pSGLD: noise drawn from a distribution
    optimizer("grad = grad.add(p, alpha=group['weight_decay'])",
              after="p.add_(torch.distributions.Normal(0, 1).sample(p.shape))"),
], ids=["summed-norm", "norm-of-squares", "no-root", "lamb-update", "elif-modes", "distribution-noise"])
def test_what_is_not_a_per_weight_denominator_or_not_always_coupled_is_not_reported(source):
    assert codes(source + USE) == []


def test_an_early_continue_makes_its_test_the_switch():
    source = optimizer("""
        if group["decoupled"]:
            p.mul_(1 - group["lr"] * group["weight_decay"])
            continue
        grad = grad.add(p, alpha=group["weight_decay"])
    """, extra=", decoupled=True", fill=", decoupled=decoupled")
    uses = USE + "coupled = MyAdam(model.parameters(), weight_decay=1e-4, decoupled=False)\n"
    assert [(line - source.count("\n"), code) for line, code in codes(source + uses)] == [(4, "AWL102")]


@pytest.mark.parametrize("decay", [
    "if p.grad is not None and p.ndim > 1:\n    grad = grad.add(p, alpha=group['weight_decay'])",  # tests of the weight alone
    "if momentum and grad.is_sparse:\n    raise RuntimeError('sparse')\ngrad.add_(p.data, alpha=group['weight_decay'])",
], ids=["weight-tests", "error-path"])
def test_tests_of_the_weight_and_error_paths_do_not_decide(decay):
    assert codes(optimizer(decay) + USE)[-1][1] == "AWL103"


def test_a_cube_root_is_a_denominator_and_any_call_with_arguments_is_checked():
    """MADGRAD divides by the cube root of its sum of squares; a decay passed by position counts."""
    source = COUPLED.replace('denom = exp_avg_sq.sqrt().add_(group["eps"])',
                             'denom = exp_avg_sq.pow(1 / 3).add_(group["eps"])')
    assert [c for _, c in codes(source + "\n\nopt = MyAdam(model.parameters(), 1e-3, (0.9, 0.99), 1e-8, 1e-4)\n"
                                          "short = MyAdam(model.parameters(), 1e-3)\n")] == ["AWL103"]


def test_a_flag_stored_with_others_in_one_assignment_is_the_switch():
    source = optimizer("""
        if self._decouple:
            p.mul_(1 - group["lr"] * group["weight_decay"])
        else:
            grad = grad.add(p, alpha=group["weight_decay"])
    """, extra=", decouple=False").replace("super().__init__(params, defaults)",
                                          "super().__init__(params, defaults)\n        self._decouple, self._n = decouple, 0")
    assert [c for _, c in codes(source + USE + "ok = MyAdam(model.parameters(), weight_decay=1e-4, decouple=True)\n")] == ["AWL102"]


def test_an_optimizer_named_like_no_optimizer_is_found_through_the_project(tmp_path):
    """The pre-filter admits a module that writes an optimizer (``def step(``, ``Optimizer``, a
    decay), and the runner's second pass the modules that construct it."""
    custom = COUPLED.replace("MyAdam", "Custom")
    assert may_contain_findings(custom.encode()) and not may_contain_findings(custom.replace("weight_decay", "wd").encode())
    root = make_repo(tmp_path, {"proj/__init__.py": "", "proj/optim.py": custom,
                                "train.py": "from proj.optim import Custom\nopt = Custom(m.parameters(), weight_decay=5e-4)\n"})
    result = run_cli("check", ".", cwd=root)
    assert result.returncode == 1 and "train.py:2:7: AWL103 proj.optim.Custom(weight_decay=5e-4)" in result.stdout


@pytest.mark.parametrize("source", [
    # a default the catalog's rows cannot hold, a flag without a default: not read, no internal error
    COUPLED.replace("weight_decay=0):", "weight_decay=DEFAULT_WD):"),
    optimizer("if not group['decoupled']:\n    grad = grad.add(p, alpha=group['weight_decay'])",
              extra=", *, decoupled", fill=", decoupled=decoupled"),
    # a flag whose way runs a kernel, not p.mul_: not a decoupled switch
    optimizer("if group['use_fused']:\n    kernel(p, grad, group['weight_decay'])\n    continue\n"
              "grad = grad.add(p, alpha=group['weight_decay'])", extra=", use_fused=False", fill=", use_fused=use_fused"),
    # the square taken only under a flag of its own: SGD unless adaptive=True
    optimizer("grad = grad.add(p, alpha=group['weight_decay'])", extra=", adaptive=False", fill=", adaptive=adaptive").replace(
        "exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)",
        "if group['adaptive']:\n                    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)"),
], ids=["nonliteral-default", "flag-without-default", "kernel-flag", "adaptive-flag"])
def test_what_cannot_be_read_as_a_catalog_row_is_left_unread(source):
    assert codes(source + USE) == []


def test_a_step_that_handles_the_decay_around_the_bases_step_replaces_it():
    """DeMo's pattern: the groups' decay set to 0 around ``super().step()``, the weights decayed apart."""
    source = ("import torch\n\n\nclass Decoupled(torch.optim.Adam):\n"
              "    def step(self, closure=None):\n        saved = [g['weight_decay'] for g in self.param_groups]\n"
              "        for g in self.param_groups:\n            g['weight_decay'] = 0.0\n"
              "        loss = super().step(closure)\n        return loss\n\n\n"
              "opt = Decoupled(model.parameters(), weight_decay=1e-2)\n")
    assert codes(source) == []


def test_a_deep_expression_in_a_step_is_read_without_recursion():
    terms = " + ".join(["grad"] * 400)
    source = optimizer(f"grad = grad.add(p, alpha=group['weight_decay'])\nnoise_free = {terms}")
    assert [c for _, c in codes(source + USE)] == ["AWL103"]
