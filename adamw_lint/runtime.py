"""Runtime check: what weight decay does an optimizer *actually* apply, on its own device?

Static analysis cannot see optimizers built from configs (Hydra ``_target_``,
``getattr(torch.optim, name)``, factories, registries in other packages); this can.

How a verdict is reached, cheapest first (see ``docs/runtime.md``):

1. **Catalog**: a class the catalog knows is judged from each param group's own keys (so
   ``AdamW`` with a group ``"decoupled_weight_decay": False`` is caught).
2. **Inheritance**: a subclass that inherits ``step()`` from a catalog class is judged as that
   class. Neither reads anything but ``param_groups`` and the class.
3. **Probe**, only for a class that is neither (its own ``step()``), and never with
   ``probe=False``: the class is constructed once per distinct param group on four 2×4 tensors
   of the group's device (float64 first; the group's dtype if that fails) and stepped 10 times:
   with and without weight decay under a zero gradient, and without decay under a small and a
   large constant gradient. Decoupled decay shrinks every weight by the same fraction; coupled
   decay goes through the adaptive denominator, so the fraction varies with |θ|; an update that
   scales with the gradient is not adaptive (SGD: L2 *is* weight decay there). Anything that
   cannot be built or stepped is ``unknown``, never a guess. The real parameters and state are
   never touched; ``probing()`` is true inside the probe, for a class whose constructor or
   ``step()`` has side effects. Classes from ``torch.distributed`` and optimizers that wrap
   another optimizer are never probed (the wrapped one is checked at its own step).

``install()`` also records where each optimizer was **constructed** (the first frame of user code
above the optimizer's constructors, skipping torch, this package and installed libraries), and
reports each coupled optimizer once, there: ``train.py:12: CoupledWeightDecayWarning: ...``.
Warnings are issued with a fresh registry, so Python never merges two optimizers' reports.

    python -m adamw_lint.runtime [OPTIONS] train.py [ARGS]        # as `python train.py [ARGS]`
    python -m adamw_lint.runtime [OPTIONS] -m package.train [ARGS]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import inspect
import os
import runpy
import sys
import sysconfig
import threading
import warnings
import weakref
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import torch
from torch.optim.optimizer import Optimizer, register_optimizer_step_pre_hook

from . import catalog

DECOUPLED = catalog.DECOUPLED
COUPLED = catalog.COUPLED
NOT_ADAPTIVE = catalog.NOT_ADAPTIVE
NONE = catalog.NO_DECAY
UNKNOWN = "unknown"

_PROBE = [[1.0, -4.0, 16.0, -0.25], [2.0, -8.0, 0.5, -1.0]]  # 2-D: Muon-style optimizers accept it
_STEPS = 10  # enough for RAdam to leave its un-adapted warm-up (ρ_t > 5)
# The probe of one param group takes milliseconds; a class whose constructor or step() blocks (a
# "singleton" waiting on a lock, a collective) gets "unknown" after this many seconds instead of
# hanging the user's program. Set it before install() to wait longer.
PROBE_TIMEOUT = 5.0
_state = threading.local()
_hung: "weakref.WeakSet[type]" = weakref.WeakSet()  # classes whose probe never finished


class CoupledWeightDecayWarning(UserWarning):
    """An optimizer applies coupled L2 through an adaptive preconditioner."""


class CoupledWeightDecayError(RuntimeError):
    """Raised by ``check(..., on_coupled="raise")``."""


@dataclass(frozen=True)
class GroupReport:
    group: int
    verdict: str  # decoupled / coupled / coupled-not-adaptive / none / unknown
    evidence: str
    code: Optional[str] = None  # the lint rule that describes a coupled verdict
    shrink: Optional[List[float]] = None  # measured per-element shrink fraction (probe only)


@dataclass(frozen=True)
class Site:
    """Where user code constructed an optimizer (``via``: the library frame that did, if any)."""

    path: str
    line: int
    via: Optional[str] = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class CoupledOptimizer:
    """One optimizer with coupled groups, as reported."""

    site: Optional[Site]
    name: str  # qualified class name
    groups: Tuple[GroupReport, ...]  # the coupled ones

    def message(self) -> str:
        code = self.groups[0].code or "AWL1"
        indices = ", ".join(str(r.group) for r in self.groups)
        via = f" (through {self.site.via})" if self.site and self.site.via else ""
        return (f"{code} {self.name}{via} applies coupled L2 in param group(s) {indices}, not decoupled "
                f"weight decay: {self.groups[0].evidence}")


def probing() -> bool:
    """True while the probe constructs or steps an optimizer (for classes with side effects)."""
    return getattr(_state, "probing", False)


@contextlib.contextmanager
def _probing() -> Iterator[None]:
    _state.probing = True
    try:
        yield
    finally:
        _state.probing = False


def qualified_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def display_name(cls: type) -> str:
    """The catalog's public spelling (``torch.optim.Adam``) where it has one."""
    row = _catalog_row(cls)
    return row.names[0] if row is not None else qualified_name(cls)


