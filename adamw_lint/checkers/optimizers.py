"""Optimizer constructors described by a signature row (AWL101-AWL104, AWL204, AWL303).

PyTorch and the libraries built on it (apex, DeepSpeed, bitsandbytes, timm, Hugging Face), and
the few TensorFlow/optax constructors whose own arguments decide the finding. The row says how
the optimizer decays; this checker reads the call's arguments (param groups, switches,
``**kwargs`` dicts, wrappers that forward them, factories that name the optimizer by string)
and reports each coupled configuration, with a fix plan when fixes are wanted.
"""

from __future__ import annotations

import ast
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from .. import catalog, ruled_out
from ..branches import condition, known, opposite, rules_out
from ..catalog import OptimizerApi, OptimizerFactory, OptimizerWrapper
from ..context import (ABSENT, HIDDEN, REMOVED, Alternative, Args, Bound, Context, ParamGroup,
                       SuperInit, bind, dict_uses, given_argument, key_defs, parameter_keys)
from ..defaults import default_note
from ..findings import Edit, Finding, Fix, place, shown_path
from ..records import Record
from ..summaries import Reach, method_parameters, replaces_step, signature_of
from ..scope import Resolver, Scope, is_parameter, is_unknown, kept_on, nonlocal_names
from .base import Checker
from .optimizer_fix import kept_public, plan_fix, switch_unusable


class _Config(Record):
    """One effective configuration of an optimizer: the call's own, or one param group's."""

    weight_decay: object  # an expression, or ABSENT (the default applies)
    decay_text: str


class Via(Record):
    """How a call reaches an optimizer it does not name: said in the message (``template``, with
    ``place`` marks for ``related`` lines); ``blocked``: why the fix is not planned here."""

    template: str
    related: Tuple[int, ...]
    blocked: str = ""


