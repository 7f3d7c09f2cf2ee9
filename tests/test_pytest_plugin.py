"""The pytest plugin (registered through the pytest11 entry point), run on generated test suites."""
import pytest

torch = pytest.importorskip("torch")

pytest_plugins = ["pytester"]

# pytester's in-process runs drop the modules a run imported; torch imports some lazily at the first
# step and cannot import them twice, so take that first step here
_param = torch.nn.Parameter(torch.ones(1))
_param.grad = torch.ones(1)
torch.optim.AdamW([_param]).step()

SUITE = """
import torch

def make(name, **kwargs):  # an optimizer from a config: static analysis cannot see it
    return getattr(torch.optim, name)([torch.nn.Parameter(torch.randn(3))], **kwargs)

def test_generator_and_discriminator():
    generator = make("Adam", weight_decay=1e-4)
    discriminator = make("RMSprop", weight_decay=1e-4)

def test_decoupled():
    optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.randn(3))])
    optimizer.param_groups[0]["params"][0].grad = torch.ones(3)
    optimizer.step()
"""


def test_off_unless_asked(pytester):
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest()
    result.assert_outcomes(passed=2)
    assert "adamw-lint runtime" not in result.stdout.str()


def test_lists_each_coupled_optimizer_with_its_construction_site(pytester):
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest("--adamw-runtime")
    result.assert_outcomes(passed=2)
    assert result.ret == 0
    result.stdout.fnmatch_lines([
        "*adamw-lint runtime: 2 optimizer(s) apply coupled L2*",
        # the line that constructed each (in the config factory), each reported by itself
        "test_suite.py:4: AWL101 torch.optim.Adam applies coupled L2 in param group(s) 0*"
        "(built by test_suite.py::test_generator_and_discriminator)",
        "test_suite.py:4: AWL103 torch.optim.RMSprop *",
    ])


def test_error_mode_fails_the_run_and_the_ini_option(pytester):
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest("--adamw-runtime=error")
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*--adamw-runtime=error fails the run*"])
    pytester.makeini("[pytest]\nadamw_runtime = error\n")
    assert pytester.runpytest().ret == pytest.ExitCode.TESTS_FAILED
    clean = pytester.runpytest("-k", "decoupled")
    assert clean.ret == 0 and "no optimizer applies coupled L2" in clean.stdout.str()
    pytester.makeini("[pytest]\nadamw_runtime = loud\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR and "expected one of off, warn, error" in result.stderr.str()


COMPILED_SUITE = """
import torch

class OwnStep(torch.optim.Adam):  # its own step(): checked at its first (compiled) step
    def step(self, closure=None):
        return super().step(closure)

def train(make):
    model = torch.nn.Linear(4, 2)
    compiled_model = torch.compile(model, backend="eager")
    optimizer = make(model.parameters())
    step = torch.compile(optimizer.step, backend="eager")
    for _ in range(3):
        optimizer.zero_grad()
        compiled_model(torch.randn(8, 4)).sum().backward()
        step()

def test_compiled_torch_optimizer():
    train(lambda p: torch.optim.Adam(p, weight_decay=1e-4))

def test_compiled_custom_optimizer():
    train(lambda p: OwnStep(p, weight_decay=1e-4))
"""


def test_compiled_models_and_steps(pytester):
    pytester.makepyfile(test_compiled=COMPILED_SUITE)
    result = pytester.runpytest_subprocess("--adamw-runtime=error", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "*adamw-lint runtime: 2 optimizer(s) apply coupled L2*",
        "test_compiled.py:18: AWL101 torch.optim.Adam applies coupled L2*"
        "(built by test_compiled.py::test_compiled_torch_optimizer)",
        "test_compiled.py:21: AWL1 test_compiled.OwnStep applies coupled L2*"
        "(built by test_compiled.py::test_compiled_custom_optimizer)",
    ])