# --- verdicts ---------------------------------------------------------------------------------

def _catalog_row(cls: type) -> Optional[catalog.OptimizerApi]:
    return catalog.OPTIMIZERS_BY_NAME.get(qualified_name(cls))


def _inherited_row(cls: type) -> Tuple[Optional[type], Optional[catalog.OptimizerApi]]:
    """The nearest catalog ancestor whose ``step()`` ``cls`` runs unchanged (torch re-wraps
    ``step`` on each subclass it instantiates, so compare the unwrapped functions)."""
    own_step = inspect.unwrap(cls.step)
    for base in cls.__mro__:
        row = _catalog_row(base)
        if row is not None:
            return (base, row) if inspect.unwrap(base.step) is own_step else (None, None)
    return None, None


def classify(optimizer: Optimizer, probe: bool = True) -> List[GroupReport]:
    """The catalog's verdict (per group) for catalog classes and subclasses that inherit their
    ``step()``; the probe's for the rest (``unknown`` without running it when ``probe=False``)."""
    cls = type(optimizer)
    base, row = _inherited_row(cls)
    if row is not None and not row.always:
        return _catalog_verdicts(optimizer, base, row)
    if not probe:
        return [GroupReport(i, UNKNOWN, f"{qualified_name(cls)} is not in the catalog and has its own step(): "
                            "only the probe can tell") for i in range(len(optimizer.param_groups))]
    wrapped = next((v for v in vars(optimizer).values() if isinstance(v, Optimizer)), None)
    if cls.__module__.startswith("torch.distributed") or wrapped is not None:
        inner = f"; it wraps {qualified_name(type(wrapped))}, checked at its own step" if wrapped is not None else ""
        return [GroupReport(i, UNKNOWN, f"{qualified_name(cls)} is not probed{inner}")
                for i in range(len(optimizer.param_groups))]
    return _probe(optimizer)


def _catalog_verdicts(optimizer: Optimizer, base: type, row: catalog.OptimizerApi) -> List[GroupReport]:
    name = display_name(type(optimizer))
    if base is not type(optimizer):
        name += f" (inherits step() from {display_name(base)})"
    reports = []
    for index, group in enumerate(optimizer.param_groups):
        weight_decay = group.get(row.weight_decay or "", 0) or 0
        decoupled = row.switch_default
        if row.switch:
            decoupled = bool(group.get(row.switch, getattr(optimizer, row.switch, decoupled)))
        if row.group_switch and row.group_switch in group:
            decoupled = bool(group[row.group_switch])
        if row.decay == NONE or not weight_decay:
            reports.append(GroupReport(index, NONE, f"{name}: weight_decay is {weight_decay or 0}"))
        elif row.decay == NOT_ADAPTIVE:
            reports.append(GroupReport(index, NOT_ADAPTIVE, f"{name} is not adaptive: L2 is weight decay"))
        elif decoupled:
            reports.append(GroupReport(index, DECOUPLED, f"{name} with weight_decay={weight_decay:g}, decoupled"))
        else:
            reports.append(GroupReport(index, COUPLED, f"{name} adds weight_decay={weight_decay:g} to the gradient "
                                       f"(coupled); {row.advice}", row.code))
    return reports