class OptimizerChecker(Checker):
    codes = frozenset(c for row in catalog.all_rows() if isinstance(row, (OptimizerApi, OptimizerFactory))
                      for c in catalog.codes_of(row))
    routes = {**catalog.OPTIMIZERS_BY_NAME, **catalog.FACTORIES_BY_NAME, **catalog.WRAPPERS_BY_NAME}
    methods = frozenset({"add_param_group"})

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self._selections: Dict[Tuple[int, int], Callable[[str, object], object]] = {}  # ``_selected``

    def check(self, call: ast.Call, scope: Scope, name: str, row: object) -> Iterable[Finding]:
        if isinstance(row, OptimizerApi):
            finding = self.check_optimizer(row, name, call.func, self.ctx.call_args(call, scope), call, scope)
        elif isinstance(row, OptimizerFactory):
            finding = self.check_factory(row, call, scope, name)
        else:
            assert isinstance(row, OptimizerWrapper)
            finding = self.check_wrapper(row, call, scope)
        return (finding,) if finding else ()

    # wrappers: functools.partial(Adam, ...), ZeroRedundancyOptimizer(params, Adam, ...) ----------
    def check_wrapper(self, wrapper: OptimizerWrapper, call: ast.Call, scope: Scope) -> Optional[Finding]:
        ctx = self.ctx
        bound = bind(ctx.call_args(call, scope), wrapper.signature)
        cls = bound.get(wrapper.optimizer) if wrapper.optimizer is not None else call.func
        if not isinstance(cls, ast.expr):
            return None
        name = wrapper.wraps or ctx.qualname(cls, scope)
        api = catalog.OPTIMIZERS_BY_NAME.get(name or "")
        if api is None or name is None or _reconfigured(ctx, wrapper):
            return None
        forwarded = Args(open_positional=bound.args.open_positional, open_keywords=bound.args.open_keywords)
        if wrapper.params is not None:
            params = bound.get(wrapper.params)
            if isinstance(params, ast.expr):
                forwarded.positional.append(params)
        elif wrapper.positional_from is not None:
            forwarded.positional.extend(bound.args.positional[wrapper.positional_from:])
        if not wrapper.signature.var_positional:
            forwarded.open_positional = False
        extra = bound.extra_keywords
        if wrapper.prefix is not None:  # ``optimizer__weight_decay=…``; the other keywords are for other parts
            extra = {k[len(wrapper.prefix):]: v for k, v in extra.items() if k.startswith(wrapper.prefix)}
            if "param_groups" in extra:  # skorch's (pattern, options) groups: not read (additions §A4)
                return None
        forwarded.keywords.update(extra)
        forwarded.keyword_home.update({k: bound.args.keyword_home.get(wrapper.prefix + k if wrapper.prefix else k, "call")
                                       for k in extra})
        if wrapper.kwargs is not None:
            kwargs = bound.get(wrapper.kwargs)
            entries = ctx.dict_entries(kwargs, scope) if isinstance(kwargs, ast.expr) else None
            if entries is None:
                forwarded.open_keywords = forwarded.open_keywords or kwargs is not ABSENT
            else:
                forwarded.keywords.update(entries[0])
                home = "held" if ctx.held_elsewhere(kwargs, scope) else "dict"  # type: ignore[arg-type]
                forwarded.keyword_home.update({k: home for k in entries[0]})
                forwarded.open_keywords = forwarded.open_keywords or entries[1]
        via = None
        if wrapper.prefix is not None:  # the decay is written as the wrapper's keyword: say how it gets there
            shown = catalog.shown_name(ctx.qualname(call.func, scope) or ctx.text(call.func))
            via = Via(f"{shown} passes it its {wrapper.prefix}* keywords", ())
        if wrapper.wraps:  # ``pyro.optim.Adam({...})``: no class is written here to rename
            shown = ctx.qualname(call.func, scope) or ctx.text(call.func)
            via = Via(f"{shown} builds it from the dict it is given", (),
                      f"{shown} builds {name} itself, and a fix rewrites only a class the call names: "
                      f"{self._advice(api, name, call, scope, wrapper)} by hand")
        return self.check_optimizer(api, name, cls, forwarded, call, scope, wrapper, via)

    # optimizers ------------------------------------------------------------------------
    def check_optimizer(
        self,
        api: OptimizerApi,
        name: str,
        cls: ast.expr,
        args: Args,
        call: ast.Call,
        scope: Scope,
        wrapper: Optional[OptimizerWrapper] = None,
        via: Optional[Via] = None,
        added: Sequence[ParamGroup] = (),
    ) -> Optional[Finding]:
        """``call`` is the optimizer call itself, or the wrapper (partial, ZeRO, …) that holds ``args``.
        ``via``: how the call reaches ``name`` when it does not name it (said in the message);
        ``added``: groups given to the optimizer later (``add_param_group``)."""
        bound = bind(args, api.signature)
        if api.always is not None:
            return self._finding(api, name, call, cls, bound, scope, f"{api.code} {name} {api.always}", [], wrapper, via)
        if api.weight_decay is None or api.code is None:
            return None
        groups = self.ctx.param_groups(bound.get(api.signature.positional[0]), scope)
        configs = self._coupled_configs(api, bound, groups, scope) if not added else []
        configs += self._coupled_configs(api, bound, list(added), scope, added=True)
        if not configs:
            return None
        definite = [c for c in configs if c.weight_decay is ABSENT or self.ctx.nonzero(c.weight_decay, scope)]
        shown = (definite or configs)[0]
        maybe = "" if definite else " if it is non-zero"
        advice = self._advice(api, name, call, scope, wrapper)
        if api.fix is None and api.switch is None:
            instead = f", and {name} has no decoupled mode; {advice}"
        else:
            instead = f", not decoupled weight decay; {advice} and re-tune {api.weight_decay}"
        message = f"{api.code} {name}({shown.decay_text}) adds L2 to the gradient (coupled){maybe}{instead}"
        return self._finding(api, name, call, cls, bound, scope, message, groups or [], wrapper, via)

    def _coupled_configs(self, api: OptimizerApi, bound: Bound, groups: Optional[List[ParamGroup]],
                         scope: Scope, added: bool = False) -> List[_Config]:
        """The configurations (the call's, or each param group's) that apply coupled decay;
        ``added``: the groups were added later, and only those that set the decay count."""
        ctx = self.ctx
        switch = bound.get(api.switch) if api.switch else ABSENT
        call_wd = bound.get(api.weight_decay)  # type: ignore[arg-type]
        wd_param = api.weight_decay
        assert wd_param is not None
        # a group's own decay is its decay, whatever the call's is: ``Adam(groups, **kw)``
        group_decays = any(wd_param in entries for _, entries, _ in groups or ())
        spread = ""
        if switch is HIDDEN and (isinstance(call_wd, ast.expr) or group_decays) and _only_spread_hides(bound, api.switch):
            # Adam(p, weight_decay=wd, **kw): the decay is passed here (a second one in kw would
            # raise), so the call means coupled L2 unless kw turns the switch on, which is rare
            switch, spread = ABSENT, f", unless **{ctx.text(bound.args.spread)} sets {api.switch}=True"  # type: ignore[arg-type]
        decoupled = ctx.flag(switch, api.switch_default, scope)
        if decoupled is None or call_wd is HIDDEN and not group_decays:
            return []  # the user chose the mode with an expression, or it is out of sight: trust it
        configs: List[_Config] = []
        for group, entries, incomplete in groups or [(None, {}, False)]:
            group_spread = ""
            if incomplete:
                # {"params": p, **common, "weight_decay": wd}: the decay written after every spread
                # is the group's; the switch, unless a spread turns it on (as for the call's **kw)
                spreads = _spread_before(ctx, group, wd_param, api.group_switch, scope)
                if spreads is None:
                    continue
                group_spread = f", unless **{spreads} sets {api.group_switch}=True" if spreads and api.group_switch else ""
            if added and wd_param not in entries:
                continue
            group_decoupled = decoupled
            if api.group_switch and api.group_switch in entries:
                group_decoupled = ctx.flag(entries[api.group_switch], decoupled, scope)
            if group_decoupled is not False:
                continue
            wd = entries.get(wd_param, call_wd)
            if wd is HIDDEN:
                continue  # a group without its own decay, given the call's, which is out of sight
            if wd is ABSENT:
                if api.signature.default(wd_param):
                    default = api.signature.defaults.get(wd_param, "0")
                    configs.append(_Config(wd, f"{wd_param}={default} (the default)"))
                continue
            if ctx.nonzero(wd, scope) is False:
                continue
            where = " in a param group" if wd_param in entries else ""
            if added:
                where = f" in a param group added at line {group.lineno}"
            note = default_note(ctx, wd, scope)
            configs.append(_Config(wd, f"{wd_param}={ctx.text(wd)}{note}{where}{spread}{group_spread}"))  # type: ignore[arg-type]
        return configs

    def _advice(self, api: OptimizerApi, name: str, call: ast.Call, scope: Scope,
                wrapper: Optional[OptimizerWrapper]) -> str:
        """What to do, as the fix would do it: ``--style flag`` asks for the switch unless the
        project's torch is too old for it or a wrapper ignores it (then the rename, and why)."""
        if wrapper is not None and wrapper.wraps:
            package = wrapper.names[0].rsplit(".", 1)[0]
            if not name.startswith(package + "."):  # a torch class: say it in the package's dict form
                return self._dict_advice(api, name, call, scope, wrapper, package)
        if api.fix == "rename" and self.ctx.style == "flag" and api.switch:
            unusable = switch_unusable(self.ctx, api, name, call, scope, wrapper)
            if not unusable:
                return f"pass {api.switch}=True ({api.since} or later)"
            return f"use {api.rename[name]} ({unusable})"
        if api.fix == "rename":
            return f"use {api.rename[name]}"
        return api.advice

    def _dict_advice(self, api: OptimizerApi, name: str, call: ast.Call, scope: Scope, wrapper: OptimizerWrapper,
                     package: str) -> str:
        """``pyro.optim.Adam({...})``: the optimizer's options are one dict, and the decoupled
        optimizer is the package's wrapper of the decoupled class (AdamW where there is none)."""
        if api.switch and (api.fix != "rename" or self.ctx.style == "flag") \
                and not switch_unusable(self.ctx, api, name, call, scope, wrapper):
            return f"add '{api.switch}': True to the dict ({api.since} or later)"
        target = api.rename.get(name, "torch.optim.AdamW")
        return f"use {package}.{target.rsplit('.', 1)[1]} with the same dict"

    def _finding(self, api, name, call, cls, bound, scope, message, groups, wrapper, via=None) -> Finding:
        fix, blocked = None, ""
        if api.fix is not None and self.ctx.fixes:
            if via is not None and via.blocked:
                blocked = via.blocked
            else:
                fix, blocked = plan_fix(self.ctx, api, name, call, cls, bound, scope, groups, wrapper)
        if via is None:
            return Finding(api.code, message, self.ctx.span(call)).with_fix(fix, blocked)
        finding = Finding.naming(api.code, f"{message} ({via.template})", self.ctx.span(call), via.related)
        return finding.with_fix(fix, blocked)

    # calls that reach an optimizer without naming it ---------------------------------------
    def check_alternative(self, call: ast.Call, scope: Scope, choice: Alternative, row: object) -> Iterable[Finding]:
        if not isinstance(row, OptimizerApi):
            return ()
        callee = self.ctx.text(call.func)
        if choice.where:
            at = f"{shown_path(choice.where)}:{choice.expr.lineno}"
            via = Via(f"{callee} may be {choice.qualname}, named at {at}", (), f"the class is chosen at {at}; change it there")
        elif _within(choice.expr, call.func):  # (A if c else B)(...), L(A)(...): the class is named here
            chooser = _name_given(self.ctx, choice.expr, scope)
            if chooser is not None:  # getattr(torch.optim, name)(...): the name may be another class's
                via = Via(f"{callee} may be {choice.qualname}", (),
                          f"{chooser} chooses the class at run time; change the name it is given")
            else:
                verb = "builds" if isinstance(call.func, ast.Call) else "may be"
                via = Via(f"{callee} {verb} {choice.qualname}", ())
        else:
            via = Via(f"{callee} may be {choice.qualname}, named at {place(0)}", (choice.expr.lineno,),
                      f"{callee} is chosen at line {choice.expr.lineno}; change the class there")
        args = self.ctx.call_args(call, scope)
        # ``if name == "adamw": cls = AdamW; kw["weight_decay"] = wd`` / ``else: cls = Adam``: a
        # decay set only where a test went the other way than for this class never goes with it
        decay = bind(args, row.signature).get(row.weight_decay or "")
        # ``cls = AdamW if decoupled else Adam`` with ``weight_decay=wd if decoupled else 0.0``
        branch = ruled_out.branch_with(self.ctx, choice, scope, decay)
        if branch is not None and self.ctx.nonzero(branch, scope) is False:
            return ()
        if choice.sites and all(_site_rules_out(self.ctx, row, decay, scope, site, site_scope, function)
                                for site, site_scope, function in choice.sites):
            return ()  # ``make(torch.optim.Adam, wd=0.0)``: every call passing the class passes no decay
        if choice.switched and isinstance(decay, ast.expr) and self.ctx.set_when(decay) is None \
                and not isinstance(self.ctx.follow(decay, scope)[0], ast.IfExp):
            # ``AdamW if config.decoupled_weight_decay else Adam`` with the same decay either way:
            # the class's own switch, set by an expression, trusted as ``decoupled_weight_decay=flag``
            # is; a decay chosen by a test too is paired with the class above
            return ()
        set_under = self.ctx.set_when(decay)
        if set_under is not None and not choice.where and opposite(set_under, self.ctx.chosen_under(choice.expr)):
            return ()
        # ``if name == "adamw": kw["weight_decay"] = wd`` before ``OPTIMIZERS[name](params, **kw)``
        set_at = self.ctx.set_at(decay)
        if set_at is not None and ruled_out.excluded(self.ctx, choice, call, scope, set_at, fill=True):
            return ()
        finding = self.check_optimizer(row, choice.qualname, choice.expr, args, call, scope, via=via)
        return (finding,) if finding else ()

    def check_reached(self, call: ast.Call, scope: Scope, reached: Reach, row: object) -> Iterable[Finding]:
        if not isinstance(row, OptimizerApi):
            return ()
        outer = self.ctx.call_args(call, scope)
        when = ""
        if reached.chosen:  # a dispatcher's branch: not when the call's string takes another
            passed = self._selected(call, scope, reached.params, outer)  # type: ignore[arg-type]
            if rules_out(reached.chosen, passed):
                return ()
            if not all(known(passed(selector, default)) for selector, default, *_ in reached.chosen):
                when = f" (chosen when {condition(reached.chosen)})"
        def dict_of(given: ast.expr) -> Optional[Tuple[Dict[str, ast.expr], bool]]:
            return self.ctx.dict_entries(given, scope)

        args = outer if reached.params is None else _forwarded(reached, outer, dict_of)
        local = not reached.module.path  # a callable of this module
        # reported at the call only for a decay the call passes: the callable's own value (a
        # default, ``cfg.weight_decay`` of an object it is handed, ``self.hparams``) is reported at
        # its construction, in its own module
        if not _passed_by(outer, bind(args, row.signature).get(row.weight_decay or ""), dict_of):
            return ()
        at = f"line {reached.line}" if local else f"{shown_path(reached.module.path)}:{reached.line}"
        if reached.by_attribute:  # ``getattr(torch.optim, optim_type)``: this call's string names the class
            via = Via(f"via {at} → {reached.name}{when}", (), f"{reached.named} chooses the class at run time "
                      f"(getattr at {at}); change the name this call gives it")
        else:
            via = Via(f"via {at} → {reached.name}{when}", (), f"the optimizer is built in {at}; change it there, or, where "
                      "that code must keep offering it (a public API), build the decoupled optimizer here instead")
        finding = self.check_optimizer(row, reached.name, call.func, args, call, scope, via=via)
        return (finding,) if finding else ()

    def _selected(self, call: ast.Call, scope: Scope, params: ast.arguments, outer: Args) -> Callable[[str, object], object]:
        """What ``call`` gives each parameter of ``params`` (the literal, or its default when it
        leaves it, or unknown), asked by every branch of a dispatcher: computed once per call."""
        key = (id(call), id(params))
        if key not in self._selections:
            given = bind(outer, signature_of(params))
            literals: Dict[str, object] = {}

            def passed(selector: str, default: object) -> object:
                if selector not in literals:
                    value = given.get(selector)
                    literals[selector] = default if value is ABSENT else \
                        self.ctx.literal(value, scope) if isinstance(value, ast.expr) else ...
                return literals[selector]

            self._selections[key] = passed
        return self._selections[key]

    def check_init(self, call: ast.Call, scope: Scope, name: str, row: object, init: SuperInit) -> Iterable[Finding]:
        if not isinstance(row, OptimizerApi) or row.always is not None:
            return ()  # a removed base class is reported at the class statement
        if replaces_step(init.cls):
            return ()  # the subclass's own step() decides how it decays (``own_optimizers`` reads it)
        args = self.ctx.call_args(call, scope)
        if init.explicit_self:
            args.positional = args.positional[1:]
        via = Via(f"class {init.cls.name} passes it to {name}, its base at {place(0)}", (init.base.lineno,))
        finding = self.check_optimizer(row, name, init.base, args, call, scope, via=via)
        return (finding,) if finding else ()

    def check_base(self, cls: ast.ClassDef, base: ast.expr, scope: Scope, name: str, row: object) -> Iterable[Finding]:
        if not isinstance(row, OptimizerApi) or row.always is None:
            return ()
        message = f"{row.code} class {cls.name} subclasses {name}, which {row.always.split('; ')[0]}; {row.advice}"
        return (Finding(row.code, message, self.ctx.span(base), None, "change the base class by hand"),)

    def check_method(self, call: ast.Call, scope: Scope) -> Iterable[Finding]:
        """``opt.add_param_group({...})`` on an optimizer built in view: the group's own decay, for
        each construction that may reach the call (yolov5's ``smart_optimizer``: ``Adam``, ``AdamW``
        or ``SGD`` by name, then the weights' group with its decay)."""
        receiver = call.func.value  # type: ignore[attr-defined]
        if not isinstance(receiver, ast.Name) or len(call.args) != 1 or call.keywords:
            return ()
        entries = self.ctx.dict_entries(call.args[0], scope)
        if entries is None:
            return ()
        group: ParamGroup = (call.args[0], entries[0], entries[1])
        found = []
        bindings = self.ctx.resolver.reaching_all(receiver, scope)
        if len(bindings) > 1 and id(call) not in _statement_calls(scope.node):
            return ()  # under a test (``if name != "Adam":``) that may rule out some of them: not followed
        for binding in bindings:
            built = binding.value
            if not isinstance(built, ast.Call):
                continue
            name = self.ctx.qualname(built.func, binding.scope)
            api = catalog.OPTIMIZERS_BY_NAME.get(name or "")
            if api is None or name is None:
                continue
            finding = self.check_optimizer(api, name, built.func, self.ctx.call_args(built, binding.scope), built,
                                           binding.scope, added=[group])
            if finding is not None:
                found.append(finding)
        return found

    # factories: timm create_optimizer_v2(opt="adam"), TrainingArguments(optim="adagrad") -----------
    def check_factory(self, factory: OptimizerFactory, call: ast.Call, scope: Scope, name: str) -> Optional[Finding]:
        ctx = self.ctx
        bound = ctx.bind(call, scope, factory.signature)
        choice_expr = bound.get(factory.choice)
        if not isinstance(choice_expr, ast.expr):
            return None
        literal = ctx.literal(choice_expr, scope)
        if not isinstance(literal, str):
            return None
        parts = literal.lower().split("_")
        while len(parts) > 1 and parts[0] in factory.prefixes:
            parts = parts[1:]
        chosen = "_".join(parts)
        choice = factory.choices.get(chosen)
        if choice is None or any(_given(ctx, bound.get(argument), scope) for argument in factory.opaque_when) \
                or _state_changed(ctx, factory, call):
            return None
        wd = bound.get(factory.weight_decay)
        if wd is ABSENT:  # the default decay: non-zero for some (ultralytics), zero for most
            default = factory.signature.default(factory.weight_decay)
            if not default:
                return None
            replaced = factory.defaults_from is not None and _given(ctx, bound.get(factory.defaults_from), scope)
            maybe = " if it is non-zero" if replaced else ""
            shown = (f"{factory.choice}={literal!r}, {factory.weight_decay}={default!r} by default"
                     f"{f' unless {factory.defaults_from} sets it' if replaced else ''}")
        else:
            if wd is HIDDEN or ctx.nonzero(wd, scope) is False:
                return None
            maybe = "" if ctx.nonzero(wd, scope) else " if it is non-zero"
            shown = (f"{factory.choice}={literal!r}, {factory.weight_decay}={ctx.text(wd)}"  # type: ignore[arg-type]
                     f"{default_note(ctx, wd, scope)}")
        if choice.replacement:
            instead = f"use {factory.choice}={choice.replacement!r} and re-tune {factory.weight_decay}"
        else:
            instead = f"it offers no decoupled form of {literal!r}; {choice.advice}"
        # named as it resolves: trl.SFTConfig for a TrainingArguments, RTDETR(…).train for a model's train
        called = ctx.qualname(call.func, scope) or name
        named = catalog.shown_name(called if called in factory.names else factory.names[0])
        message = f"{choice.code} {named}({shown}) adds L2 to the gradient (coupled){maybe}; {instead}"
        fix, kept = None, ""
        if choice.replacement and isinstance(choice_expr, ast.Constant) and ctx.fixes:
            original = ctx.text(choice_expr)
            at = original.lower().rfind(chosen)
            if at >= 0:
                new = original[:at] + choice.replacement + original[at + len(chosen):]
                fix, kept = kept_public(ctx, Fix(f"Replace {factory.choice} {literal!r} with its decoupled variant",
                                                 (Edit("replace", ctx.span(choice_expr), new),)),
                                        chosen, choice.replacement, call, call.func, scope)
        return Finding(choice.code, message, ctx.span(call)).with_fix(fix, kept)


