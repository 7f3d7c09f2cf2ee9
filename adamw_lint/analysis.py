"""The detection engine: reads a module's ``ast`` and the catalog, returns findings and fix plans.

Everything that decides *whether* and *how* to report or fix lives here, so the flake8 plugin,
the CLI and the libcst codemod share one engine. Findings carry their fix as a plan of edits at
exact source spans; ``adamw_lint.fix`` carries the plan out with libcst.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from . import catalog
from .catalog import OptimizerApi, OptimizerFactory, OptimizerWrapper, Signature
from .findings import Edit, Finding, Fix, Span
from .scope import Resolver, Scope, is_unknown

_TRIGGER_TEXT = re.compile("|".join(catalog.trigger_words()))
_TRIGGER = re.compile(_TRIGGER_TEXT.pattern.encode())
_STAR_MODULES = frozenset(catalog.OPTIMIZERS_BY_NAME) | frozenset(catalog.FACTORIES_BY_NAME)


def may_contain_findings(source: bytes) -> bool:
    """The pre-filter: False means the file cannot hold a finding, so it is never parsed."""
    return _TRIGGER.search(source) is not None


def may_contain_text(source: str) -> bool:
    """The pre-filter on text already decoded (flake8 hands plugins lines)."""
    return _TRIGGER_TEXT.search(source) is not None


def analyze_source(source: str, style: str = "rename") -> List[Finding]:
    """Findings of one module's source text (raises SyntaxError, RecursionError, ValueError)."""
    if not may_contain_text(source):
        return []
    return analyze_tree(ast.parse(source), source.splitlines(keepends=True), style)


def analyze_tree(tree: ast.AST, lines: Sequence[str], style: str = "rename") -> List[Finding]:
    """Findings of an already parsed module; ``lines`` are its physical lines."""
    resolver = Resolver(_STAR_MODULES)
    resolver.visit(tree)
    module = _Module(resolver, lines, style)
    findings: Dict[Tuple[Span, str], Finding] = {}
    for call, scope in resolver.calls:
        finding = module.check_call(call, scope)
        if finding is not None:
            findings.setdefault((finding.span, finding.code), finding)
    for finding in module.module_findings():
        findings.setdefault((finding.span, finding.code), finding)
    return sorted(findings.values(), key=lambda f: (f.span, f.code))


# --- arguments ---------------------------------------------------------------------------

_ABSENT = object()  # the argument was not passed: the default applies
_HIDDEN = object()  # it may have been passed through *args/**kwargs we cannot see


@dataclass
class _Args:
    """A call's arguments as far as they can be known statically."""

    positional: List[ast.expr] = field(default_factory=list)
    keywords: Dict[str, ast.expr] = field(default_factory=dict)
    open_positional: bool = False  # an unexpandable *args: later positions are unknown
    open_keywords: bool = False  # an unresolvable **kwargs
    keyword_home: Dict[str, str] = field(default_factory=dict)  # keyword → "call" or "dict"


@dataclass
class _Bound:
    """Arguments bound to a signature's parameter names."""

    sig: Signature
    values: Dict[str, ast.expr]
    positional_index: Dict[str, int]  # parameter → its index among the call's positionals
    extra_positional: List[ast.expr]
    extra_keywords: Dict[str, ast.expr]
    args: _Args

    def get(self, name: str) -> object:
        if name in self.values:
            return self.values[name]
        index = self.sig.index(name)
        if self.args.open_keywords or (self.args.open_positional and index is not None):
            return _HIDDEN
        return _ABSENT


def _bind(args: _Args, sig: Signature) -> _Bound:
    values: Dict[str, ast.expr] = {}
    index_of: Dict[str, int] = {}
    extra: List[ast.expr] = []
    for i, expr in enumerate(args.positional):
        if i < len(sig.positional):
            values[sig.positional[i]] = expr
            index_of[sig.positional[i]] = i
        else:
            extra.append(expr)
    extra_kw = {}
    for name, expr in args.keywords.items():
        if name in sig:
            values[name] = expr
        else:
            extra_kw[name] = expr
    return _Bound(sig, values, index_of, extra, extra_kw, args)


# --- the per-module checker ----------------------------------------------------------------


@dataclass
class _Config:
    """One effective configuration of an optimizer: the call's own, or one param group's."""

    weight_decay: object  # an expression, or _ABSENT (use the default)
    decay_text: str
    group: Optional[ast.Dict] = None