def probe(optimizer: Optimizer) -> List[GroupReport]:
    """Measure the decay each param group applies, on probe tensors of its device (runs the
    optimizer's class whatever it is; ``classify`` decides when that is needed)."""
    return _probe(optimizer)


def _probe(optimizer: Optimizer) -> List[GroupReport]:
    cls, seen, reports = type(optimizer), {}, []
    for index, group in enumerate(optimizer.param_groups):
        params = group["params"]
        key = (tuple(sorted((str(k), _text(v, repr)) for k, v in _hyperparameters(group).items())),
               str(params[0].device) if params else "cpu", str(params[0].dtype) if params else "")
        if key not in seen:  # identical groups are probed once
            seen[key] = _probe_group(cls, index, group)
        reports.append(GroupReport(index, *[getattr(seen[key], f) for f in ("verdict", "evidence", "code", "shrink")]))
    return reports


def _hyperparameters(group: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in group.items() if k not in ("params", "initial_lr")}


def _text(value: object, spell: Callable[[object], str] = str) -> str:
    """``spell(value)``, or the type's name when the user's ``__repr__``/``__str__`` raises."""
    try:
        return spell(value)
    except Exception:  # a user's value must not break the training it is checked in
        return f"<{type(value).__qualname__} object>"


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {_text(error)}"


def _probe_group(cls: type, index: int, group: Dict[str, Any]) -> GroupReport:
    hyper = _hyperparameters(group)
    weight_decay = hyper.get("weight_decay")
    if not isinstance(weight_decay, (int, float)) or isinstance(weight_decay, bool):
        return GroupReport(index, NONE if "weight_decay" not in hyper else UNKNOWN,
                           "the group has no numeric weight_decay")
    if weight_decay == 0:
        return GroupReport(index, NONE, "weight_decay is 0")
    params = group["params"]
    device = params[0].device if params else torch.device("cpu")
    lr = hyper.get("lr", 1e-3)
    lr = float(lr) if isinstance(lr, (int, float, torch.Tensor)) else 1e-3
    if not lr > 0:
        return GroupReport(index, UNKNOWN, f"lr={lr:g}: nothing to measure")
    # The mechanism does not depend on λ's size, so make the shrink clearly measurable
    # (lr·λ ≥ 1e-4 per step), and θ large enough that a coupled λθ dominates any ε.
    weight_decay = max(float(weight_decay), min(1e-4 / lr, 0.5))
    hyper["weight_decay"] = weight_decay
    if cls in _hung:
        return GroupReport(index, UNKNOWN, f"an earlier probe of {cls.__name__} did not finish")
    outcome = _bounded(lambda: _attempts(cls, hyper, device, params, max(1.0, 0.1 / weight_decay)),
                       PROBE_TIMEOUT, device)
    if outcome is None:
        _hung.add(cls)
        return GroupReport(index, UNKNOWN, f"the probe of {cls.__name__} did not finish within {PROBE_TIMEOUT:g} s "
                           "(its constructor or step() blocks); not probed again")
    if isinstance(outcome, BaseException):
        return GroupReport(index, UNKNOWN, f"could not rebuild {cls.__name__} on {device}: {_describe(outcome)}")
    decayed, baseline, small, large = outcome
    adaptive = small > 0 and large / small < 30  # a 1000× larger gradient gives a similar step
    shrink = ((baseline - decayed) / baseline).flatten().double().cpu()
    if not torch.isfinite(shrink).all():
        return GroupReport(index, UNKNOWN, "the probe step produced non-finite values")
    low, high = shrink.min().item(), shrink.max().item()
    measured = [round(x, 9) for x in shrink.tolist()]
    if max(abs(low), abs(high)) < 1e-9:
        return GroupReport(index, NONE, f"weight_decay={weight_decay:.3g} did not change the weights",
                           shrink=measured)
    probed = f"{_STEPS} steps, weight_decay={weight_decay:.3g}, zero gradient"
    if low > 0 and high / low < 1.001:
        if not adaptive:
            return GroupReport(index, NOT_ADAPTIVE, f"uniform shrink {low:.3g} ({probed}), and the update is not "
                               "adaptive (L2 and weight decay coincide)", shrink=measured)
        return GroupReport(index, DECOUPLED, f"uniform shrink {low:.3g} ({probed}; lr*weight_decay = "
                           f"{lr * weight_decay:.3g} per step)", shrink=measured)
    if not adaptive:
        return GroupReport(index, NOT_ADAPTIVE, f"shrink from {low:.3g} to {high:.3g} ({probed}); the update is "
                           "not adaptive", shrink=measured)
    return GroupReport(index, COUPLED, f"shrink varies with |θ| from {low:.3g} to {high:.3g} ({probed}): the "
                       "decay went through the adaptive denominator", getattr(_catalog_row(cls), "code", None),
                       shrink=measured)