def _site_rules_out(ctx: Context, row: OptimizerApi, decay: object, scope: Scope, site: ast.Call, site_scope: Scope,
                    function: ast.AST) -> bool:
    """Whether ``site``, a call of ``function`` that passes it the class, also passes what makes
    the optimizer decoupled or its decay zero: for the function's own decay parameter
    (``make(Adam, wd=0.0)`` with ``cls(p, weight_decay=wd)``), or as an extra keyword its
    ``**kwargs`` may forward (``make(Adam, decoupled_weight_decay=True)``)."""
    assert isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
    binding = ctx.reaching(decay, ctx.home(decay, scope)) if isinstance(decay, ast.Name) else None
    if binding is not None and is_parameter(binding) and binding.scope.node is function:
        method = binding.scope.parent is not None and isinstance(binding.scope.parent.node, ast.ClassDef)
        params = method_parameters(function) if method else [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
        given = given_argument(site, params, decay.id)  # type: ignore[union-attr]
        if given is not None and not isinstance(given, ast.Starred) and ctx.nonzero(given, site_scope) is False:
            return True
    named = {a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)}
    if function.args.kwarg is None:
        return False
    for keyword in site.keywords:
        if keyword.arg in named:
            continue
        if keyword.arg == row.switch and ctx.literal(keyword.value, site_scope) is True \
                or keyword.arg == row.weight_decay and ctx.nonzero(keyword.value, site_scope) is False:
            return True
    return False