class _Module:
    def __init__(self, resolver: Resolver, lines: Sequence[str], style: str) -> None:
        self.resolver = resolver
        self.lines = lines
        self.style = style
        # what module-level rules correlate: adaptive optimizers and the L2 penalties they train
        self.tf_adaptive: List[Tuple[ast.Call, str]] = []
        self.tf_regularizers: List[Tuple[int, object, float]] = []  # line, coefficient, gradient factor
        self.tf_losses: List[Tuple[int, str]] = []
        self.torch_adaptive: List[Tuple[int, str]] = []
        self.squared_norms: List[ast.Call] = []
        self.comprehension_scopes = {id(node): scope for node, scope in resolver.comprehensions}

    # positions -------------------------------------------------------------------------
    def _col(self, line: int, byte_col: int) -> int:
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace"))

    def span(self, node: ast.AST) -> Span:
        return (
            node.lineno,  # type: ignore[attr-defined]
            self._col(node.lineno, node.col_offset),  # type: ignore[attr-defined]
            node.end_lineno,  # type: ignore[attr-defined]
            self._col(node.end_lineno, node.end_col_offset),  # type: ignore[attr-defined]
        )

    def text(self, node: ast.AST) -> str:
        line, col, end_line, end_col = self.span(node)
        if line == end_line:
            return self.lines[line - 1][col:end_col]
        return ast.unparse(node)

    # spelling a new name -----------------------------------------------------------------
    def spell(self, expr: ast.expr, scope: Scope, target: str):
        """How to write ``target`` where ``expr`` is, and the import changes that needs."""
        resolver, pos = self.resolver, (expr.lineno, expr.col_offset)
        module_name, _, attr = target.rpartition(".")
        remove = self.unused_imports(expr, scope)
        # 1. through the root of the user's own spelling: optim.Adam → optim.AdamW
        root = expr
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and root is not expr:
            base = resolver.qualname(root, scope)
            if base and target.startswith(base + "."):
                return root.id + target[len(base):], (), ()
        # 2. a from-import for a from-imported name: from torch.optim import AdamW
        if isinstance(expr, ast.Name) and self._free(attr, target, scope, pos):
            return attr, ((module_name, attr),), remove
        # 3. through a module the file already imports: import torch → torch.optim.AdamW
        for name, bindings in sorted(resolver.module.bindings.items()):
            qual = resolver.qualname(ast.Name(id=name, lineno=pos[0], col_offset=pos[1]), scope)
            if qual and target.startswith(qual + ".") and all(b.qualname for b in bindings):
                return name + target[len(qual):], (), remove
        # 4. a new import: from torch.optim import AdamW, or import torch when AdamW is taken
        if self._free(attr, target, scope, pos):
            return attr, ((module_name, attr),), remove
        top = target.split(".", 1)[0]
        if self._free(top, top, scope, pos):
            return target, ((top, None),), remove
        raise _Blocked(f"both {attr} and {top} are already names for something else")

    def unused_imports(self, expr: ast.expr, scope: Scope) -> Tuple[Tuple[str, str, Optional[str]], ...]:
        """From-imports whose names ``expr`` uses: candidates for removal once it is replaced
        (libcst's RemoveImportsVisitor removes each only if nothing else uses it)."""
        found = []
        for node in ast.walk(expr):
            if not isinstance(node, ast.Name):
                continue
            for binding in scope.lookup(node.id, (node.lineno, node.col_offset)) or []:
                if binding.from_import and binding.scope is self.resolver.module:
                    src_module, _, src_name = binding.qualname.rpartition(".")
                    found.append((src_module, src_name, None if node.id == src_name else node.id))
        return tuple(dict.fromkeys(found))

    def _free(self, name: str, meaning: str, scope: Scope, pos) -> bool:
        """Whether ``name`` is unbound here (and in the module), or already means ``meaning``."""
        probe = ast.Name(id=name, lineno=pos[0], col_offset=pos[1])
        if self.resolver.qualname(probe, scope) == meaning:
            return True
        return scope.lookup(name, (10**9, 0)) is None and name not in self.resolver.module.bindings

    # arguments -------------------------------------------------------------------------
    def call_args(self, call: ast.Call, scope: Scope) -> _Args:
        args = _Args()
        for arg in call.args:
            if args.open_positional:
                break
            if isinstance(arg, ast.Starred):
                value, _ = self.resolver.follow(arg.value, scope)
                if isinstance(value, (ast.List, ast.Tuple)) and not any(
                    isinstance(e, ast.Starred) for e in value.elts
                ):
                    args.positional.extend(value.elts)
                else:
                    args.open_positional = True
            else:
                args.positional.append(arg)
        for kw in call.keywords:
            if kw.arg is not None:
                args.keywords[kw.arg] = kw.value
                args.keyword_home[kw.arg] = "call"
                continue
            entries = self.dict_entries(kw.value, scope)
            if entries is None or entries[1]:
                args.open_keywords = True
            if entries is not None:
                for key, value in entries[0].items():
                    args.keywords.setdefault(key, value)
                    args.keyword_home.setdefault(key, "dict")
        return args

    def dict_entries(self, expr: ast.expr, scope: Scope) -> Optional[Tuple[Dict[str, ast.expr], bool]]:
        """A dict literal's (or ``dict(...)``'s) string keys, and whether it has unknown parts."""
        expr, scope = self.resolver.follow(expr, scope)
        entries: Dict[str, ast.expr] = {}
        incomplete = False
        if isinstance(expr, ast.Dict):
            for key, value in zip(expr.keys, expr.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    entries[key.value] = value
                else:
                    incomplete = True
            return entries, incomplete
        if (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Name)
            and expr.func.id == "dict"
            and scope.lookup("dict", (expr.lineno, expr.col_offset)) is None
            and not expr.args
        ):
            for kw in expr.keywords:
                if kw.arg is None:
                    incomplete = True
                else:
                    entries[kw.arg] = kw.value
            return entries, incomplete
        return None

    def param_groups(self, expr: object, scope: Scope) -> Optional[List[Tuple[ast.expr, Dict[str, ast.expr], bool]]]:
        """The param-group dicts of a ``params`` argument written as a list of dicts."""
        if not isinstance(expr, ast.expr):
            return None
        expr, scope = self.resolver.follow(expr, scope)
        if not isinstance(expr, (ast.List, ast.Tuple)) or not expr.elts:
            return None
        groups = []
        for element in expr.elts:
            entries = self.dict_entries(element, scope)
            if entries is None:
                return None
            groups.append((element, entries[0], entries[1]))
        return groups

    # values ----------------------------------------------------------------------------
    def nonzero(self, value: object, scope: Scope) -> Optional[bool]:
        """True: non-zero; None: may be non-zero (not a literal); False: zero or off."""
        if value is _HIDDEN:
            return False  # nothing visible to report
        if not isinstance(value, ast.expr):
            return False
        literal = self.resolver.literal(value, scope)
        if is_unknown(literal):
            return None
        if literal is None or isinstance(literal, bool):
            return False if literal in (None, False) else True
        if isinstance(literal, (int, float)):
            return literal != 0
        return None

    def flag(self, value: object, default: bool, scope: Scope) -> Optional[bool]:
        """A boolean switch's value; None when it cannot be known."""
        if value is _ABSENT:
            return default
        if value is _HIDDEN or not isinstance(value, ast.expr):
            return None
        literal = self.resolver.literal(value, scope)
        if isinstance(literal, (bool, int)) and not is_unknown(literal):
            return bool(literal)
        return None

    # dispatch --------------------------------------------------------------------------
    def check_call(self, call: ast.Call, scope: Scope) -> Optional[Finding]:
        self.collect_regularizers(call, scope)
        name = self.resolver.qualname(call.func, scope)
        if name is None:
            self.collect_untyped(call, scope)
            return None
        if name in catalog.OPTIMIZERS_BY_NAME:
            api = catalog.OPTIMIZERS_BY_NAME[name]
            if api.decay in (catalog.COUPLED, catalog.DECOUPLED) and name.startswith("torch."):
                self.torch_adaptive.append((call.lineno, name))
            return self.check_optimizer(api, name, call.func, self.call_args(call, scope), call, scope)
        if name in catalog.TRAINING_OPTIMIZERS_BY_NAME:
            return self.check_training_optimizer(catalog.TRAINING_OPTIMIZERS_BY_NAME[name], name, call, scope)
        if name in catalog.L2_PENALTIES_BY_NAME and catalog.L2_PENALTIES_BY_NAME[name].kind == "loss":
            penalty = catalog.L2_PENALTIES_BY_NAME[name]
            if not (penalty.of_weights and call.args and isinstance(call.args[0], (ast.BinOp, ast.UnaryOp))):
                self.tf_losses.append((call.lineno, name.rsplit(".", 1)[1]))
            return None
        if name in catalog.OPTAX_CHAINS_BY_NAME:
            return self.check_chain(catalog.OPTAX_CHAINS_BY_NAME[name], call, scope)
        if name in ("tensorflow.add_n", "tensorflow.math.add_n") and self._sums_model_losses(call):
            self.tf_losses.append((call.lineno, "add_n(model.losses)"))
        if name in catalog.FACTORIES_BY_NAME:
            return self.check_factory(catalog.FACTORIES_BY_NAME[name], call, scope)
        if name in catalog.WRAPPERS_BY_NAME:
            return self.check_wrapper(catalog.WRAPPERS_BY_NAME[name], call, scope)
        return None

    def check_wrapper(self, wrapper: OptimizerWrapper, call: ast.Call, scope: Scope) -> Optional[Finding]:
        bound = _bind(self.call_args(call, scope), wrapper.signature)
        cls = bound.get(wrapper.optimizer)
        if not isinstance(cls, ast.expr):
            return None
        name = self.resolver.qualname(cls, scope)
        api = catalog.OPTIMIZERS_BY_NAME.get(name or "")
        if api is None:
            return None
        forwarded = _Args(open_positional=bound.args.open_positional, open_keywords=bound.args.open_keywords)
        if wrapper.params is not None:
            params = bound.get(wrapper.params)
            if isinstance(params, ast.expr):
                forwarded.positional.append(params)
        elif wrapper.positional_from is not None:
            start = wrapper.positional_from
            forwarded.positional.extend(bound.args.positional[start:])
        if not wrapper.signature.var_positional:
            forwarded.open_positional = False
        forwarded.keywords.update(bound.extra_keywords)
        forwarded.keyword_home.update({k: "call" for k in bound.extra_keywords})
        if wrapper.kwargs is not None:
            kwargs = bound.get(wrapper.kwargs)
            entries = self.dict_entries(kwargs, scope) if isinstance(kwargs, ast.expr) else None
            if entries is None:
                forwarded.open_keywords = forwarded.open_keywords or kwargs is not _ABSENT
            else:
                forwarded.keywords.update(entries[0])
                forwarded.keyword_home.update({k: "dict" for k in entries[0]})
                forwarded.open_keywords = forwarded.open_keywords or entries[1]
        return self.check_optimizer(api, name, cls, forwarded, call, scope)

    # optimizers ------------------------------------------------------------------------
    def check_optimizer(
        self,
        api: OptimizerApi,
        name: str,
        cls: ast.expr,
        args: _Args,
        call: ast.Call,
        scope: Scope,
    ) -> Optional[Finding]:
        """``call`` is the optimizer call itself, or the wrapper (partial, ZeRO, …) that holds ``args``."""
        bound = _bind(args, api.signature)
        if api.always is not None:
            message = f"{api.code} {name} {api.always}"
            return self._finding(api, name, call, cls, bound, scope, message, [])
        if api.weight_decay is None or api.code is None:
            return None
        switch_value = bound.get(api.switch) if api.switch else _ABSENT
        decoupled = self.flag(switch_value, api.switch_default, scope)
        if decoupled is None:
            return None  # the user chose the mode with an expression: trust it
        call_wd = bound.get(api.weight_decay)
        if call_wd is _HIDDEN:
            return None
        wd_default = api.signature.defaults.get(api.weight_decay, "0")
        configs: List[_Config] = []
        groups = self.param_groups(bound.get(api.signature.positional[0]), scope)
        for group, entries, incomplete in groups or [(None, {}, False)]:
            if incomplete:
                continue
            group_decoupled = decoupled
            if api.group_switch and api.group_switch in entries:
                group_decoupled = self.flag(entries[api.group_switch], decoupled, scope)
            if group_decoupled is not False:
                continue
            wd = entries.get(api.weight_decay, call_wd)
            if wd is _ABSENT:
                if _default_value(api.signature, api.weight_decay):
                    configs.append(_Config(wd, f"{api.weight_decay}={wd_default} (the default)", group))
                continue
            if self.nonzero(wd, scope) is False:
                continue
            where = " in a param group" if api.weight_decay in entries else ""
            configs.append(_Config(wd, f"{api.weight_decay}={self.text(wd)}{where}", group))
        if not configs:
            return None
        definite = [c for c in configs if c.weight_decay is _ABSENT or self.nonzero(c.weight_decay, scope)]
        shown = (definite or configs)[0]
        maybe = "" if definite else " if it is non-zero"
        if api.code == "AWL103":
            instead = f", and {name} has no decoupled mode; {api.advice}"
        else:
            instead = f", not decoupled weight decay; {self._advice(api, name)} and re-tune {api.weight_decay}"
        message = f"{api.code} {name}({shown.decay_text}) adds L2 to the gradient (coupled){maybe}{instead}"
        return self._finding(api, name, call, cls, bound, scope, message, groups or [])

    def _advice(self, api: OptimizerApi, name: str) -> str:
        if api.fix == "rename" and self.style == "flag" and api.switch:
            return f"pass {api.switch}=True ({api.since} or later)"
        if api.fix == "rename":
            return f"use {api.rename[name]}"
        return api.advice

    def _finding(self, api, name, call, cls, bound, scope, message, groups) -> Finding:
        fix, blocked = None, ""
        if api.fix is not None:
            planner = _FixPlanner(self, api, name, call, cls, bound, scope, groups)
            fix, blocked = planner.plan()
        return Finding(api.code, message, self.span(call), fix, blocked)


    # TensorFlow / Keras (AWL201-AWL203) ---------------------------------------------------
    def check_training_optimizer(self, row, name: str, call: ast.Call, scope: Scope) -> Optional[Finding]:
        if row.adaptive:
            self.tf_adaptive.append((call, name))
        decay = next((kw.value for kw in call.keywords if kw.arg == "decay"), None)
        if not row.keras or decay is None or self.nonzero(decay, scope) is False:
            return None
        if ".legacy." in name:
            what = "is learning-rate decay here (legacy optimizer: lr / (1 + decay·t))"
        else:
            what = ("is ignored with a warning by Keras 3 and an error in tf-keras >= 2.11 "
                    "(it was learning-rate decay in legacy Keras)")
        message = (f"AWL203 {name}(decay={self.text(decay)}) {what}, never weight decay; use a "
                   "keras.optimizers.schedules.LearningRateSchedule for learning-rate decay, or "
                   "weight_decay= for (decoupled) weight decay")
        return Finding("AWL203", message, self.span(call))

    def collect_regularizers(self, call: ast.Call, scope: Scope) -> None:
        for kw in call.keywords:
            if kw.arg not in catalog.REGULARIZER_KEYWORDS:
                continue
            value, value_scope = self.resolver.follow(kw.value, scope)
            literal = self.resolver.literal(value, value_scope)
            if isinstance(literal, str) and literal.lower() in catalog.REGULARIZER_STRINGS:
                self.tf_regularizers.append((kw.value.lineno, catalog.REGULARIZER_STRINGS[literal.lower()], 2.0))
                continue
            if not isinstance(value, ast.Call):
                continue
            penalty = catalog.L2_PENALTIES_BY_NAME.get(self.resolver.qualname(value.func, value_scope) or "")
            if penalty is None or penalty.kind != "regularizer" or penalty.coefficient is None:
                continue
            bound = _bind(self.call_args(value, value_scope), penalty.signature)
            coefficient = bound.get(penalty.coefficient)
            if coefficient is _ABSENT and penalty.legacy_coefficient:
                coefficient = bound.get(penalty.legacy_coefficient)
            if coefficient is _HIDDEN:
                continue
            if coefficient is _ABSENT:
                text = penalty.signature.defaults.get(penalty.coefficient, "None")
                number: object = ast.literal_eval(text)
            elif self.nonzero(coefficient, value_scope) is False:
                continue
            else:
                number = self.resolver.literal(coefficient, value_scope)
            if number == 0 or number is None:
                continue
            self.tf_regularizers.append((kw.value.lineno, number, penalty.gradient_factor))

    def collect_untyped(self, call: ast.Call, scope: Scope) -> None:
        """Calls on objects of unknown type that still matter: compile(optimizer="adam"), sum(m.losses)."""
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "compile" and self._imports_keras():
            chosen = next((kw.value for kw in call.keywords if kw.arg == "optimizer"), call.args[0] if call.args else None)
            literal = self.resolver.literal(chosen, scope) if chosen is not None else None
            if isinstance(literal, str) and literal.lower() in catalog.KERAS_OPTIMIZER_STRINGS:
                self.tf_adaptive.append((call, f"compile(optimizer={literal!r})"))
        elif isinstance(func, ast.Name) and func.id == "sum" and scope.lookup("sum", (call.lineno, call.col_offset)) is None:
            if self._sums_model_losses(call):
                self.tf_losses.append((call.lineno, "sum(model.losses)"))
            elif self._is_squared_norm_sum(call):
                self.squared_norms.append(call)

    def _imports_keras(self) -> bool:
        roots = ("keras", "tensorflow", "tf_keras")
        return any(b.qualname and b.qualname.split(".")[0] in roots
                   for bindings in self.resolver.module.bindings.values() for b in bindings)

    @staticmethod
    def _sums_model_losses(call: ast.Call) -> bool:
        return bool(call.args) and isinstance(call.args[0], ast.Attribute) and call.args[0].attr == "losses"

    def module_findings(self) -> List[Finding]:
        findings = []
        if self.tf_regularizers:
            lines = ", ".join(str(line) for line in sorted({r[0] for r in self.tf_regularizers}))
            values = {(c, f) for _, c, f in self.tf_regularizers}
            if len(values) == 1 and isinstance(next(iter(values))[0], (int, float)):
                c, factor = next(iter(values))
                translation = f"weight_decay={factor * c:g}"
            else:
                translation = "weight_decay=2·c for L2(c)"
            for call, name in self.tf_adaptive:
                findings.append(Finding("AWL201", (
                    f"AWL201 {name} trains L2 weight regularizers (line {lines}) as coupled L2 through its "
                    f"adaptive denominator; drop them and use keras.optimizers.AdamW({translation}), then re-tune"
                ), self.span(call)))
        if self.tf_losses:
            where = ", ".join(f"{what} line {line}" for line, what in sorted(set(self.tf_losses)))
            for call, name in self.tf_adaptive:
                findings.append(Finding("AWL202", (
                    f"AWL202 {name} minimizes a loss with L2 terms ({where}): coupled L2 through its adaptive "
                    "denominator; use keras.optimizers.AdamW(weight_decay=wd) (wd·l2_loss(w) has gradient wd·w), "
                    "or tf.contrib.opt.AdamWOptimizer(weight_decay=wd·learning_rate) in TF1, then re-tune"
                ), self.span(call)))
        if self.torch_adaptive:
            line, name = self.torch_adaptive[0]
            for call in self.squared_norms:
                findings.append(Finding("AWL105", (
                    f"AWL105 an L2 penalty over the parameters added to the loss is coupled L2 with {name} "
                    f"(line {line}); drop it and use torch.optim.AdamW(weight_decay=2λ) for λ·Σθ², then re-tune"
                ), self.span(call)))
        return findings

    # PyTorch loss-side L2 (AWL105) -----------------------------------------------------------
    def _is_squared_norm_sum(self, call: ast.Call) -> bool:
        if len(call.args) != 1 or not isinstance(call.args[0], (ast.GeneratorExp, ast.ListComp)):
            return False
        comprehension = call.args[0]
        generator = comprehension.generators[0]
        iterator = generator.iter
        if not (isinstance(iterator, ast.Call) and isinstance(iterator.func, ast.Attribute)
                and iterator.func.attr in catalog.SQUARED_NORMS.iterators):
            return False
        target = generator.target
        if isinstance(target, ast.Tuple) and target.elts:
            target = target.elts[-1]
        if not isinstance(target, ast.Name):
            return False
        scope = self.comprehension_scopes.get(id(comprehension))
        return scope is not None and self._squared_norm(comprehension.elt, target.id, scope)

    def _squared_norm(self, expr: ast.expr, name: str, scope: Scope) -> bool:
        """Σθ² of the loop variable: θ.pow(2).sum(), (θ**2).sum(), torch.norm(θ)**2, θ.norm(2).pow(2), …"""
        def is_var(e):
            return isinstance(e, ast.Name) and e.id == name

        def squared(e, inner):
            if isinstance(e, ast.BinOp) and isinstance(e.op, ast.Pow) and _is_two(e.right):
                return inner(e.left)
            if isinstance(e, ast.BinOp) and isinstance(e.op, ast.Mult):
                return inner(e.left) and ast.dump(e.left) == ast.dump(e.right)
            if isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute):
                if e.func.attr == "pow" and len(e.args) == 1 and _is_two(e.args[0]):
                    return inner(e.func.value)
                if e.func.attr == "square" and not e.args:
                    return inner(e.func.value)
            return False

        def norm(e):
            if isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and e.func.attr == "norm" and is_var(e.func.value):
                return True
            qual = self.resolver.qualname(e.func, scope) if isinstance(e, ast.Call) else None
            return qual in ("torch.norm", "torch.linalg.norm") and bool(e.args) and is_var(e.args[0])

        if squared(expr, norm):
            return True
        if not isinstance(expr, ast.Call):
            return False
        if self.resolver.qualname(expr.func, scope) == "torch.sum" and expr.args:
            return squared(expr.args[0], is_var)
        if isinstance(expr.func, ast.Attribute) and expr.func.attr == "sum":
            return squared(expr.func.value, is_var)
        return False

    # optax (AWL301, AWL302) -------------------------------------------------------------------
    def check_chain(self, chain, call: ast.Call, scope: Scope) -> Optional[Finding]:
        if any(isinstance(a, ast.Starred) for a in call.args):
            return None
        names = [self.resolver.qualname(a.func, scope) if isinstance(a, ast.Call) else None for a in call.args]
        for i, name in enumerate(names):
            if name not in chain.decay:
                continue
            decay_call = call.args[i]
            assert isinstance(decay_call, ast.Call)
            bound = _bind(self.call_args(decay_call, scope), _DECAYED_WEIGHTS)
            wd = bound.get("weight_decay")
            if wd is _ABSENT or wd is _HIDDEN or self.nonzero(wd, scope) is False:
                continue
            if any(n in chain.adaptive for n in names[i + 1:]):
                code = "AWL301"
                what = "adds the decay before the adaptive preconditioner (coupled L2)"
            elif any(n in chain.scaled for n in names[:i]):
                code = "AWL302"
                what = ("adds the decay after the update was scaled by -learning_rate: the weights grow by "
                        "(1 + weight_decay) every step (a sign bug, not weight decay)")
            else:
                continue
            message = (f"{code} optax.chain(..., add_decayed_weights({self.text(wd)}), ...) {what}; use "
                       f"{chain.replacement}(..., weight_decay={self.text(wd)})")
            fix, blocked = self._chain_fix(chain, call, scope, names, i, bound, code)
            return Finding(code, message, self.span(call), fix, blocked)
        return None

    def _chain_fix(self, chain, call, scope, names, decay_index, bound, code):
        if len(names) != 2:
            return None, f"only a chain of exactly add_decayed_weights and {chain.fixable[0]} is rewritten"
        other = 1 - decay_index
        expected_order = (code == "AWL301") == (other == 1)
        if names[other] not in chain.fixable or not expected_order:
            return None, f"only a chain of exactly add_decayed_weights and {chain.fixable[0]} is rewritten"
        optimizer = call.args[other]
        parts = [self.text(a) for a in optimizer.args]
        parts += [f"{k.arg}={self.text(k.value)}" if k.arg else f"**{self.text(k.value)}" for k in optimizer.keywords]
        parts.append(f"weight_decay={self.text(bound.get('weight_decay'))}")
        mask = bound.get("mask")
        if isinstance(mask, ast.expr):
            parts.append(f"mask={self.text(mask)}")
        try:
            spelling, add, _ = self.spell(call.func, scope, chain.replacement)
        except _Blocked as blocked:
            return None, str(blocked)
        remove = self.unused_imports(call, scope)
        replacement = f"{spelling}({', '.join(parts)})"
        return Fix(f"Replace the chain with {chain.replacement}", (Edit("replace", self.span(call), replacement),),
                   add, remove), ""

    # factories -------------------------------------------------------------------------
    def check_factory(self, factory: OptimizerFactory, call: ast.Call, scope: Scope) -> Optional[Finding]:
        bound = _bind(self.call_args(call, scope), factory.signature)
        choice_expr = bound.get(factory.choice)
        if not isinstance(choice_expr, ast.expr):
            return None
        literal = self.resolver.literal(choice_expr, scope)
        if not isinstance(literal, str):
            return None
        parts = literal.lower().split("_")
        while len(parts) > 1 and parts[0] in factory.prefixes:
            parts = parts[1:]
        name = "_".join(parts)
        choice = factory.choices.get(name)
        if choice is None:
            return None
        wd = bound.get(factory.weight_decay)
        if wd is _ABSENT or wd is _HIDDEN or self.nonzero(wd, scope) is False:
            return None
        maybe = "" if self.nonzero(wd, scope) else " if it is non-zero"
        qualname = factory.names[0]
        shown = f"{factory.choice}={literal!r}, {factory.weight_decay}={self.text(wd)}"
        if choice.replacement:
            instead = f"use {factory.choice}={choice.replacement!r} and re-tune {factory.weight_decay}"
        else:
            instead = f"there is no decoupled form; {choice.advice}"
        message = f"{choice.code} {qualname}({shown}) adds L2 to the gradient (coupled){maybe}; {instead}"
        fix = None
        if choice.replacement and isinstance(choice_expr, ast.Constant):
            original = self.text(choice_expr)
            at = original.lower().rfind(name)
            if at >= 0:
                new = original[:at] + choice.replacement + original[at + len(name):]
                fix = Fix(
                    f"Replace {factory.choice} {literal!r} with its decoupled variant",
                    (Edit("replace", self.span(choice_expr), new),),
                )
        return Finding(choice.code, message, self.span(call), fix)