def _attempts(cls: type, hyper: Dict[str, Any], device, params,
              scale: float) -> Tuple[torch.Tensor, torch.Tensor, float, float]:
    """``_run`` in the most precise dtype that works (this is a measurement); the last error if none."""
    error: Optional[Exception] = None
    for dtype in _probe_dtypes(params):
        try:
            return _run(cls, hyper, device, dtype, scale)
        except Exception as caught:  # a foreign class may raise anything: try the next dtype
            error = caught
    raise error  # type: ignore[misc]  # _probe_dtypes is never empty


def _bounded(work: Callable[[], Any], seconds: float, device: torch.device) -> Any:
    """``work()`` in a daemon thread: its result, the ``BaseException`` it raised (``SystemExit``
    from a user's constructor must not end the training), or None if it did not finish within
    ``seconds`` (the thread is left behind; it holds only the probe's own tensors). A
    ``KeyboardInterrupt`` raised by the work is re-raised: the user meant to stop."""
    outcome: List[Any] = []

    def target() -> None:
        try:
            # the CUDA current device is per thread: a class that allocates on "cuda" means the caller's
            with torch.cuda.device(device) if device.type == "cuda" else contextlib.nullcontext():
                outcome.append(work())
        except BaseException as error:  # SystemExit too: reported as "unknown", never raised
            outcome.append(error)

    thread = threading.Thread(target=target, name="adamw-lint probe", daemon=True)
    thread.start()
    thread.join(seconds)
    if not outcome:
        return None
    if isinstance(outcome[0], KeyboardInterrupt):
        raise outcome[0]
    return outcome[0]


def _run(cls: type, hyper: Dict[str, Any], device, dtype,
         scale: float) -> Tuple[torch.Tensor, torch.Tensor, float, float]:
    """One construction, four groups: (decayed θ, undecayed θ) under a zero gradient, and the
    largest move under a small and a 1000× larger constant gradient without decay."""
    theta = torch.tensor(_PROBE, device=device, dtype=dtype)
    quiet = {**hyper, "weight_decay": 0.0}
    runs = [(hyper, theta * scale, 0.0), (quiet, theta * scale, 0.0), (quiet, theta, 1e-3), (quiet, theta, 1.0)]
    params = [torch.nn.Parameter(start.clone()) for _, start, _ in runs]
    with _probing():
        optimizer = cls([{**group, "params": [p]} for (group, _, _), p in zip(runs, params)])
        for _ in range(_STEPS):
            for p, (_, start, grad) in zip(params, runs):
                p.grad = torch.full_like(start, grad)
            optimizer.step()
    moved = [(start - p.detach()).abs().max().item() for p, (_, start, _) in zip(params[2:], runs[2:])]
    return params[0].detach(), params[1].detach(), moved[0], moved[1]


def _probe_dtypes(params) -> List[torch.dtype]:
    own = params[0].dtype if params else torch.float32
    return list(dict.fromkeys([torch.float64, own if own.is_floating_point else torch.float32]))