def _given(ctx: Context, value: object, scope: Scope) -> bool:
    """Whether an argument is given a value that is not false (``None``, ``False``, ``""``, 0), or
    one out of sight."""
    if value is HIDDEN:
        return True
    if not isinstance(value, ast.expr):
        return False
    literal = ctx.literal(value, scope)
    return is_unknown(literal) or bool(literal)


def _state_changed(ctx: Context, factory: OptimizerFactory, call: ast.Call) -> bool:
    """For a method of an instance, whether the module stores, or may change, an attribute of an
    instance that the method reads its configuration from (``model.overrides["weight_decay"] =
    0.0``, ``model.overrides.update(…)``, ``cfg = model.overrides``; ``Context.attribute_uses``):
    of any instance, since which one it is is not followed."""
    if not factory.instance_state or not isinstance(call.func, ast.Attribute):
        return False
    return any(uses is None or uses for uses in map(ctx.attribute_uses, factory.instance_state))


def _statement_calls(node: Optional[ast.AST]) -> FrozenSet[int]:
    """The calls that are statements of ``node``'s own body (a function's, the module's), by id."""
    body = getattr(node, "body", None)
    if node is None or not isinstance(body, list):
        return frozenset()
    return kept_on(node, "_statement_calls", None, lambda: frozenset(
        id(s.value) for s in body if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)))