_DECAYED_WEIGHTS = Signature.parse("weight_decay=0.0, mask=None")


def _is_two(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value == 2 and not isinstance(expr.value, bool)


class _FixPlanner:
    """Turns a finding on an optimizer call into edits, or says why it cannot."""

    def __init__(self, module: _Module, api, name, call, cls, bound: _Bound, scope, groups) -> None:
        self.m = module
        self.api = api
        self.name = name
        self.call = call
        self.cls = cls
        self.bound = bound
        self.scope = scope
        self.groups = groups

    def plan(self) -> Tuple[Optional[Fix], str]:
        try:
            if self.api.fix == "rename" and not (self.m.style == "flag" and self.api.switch):
                return self._rename(), ""
            return self._switch(), ""
        except _Blocked as blocked:
            return None, str(blocked)

    # helpers ---------------------------------------------------------------------------
    def _arg_expr(self, param: str) -> Optional[ast.expr]:
        value = self.bound.get(param)
        if value is _HIDDEN:
            raise _Blocked(f"{param} may be passed through *args/**kwargs")
        return value if isinstance(value, ast.expr) else None

    def _home(self, param: str) -> str:
        if param in self.bound.positional_index:
            return "positional"
        return self.bound.args.keyword_home.get(param, "call")

    def _set_true(self, param: str) -> List[Edit]:
        expr = self._arg_expr(param)
        if expr is not None:
            return [Edit("replace", self.m.span(expr), "True")]
        return [self._add_keyword(param, "True")]

    def _add_keyword(self, param: str, text: str) -> Edit:
        if self._wrapper_takes_dict():
            raise _Blocked("arguments are passed in a dict")
        return Edit("add-keyword", self.m.span(self.call), text, param)

    def _wrapper_takes_dict(self) -> bool:
        name = self.m.resolver.qualname(self.call.func, self.scope)
        wrapper = catalog.WRAPPERS_BY_NAME.get(name or "")
        return wrapper is not None and wrapper.kwargs is not None

    def _group_edits(self) -> List[Edit]:
        edits = []
        key = self.api.group_switch
        for group, entries, _ in self.groups:
            if key and key in entries and self.m.flag(entries[key], True, self.scope) is False:
                if not isinstance(group, ast.Dict):
                    raise _Blocked(f"a param group built with dict() sets {key}")
                edits.append(Edit("drop-key", self.m.span(group), name=key))
        return edits

    # the two kinds of fix --------------------------------------------------------------
    def _switch(self) -> Fix:
        edits: List[Edit] = []
        if self.api.switch:
            edits += self._set_true(self.api.switch)
        edits += self._group_edits()
        what = f"Set {self.api.switch}=True" if self.api.switch else f"Remove '{self.api.group_switch}': False"
        return Fix(what, tuple(edits))

    def _rename(self) -> Fix:
        target = self.api.rename[self.name]
        target_api = catalog.OPTIMIZERS_BY_NAME[target]
        source_sig, target_sig = self.api.signature, target_api.signature
        edits: List[Edit] = []
        for param in (*source_sig.positional, *source_sig.keyword_only):
            value = self.bound.get(param)
            if param in target_sig:
                default = source_sig.defaults.get(param)
                differs = _default_value(source_sig, param) != _default_value(target_sig, param)
                if value is _HIDDEN and differs:
                    raise _Blocked(f"{param} may be passed through *args/**kwargs")
                if value is _ABSENT and default is not None and differs:
                    edits.append(self._add_keyword(param, default))  # keep the old default explicit
                continue
            if value is _ABSENT:
                continue
            if value is _HIDDEN:
                raise _Blocked(f"{param} may be passed through *args/**kwargs")
            assert isinstance(value, ast.expr)
            literal = self.m.resolver.literal(value, self.scope)
            if param not in self.api.droppable and (is_unknown(literal) or literal != _default_value(source_sig, param)):
                raise _Blocked(f"{param}={self.m.text(value)} has no equivalent in {target}")
            if self._home(param) != "call":
                raise _Blocked(f"{param} is not passed as a keyword of the call")
            edits.append(Edit("drop-keyword", self.m.span(self.call), name=param))
        edits += self._group_edits()
        spelling, add, remove = self.m.spell(self.cls, self.scope, target)
        edits.insert(0, Edit("replace", self.m.span(self.cls), spelling))
        return Fix(f"Replace {self.name} with {target}", tuple(edits), add, remove)


def _default_value(sig: Signature, param: str) -> object:
    return ast.literal_eval(sig.defaults.get(param, "None"))


class _Blocked(Exception):
    """A fix cannot be planned safely; the message says why."""