# --- construction sites -----------------------------------------------------------------------

_sites: "weakref.WeakKeyDictionary[Optimizer, Site]" = weakref.WeakKeyDictionary()
_reported: "weakref.WeakSet[Optimizer]" = weakref.WeakSet()
_OURS = (os.path.dirname(os.path.abspath(__file__)) + os.sep, os.path.dirname(os.path.abspath(torch.__file__)) + os.sep)
_LIBRARIES = tuple({os.path.abspath(p) + os.sep for key in ("purelib", "platlib", "stdlib", "platstdlib")
                    if (p := sysconfig.get_paths().get(key))})


def construction_site(optimizer: Optimizer) -> Optional[Site]:
    """Where ``optimizer`` was constructed (known for optimizers built while ``install()`` is on)."""
    return _sites.get(optimizer)


def _display(path: str) -> str:
    relative = os.path.relpath(path) if os.path.isabs(path) else path
    return path if relative.startswith(os.pardir) else relative


def _user_site(frame, optimizer: Optional[Optimizer] = None) -> Optional[Site]:
    """The first frame outside ``optimizer``'s own constructors, torch and this package that is
    not in an installed library (a factory in one counts as ``via``)."""
    first: Optional[Site] = None
    while frame is not None:
        code, path = frame.f_code, os.path.abspath(frame.f_code.co_filename)
        own_init = optimizer is not None and code.co_name == "__init__" and frame.f_locals.get("self") is optimizer
        if not own_init and not path.startswith(_OURS) and not code.co_filename.startswith("<frozen"):
            site = Site(_display(code.co_filename), frame.f_lineno)
            if not path.startswith(_LIBRARIES):
                return Site(site.path, site.line, str(first) if first else None)
            first = first or site
        frame = frame.f_back
    return first


class _Tracker:
    """Wraps ``Optimizer.__init__`` while at least one ``install()`` is active."""

    def __init__(self) -> None:
        self.users = 0
        self.original: Optional[Callable] = None
        self.listeners: List[Callable[[Optimizer], None]] = []

    def acquire(self, listener: Callable[[Optimizer], None]) -> None:
        self.listeners.append(listener)
        self.users += 1
        if self.users > 1:
            return
        original = self.original = Optimizer.__init__

        @functools.wraps(original)
        def __init__(optimizer, *args, **kwargs):
            if not probing() and optimizer not in _sites:
                _sites[optimizer] = _user_site(sys._getframe(1), optimizer)
            original(optimizer, *args, **kwargs)
            if not probing():
                for listen in list(self.listeners):
                    listen(optimizer)

        Optimizer.__init__ = __init__

    def release(self, listener: Callable[[Optimizer], None]) -> None:
        self.listeners.remove(listener)
        self.users -= 1
        if self.users == 0:
            Optimizer.__init__ = self.original


_tracker = _Tracker()


# --- reporting --------------------------------------------------------------------------------

def check(optimizer: Optimizer, on_coupled: str = "warn", probe: bool = True,
          report: Optional[Callable[[Optimizer, CoupledOptimizer], None]] = None) -> List[GroupReport]:
    """Classify ``optimizer``; warn about (``"raise"`` on, or only ``report``) coupled groups.

    The warning points at the optimizer's construction site when it is known, else at the code
    that called ``check``."""
    if on_coupled not in ("warn", "raise", "report"):
        raise ValueError("on_coupled must be 'warn', 'raise' or 'report'")
    reports = classify(optimizer, probe)
    coupled = tuple(r for r in reports if r.verdict == COUPLED)
    if coupled:
        _emit(optimizer, coupled, on_coupled, report, sys._getframe(1))
    return reports