def _reconfigured(ctx: Context, wrapper: OptimizerWrapper) -> bool:
    """For a wrapper that keeps its optimizer's class and keywords as its own settings (skorch's
    nets), whether the module may set them again after it is built: ``net.set_params(optimizer=…)``,
    ``net.optimizer = …``, ``net.optimizer__weight_decay = …``, of any net, since which one is not
    followed."""
    if wrapper.prefix is None or wrapper.optimizer is None:
        return False
    uses = ctx.attribute_uses(wrapper.optimizer)
    if uses is None or uses:
        return True
    # ``net.optimizer_ = …`` (the built one replaced), ``net.optimizer__weight_decay = …``: one walk per module
    optimizer = wrapper.optimizer
    return kept_on(ctx.resolver.module.node, "_reconfigured", optimizer, lambda: any(
        isinstance(call.func, ast.Attribute) and call.func.attr == "set_params" for call, _ in ctx.resolver.calls) or any(
        isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and node.attr.startswith(optimizer)
        for node in ast.walk(ctx.resolver.module.node)))


def _passed_by(outer: Args, value: object, dict_of: Callable[[ast.expr], Optional[Tuple[Dict[str, ast.expr], bool]]]) -> bool:
    """Whether ``value`` is one of the caller's own argument expressions, or an entry of a dict
    it passes (``fit(model, {"weight_decay": 1e-4})``)."""
    given = (*outer.positional, *outer.keywords.values())
    return any(value is g for g in given) or any(
        value is entry for g in given if isinstance(g, (ast.Dict, ast.Call, ast.Name))
        for entries in [dict_of(g)] if entries is not None for entry in entries[0].values())


