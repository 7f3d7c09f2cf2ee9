"""pytest plugin: the runtime check over a project's own test suite (off unless asked).

    pytest --adamw-runtime            # list coupled optimizers in the terminal summary
    pytest --adamw-runtime=error      # ... and fail the run if there is any
    [tool.pytest.ini_options] adamw_runtime = "warn"   # or "error"; "off" is the default

Every optimizer the tests construct while the plugin is on is checked as ``runtime.install``
checks it (torch's own classes when constructed, others at their first step), so optimizers
built from configs, factories and registries in other packages are seen wherever a smoke test
builds them. Each coupled one is listed once with its construction site and the test that built
it. Importing this module does not import torch; enabling the plugin does.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

import pytest

MODES = ("off", "warn", "error")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("adamw-lint")
    group.addoption("--adamw-runtime", nargs="?", const="warn", default=None, choices=MODES, metavar="warn|error",
                    help="check every optimizer the tests build for coupled L2 with an adaptive optimizer; "
                         "'error' fails the run (write --adamw-runtime=error)")
    parser.addini("adamw_runtime", "adamw-lint runtime check: off (default), warn or error", default="off")


def pytest_configure(config: pytest.Config) -> None:
    mode = config.getoption("adamw_runtime") or config.getini("adamw_runtime") or "off"
    if mode not in MODES:
        raise pytest.UsageError(f"adamw_runtime = {mode!r}: expected one of {', '.join(MODES)}")
    if mode != "off":
        config.pluginmanager.register(RuntimeCheck(mode), "adamw-runtime-check")


class RuntimeCheck:
    def __init__(self, mode: str) -> None:
        try:
            from . import runtime
        except ImportError as error:
            raise pytest.UsageError(f"--adamw-runtime needs torch ({error})") from None
        self.mode = mode
        self.test: Optional[str] = None
        self.found: List[Tuple[object, Optional[str]]] = []  # (CoupledOptimizer, test node id)
        self.handle = runtime.install(on_coupled="report", report=self._record)

    def _record(self, optimizer, coupled) -> None:
        self.found.append((coupled, self.test))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem):
        self.test = item.nodeid
        yield
        self.test = None

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.handle.remove()

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus) -> None:
        if self.found and self.mode == "error" and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter, exitstatus, config: pytest.Config) -> None:
        if not self.found:
            terminalreporter.write_sep("=", "adamw-lint runtime: no optimizer applies coupled L2")
            return
        terminalreporter.write_sep("=", f"adamw-lint runtime: {len(self.found)} optimizer(s) apply coupled L2",
                                   red=self.mode == "error", yellow=self.mode == "warn")
        for coupled, test in self.found:
            where = f" (built by {test})" if test else " (built outside a test)"
            terminalreporter.write_line(f"{coupled.site or '<unknown>'}: {coupled.message()}{where}")
        if self.mode == "error":
            terminalreporter.write_line("adamw-lint runtime: --adamw-runtime=error fails the run")