def _emit(optimizer: Optimizer, coupled, on_coupled: str, report, frame) -> None:
    _reported.add(optimizer)
    site = construction_site(optimizer) or _user_site(frame)
    found = CoupledOptimizer(site, display_name(type(optimizer)), coupled)
    if report is not None:
        report(optimizer, found)
    if on_coupled == "raise":
        raise CoupledWeightDecayError(f"{site}: {found.message()}" if site else found.message())
    if on_coupled == "warn":
        path, line = (site.path, site.line) if site else ("<unknown>", 0)
        # a fresh registry each time: two optimizers are two reports, whatever their text
        warnings.warn_explicit(found.message(), CoupledWeightDecayWarning, path, line, registry=None)


class _Installed:
    def __init__(self, step_hook, listener) -> None:
        self._step_hook, self._listener = step_hook, listener

    def remove(self) -> None:
        if self._listener is not None:
            self._step_hook.remove()
            _tracker.release(self._listener)
            self._listener = None


def _coupled(optimizer: Optimizer, probe: bool) -> Tuple[GroupReport, ...]:
    """The coupled groups; none, with a warning, when the check itself fails: it runs inside the
    user's constructor or step(), and must never change what the program does."""
    try:
        return tuple(r for r in classify(optimizer, probe) if r.verdict == COUPLED)
    except Exception as error:
        warnings.warn(f"adamw-lint could not check {qualified_name(type(optimizer))}: {_describe(error)}",
                      RuntimeWarning, stacklevel=2)
        return ()


def install(on_coupled: str = "warn", probe: bool = True,
            report: Optional[Callable[[Optimizer, CoupledOptimizer], None]] = None) -> _Installed:
    """Record where each optimizer is constructed and report each coupled one once: torch's own
    classes when constructed, any other at its first step. Returns a handle with ``remove()``."""
    if on_coupled not in ("warn", "raise", "report"):
        raise ValueError("on_coupled must be 'warn', 'raise' or 'report'")
    checked: "weakref.WeakSet[Optimizer]" = weakref.WeakSet()

    def constructed(optimizer: Optimizer) -> None:
        # torch's constructors do not change the groups after Optimizer.__init__; a subclass may,
        # so only torch's own classes are checked before their first step
        if type(optimizer).__module__.startswith("torch.optim.") and optimizer not in _reported:
            coupled = _coupled(optimizer, probe=False)
            if coupled:
                _emit(optimizer, coupled, on_coupled, report, None)

    # Compiled steps run the hooks too: dynamo must not trace the check (it would compile the
    # probe, and guard on this module's globals); the hook runs eagerly, like torch's own
    # graph breaks in Optimizer.step.
    @torch.compiler.disable
    def hook(optimizer, args, kwargs) -> None:
        if optimizer in checked or optimizer in _reported or probing():
            return
        if torch.cuda.is_available() and torch.cuda.is_current_stream_capturing():
            return  # the probe must not allocate while a CUDA graph is captured: checked at an eager step
        checked.add(optimizer)
        coupled = _coupled(optimizer, probe)
        if coupled:
            _emit(optimizer, coupled, on_coupled, report, sys._getframe(1))

    _tracker.acquire(constructed)
    return _Installed(register_optimizer_step_pre_hook(hook), constructed)


def calibrate(optimizer: Optimizer, steps: int = 200, warmup: Optional[int] = None, every: Optional[int] = None):
    """Start measuring, over ``optimizer``'s next steps, the decoupled weight decay per group that
    removes as much ‖θ‖² per step as its coupled L2 does (see ``adamw_lint.calibrate``), on every
    ``every``-th step of the window (default 8). Returns a ``Calibration``; it stops touching the
    training after ``steps`` steps."""
    from .calibrate import DEFAULT_EVERY, Calibration

    site = construction_site(optimizer) or _user_site(sys._getframe(1))
    return Calibration(optimizer, steps, warmup, site, DEFAULT_EVERY if every is None else every)


# --- the launcher -----------------------------------------------------------------------------

_VALUED = ("--calibration-out",)