def _spread_before(ctx: Context, group: Optional[ast.expr], key: str, switch: Optional[str], scope: Scope) -> Optional[str]:
    """For a param-group dict written out with ``**`` spreads and every other key a string,
    ``key`` written after the last spread: the spreads that may still set ``switch`` (their text;
    "" when ``switch`` too is written after them). None otherwise: what the group holds is not known."""
    if isinstance(group, ast.Name):
        uses = dict_uses(scope.node).get(group.id)  # type: ignore[arg-type]
        if uses is not None and (uses.fills or uses.changed):
            return None  # filled or changed after it is written
        group, scope = ctx.follow(group, scope)
    if not isinstance(group, ast.Dict):
        return None
    keys = group.keys
    if not all(k is None or isinstance(k, ast.Constant) and isinstance(k.value, str) for k in keys):
        return None
    last = max(i for i, k in enumerate(keys) if k is None)
    after = {k.value for k in keys[last + 1:] if k is not None}  # type: ignore[union-attr]
    if key not in after:
        return None
    if switch in after:
        return ""
    spread = [(v, ctx.dict_entries(v, scope)) for k, v in zip(keys, group.values) if k is None]
    if any(known is not None and switch in known[0] for _, known in spread):
        return None  # a spread written out with the switch: the group's mode is the spread's
    # a spread of a dict written out without the switch cannot set it
    return ", **".join(ctx.text(v) for v, known in spread if known is None or known[1])


def _only_spread_hides(bound: Bound, switch: Optional[str]) -> bool:
    """Whether ``switch`` is out of sight only because of the call's own ``**kwargs`` spread (not
    a ``*args`` that may reach its position)."""
    index = bound.sig.index(switch) if switch else None
    return bound.args.spread is not None and not (bound.args.open_positional and index is not None)


def _forwarded(reached: Reach, outer: Args,
               dict_of: Callable[[ast.expr], Optional[Tuple[Dict[str, ast.expr], bool]]]) -> Args:
    """The arguments the construction inside a project function receives when it is called with
    ``outer``: its parameters replaced by what the caller passed (or their defaults), its
    ``*args``/``**kwargs`` by the caller's extra arguments, a parameter it spreads
    (``Adam(params, **opt_params)``) by the entries of the dict the caller passes for it
    (``dict_of``, read in the caller's scope); anything else read in its own module."""
    params, inner = reached.params, reached.call
    assert params is not None and inner is not None
    bound = bind(outer, signature_of(params))
    own = reached.module.resolver
    names = {a.arg for a in (*params.posonlyargs, *params.args, *params.kwonlyargs)}
    defaults = dict(zip([a.arg for a in (*params.posonlyargs, *params.args)][::-1], params.defaults[::-1]))
    defaults.update({a.arg: d for a, d in zip(params.kwonlyargs, params.kw_defaults) if d is not None})

    stored = dict(reached.stored)
    kwarg = params.kwarg.arg if params.kwarg is not None else None
    at = _construction_scope(own, inner)  # where the construction's own names are read
    # the function whose ``**kwargs`` the caller fills: the construction's, or around it; its changes
    # to them are read when the construction is in its own scope
    owner = _owner(at, params.kwarg) if params.kwarg is not None else None
    changes = _WrapperKwargs(own, owner, kwarg, inner, bound.extra_keywords, lambda e: value(e)) \
        if owner is not None and owner is at and kwarg is not None else None

    def value(expr: ast.expr) -> ast.expr:
        read_in = own.module
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.attr in stored:
            if stored[expr.attr] not in names:
                return _opaque(ast.unparse(expr))  # ``self.wd = wd`` of a local of ``__init__``
            expr = ast.Name(id=stored[expr.attr], ctx=ast.Load())  # a factory's self.<attr>: its __init__ parameter
        if isinstance(expr, ast.Name) and expr.id not in names and changes is not None:
            read = changes.read(expr)
            if read is not None:
                return read
        if isinstance(expr, ast.Name) and expr.id in names:
            given = bound.get(expr.id)
            if isinstance(given, ast.expr):
                return given  # the caller's expression, read in the caller's scope
            if given is HIDDEN or expr.id not in defaults:
                return _opaque(expr.id)
            expr = defaults[expr.id]  # read where the def is: the module, for these
        elif isinstance(expr, ast.Name) and at is not None and getattr(expr, "lineno", 0):
            if at.node is not None and expr.id in nonlocal_names(at.node):
                return _opaque(expr.id)  # rebound by a nested def: not followed
            read_in = at  # a local of the wrapper (``wd = 0.0``), not the module's name
        literal = own.literal(expr, read_in)
        return _opaque(ast.unparse(expr)) if is_unknown(literal) else _constant(literal)

    args = Args()
    for arg in inner.args:
        if isinstance(arg, ast.Starred):
            if params.vararg is not None and isinstance(arg.value, ast.Name) and arg.value.id == params.vararg.arg:
                args.positional.extend(bound.extra_positional)
                args.open_positional = outer.open_positional
            else:
                args.open_positional = True
            if args.open_positional:
                break
        else:
            args.positional.append(value(arg))
    for kw in inner.keywords:
        if kw.arg is not None:
            args.keywords[kw.arg] = value(kw.value)
        elif params.kwarg is not None and isinstance(kw.value, ast.Name) and kw.value.id == params.kwarg.arg \
                and (owner is not None or at is None):  # not another function's ``**kwargs`` of that name
            args.keywords.update(changes.forwarded(kw.value) if changes is not None else bound.extra_keywords)
            args.open_keywords = args.open_keywords or outer.open_keywords
            args.spread = args.spread or outer.spread  # the caller's ``**kw``: what it may still set
        else:
            spread = _spread_dict(kw.value, names, at, bound, dict_of)
            if spread is None:
                args.open_keywords = True
            else:
                args.keywords.update(spread[0])
                args.keyword_home.update({k: "dict" for k in spread[0]})
                args.open_keywords = args.open_keywords or spread[1]
    return args