def _parser() -> argparse.ArgumentParser:
    from .calibrate import DEFAULT_OUT, DEFAULT_STEPS

    parser = argparse.ArgumentParser(
        prog="python -m adamw_lint.runtime",
        usage="%(prog)s [OPTIONS] (SCRIPT | -m MODULE) [ARGS ...]",
        description="Run a Python script or module as `python SCRIPT ARGS` would, and report every optimizer "
                    "that applies coupled L2 through an adaptive preconditioner, at the line that constructed it.",
        epilog="Options go before the script; everything after it is the script's own arguments.",
    )
    parser.add_argument("--raise", dest="on_coupled", action="store_const", const="raise", default="warn",
                        help="raise CoupledWeightDecayError instead of warning")
    parser.add_argument("--inspect-only", action="store_true",
                        help="never construct or step an optimizer class the catalog does not describe")
    parser.add_argument("--calibrate", metavar="STEPS", nargs="?", type=int, const=DEFAULT_STEPS,
                        help="measure, per param group of each coupled optimizer, the decoupled weight decay that "
                             f"removes as much of |θ|² per step (default {DEFAULT_STEPS} steps; write --calibrate=N)")
    parser.add_argument("--calibration-out", metavar="FILE", default=DEFAULT_OUT,
                        help=f"where --calibrate writes its JSON (default {DEFAULT_OUT})")
    parser.add_argument("-m", dest="module", metavar="MODULE", help="run a module, as python -m MODULE")
    return parser


def _split(argv: List[str]) -> Tuple[List[str], List[str]]:
    """Launcher options, then the target and its arguments (which are the script's, untouched)."""
    i = 0
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "-":
        if argv[i] == "-m":
            return argv[:i + 2], argv[i + 2:]
        if argv[i] == "--":
            return argv[:i], argv[i + 1:]
        i += 2 if argv[i] in _VALUED else 1
    return argv[:i], argv[i:]


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    options, rest = _split(argv)
    parser = _parser()
    args = parser.parse_args(options)
    if args.calibrate is not None and args.calibrate < 1:
        parser.error(f"--calibrate: STEPS must be at least 1, not {args.calibrate}")
    if args.module is None and not rest:
        parser.error("a script or -m MODULE is required")
    if args.module is None and not os.path.exists(rest[0]):
        sys.stderr.write(f"{sys.executable}: can't open file {os.path.abspath(rest[0])!r}: No such file or directory\n")
        return 2
    if args.module is not None:
        try:  # what `python -m` checks before running anything, with its one-line messages
            runpy._get_module_details(args.module, runpy._Error)  # type: ignore[attr-defined]
        except runpy._Error as error:  # type: ignore[attr-defined]
            sys.stderr.write(f"{sys.executable}: {error}\n")
            return 1
    session, out = None, None
    if args.calibrate is not None:
        from .calibrate import Session, unwritable

        # resolved now: the script may change directory; refused now, not after the training
        out = os.path.abspath(args.calibration_out)
        problem = unwritable(out)
        if problem:
            parser.error(f"--calibration-out {args.calibration_out}: {problem}")
        session = Session(args.calibrate)
    handle = install(args.on_coupled, probe=not args.inspect_only, report=session.start if session else None)
    try:
        if args.module is not None:
            sys.argv = [args.module, *rest]  # runpy puts the module's file in argv[0]
            runpy.run_module(args.module, run_name="__main__", alter_sys=True)
        else:
            sys.argv = rest
            # as `python dir/train.py`: dir/ (or the directory or zip run itself) instead of the cwd
            target = os.path.realpath(rest[0])
            sys.path[0] = os.path.dirname(target) if os.path.isfile(target) and not target.endswith(".zip") else target
            runpy.run_path(rest[0], run_name="__main__")
    finally:
        handle.remove()
        if session is not None:
            session.finish(out, sys.stderr)
    return 0


if __name__ == "__main__":
    # Run by `python -m`, this file is `__main__`, which runpy replaces with the user's script: hooks
    # defined here would find their globals gone when torch.compile's guards look them up by module
    # name. The importable module owns the hooks instead.
    from adamw_lint.runtime import main as _main

    sys.exit(_main())