def _spread_dict(spread: ast.expr, names: Set[str], at: Optional[Scope], bound: Bound,
                 dict_of: Callable[[ast.expr], Optional[Tuple[Dict[str, ast.expr], bool]]]
                 ) -> Optional[Tuple[Dict[str, ast.expr], bool]]:
    """The entries a construction's ``**spread`` receives when it spreads one of the wrapper's
    parameters, never rebound nor changed in the wrapper: the entries of the dict the caller
    passes for it; None when not known (a factory's ``self.<attr>`` holding it may be changed by
    any method of its class family: not followed)."""
    if not (isinstance(spread, ast.Name) and spread.id in names and at is not None and at.node is not None
            and len(at.bindings.get(spread.id, ())) == 1):
        return None
    uses = dict_uses(at.node).get(spread.id)
    if uses is not None and (uses.fills or uses.changed or uses.escapes()):
        return None  # ``opt_params["weight_decay"] = 0.0``, or handed on: not the caller's dict as it is
    given = bound.get(spread.id)
    return dict_of(given) if isinstance(given, ast.expr) else None


def _construction_scope(module: Resolver, inner: ast.Call) -> Optional[Scope]:
    """The innermost scope of ``module`` around the construction ``inner`` (a def, lambda,
    comprehension or class body, or the module); None for one made up (``Base.__init__(self, …)``
    read as a call of the base)."""
    scopes = module.__dict__.get("_call_scopes")
    if scopes is None:  # asked for every construction a wrapper of the module holds
        scopes = module.__dict__["_call_scopes"] = {id(call): scope for call, scope in module.calls}
    return scopes.get(id(inner))


def _owner(at: Optional[Scope], kwarg: ast.arg) -> Optional[Scope]:
    """The function whose ``**kwarg`` parameter a construction in ``at`` spreads: ``at`` itself, or
    the one around the defs, lambdas and comprehensions it is in, unless one of them binds that
    name itself (``def inner(**kw)``, ``lambda **kw: …``, a factory's other method)."""
    while at is not None and at.kind != "module":
        node = at.node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.args.kwarg is kwarg:
            return at
        if kwarg.arg in at.bindings:
            return None
        at = at.parent
    return None


class _WrapperKwargs:
    """What a construction inside a wrapper receives through the wrapper's own ``**kwargs``
    (``def build(params, **kw): kw.pop("weight_decay"); return Adam(params, **kw)``), and the
    values it reads from them (``wd = kw.pop("weight_decay", 0.0)``). The caller's value stays
    wherever it may still be there; a key is taken out, or set, only where every path does so
    (``context.key_defs``): not followed, it is as the caller passed it."""

    def __init__(self, own: Resolver, home: Scope, kwarg: str, inner: ast.Call, passed: Dict[str, ast.expr],
                 value: Callable[[ast.expr], ast.expr]) -> None:
        self.own, self.home, self.kwarg, self.passed, self.value = own, home, kwarg, passed, value
        self.keys = parameter_keys(home, kwarg)  # None: the dict is not followed
        self.reading: List[int] = []  # the reads being followed: ``a = kw.get("a", b)``, ``b = kw.get("b", a)``
        self.asking: set = set()  # the ``setdefault`` calls whose dict is being read
        self.answers: Dict[Tuple[str, Tuple[int, int]], object] = {}  # each asked once per call
        # the ``kw.pop(…)`` calls whose value the construction reads as an argument: what they
        # take out is followed there; a decay popped into anything else (a param group) may reach it
        self.direct = inner.__dict__.get("_direct_reads")
        if self.direct is None:  # the same for every call of the wrapper
            self.direct = inner.__dict__["_direct_reads"] = {
                (read[0].lineno, read[0].col_offset) for arg in (*inner.args, *(k.value for k in inner.keywords))
                for read in [self._read_of(arg)] if read is not None}

    def forwarded(self, spread: ast.Name) -> Dict[str, ast.expr]:
        """The keywords ``**kw`` passes at ``spread``: the caller's, less those taken out, with
        those set."""
        forwarded = dict(self.passed)
        if self.keys is None:
            return forwarded
        held = {key: self.entry(key, spread) for key in self.keys}
        if None in held.values():
            return forwarded  # changed in ways not followed: as the caller passed it
        for key, given in held.items():
            if given is ABSENT:
                forwarded.pop(key, None)
            else:
                forwarded[key] = given  # type: ignore[assignment]
        return forwarded

    def entry(self, key: str, use: ast.AST) -> object:
        """What ``key`` holds at ``use``: the caller's value where it may still be there (also
        through a value popped and used some other way, or one the fill reads from the dict);
        ``ABSENT`` where every path took it out, or it was not passed and some path leaves it so;
        what every path set it to (as passed when that value is not known, or when paths set it
        differently and one may turn it on). None when the dict is not followed."""
        return self._entry_at(key, (use.lineno, use.col_offset))  # type: ignore[attr-defined]

    def _entry_at(self, key: str, at: Tuple[int, int]) -> object:
        if (key, at) not in self.answers:
            if len(self.asking) + len(self.reading) > _READS_DEEP:
                return None  # generated code: not followed
            self.asking.add((key, at))
            try:
                self.answers[(key, at)] = self._held(key, at)
            finally:
                self.asking.discard((key, at))
        return self.answers[(key, at)]

    def _held(self, key: str, at: Tuple[int, int]) -> object:
        if self.keys is None:
            return None
        reaching = key_defs(self.home, self.kwarg, key, at)
        passed = self.passed.get(key)
        as_passed = passed if passed is not None else ABSENT
        values = []
        for found in reaching:
            held = found.value
            if found.keeps:  # ``setdefault``: what the dict held there, if it held anything
                if (key, found.where) in self.asking:
                    continue  # one in a loop, reached by itself: what the other paths bring
                before = self._entry_at(key, found.where)
                held = before if before is not ABSENT else held
                if held is passed or before is None:
                    return as_passed
            elif held is None or (found.taken and found.where not in self.direct) \
                    or held is not REMOVED and _reads_name(held, self.kwarg):  # ``kw["wd"] = float(kw["wd"])``
                if passed is not None:
                    return passed
                return ABSENT  # not passed, and some path leaves it so: as it was
            values.append(held)
        if not values or all(v is REMOVED for v in values):
            return ABSENT
        given = [v if v is REMOVED else self.value(v) for v in values]
        if len({ast.dump(v) for v in given}) == 1:
            return as_passed if _is_opaque(given[0]) else given[0]  # a value not known may be made from the caller's
        if all(v is REMOVED or isinstance(v, ast.Constant) and not v.value for v in given):
            return next((v for v in given if v is not REMOVED), ABSENT)  # off on every path, one way or another
        return as_passed  # set differently on every path, one of them maybe on: as the caller passed it

    def read(self, name: ast.Name) -> Optional[ast.expr]:
        """``name`` bound to a read of ``**kw`` (``kw.pop("weight_decay", 0.0)``, ``kw.get``,
        ``kw["weight_decay"]``): the caller's value, else the default; None for another name."""
        if id(name) in self.reading or len(self.reading) > _READS_DEEP:
            return None
        self.reading.append(id(name))
        try:
            read = self._read_of(name)
            if read is None:
                return None
            target, key, default = read
            held = self.entry(key, target)
            if held is None:
                return None
            if held is ABSENT:
                return self.value(default) if default is not None else _opaque(name.id)
            return held  # type: ignore[return-value]
        finally:
            self.reading.pop()

    def _read_of(self, expr: ast.expr) -> Optional[Tuple[ast.expr, str, Optional[ast.expr]]]:
        """The read of ``**kw`` (``_kwargs_read``) a name is bound to, once, in the wrapper's scope."""
        if not isinstance(expr, ast.Name) or not getattr(expr, "lineno", 0):
            return None  # not a name, or one made up for a value (``_opaque``)
        bindings = self.own.reaching_all(expr, self.home)
        read = bindings[0].value if len(bindings) == 1 and bindings[0].scope is self.home else None
        parts = _kwargs_read(read) if read is not None else None
        return parts if parts is not None and isinstance(parts[0], ast.Name) and parts[0].id == self.kwarg else None


_READS_DEEP = 32  # reads of **kw through one another's defaults and setdefaults: deeper is generated code


def _kwargs_read(read: ast.expr) -> Optional[Tuple[ast.expr, str, Optional[ast.expr]]]:
    """``d.pop("k", default)``, ``d.get("k", default)``, ``d["k"]``: (d, "k", the default, None for none)."""
    if isinstance(read, ast.Subscript) and isinstance(read.ctx, ast.Load):
        target, key, default = read.value, read.slice, None
    elif isinstance(read, ast.Call) and isinstance(read.func, ast.Attribute) and read.func.attr in ("pop", "get") \
            and 1 <= len(read.args) <= 2 and not read.keywords and not any(isinstance(a, ast.Starred) for a in read.args):
        target, key = read.func.value, read.args[0]
        default = read.args[1] if len(read.args) == 2 else _constant(None) if read.func.attr == "get" else None
    else:
        return None
    return (target, key.value, default) if isinstance(key, ast.Constant) and isinstance(key.value, str) else None


def _reads_name(expr: ast.expr, name: str) -> bool:
    """Whether ``expr`` reads ``name`` (``kw["weight_decay"] = float(kw["weight_decay"])``)."""
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(expr))


def _is_opaque(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Name) and expr.id.startswith("<")


def _unplaced(node: ast.expr) -> ast.expr:
    """A node that belongs to no line of the analyzed file (its text is ``ast.unparse``'s)."""
    node.lineno = node.end_lineno = 0  # type: ignore[attr-defined]
    node.col_offset = node.end_col_offset = 0  # type: ignore[attr-defined]
    return node


def _constant(value: object) -> ast.expr:
    return _unplaced(ast.Constant(value))


def _opaque(text: str) -> ast.expr:
    """An unknown value shown as ``text``: a name no scope binds."""
    return _unplaced(ast.Name(id=f"<{text}>", ctx=ast.Load()))


def _name_given(ctx: Context, expr: ast.expr, scope: Scope) -> Optional[str]:
    """For ``getattr(module, name)`` with a name that is not a literal (a parameter, a CLI
    argument, a table's entry for a key that is not one: the class it names may be any), the
    name's text; else None."""
    if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "getattr"
            and len(expr.args) >= 2):
        return None
    name = expr.args[1]
    if isinstance(ctx.literal(name, scope), str):
        return None
    value, value_scope = ctx.follow(name, scope)
    key = ctx.literal(value.slice, value_scope) if isinstance(value, ast.Subscript) else None
    if isinstance(key, str):  # NAMES["a"] of a dict written out in full
        entries = ctx.dict_entries(value.value, value_scope)  # type: ignore[union-attr]
        if entries is not None and not entries[1] and key in entries[0] \
                and isinstance(ctx.literal(entries[0][key], value_scope), str):
            return None
    return ctx.text(name)


def _within(inner: ast.AST, outer: ast.AST) -> bool:
    start = (inner.lineno, inner.col_offset)  # type: ignore[attr-defined]
    return (outer.lineno, outer.col_offset) <= start < (outer.end_lineno, outer.end_col_offset)  # type: ignore[attr-defined]


__all__: Tuple[str, ...] = ("OptimizerChecker", "Via")
