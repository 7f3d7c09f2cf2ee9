"""TensorFlow and Keras (AWL201-AWL203): an L2 penalty is charged to the optimizer that trains it.

Keras optimizers' own ``weight_decay=`` is decoupled and never reported (semantics §3). Coupled
L2 in Keras/TF lives elsewhere, so each adaptive optimizer construction is followed to what it
trains, by variable, in source order (a notebook's cells are one module in cell order):

* ``model.compile(optimizer=opt)``: the model is followed back to its layers (a ``Sequential``
  list, ``model.add(...)``, the functional graph from ``Input`` to ``Model(inputs, outputs)``,
  the layers a subclassed model or a builder function creates). L2 weight regularizers found
  there are AWL201; an ``add_loss`` of an L2 term is AWL202.
* ``opt.minimize(loss)`` and ``opt.apply_gradients(...)`` (with ``tape.gradient(loss, ...)``):
  the loss is followed back; ``tf.nn.l2_loss`` of weights, ``model.losses`` of a model that has
  L2 regularizers, and ``get_regularization_loss()`` in a graph that has them are AWL202.

A model or loss that cannot be followed (a parameter, an attribute) reports nothing, and one
optimizer gets at most one finding per code, naming every penalty's line.
"""

from __future__ import annotations

import ast
import re
from typing import (AbstractSet, Any, Callable, Dict, FrozenSet, Hashable, Iterable, Iterator, List, Optional,
                    Sequence, Set, Tuple, TypeVar, Union)

from .. import catalog
from ..branches import Chosen, chosen_calls, rules_out
from ..catalog import TrainingOptimizer
from ..context import ABSENT, HIDDEN, Alternative, dict_uses, given_argument
from ..files import text_words
from ..findings import Finding, place, shown_path
from ..project import legacy_keras
from ..records import Record
from ..scope import Binding, Resolver, Scope, calls_super, is_parameter, kept_on, names_class, own_nodes, returned_values
from ..summaries import ClassMembers, Module, Reach, container_fills, method_parameters, stored_parameters
from .base import Checker

_REGULARIZERS = {name: row for row in catalog.L2_PENALTIES if row.kind == "regularizer" for name in row.names}
_LOSS_TERMS = {name: row for row in catalog.L2_PENALTIES if row.kind == "loss" for name in row.names}
_ROOTS = catalog.TRAINING_ROOTS
_ROOT_WORDS = tuple(root.encode() for root in sorted(_ROOTS))
_KERAS_IMPORT = re.compile(rb"^[ \t]*(?:from|import)[ \t]+(?:%s)\b" % b"|".join(sorted(_ROOT_WORDS, key=len, reverse=True)),
                           re.MULTILINE)  # a line that imports Keras or TensorFlow
_GETTER = "getter"  # the route of keras.optimizers.get/deserialize
_NAMED = "named"  # the route of the getters that take an exact name (tf.estimator's get_optimizer_instance)
_PENALTY = "penalty"  # the route of the L2 penalties (nothing to check at the call itself)
_Answer = TypeVar("_Answer")
_OPENS_SCOPE = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef,
                ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_WALK_LIMIT = 20_000  # nodes per walk: a bound on pathological modules, far above real ones
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_NESTING = 16  # summaries computed inside one another (five frames each at most); deeper, a def is followed in place


# What a walk reacts to is written in words: a regularizer keyword, ``add_loss`` and ``x.losses``,
# and a library name (an L2 regularizer, an L2 loss term), which the imports and attributes that
# reach it spell part by part below its root. Code that cannot reach by name enough of its kind's
# words holds nothing the walk reacts to, and is not walked (``ProjectIndex.reach_may_hold``).
def _parts(names: Iterable[str]) -> Tuple[FrozenSet[bytes], ...]:
    """Each name's parts below its root; not those that hold another's (``tf.keras.regularizers.l2``
    holds ``keras.regularizers.l2``'s): they add nothing to ``any(parts <= held …)``."""
    found = {frozenset(part.encode() for part in name.split(".")[1:]) for name in names}
    return tuple(sorted((p for p in found if not any(q < p for q in found)), key=sorted))


_REGULARIZER_PARTS = _parts(_REGULARIZERS)
_LOSS_TERM_PARTS = _parts(_LOSS_TERMS)
_LAYER_WORDS = frozenset(keyword.encode() for keyword in catalog.REGULARIZER_KEYWORDS) | {b"add_loss"}


def _layers_may_react(held: AbstractSet[bytes]) -> bool:
    """Whether a layer walk (``_layer``) may react where these words are held."""
    return not _LAYER_WORDS.isdisjoint(held) or any(parts <= held for parts in _REGULARIZER_PARTS)


def _losses_may_react(held: AbstractSet[bytes]) -> bool:
    """Whether a loss walk (``_loss_term``) may react where these words are held."""
    return b"losses" in held or any(parts <= held for parts in _LOSS_TERM_PARTS)


_REACTIONS: Dict[str, Callable[[AbstractSet[bytes]], bool]] = {"layers": _layers_may_react, "losses": _losses_may_react}
# the words both kinds look for: one set, so that each module's text is read for them once
_REACTION_WORDS = _LAYER_WORDS.union({b"losses"}, *_REGULARIZER_PARTS, *_LOSS_TERM_PARTS)


class _Site(Record):
    """One coupled penalty: where it is, what it is, and (for regularizers) c and the gradient factor."""

    line: int
    what: str
    coefficient: Optional[float] = None
    factor: float = 0.0
    where: str = ""  # the project module it is written in, when not this one


# a training helper's summary: the parameter it minimizes, the parameters a call fills by
# position, the adaptive optimizer's qualified name, where it is built (``path:line``), and what
# the branch that builds it requires (``branches.chosen_calls``)
_Trained = Tuple[str, Tuple[str, ...], str, str, Tuple[Chosen, ...]]


class _Step(Record):
    """What a walk goes on to from one node (in the order it pushes them), the function or class
    of the project the node calls, if any, and the other project modules it enters."""

    following: List[Tuple[ast.AST, Scope]]
    callee: Optional[ast.AST]
    entered: Tuple[Module, ...]


# an L2 regularizer, and the coefficient that leaves it out when the walk's calls pass it zero
_Regularizer = Tuple[_Site, Optional[Tuple[ast.expr, Scope]]]


class _Layer(Record):
    """What a call met by a model's walk adds to its penalties, as far as the call alone tells."""

    regularizers: List[_Regularizer]
    added: List[ast.expr]  # what ``add_loss(...)`` is given


_BARE = _Layer([], [])  # most calls


class _Inert(Record):
    """Where the walks of one kind from a node can go, when nothing there is what they react to
    and it is fewer than ``_WALK_LIMIT`` nodes: the ids of the nodes its summary stepped through,
    the summaries it met on the way (a def's, another module's node's), and a bound on how many
    distinct nodes they are together."""

    ids: FrozenSet[int]
    parts: Tuple[_Inert, ...]
    size: int  # at least how many distinct nodes they are together: under ``_WALK_LIMIT``


class _TooFar(Exception):
    """Summarising would take more steps than the walk it may spare: given up, nothing cached
    but the other modules' summaries that were open (``keys``), settled as unknown."""

    def __init__(self, keys: List[Hashable]) -> None:
        super().__init__()
        self.keys = keys


class _Optimizer:
    """One Keras/TF optimizer of the module and what it trains, gathered as the module is read (a
    plain class with slots, not a dataclass: start-up)."""

    __slots__ = ("call", "name", "models", "losses", "chosen", "trained_in")

    def __init__(self, call: ast.expr, name: str, models: List[Tuple[ast.expr, Scope]],
                 losses: List[Tuple[ast.expr, Scope, Optional[List[Binding]]]], chosen: bool = False,
                 trained_in: Optional[Scope] = None) -> None:
        self.call = call  # the construction, the compile(optimizer="adam") call, or the name handed to a model_fn
        self.name = name
        self.models = models  # what compile() trains with it
        # what minimize()/apply_gradients() minimizes with it, and the variables ``var_list=``
        # restricts it to (None: all of them, or not known)
        self.losses = losses
        self.chosen = chosen  # one of several optimizers a variable may hold: the message says when
        # built and trained inside a callee of another module (a model_fn given its name): what it
        # trains is not followed, so it is tied to the penalties of the caller's function (``scope``)
        self.trained_in = trained_in


class KerasTfChecker(Checker):
    codes = frozenset({"AWL201", "AWL202", "AWL203"})
    # the penalties too: a module that only builds a loss with L2 and hands it to an inherited
    # helper (``self.get_train_op(loss)``) must still get this checker's ``finish``
    routes = {**{name: _PENALTY for name in (*_REGULARIZERS, *_LOSS_TERMS)},
              **{name: row for row in catalog.TRAINING_OPTIMIZERS for name in row.names},
              **{name: _GETTER for name in catalog.KERAS_OPTIMIZER_GETTERS},
              **{name: _NAMED for name in catalog.OPTIMIZER_NAME_TABLES}}
    methods = frozenset({"compile", "minimize", "apply_gradients", "add", "add_loss"})

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.optimizers: Dict[int, _Optimizer] = {}  # id of the construction call → it
        self.uses: List[Tuple[str, ast.Call, Scope]] = []  # (method, call, scope)
        self._graph: Optional[List[_Site]] = None
        self._mutations: Dict[int, List[Tuple[ast.Call, Scope]]] = {}  # binding id → x.add(...) calls on it
        self.others: List[Tuple[ast.expr, Scope]] = []  # models compiled with an optimizer not reported here
        self._calls: Dict[int, List[Tuple[ast.Call, Scope]]] = {}  # id of a module function → its calls in the walk being judged (``_walked``)
        self.members = ctx.members
        self._paths: Dict[int, str] = {}  # id of another project module's scope → its path as shown
        self._foreign: List[Resolver] = []  # those modules' resolvers
        self._sites: Optional[List[Tuple[_Site, Scope]]] = None  # every weight regularizer of the module
        # walks are deterministic once collecting is done: every optimizer's report asks about the
        # same models again (``_unclaimed``), and a project's builders make each walk long
        self._penalties: Dict[Tuple[int, int], List[_Site]] = {}  # (id of a model, id of its scope) → its penalties
        self._known: Dict[Tuple[int, int], bool] = {}  # the same → whether it is followed
        self._claimed: Optional[set] = None  # the penalties of every followed model
        self._steps: Dict[Tuple[int, int], _Step] = {}  # (id of a node, id of its scope) → its step
        self._layers: Dict[Tuple[int, int], _Layer] = {}  # the same for a call → its layer
        self._reacting: Dict[str, bool] = {}  # kind of walk → whether one may react here (``_may_react``)
        self._own_words: Optional[FrozenSet[bytes]] = None  # the words of this module's text
        # what a walk of each kind can meet from a node (``_reach``), for this module's nodes
        # (another module's are shared by the run), and the summaries being computed
        self._reaches: Dict[Tuple[str, int, int], Optional[_Inert]] = {}
        self._reaching: set = set()
        self._judging: set = set()  # (key, parameter) of the ``_zero_argument`` questions open
        self._zeros: Dict[Tuple[int, str], bool] = {}  # their answers, for the walk in force (``_calls``)
        self._budget = 0  # steps the summaries of one walk may still take
        self._too_far = False  # a summary was given up: this module's walks are long, taken as they are
        self._open: List[Hashable] = []  # the keys of the other modules' summaries being computed

    # collecting --------------------------------------------------------------------------
    def check(self, call: ast.Call, scope: Scope, name: str, row: object) -> Iterable[Finding]:
        if row is _PENALTY:
            return ()
        if row is _NAMED:
            given = _argument(call, 0, "opt")
            for chosen in self._adaptive_names(given, scope, name) if given is not None else ():
                self.optimizers.setdefault(id(call), _Optimizer(call, f"{name.rsplit('.', 1)[1]}({chosen!r})", [], []))
            return ()
        if row is _GETTER:
            chosen = self._named_optimizer(_argument(call, 0, "identifier" if name.endswith(".get") else "config"), scope)
            if chosen is not None:
                self.optimizers[id(call)] = _Optimizer(call, f"{name}({chosen!r})", [], [])
            return ()
        assert isinstance(row, TrainingOptimizer)
        if row.adaptive:
            self.optimizers[id(call)] = _Optimizer(call, name, [], [])
        decay = self.ctx.call_args(call, scope).keywords.get("decay")  # also from a spread dict
        if not row.keras or decay is None or self.ctx.nonzero(decay, scope) is False:
            return ()
        if ".experimental." not in name and self.ctx.path is not None and legacy_keras(self.ctx.path):
            return ()  # Keras <= 2.10's optimizers take decay= as learning-rate decay (not its experimental ones)
        if ".legacy." in name:
            what = "is learning-rate decay here (legacy optimizer: lr / (1 + decay·t))"
        elif ".experimental." in name:
            what = ("is ignored with a warning by Keras 2.9-2.10's experimental optimizers and Keras 3, and an "
                    "error in tf-keras >= 2.11")
        else:
            what = ("is ignored with a warning by Keras 3 and an error in tf-keras >= 2.11 "
                    "(it was learning-rate decay in legacy Keras)")
        message = (f"AWL203 {name}(decay={self.ctx.text(decay)}) {what}, never weight decay; use a "
                   "keras.optimizers.schedules.LearningRateSchedule for learning-rate decay, or "
                   "weight_decay= of a Keras >= 2.11 optimizer (not a legacy one) for (decoupled) weight decay")
        return (Finding("AWL203", message, self.ctx.span(call)),)

    def check_alternative(self, call: ast.Call, scope: Scope, choice: Alternative, row: object) -> Iterable[Finding]:
        """``getattr(tf.keras.optimizers, name)(…)``, a branch or a registry that may build an
        adaptive optimizer: followed to what it trains like a construction."""
        if isinstance(row, TrainingOptimizer) and row.adaptive and id(call) not in self.optimizers:
            self.optimizers[id(call)] = _Optimizer(call, f"{self.ctx.text(call.func)} (may be {choice.qualname})", [], [])
        return ()

    def check_reached(self, call: ast.Call, scope: Scope, reached: Reach, row: object) -> Iterable[Finding]:
        """A call of another module's function that builds an optimizer from the name one of its
        parameters is given (``deepctr_model_fn(..., dnn_optimizer)`` calling
        ``get_optimizer_instance(dnn_optimizer)``): reported at the argument, for each adaptive
        name it may hold (a default of the caller's own parameter counts)."""
        if row is not _NAMED or reached.params is None:
            return ()
        positional = [a.arg for a in (*reached.params.posonlyargs, *reached.params.args)]
        index = positional.index(reached.named) if reached.named in positional else len(call.args)
        given = _argument(call, index, reached.named)
        if given is None or any(isinstance(a, ast.Starred) for a in call.args[:index]):
            return ()
        callee = self.ctx.text(call.func)
        for chosen in self._adaptive_names(given, scope, reached.name):
            name = (f"{reached.name.rsplit('.', 1)[1]}({chosen!r}) (in {callee}, via "
                    f"{shown_path(reached.module.path)}:{reached.line})")
            self.optimizers.setdefault(id(given), _Optimizer(given, name, [], [], trained_in=scope))
        return ()

    def _adaptive_names(self, given: ast.expr, scope: Scope, getter: str) -> List[str]:
        """The names ``given`` may hold that ``getter``'s table maps to an adaptive optimizer."""
        table = catalog.OPTIMIZER_NAME_TABLES[getter]
        adaptive = catalog.TRAINING_OPTIMIZERS_BY_NAME
        return [n for n in self.ctx.strings(given, scope) if n in table and getattr(adaptive.get(table[n]), "adaptive", False)]

    def check_method(self, call: ast.Call, scope: Scope) -> Iterable[Finding]:
        assert isinstance(call.func, ast.Attribute)
        self.uses.append((call.func.attr, call, scope))
        return ()

    # correlating -------------------------------------------------------------------------
    def finish(self) -> Iterable[Finding]:
        for method, call, scope in self.uses:  # first every model's add()s: a compile may walk the model
            receiver = call.func.value  # type: ignore[attr-defined]
            if method in ("add", "add_loss") and isinstance(receiver, ast.Name):
                binding = self.ctx.reaching(receiver, scope)
                if binding is not None:
                    self._mutations.setdefault(id(binding), []).append((call, scope))
        for method, call, scope in self.uses:
            receiver = call.func.value  # type: ignore[attr-defined]
            if method == "compile":
                self._link_compile(call, scope)
            elif method in ("minimize", "apply_gradients"):
                loss = _argument(call, 0, "loss" if method == "minimize" else "grads_and_vars")
                variables = self._variables(call, scope) if method == "minimize" else None
                for optimizer in self._optimizers(receiver, scope) if loss is not None else ():
                    optimizer.losses.append((loss, scope, variables))
        self._inherited_training()
        self._inherited_compile()
        self._handed_over()
        findings: List[Finding] = []
        for optimizer in self.optimizers.values():
            findings.extend(self._report(optimizer))
        return findings

    def _handed_over(self) -> None:
        """An optimizer whose training is not seen here (no compile, minimize or apply_gradients of
        it) but that is handed to a call with other arguments (``tfgan.gan_train_ops(gan_model,
        gan_loss, generator_optimizer=Adam(...))``, ``Trainer(model, optimizer=opt)``): what that
        call trains it on is among those arguments, so they are followed as its models. A call
        given several (``critic_optimizer=``, ``actor_optimizer=``) pairs each with the arguments
        of its prefix (``critic_network=``); one without a pair there trains something else. A
        trainer built here with the optimizer and a model (an agent) holds what it trains: handed on
        in turn, it pairs nothing more."""
        unseen = {id(o.call): o for o in self.optimizers.values() if not (o.models or o.losses or o.trained_in)}
        if not unseen:
            return
        # each call given one: (call, scope, (keyword, argument, optimizer) handed, (keyword, argument) beside)
        handings: List[Tuple[ast.Call, Scope, List[Tuple[Optional[str], ast.expr, _Optimizer]],
                             List[Tuple[Optional[str], ast.expr]]]] = []
        for call, scope in self.ctx.resolver.calls:
            given = [(None, a) for a in call.args if not isinstance(a, ast.Starred)]
            given += [(kw.arg, kw.value) for kw in call.keywords if kw.arg is not None]
            if len(given) < 2 or id(call) in self.optimizers:
                continue
            handed: List[Tuple[Optional[str], ast.expr, _Optimizer]] = []
            for keyword, value in given:
                held = [unseen[id(value)]] if id(value) in unseen else \
                    [o for o in self._optimizers(value, scope) if id(o.call) in unseen] if isinstance(value, ast.Name) else []
                handed += [(keyword, value, optimizer) for optimizer in held]
            if handed:
                others = [(k, v) for k, v in given if not any(v is value for _, value, _ in handed)]
                handings.append((call, scope, handed, others))
        # an object built with the optimizer and a model is a trainer (an agent): what it trains
        # is there. Handed on (``Learner(root_dir, agent, dataset_fn)``), it is not an optimizer,
        # and the other arguments of that call are not its models
        trainers = {id(call) for call, scope, _, others in handings
                    if any(isinstance(v, (ast.Name, ast.Call, ast.Attribute)) and self._follows(v, scope, models_only=True)
                           for _, v in others)}
        for call, scope, handed, others in handings:
            handed = [(keyword, value, optimizer) for keyword, value, optimizer in handed
                      if (keyword or "").endswith("optimizer") or not self._holds_trainer(value, scope, trainers)]
            pairs = {id(value): [v for k, v in others if k and _prefix(keyword) and k.startswith(_prefix(keyword))]
                     for keyword, value, _ in handed}
            for keyword, value, optimizer in handed:
                models = pairs[id(value)] or ([] if any(pairs.values()) else [v for _, v in others])
                optimizer.models.extend((model, scope) for model in models)

    def _holds_trainer(self, value: ast.expr, scope: Scope, trainers: Set[int]) -> bool:
        """Whether ``value`` is a variable that holds one of the ``trainers`` whatever assignment reaches it."""
        bindings = self.ctx.resolver.reaching_all(value, scope) if isinstance(value, ast.Name) else []
        return bool(bindings) and all(id(b.value) in trainers for b in bindings)

    def _inherited_training(self) -> None:
        """A loss handed to a training helper of another module of the project that minimizes
        that parameter with an adaptive optimizer: ``self.get_train_op(self._loss)`` where
        ``get_train_op`` is inherited from a base class there, or ``learner.optimizer(name,
        self.loss, lr)`` of a module function there. The loss built here is what it trains
        (reported at the call, via the helper)."""
        project = self.ctx.project
        text = "".join(self.ctx.lines)
        if project is None or not any(w.strip(".") in text for w in catalog.FOLLOWED_WORDS if not w.endswith("(")):
            return  # a module without an L2 penalty hands no L2 loss to a helper
        inherited: Dict[Tuple[int, str], List[_Trained]] = {}  # (class id, method) → its adaptive branches
        for cls, scope in self.ctx.resolver.classes:
            for base in cls.bases:
                name = self.ctx.qualname(base, scope)
                found = project.definition(name, trains=True) if name else None
                if found is not None and isinstance(found[1], ast.ClassDef):
                    trained = project.shared(("trains", id(found[1])), _trains_parameters, *found)
                    for method, summary in trained.items():
                        inherited.setdefault((id(cls), method), summary)
        for call, scope in self.ctx.resolver.calls:
            member = self.members.self_attribute(call.func, scope) if inherited else None
            if member is not None:
                for cls in self.members.family(member[0]):
                    summaries = inherited.get((id(cls), member[1]))
                    if summaries is not None:
                        self._to_helper(call, scope, summaries)
                        break
                continue
            if not call.args and not call.keywords:
                continue
            name = self.ctx.qualname(call.func, scope)  # a function of another module whose text says ".minimize("
            if name is None or not project.mentions(name, (b".minimize(",)):
                continue
            found = project.definition(name, trains=True)
            if found is not None and isinstance(found[1], (ast.FunctionDef, ast.AsyncFunctionDef)):
                summaries = project.shared(("trains", id(found[1])), _trains_parameters, *found).get(found[1].name)
                if summaries is not None:
                    self._to_helper(call, scope, summaries)

    def _inherited_compile(self) -> None:
        """An optimizer a class of this module stores in ``self.<o>`` while a base class of
        another module of the project compiles ``self.<m>`` with ``optimizer=self.<o>``
        (mediapipe-model-maker's ``Classifier._train_model``): it trains what the class family
        here stores in ``self.<m>``."""
        project = self.ctx.project
        if project is None or all(o.models or o.losses or o.trained_in for o in self.optimizers.values()):
            return  # every optimizer built here is trained in view
        for cls, scope in self.ctx.resolver.classes:
            for base in cls.bases:
                name = self.ctx.qualname(base, scope)
                if name is None or not project.mentions(name, (b".compile(",)):
                    continue
                found = project.definition(name, built=True)
                if found is None or not isinstance(found[1], ast.ClassDef):
                    continue
                for method, model, optimizer in project.shared(("keras_tf compiles", id(found[1])), _compiled_members, found[1]):
                    if any(isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) and m.name == method and not calls_super(m)
                           for c in (cls, *self.members.bases(cls)) for m in c.body):
                        continue  # overridden here, without super(): the base's compile does not run
                    models = [(v, s) for v, s in self.members.values(cls, model) if isinstance(v, ast.expr)]
                    for value, value_scope in self.members.values(cls, optimizer):
                        for built in self._optimizers(value, value_scope) if isinstance(value, ast.expr) else ():
                            built.models.extend(models)

    def _to_helper(self, call: ast.Call, scope: Scope, summaries: List[_Trained]) -> None:
        """``call`` hands a loss to a helper whose adaptive branches ``summaries`` are: charged to
        the first that the call's arguments do not rule out (``optimizer('sgd', loss, lr)`` takes
        another branch)."""
        for parameter, positional, qualname, where, chosen in summaries:
            given = given_argument(call, positional, parameter)
            if given is None or self._rules_out(call, scope, positional, chosen):
                continue
            name = f"{qualname} (built at {where}, called as {self.ctx.text(call.func)})"
            self.optimizers[id(call)] = _Optimizer(call, name, [], [(given, scope, None)])
            return

    def _rules_out(self, call: ast.Call, scope: Scope, positional: Sequence[str], chosen: Tuple[Chosen, ...]) -> bool:
        """Whether ``call`` passes (or leaves at its default) a string that takes the helper away
        from a branch (unknown: not)."""
        def passed(selector: str, default: object) -> object:
            given = given_argument(call, positional, selector)
            return self.ctx.literal(given, scope) if given is not None else default

        return rules_out(chosen, passed)

    def _link_compile(self, call: ast.Call, scope: Scope) -> None:
        model, first = call.func.value, 0  # type: ignore[attr-defined]
        if call.args and not isinstance(call.args[0], ast.Starred) and self._names_class(model, scope):
            model, first = call.args[0], 1  # ``keras.Model.compile(self, optimizer)``: the model is the first argument
        chosen = _argument(call, first, "optimizer")
        if chosen is None:
            return
        optimizers = self._optimizers(chosen, scope)
        if not optimizers:
            # a name, or what a variable may hold: ``def train(model, optimizer="adam")`` (its default)
            names = self.ctx.strings(chosen, scope)
            adaptive = [n for n in names if n.lower() in catalog.KERAS_OPTIMIZER_STRINGS]
            # without a Keras import, ``x.compile("adam")`` is Keras's only in a project that
            # imports Keras somewhere (not deepctr-torch, whose models have a Keras-like
            # ``compile("adam")``) and when the model's walk meets L2 penalties
            if not (adaptive and (self._imports_keras() or self._project_imports_keras()
                                  and self._model_penalties(model, scope))):
                self.others.append((model, scope))  # SGD, or what cannot be followed: not ours
                return
            literal = self.ctx.literal(chosen, scope)
            name = f"compile(optimizer={literal!r})" if isinstance(literal, str) else \
                f"compile(optimizer={self.ctx.text(chosen)}) (may be {' or '.join(map(repr, adaptive))})"
            optimizers = [self.optimizers.setdefault(id(call), _Optimizer(call, name, [], []))]
        for optimizer in optimizers:
            optimizer.models.append((model, scope))

    def _names_class(self, expr: ast.expr, scope: Scope) -> bool:
        """Whether ``expr`` is a class (of this module, the project or Keras), not an instance."""
        binding = self.ctx.reaching(expr, scope) if isinstance(expr, ast.Name) else None
        if binding is not None and binding.node is not None:
            return isinstance(binding.node, ast.ClassDef)
        name = self.ctx.qualname(expr, scope)
        if name is None:
            return False
        found = self._project_callable(name)
        return isinstance(found[1], ast.ClassDef) if found is not None else names_class(name)

    def _optimizers(self, expr: ast.expr, scope: Scope) -> List[_Optimizer]:
        """The adaptive optimizer constructions ``expr`` may hold: followed through every
        assignment that can reach a variable (``if …: opt = Adam(…)`` / ``else: opt = SGD(…)``),
        both arms of ``A if c else B``, what a function or method of this module that builds
        it returns (``make_optimizer()``, ``self._create_optimizer()``), and wrappers that take
        the optimizer as their first argument, ``optimizer=`` or ``inner_optimizer=``
        (``LossScaleOptimizer(opt)``, ``hvd.DistributedOptimizer(opt)``, a moving average): a
        wrapped optimizer still decides how the gradient is scaled."""
        found: Dict[int, _Optimizer] = {}
        stack, seen = [(expr, scope)], set()
        chosen = False  # one of several values the variable may hold
        while stack and len(seen) < 200:
            expr, scope = stack.pop()
            if id(expr) in seen:
                continue
            seen.add(id(expr))
            if isinstance(expr, ast.Call):
                optimizer = self.optimizers.get(id(expr))
                if optimizer is not None:
                    found[id(expr)] = optimizer
                    if chosen:
                        optimizer.chosen = True
                elif self.ctx.qualname(expr.func, scope) not in self.routes:  # not SGD itself
                    builders = self.ctx.functions_called(expr, scope)
                    returned = [(value, self.ctx.resolver.scope_of(builder)) for builder in builders
                                for value in returned_values(builder)]
                    chosen = chosen or len(returned) > 1
                    stack += [(value, inner_scope) for value, inner_scope in returned if inner_scope is not None]
                    inner = _argument(expr, 0, "optimizer") or _argument(expr, 0, "inner_optimizer")  # Keras 3
                    if inner is not None and not builders:
                        stack.append((inner, scope))
            elif isinstance(expr, ast.IfExp):
                stack += [(expr.body, scope), (expr.orelse, scope)]
                chosen = True
            elif isinstance(expr, ast.Attribute):  # self.optimizer, stored by any method of the family
                member = self.members.self_attribute(expr, scope)
                stored = self.members.values(*member) if member is not None else []
                chosen = chosen or len(stored) > 1
                stack += [(v, s) for v, s in stored if isinstance(v, ast.expr)]
            elif isinstance(expr, ast.Name):
                bindings = self.ctx.resolver.reaching_all(expr, scope) or self._last(expr, scope)
                chosen = chosen or len(bindings) > 1
                stack += [(b.value, b.scope) for b in bindings if b.value is not None]
                # a parameter's default: what it holds unless passed (``optimizer=Adam(1e-3)``)
                stack += [(b.default, b.scope.parent or b.scope) for b in bindings if b.default is not None]
        return list(found.values())

    def _last(self, name: ast.Name, scope: Scope) -> List[Binding]:
        binding = self.ctx.reaching(name, scope)
        return [binding] if binding is not None else []

    def _named_optimizer(self, expr: Optional[ast.expr], scope: Scope) -> Optional[str]:
        """The adaptive optimizer a name (``"adam"``) or a config (``{"class_name": "Adam", ...}``) names."""
        if expr is None:
            return None
        entries = self.ctx.dict_entries(expr, scope)
        if entries is not None:
            expr = entries[0].get("class_name")  # type: ignore[assignment]
            if expr is None:
                return None
        literal = self.ctx.literal(expr, scope)
        if isinstance(literal, str) and literal.lower() in catalog.KERAS_OPTIMIZER_STRINGS:
            return literal
        return None

    def _imports_keras(self) -> bool:
        return any(b.qualname and b.qualname.split(".")[0] in _ROOTS
                   for bindings in self.ctx.resolver.module.bindings.values() for b in bindings)

    def _project_imports_keras(self) -> bool:
        """Whether a module of the project imports Keras or TensorFlow (a line that starts with
        the import), once per process; the answer depends on every module (noted for the cache)."""
        project = self.ctx.project
        return project is not None and project.shared(("imports keras",), _imports_keras_anywhere, project)

    def _report(self, optimizer: _Optimizer) -> List[Finding]:
        regularizers: List[_Site] = []
        loss_terms: List[_Site] = []
        unfollowed = ""
        for model, scope in optimizer.models:
            found = self._model_penalties(model, scope)
            for site in found:
                (loss_terms if site.what == "add_loss" else regularizers).append(site)
            if not found and not self._followed(model, scope):
                nearby = self._unclaimed_regularizers(scope)
                if nearby:
                    regularizers += nearby
                    unfollowed = (f" ({self.ctx.text(model)} cannot be followed; those regularizers are in the "
                                  f"same {_context(scope, self.members)[0]} and no other model uses them)")
        for loss, scope, variables in optimizer.losses:
            loss_terms.extend(self._loss_penalties(loss, scope, variables))
        if optimizer.trained_in is not None:
            found = self._context_penalties(optimizer.trained_in)
            for site in found:
                (regularizers if site.what == "regularizer" else loss_terms).append(site)
            if found:
                unfollowed = (" (the loss it minimizes there is not followed; those penalties are built in the same "
                              f"{_context(optimizer.trained_in, self.members)[0]} as the call, and no other model uses them)")
        findings = []
        span = self.ctx.span(optimizer.call)
        name = optimizer.name + (self._condition(optimizer.call) if optimizer.chosen else "")
        regularizers = _unique(regularizers)
        if regularizers:
            template = (f"AWL201 {name} trains L2 weight regularizers "
                        f"({'; '.join(_places(regularizers))}){unfollowed} as coupled L2 through its "
                        f"adaptive denominator; drop them and use keras.optimizers.AdamW({_translation(regularizers)}), "
                        "then re-tune")
            findings.append(Finding.naming("AWL201", template, span, [s.line for s in regularizers if not s.where]))
        covered = {s.line for s in regularizers}
        loss_terms = [s for s in _unique(loss_terms) if s.line not in covered]
        if loss_terms:
            where = "; ".join(f"{s.what} at {at}" for s, at in zip(loss_terms, _places(loss_terms)))
            template = (f"AWL202 {name} minimizes a loss with L2 terms ({where}){unfollowed}: coupled L2 through its "
                        "adaptive denominator; use keras.optimizers.AdamW(weight_decay=wd) (wd·l2_loss(w) has "
                        "gradient wd·w), or tf.contrib.opt.AdamWOptimizer(weight_decay=wd·learning_rate) in TF1, "
                        "then re-tune")
            findings.append(Finding.naming("AWL202", template, span, [s.line for s in loss_terms if not s.where]))
        return findings

    def _followed(self, model: ast.expr, scope: Scope) -> bool:
        """Whether anything is known of how ``model`` is built: a Keras/TF call, or a function
        or class of this module, among what it is computed from. A parameter, an attribute or a
        model built in another module is not followed."""
        key = (id(model), id(scope))
        if key not in self._known:
            self._known[key] = self._follows(model, scope)
        return self._known[key]

    def _follows(self, model: ast.expr, scope: Scope, models_only: bool = False) -> bool:
        """Whether ``model`` is built by a function or class of the module or the project, or by a
        Keras/TF call; ``models_only``: a Keras model or layer only (a model, not a loss, a
        schedule or a constant)."""
        for node, node_scope in self._walk(model, scope):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                return True
            if isinstance(node, ast.Call):
                name = self.ctx.qualname(node.func, node_scope) or ""
                if name.split(".", 1)[0] in _ROOTS and (
                        not models_only or ".layers." in name or name.endswith((".Model", ".Sequential"))):
                    return True
        return False

    def _unclaimed_regularizers(self, scope: Scope) -> List[_Site]:
        """Unknown is not unrelated: for a model that cannot be followed, the L2 regularizers
        written in the same function, the same class family or (a script, a notebook's cells) at
        module level, unless a model that is followed (compiled with another optimizer, or with
        this one elsewhere) is built from them."""
        here = _context(scope, self.members)
        sites = [site for site, site_scope in self._module_regularizers() if _context(site_scope, self.members) == here]
        return self._unclaimed(sites) if sites else []

    def _context_penalties(self, scope: Scope) -> List[_Site]:
        """For an optimizer trained where nothing is followed (inside another module's model_fn):
        the L2 penalties built in the outermost function ``scope`` is in — by the function itself
        and by the project's builders it calls (a regularization-collection term added in a
        feature helper of another module) — unless a followed model is built from them."""
        outermost = None
        while scope.parent is not None:
            if scope.kind == "function":
                outermost = scope
            scope = scope.parent
        if outermost is None or outermost.parent is None:
            return self._unclaimed_regularizers(scope)  # top-level code: its own regularizers
        return self._unclaimed(_unique(self._model_penalties(outermost.node, outermost.parent)))  # type: ignore[arg-type]

    def _unclaimed(self, sites: List[_Site]) -> List[_Site]:
        if self._claimed is None:
            self._claimed = set()
            for model, model_scope in (*self.others, *(m for o in self.optimizers.values() for m in o.models)):
                if self._followed(model, model_scope):
                    self._claimed.update(self._model_penalties(model, model_scope))
        return [site for site in sites if site not in self._claimed]

    def _module_regularizers(self) -> List[Tuple[_Site, Scope]]:
        if self._sites is None:
            self._sites = [(site, scope) for call, scope in self.ctx.resolver.calls for kw in call.keywords
                           if kw.arg in catalog.REGULARIZER_KEYWORDS
                           for site in [self._regularizer(kw.value, scope)] if site is not None]
        return self._sites

    def _condition(self, call: ast.Call) -> str:
        """`` (chosen when <test>)`` for a construction inside an ``if``/``elif``/``else`` branch."""
        where = (call.lineno, call.col_offset)
        tests: List[str] = []
        body = getattr(self.ctx.resolver.module.node, "body", [])
        while True:
            stmt = next((s for s in body if (s.lineno, s.col_offset) <= where < (s.end_lineno, s.end_col_offset)), None)
            if stmt is None:
                break
            if isinstance(stmt, ast.If):
                inside_body = stmt.body and (stmt.body[0].lineno, stmt.body[0].col_offset) <= where
                in_else = stmt.orelse and (stmt.orelse[0].lineno, stmt.orelse[0].col_offset) <= where
                test = self.ctx.text(stmt.test)
                if in_else:
                    tests.append(f"not ({test})")
                elif inside_body and not in_else:
                    tests.append(test)
            blocks = [getattr(stmt, f, []) for f in ("body", "orelse", "finalbody")]
            blocks += [h.body for h in getattr(stmt, "handlers", [])]
            body = [s for block in blocks for s in block if isinstance(s, ast.stmt)]
        return f" (chosen when {' and '.join(tests)})" if tests else ""

    # following a model back to its layers ------------------------------------------------
    def _model_penalties(self, expr: ast.expr, scope: Scope) -> List[_Site]:
        """L2 regularizers (and add_loss L2 terms) of the layers ``expr`` is built from."""
        key = (id(expr), id(scope))
        if key not in self._penalties:
            self._penalties[key] = self._built_penalties(expr, scope)
        return list(self._penalties[key])

    def _built_penalties(self, expr: ast.expr, scope: Scope) -> List[_Site]:
        if self._finds_nothing("layers", expr, scope):
            return []
        sites: List[_Site] = []
        for node, scope in self._walked(expr, scope):
            if not isinstance(node, ast.Call):
                continue
            layer = self._layer_here(node, scope)
            for site, coefficient in layer.regularizers:
                if coefficient is None or not self._zero_argument(*coefficient):
                    sites.append(site)
            for arg in layer.added:
                if self._scaled_to_zero(arg, scope):
                    continue  # add_loss(l2_reg * tf.nn.l2_loss(w)) with l2_reg left at 0
                sites.extend(_Site(s.line, "add_loss", where=s.where) for s in self._loss_penalties(arg, scope)
                             if s.what.startswith("l2_loss"))
        return sites

    def _layer_of(self, call: ast.Call, scope: Scope) -> _Layer:
        """``call``'s layer, computed once per call and module checked, and once per run for a
        call of another module."""
        return self._per_run("keras_tf layer", self._layer, call, scope)

    def _layer_here(self, call: ast.Call, scope: Scope) -> _Layer:
        """``_layer_of`` through this module's cache: the walks of a module meet the same calls."""
        key = (id(call), id(scope))
        layer = self._layers.get(key)
        if layer is None:
            layer = self._layers[key] = self._layer_of(call, scope)
        return layer

    def _per_run(self, kind: str, compute: Callable[[Any, Scope], _Answer], node: ast.AST, scope: Scope) -> _Answer:
        """``compute(node, scope)`` here for a node of this module; for a node of another module,
        once per run, shared by every file: what another module's names mean is that module's
        (``Resolver.qualname`` looks an unbound name up in the star imports of the module it is
        read in), so the files whose models a library builds share its steps, layers and summaries
        whatever they star-import themselves."""
        project = self.ctx.project
        if project is None or scope.module() is self.ctx.resolver.module:
            return compute(node, scope)
        return project.shared((kind, id(node), id(scope)), compute, node, scope)

    def _layer(self, call: ast.Call, scope: Scope) -> _Layer:
        """The regularizers ``call`` is given and what it adds as a loss."""
        found: List[_Regularizer] = []
        for kw in call.keywords:
            if kw.arg in catalog.REGULARIZER_KEYWORDS:
                regularizer = self._regularizer_of(kw.value, scope)
                if regularizer is not None:
                    found.append(regularizer)
        # a regularizer object handed to what the model is built by (a project builder, a
        # model class) is there for its weights; an activity regularizer penalizes outputs
        library = (self.ctx.qualname(call.func, scope) or "").split(".", 1)[0] in _ROOTS
        given = [] if library else list(call.args)
        given += [kw.value for kw in call.keywords if kw.arg not in catalog.REGULARIZER_KEYWORDS
                  and "activity" not in (kw.arg or "")]
        for value in given:
            if isinstance(self.ctx.follow(value, scope)[0], ast.Call):
                regularizer = self._regularizer_of(value, scope)
                if regularizer is not None:
                    found.append(regularizer)
        added = call.args if isinstance(call.func, ast.Attribute) and call.func.attr == "add_loss" else []
        return _Layer(found, added) if found or added else _BARE

    def _regularizer(self, expr: ast.expr, scope: Scope) -> Optional[_Site]:
        found = self._regularizer_of(expr, scope)
        if found is None:
            return None
        site, coefficient = found
        return None if coefficient is not None and self._zero_argument(*coefficient) else site

    def _regularizer_of(self, expr: ast.expr, scope: Scope) -> Optional[_Regularizer]:
        """The L2 regularizer ``expr`` is, as far as it alone tells: with its coefficient when
        that is a name the calls a walk meets may leave at zero (``_zero_argument``)."""
        ctx = self.ctx
        value, value_scope = ctx.follow(expr, scope)
        literal = ctx.literal(value, value_scope)
        if isinstance(literal, str) and literal.lower() in catalog.REGULARIZER_STRINGS:
            return _Site(expr.lineno, "regularizer", catalog.REGULARIZER_STRINGS[literal.lower()], 2.0,
                         self._where(scope)), None
        if not isinstance(value, ast.Call):
            # the L2 function itself as the regularizer (``kernel_regularizer=tf.nn.l2_loss``): c = 1
            term = _LOSS_TERMS.get(ctx.qualname(value, value_scope) or "") if isinstance(value, ast.Attribute) else None
            if term is not None and term.of_weights:
                return _Site(expr.lineno, "regularizer", 1.0, term.gradient_factor, self._where(scope)), None
            return None
        penalty = _REGULARIZERS.get(ctx.qualname(value.func, value_scope) or "")
        if penalty is None or penalty.coefficient is None:
            return None
        bound = ctx.bind(value, value_scope, penalty.signature)
        coefficient = bound.get(penalty.coefficient)
        if coefficient is ABSENT and penalty.legacy_coefficient:
            coefficient = bound.get(penalty.legacy_coefficient)
        if coefficient is HIDDEN:
            return None
        if coefficient is ABSENT:
            number = penalty.signature.default(penalty.coefficient)
            if not number:
                return None
            return _Site(expr.lineno, "regularizer", number, penalty.gradient_factor, self._where(scope)), None
        if ctx.nonzero(coefficient, value_scope) is False:
            return None
        number = ctx.number(coefficient, value_scope)  # type: ignore[arg-type]
        site = _Site(expr.lineno, "regularizer", number, penalty.gradient_factor, self._where(scope))  # type: ignore[arg-type]
        return site, (coefficient, value_scope)  # type: ignore[return-value]

    def _project_callable(self, qualname: str) -> Optional[Tuple[Module, ast.AST]]:
        """A function or class of another module of the project (a model builder), with its
        module (``_step_of`` keeps the module's path for the sites found in it). Not Keras's or
        TensorFlow's own API where the tree checked is their source: ``keras.Sequential`` means
        what the catalog says it does, and its implementation (Model, Trainer, the optimizers) is
        not a model's construction (following it took every walk of keras's tests past its bound)."""
        project = self.ctx.project
        if project is None or qualname.split(".", 1)[0] in _ROOTS:
            return None
        return project.definition(qualname, built=True)

    def _into_project(self, name: Optional[str], stack: List[Tuple[ast.AST, Scope]], entered: List[Module]) -> Optional[ast.AST]:
        """A step into the function, class or model object of another module of the project that
        ``name`` names: its node onto ``stack``, its module into ``entered``; the node, or None."""
        found = self._project_callable(name) if name is not None else None
        if found is None:
            return None
        entered.append(found[0])
        stack.append((found[1], found[0].resolver.module))
        return found[1]

    def _scope_of(self, node: ast.AST) -> Optional[Scope]:
        """The scope a def, lambda, class or comprehension opens, in this module or another."""
        if not isinstance(node, _OPENS_SCOPE):
            return None  # most nodes: not looked up in every module a walk has entered
        found = self.ctx.resolver.scope_of(node)
        for resolver in self._foreign if found is None else ():
            found = resolver.scope_of(node)
            if found is not None:
                break
        return found

    def _text(self, node: ast.AST, scope: Scope) -> str:
        """``node`` as written: from this module's lines, or unparsed for another module's node (the
        context holds this module's lines only: read at another module's positions, they are
        some other text)."""
        return self.ctx.text(node) if scope.module() is self.ctx.resolver.module else ast.unparse(node)

    def _where(self, scope: Scope) -> str:
        return self._paths.get(id(scope.module()), "")

    def _scaled_to_zero(self, expr: ast.expr, scope: Scope) -> bool:
        """``c * term`` (or ``term * c``) where ``c`` is zero, or a builder's parameter every call
        leaves at zero."""
        if not (isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult)):
            return False
        return any(self.ctx.nonzero(side, scope) is False or self._zero_argument(side, scope)
                   for side in (expr.left, expr.right))

    def _zero_argument(self, expr: ast.expr, scope: Scope) -> bool:
        """A parameter of a builder that every call the walks saw leaves at zero (passed, or its
        default): ``def build(l2=0.0): …l2(l2)…`` built as ``build()`` has no L2. Also a layer
        class's ``self.l2_reg`` that its ``__init__`` stores from a parameter, for the
        constructions the walks saw (``DNN(units, l2_reg=0)``)."""
        if isinstance(expr, ast.Name) and isinstance(scope.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            binding = self.ctx.reaching(expr, scope)
            if binding is None or not is_parameter(binding):
                return False  # rebound in the body (``if l2 is None: l2 = 1e-4``): not what the calls pass
            function, name, key, skip = scope.node, expr.id, id(scope.node), 0
            defaults_scope = scope.parent or scope
            if function.name == "__init__" and defaults_scope.kind == "class":  # what constructions pass
                key, skip = id(defaults_scope.node), 1
        else:
            member = self.members.self_attribute(expr, scope)
            init = next((m for m in member[0].body if isinstance(m, ast.FunctionDef) and m.name == "__init__"),
                        None) if member is not None else None
            init_scope = self._scope_of(init) if init is not None else None
            if member is None or init is None or init_scope is None:
                return False
            function, name, key, skip = init, dict(stored_parameters(init)).get(member[1]), id(member[0]), 1
            defaults_scope = init_scope.parent or init_scope
        calls = self._calls.get(key)
        if not calls or name is None or (key, name) in self._judging:
            return False  # unknown, or a recursive call that passes it on: not proof of zero
        if (key, name) not in self._zeros:  # once per walk: builders that call each other many times
            self._judging.add((key, name))
            try:
                self._zeros[(key, name)] = self._left_at_zero(calls, function, name, skip, defaults_scope)
            finally:
                self._judging.discard((key, name))
        return self._zeros[(key, name)]

    def _left_at_zero(self, calls: List[Tuple[ast.Call, Scope]], function: Union[ast.FunctionDef, ast.AsyncFunctionDef],
                      name: str, skip: int, defaults_scope: Scope) -> bool:
        """Whether every one of ``calls`` leaves ``function``'s parameter ``name`` at zero."""
        params = function.args
        positional = [a.arg for a in (*params.posonlyargs, *params.args)]
        if name not in positional and name not in {a.arg for a in params.kwonlyargs}:
            return False
        defaults = dict(zip(positional[::-1], params.defaults[::-1]))
        defaults.update({a.arg: d for a, d in zip(params.kwonlyargs, params.kw_defaults) if d is not None})
        positional = positional[skip:]
        kept = self._kept(defaults_scope.node, function, name) if skip else set()
        judged = False  # a call that gives a value of its own: copies alone tell nothing
        for call, call_scope in calls:
            passed = given_argument(call, positional, name)
            if any(isinstance(a, ast.Starred) for a in call.args) or any(kw.arg is None for kw in call.keywords):
                return False  # *args/**kwargs: it may be passed there
            member = self.members.self_attribute(passed, call_scope) if kept and passed is not None else None
            if member is not None and member[0] is defaults_scope.node and member[1] in kept:
                continue
            if isinstance(passed, ast.Name) and passed.id == name and call_scope.node is function:
                binding = self.ctx.reaching(passed, call_scope)
                if binding is not None and is_parameter(binding):
                    continue  # a recursive call that passes it on unchanged
            judged = True
            if passed is not None:
                if self.ctx.nonzero(passed, call_scope) is not False and not self._zero_default(passed, call_scope) \
                        and not self._zero_argument(passed, call_scope):  # passed on from a caller's parameter
                    return False
            elif name not in defaults or self.ctx.nonzero(defaults[name], defaults_scope) is not False:
                return False
        return judged

    def _kept(self, cls: ast.AST, init: ast.AST, name: str) -> Set[str]:
        """The attributes where ``init`` (``cls.__init__``) keeps its parameter ``name`` and that
        nothing else in the class family sets: a construction that passes one of them back (a
        ``copy()`` method) gives no value of its own."""
        if not isinstance(cls, ast.ClassDef) or not isinstance(init, ast.FunctionDef):
            return set()
        kept = set()
        for attr, parameter in stored_parameters(init):
            values = self.members.values(cls, attr) if parameter == name else []
            if len(values) == 1 and isinstance(values[0][0], ast.Name) and values[0][0].id == name \
                    and values[0][1].node is init:
                kept.add(attr)
        return kept

    def _zero_default(self, expr: ast.expr, scope: Scope) -> bool:
        """A parameter passed on unchanged whose own default is zero, in a function no call the
        walks saw passes it to (the entry point: ``def PNN(l2_reg_linear=0): … build(l2=l2_reg_linear)``)."""
        binding = self.ctx.reaching(expr, scope) if isinstance(expr, ast.Name) else None
        if binding is None or binding.default is None or not is_parameter(binding) or self._calls.get(id(binding.scope.node)):
            return False
        return self.ctx.nonzero(binding.default, binding.scope.parent or binding.scope) is False

    # following a loss back to its terms ----------------------------------------------------
    def _loss_penalties(self, expr: ast.expr, scope: Scope, variables: Optional[List[Binding]] = None) -> List[_Site]:
        """The L2 terms of the loss ``expr``; with ``variables`` (``minimize(loss, var_list=[b])``),
        not an ``l2_loss`` of a variable created apart from them: it has no gradient there."""
        if self._finds_nothing("losses", expr, scope):
            return []
        sites: List[_Site] = []
        for node, scope in self._walked(expr, scope, stop=self._loss_term):
            if self._model_losses(node, scope):
                penalties = self._model_penalties(node.value, scope)
                for model, model_scope in self._handed(node.value, scope):
                    penalties += self._model_penalties(model, model_scope)
                if any(s.what == "regularizer" or s.what == "add_loss" for s in penalties):
                    sites.append(_Site(node.lineno, self._text(node, scope), where=self._where(scope)))
                elif not penalties and not self._followed(node.value, scope) and self._unclaimed_regularizers(scope):
                    # a model not followed, and L2 regularizers beside it that no other model uses
                    sites.append(_Site(node.lineno, f"{self._text(node, scope)} (the model cannot be followed; L2 "
                                                    "regularizers are written in the same scope)", where=self._where(scope)))
                continue
            if not isinstance(node, ast.Call):
                continue
            term = _LOSS_TERMS.get(self.ctx.qualname(node.func, scope) or "")
            if term is None:
                continue
            if term.applies is not None:  # apply_regularization(l2_regularizer(c), weights): L2 when its regularizer is
                applied = self.ctx.bind(node, scope, term.signature).get(term.applies)
                if not isinstance(applied, ast.expr) or self._regularizer(applied, scope) is None:
                    continue
            if term.of_weights and node.args and isinstance(node.args[0], (ast.BinOp, ast.UnaryOp)):
                continue  # l2_loss(y - t) is a regression loss, not weight L2
            if variables is not None and term.of_weights and node.args and not self._among(node.args[0], scope, variables):
                continue
            short = term.names[0].rsplit(".", 1)[1]
            if term.collects:
                if self._graph_regularizers():
                    sites.append(_Site(node.lineno, f"{short}()", where=self._where(scope)))
            else:
                sites.append(_Site(node.lineno, short, where=self._where(scope)))
        return sites

    def _variables(self, call: ast.Call, scope: Scope) -> Optional[List[Binding]]:
        """The variables ``minimize(..., var_list=[w, b])`` trains, when each is a name bound once
        to ``tf.Variable(...)`` or ``tf.get_variable(...)`` (``_variable``), in a list written
        there or bound once and never grown; None for all of them or what is not followed
        (``model.trainable_variables``, a comprehension, a parameter, ``vs.append(w)``)."""
        given = next((kw.value for kw in call.keywords if kw.arg == "var_list"), None)
        if given is None:
            return None
        listed, list_scope = self.ctx.follow(given, scope)
        if not isinstance(listed, (ast.List, ast.Tuple)) or isinstance(given, ast.Name) and any(
                isinstance(c.func, ast.Attribute) and isinstance(c.func.value, ast.Name) and c.func.value.id == given.id
                for c, _ in self.ctx.resolver.calls):
            return None
        variables = [self._variable(element, list_scope) for element in listed.elts]
        return None if any(v is None for v in variables) else variables  # type: ignore[return-value]

    def _variable(self, expr: ast.expr, scope: Scope) -> Optional[Binding]:
        """The binding of a name bound once, where it is read, to a call that creates a variable."""
        bindings = self.ctx.resolver.reaching_all(expr, scope) if isinstance(expr, ast.Name) else []
        if len(bindings) != 1 or bindings[0].unpacked is not None or not isinstance(bindings[0].value, ast.Call):
            return None
        created = self.ctx.qualname(bindings[0].value.func, bindings[0].scope) or ""
        return bindings[0] if created.endswith((".Variable", ".get_variable")) and created.split(".", 1)[0] in _ROOTS else None

    def _among(self, weight: ast.expr, scope: Scope, variables: List[Binding]) -> bool:
        """Whether ``weight`` may be one of ``variables``: not when it is another variable created
        apart (a tensor computed from one, ``tf.cast(w, ...)``, may be any of them)."""
        binding = self._variable(weight, scope)
        return binding is None or any(v is binding or self._shared_name(v, binding) for v in variables)

    def _shared_name(self, one: Binding, other: Binding) -> bool:
        """``tf.get_variable`` returns the variable of that name where the scope reuses it: two
        such calls are one variable unless their literal names differ."""
        names = []
        for binding in (one, other):
            call: ast.Call = binding.value  # type: ignore[assignment]
            if not (self.ctx.qualname(call.func, binding.scope) or "").endswith(".get_variable"):
                return False
            given = _argument(call, 0, "name")
            names.append(self.ctx.literal(given, binding.scope) if given is not None else None)
        return not (all(isinstance(n, str) for n in names) and names[0] != names[1])

    def _handed(self, expr: ast.expr, scope: Scope) -> List[Tuple[ast.expr, Scope]]:
        """What the calls the current walk met pass for ``expr``, a parameter of a function of
        another module (``loss = losses.total(model, y)`` with ``model.losses`` in ``total``). Its
        steps are the run's and never name this module's calls (``_step``), but the walk entered it
        through them, and recorded them."""
        if not isinstance(expr, ast.Name) or scope.module() is self.ctx.resolver.module:
            return []
        binding = self.ctx.reaching(expr, scope)
        if binding is None or not is_parameter(binding) or binding.scope.parent is None \
                or binding.scope.parent.kind == "class":  # a method's calls pass one argument fewer
            return []
        function = binding.scope.node
        params = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]  # type: ignore[union-attr]
        handed = []
        for call, call_scope in self._calls.get(id(function), ()):
            given = given_argument(call, params, expr.id)
            if given is not None and not isinstance(given, ast.Starred):
                handed.append((given, call_scope))
        return handed

    def _loss_term(self, node: ast.AST, scope: Scope) -> bool:
        """Whether the walk stops at ``node``: a loss term or a model's ``x.losses`` is judged, not entered."""
        if isinstance(node, ast.Attribute):
            return self._model_losses(node, scope)
        return isinstance(node, ast.Call) and self.ctx.qualname(node.func, scope) in _LOSS_TERMS

    def _model_losses(self, node: ast.AST, scope: Scope) -> bool:
        """``x.losses``, a Keras model's or layer's regularization losses; not ``self.losses`` that
        the class family stores itself (a TF1 network keeping its loss terms there: ``self.losses
        += l2``, then ``tf.reduce_sum(self.losses)``), which the walk enters like any attribute."""
        if not (isinstance(node, ast.Attribute) and node.attr == "losses"):
            return False
        member = self.members.self_attribute(node, scope)
        return member is None or not self.members.lineage_values(*member)  # a sibling's store is not this self's

    def _graph_regularizers(self) -> List[_Site]:
        """TF1's regularization-loss collection: every L2 weight regularizer in the module, and
        every L2 term added to the collection by hand (``tf.add_to_collection(REGULARIZATION_LOSSES,
        c * tf.nn.l2_loss(w))``, ``tf.losses.add_loss(…, REGULARIZATION_LOSSES)``)."""
        if self._graph is None:
            self._graph = [
                site for call, scope in self.ctx.resolver.calls for kw in call.keywords
                if kw.arg in catalog.REGULARIZER_KEYWORDS
                for site in [self._regularizer(kw.value, scope)] if site is not None
            ]
            for call, scope in self.ctx.resolver.calls:
                name = self.ctx.qualname(call.func, scope) or ""
                if not name.endswith((".add_to_collection", ".losses.add_loss")) or name.split(".", 1)[0] not in _ROOTS:
                    continue
                values = [*call.args, *(kw.value for kw in call.keywords)]
                if not any("REGULARIZATION_LOSSES" in self.ctx.text(v) or self.ctx.literal(v, scope) == "regularization_losses"
                           for v in values):
                    continue
                for value in values:
                    self._graph += [s for s in self._loss_penalties(value, scope) if s.what.startswith("l2_loss")]
        return self._graph

    # the walk ----------------------------------------------------------------------------------
    def _walked(self, expr: ast.expr, scope: Scope, stop=None) -> Iterator[Tuple[ast.AST, Scope]]:
        """``_walk``'s nodes once the whole walk is over, with the calls it met in force: a
        builder's parameter is judged by every call of it the walk met (``_zero_argument``),
        not by those met before its body (``Sequential([build(0.0), build(1e-3)])`` judged
        ``build``'s L2 by the first call alone, and dropped it)."""
        calls: Dict[int, List[Tuple[ast.Call, Scope]]] = {}
        nodes = list(self._walk(expr, scope, stop, calls))
        outer, self._calls, outer_zeros, self._zeros = self._calls, calls, self._zeros, {}
        try:
            yield from nodes
        finally:
            self._calls, self._zeros = outer, outer_zeros

    def _walk(self, expr: ast.expr, scope: Scope, stop=None, calls: Optional[Dict[int, List[Tuple[ast.Call, Scope]]]] = None):
        """Every node ``expr`` is computed from: its subexpressions, the values of the variables it
        reads (the binding that reaches the read), the bodies of the module's own functions and
        classes it names, and the ``x.add(...)``/``x.add_loss(...)`` calls on a variable it reads.
        Nodes where ``stop`` says so are yielded but not entered. The calls of builders this walk
        meets are recorded in ``calls``, the walk's own (``_walked`` puts them in force for what
        reads them: nothing reads them while the walk runs)."""
        calls = {} if calls is None else calls
        steps = self._steps  # the loop runs for every node of every walk
        stack: List[Tuple[ast.AST, Scope]] = [(expr, scope)]
        seen = set()
        while stack and len(seen) < _WALK_LIMIT:
            node, scope = stack.pop()
            marker = id(node)
            if marker in seen:
                continue
            seen.add(marker)  # so a call is recorded once
            yield node, scope
            if stop is not None and stop(node, scope):
                continue
            key = (marker, id(scope))
            step = steps.get(key)
            if step is None:
                step = steps[key] = self._step_of(node, scope)
            following, callee, _ = step
            if callee is not None:
                calls.setdefault(id(callee), []).append((node, scope))
            stack.extend(following)
        if stack:
            self.ctx.limit_hit = (f"analysis stopped after {_WALK_LIMIT} nodes following a model or loss; "
                                  "findings in this file may be missing")

    def _finds_nothing(self, kind: str, expr: ast.expr, scope: Scope) -> bool:
        """Whether the walk of ``kind`` from ``expr`` (``"layers"``: ``_built_penalties``,
        ``"losses"``: ``_loss_penalties``) is known to find nothing without taking it: no node it
        reacts to is reachable, so its result is empty whatever order it visits them in and
        whatever calls it records, and fewer than ``_WALK_LIMIT`` are, so it is not stopped; or
        none can be, by the words the code it can reach holds (``_may_react``), however many.

        A summary given up (its steps ran out) settles the summaries of other modules' nodes it had
        open as unknown for the run (they were being explored when the steps ran out): the next
        file whose walk reaches them (another test of the same model) stops there at once instead
        of exploring them again. Unknown only ever means that the walk is taken, so no finding changes
        (tensor2tensor: a test's summary explored 19,500 nodes of the model again, 0.24 s)."""
        if not self._may_react(kind):
            return True
        if self._too_far:
            return False
        self._budget = _WALK_LIMIT
        try:
            return self._reach(kind, expr, scope) is not None
        except _TooFar as given_up:
            self._too_far = True
            for key in given_up.keys:
                self.ctx.project.shared(key, _unknown)  # type: ignore[union-attr]
            return False

    def _reach(self, kind: str, node: ast.AST, scope: Scope) -> Optional[_Inert]:
        """``_reached``, once per node of this module, and once per run for another module's
        node (its steps and layers are the run's: every file that asks notes what they looked for)."""
        project = self.ctx.project
        if project is not None and scope.module() is not self.ctx.resolver.module:
            key = ("keras_tf reach", kind, id(node), id(scope))
            self._open.append(key)
            try:
                return project.shared(key, self._reached, kind, node, scope)
            finally:
                self._open.pop()
        mine = (kind, id(node), id(scope))
        if mine not in self._reaches:
            self._reaches[mine] = self._reached(kind, node, scope)
        return self._reaches[mine]

    def _may_react(self, kind: str) -> bool:
        """Whether the code this module can reach by name may hold what a walk of ``kind`` reacts
        to (``_REACTIONS``): when not, no walk of ``kind`` from here finds anything, and none is
        taken. Without the project followed, a walk stays in this module."""
        if kind not in self._reacting:  # asked by every walk: once per module and kind (a no is noted then)
            if self._own_words is None:
                self._own_words = text_words("".join(self.ctx.lines))
            own, enough, project = self._own_words, _REACTIONS[kind], self.ctx.project
            if project is None or self.ctx.path is None:
                from ..project_index import alone_may_hold

                self._reacting[kind] = alone_may_hold(own, _REACTION_WORDS, enough)
            else:
                self._reacting[kind] = project.reach_may_hold(self.ctx.path, _REACTION_WORDS, enough, own=own)
        return self._reacting[kind]

    def _reached(self, kind: str, node: ast.AST, scope: Scope) -> Optional[_Inert]:
        """The nodes reachable from ``node`` by every step (without the walk's ``seen``, which
        only ever leaves some out), or None when one of them is what a walk of ``kind`` reacts
        to, or there are ``_WALK_LIMIT``. A def met on the way, and a node of another module,
        are summarised on their own: the builders many walks reach are followed once (one
        being summarised, met again in a recursion, is followed in place)."""
        started = (kind, id(node), id(scope))
        home = scope.module()
        self._reaching.add(started)
        try:
            if self._reacts(kind, node, scope):
                return None
            stack = list(self._step_for(node, scope).following)
            pairs, ids = {started[1:]}, {id(node)}
            parts: Dict[int, _Inert] = {}
            # how many distinct nodes so far: a bound (a node two parts share counts twice) until
            # it reaches the limit, then exactly (``union``), so that a large one stops there
            count, union, merged = 1, None, set()
            while stack:
                node, scope = stack.pop()
                pair = (id(node), id(scope))
                if pair in pairs:
                    continue
                pairs.add(pair)
                if (isinstance(node, _DEFS) or scope.module() is not home) and len(self._reaching) < _NESTING \
                        and (kind, *pair) not in self._reaching:
                    found = self._reach(kind, node, scope)
                    if found is None:
                        return None
                    if id(found) in parts:
                        continue
                    parts[id(found)] = found
                    if union is None:
                        count += found.size
                    else:
                        _merge(union, merged, found)
                else:
                    if self._reacts(kind, node, scope):
                        return None
                    ids.add(pair[0])
                    if union is None:
                        count += 1
                    else:
                        union.add(pair[0])
                    self._budget -= 1
                    if self._budget < 0:
                        raise _TooFar(list(self._open))
                    stack.extend(self._step_for(node, scope).following)
                if union is None and count >= _WALK_LIMIT:
                    union = set(ids)
                    for part in parts.values():
                        _merge(union, merged, part)
                if union is not None:
                    count = len(union)
                    if count >= _WALK_LIMIT:
                        return None
            return _Inert(frozenset(ids), tuple(parts.values()), count)
        finally:
            self._reaching.discard(started)

    def _reacts(self, kind: str, node: ast.AST, scope: Scope) -> bool:
        """Whether a walk of ``kind`` does anything at ``node`` (the loss walk stops there)."""
        if kind == "losses":
            return self._loss_term(node, scope)
        if not isinstance(node, ast.Call):
            return False
        if scope.module() is not self.ctx.resolver.module:
            return self._layer_of(node, scope) is not _BARE  # the run's: every ask notes what it looked for
        return self._layer_here(node, scope) is not _BARE

    def _step_for(self, node: ast.AST, scope: Scope) -> _Step:
        """``_step_of`` through this module's cache, as a walk takes it; another module's node's
        step from the run's, so that a shared summary notes what every step looked for."""
        if scope.module() is not self.ctx.resolver.module:
            return self._step_of(node, scope)
        key = (id(node), id(scope))
        step = self._steps.get(key)
        if step is None:
            step = self._steps[key] = self._step_of(node, scope)
        return step

    def _step_of(self, node: ast.AST, scope: Scope) -> _Step:
        """``node``'s step, computed once per node and module checked (every walk of a module
        meets the same builders, and their bodies are most of what walks go through), and once
        per run for a node of another module (every file that builds a model meets them too)."""
        step = self._per_run("keras_tf step", self._step, node, scope)
        for module in step.entered:  # where another module's sites are shown, and its scopes
            if id(module.resolver.module) not in self._paths:
                self._paths[id(module.resolver.module)] = shown_path(module.path)
                self._foreign.append(module.resolver)
        return step

    def _entry_read(self, node: ast.Subscript, scope: Scope) -> Optional[List[Tuple[ast.AST, Scope]]]:
        """The entries ``x[k]`` reads when every value ``x`` may hold (the binding that reaches a
        name, what a class family stores in ``self.<attr>``) is a dict, list or tuple written out
        with the constant key ``k``; None otherwise (the walk takes all of ``x``)."""
        if not isinstance(node.ctx, ast.Load) or not isinstance(node.slice, (ast.Constant, ast.UnaryOp)):
            return None
        holders: List[Tuple[ast.AST, Scope]] = []
        if isinstance(node.value, ast.Name):
            binding = self.ctx.reaching(node.value, scope)
            if binding is None or binding.value is None or self._mutations.get(id(binding)):
                return None
            uses = dict_uses(binding.scope.node).get(node.value.id)
            if uses is not None and (uses.changed or getattr(node.slice, "value", None) in uses.fills):
                return None  # ``terms.update(ce=ce + l2)``, ``terms["ce"] += l2``: not the entry as written
            holders.append((binding.value, binding.scope))
        else:
            member = self.members.self_attribute(node.value, scope)
            holders.extend(self.members.values(*member) if member is not None else ())
        picked = [(entry, holder_scope) for holder, holder_scope in holders for entry in [_entry(holder, node.slice)] if entry]
        return picked if holders and len(picked) == len(holders) else None

    def _step(self, node: ast.AST, scope: Scope) -> _Step:
        """The step of ``node`` in ``scope``. For a node of another module it does not depend on
        this module: this module's callers of a function (``Context.passed``), its ``x.add(...)`` calls
        (``_mutations``) and its class families (``self.members``) never name another module's
        nodes, that module's names are looked up in its own star imports, and its scopes
        (``_scope_of``) are known here once it is entered (``_step_of`` notes every module a step
        enters, also a step the run already had)."""
        ctx = self.ctx
        stack: List[Tuple[ast.AST, Scope]] = []
        entered: List[Module] = []
        if isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Load):
                return _Step(stack, None, ())
            binding = ctx.reaching(node, scope)
            if binding is None:  # unbound here: a builder or model a star import of the project brings?
                self._into_project(ctx.qualname(node, scope), stack, entered)
                return _Step(stack, None, tuple(entered))
            if binding.value is not None:
                stack.append((binding.value, binding.scope))
            elif binding.unpacked is not None:  # main, reg = self.losses(): built from the whole value
                stack.append((binding.unpacked, binding.scope))
            elif binding.qualname is not None:
                # imported: a class, builder or model object of the project (a layer registry's entry)
                self._into_project(binding.qualname, stack, entered)
            elif binding.node is not None:
                stack.append((binding.node, binding.scope))
            elif is_parameter(binding):  # what the function's callers in this module pass
                stack.extend((given, given_scope) for given, given_scope, _ in self.ctx.passed(binding.scope, node.id))
            stack.extend(self._mutations.get(id(binding), ()))
            stack.extend((value, binding.scope) for value in _filled_into(binding.scope.node, node.id))
            return _Step(stack, None, tuple(entered))
        inner = self._scope_of(node) or scope
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            member = self.members.self_attribute(node, scope)
            if member is not None:  # self.loss: what the class family stores there
                stack.extend(self.members.values(*member))
            elif isinstance(node.value, ast.Name):  # ``networks.generator`` handed over (``from pkg import networks``)
                self._into_project(ctx.qualname(node, scope), stack, entered)
        called = None
        callee_name = ctx.qualname(node.func, scope) if isinstance(node, ast.Call) else None  # asked once for both uses
        if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
            binding = ctx.reaching(node.func, scope) if isinstance(node.func, ast.Name) else None
            callee = binding.node if binding is not None else None
            # imported (``build``, ``nets.build`` of ``from pkg import nets``, ``build`` of ``from
            # pkg.nets import *``): a builder of the project?
            imported = binding.qualname if binding is not None else callee_name
            callee = self._into_project(imported, stack, entered) or callee
            if isinstance(callee, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                called = callee
        picked = self._entry_read(node, scope) if isinstance(node, ast.Subscript) else None
        if picked is not None:
            children: Sequence[ast.AST] = []
            stack.extend(picked)  # ``terms["ce"]`` of ``terms = {"ce": ce, "l2": l2}``: the entry read, not the others
        elif isinstance(node, ast.Call) and callee_name is not None:
            children = [*node.args, *(kw.value for kw in node.keywords)]  # a library callee
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            children = node.body
        elif isinstance(node, ast.ClassDef):
            stack.extend((base, scope) for base in node.bases)
            children = node.body
        else:
            children = _child_nodes(node)
        stack.extend((child, inner) for child in reversed(children))
        return _Step(stack, called, tuple(entered))


def _entry(container: ast.AST, key: ast.expr) -> Optional[ast.expr]:
    """The value a constant ``key`` reads from a dict, list or tuple written out (None when it is
    not one, or has a spread or a computed key)."""
    if isinstance(key, ast.UnaryOp) and isinstance(key.op, ast.USub) and isinstance(key.operand, ast.Constant) \
            and type(key.operand.value) is int:
        key = ast.Constant(-key.operand.value)  # ``terms[-1]``
    if not isinstance(key, ast.Constant):
        return None
    if isinstance(container, ast.Dict):
        if all(isinstance(k, ast.Constant) for k in container.keys):
            values = [v for k, v in zip(container.keys, container.values) if k.value == key.value]  # type: ignore[union-attr]
            return values[-1] if values else None
        return None
    if isinstance(container, (ast.List, ast.Tuple)) and isinstance(key.value, int) and not isinstance(key.value, bool) \
            and not any(isinstance(e, ast.Starred) for e in container.elts) and -len(container.elts) <= key.value < len(container.elts):
        return container.elts[key.value]
    return None


def _filled_into(home: Optional[ast.AST], name: str) -> List[ast.expr]:
    """What the statements of ``home``'s own body (not a nested def's) put into the list or dict
    ``name`` holds (``summaries.container_fills``): ``encoders[i] = build(…)``, ``parts.append(…)``."""
    def collect() -> Dict[str, List[ast.expr]]:
        found: Dict[str, List[ast.expr]] = {}
        for node in own_nodes(home, statements=True):  # type: ignore[arg-type]
            for container, value in container_fills(node):
                if isinstance(container, ast.Name):
                    found.setdefault(container.id, []).append(value)
        return found

    return kept_on(home, "_filled_into", None, collect).get(name, []) if home is not None else []


def _compiled_members(cls: ast.ClassDef) -> Tuple[Tuple[str, str, str], ...]:
    """``(method, m, o)`` for each ``self.<m>.compile(optimizer=self.<o>, …)`` in a method of ``cls``."""
    found = []
    for method in cls.body:
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) or not method.args.args:
            continue
        me = method.args.args[0].arg
        for node in ast.walk(method):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "compile"):
                continue
            model, optimizer = node.func.value, _argument(node, 0, "optimizer")
            if all(isinstance(e, ast.Attribute) and isinstance(e.value, ast.Name) and e.value.id == me
                   for e in (model, optimizer)):
                found.append((method.name, model.attr, optimizer.attr))  # type: ignore[union-attr]
    return tuple(dict.fromkeys(found))


def _unknown() -> None:
    """The summary of a node too far to summarise: its walk is taken."""
    return None


def _child_nodes(node: ast.AST) -> List[ast.AST]:
    """``list(ast.iter_child_nodes(node))``, the same nodes in the same order, without its two
    nested generators: the walks take it for most nodes they meet."""
    children: List[ast.AST] = []
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            children.append(value)
        elif isinstance(value, list):
            children.extend(item for item in value if isinstance(item, ast.AST))
    return children


def _trains_parameters(module, node: ast.AST) -> Dict[str, List[_Trained]]:
    """The helpers of another module that minimize one of their parameters with an adaptive
    optimizer they build: ``node`` itself (a function), or the methods of ``node`` (a class).
    Helper's name → each adaptive branch: (parameter, its index among those a call fills, the
    optimizer's qualified name, where it is built as ``path:line``, what the branch requires of
    the helper's string parameters: ``if learner == "adam":``, or not "sgd" after ``if learner ==
    "sgd": return …``)."""
    from ..context import Context

    ctx = Context(module.resolver, module.lines, "rename", False)
    adaptive = {name for row in catalog.TRAINING_OPTIMIZERS if row.adaptive for name in row.names}
    found: Dict[str, List[_Trained]] = {}
    functions = [node] if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else getattr(node, "body", [])
    for function in functions:
        scope = module.resolver.scope_of(function)
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or scope is None:
            continue
        params = [a.arg for a in (*function.args.posonlyargs, *function.args.args)] if function is node \
            else method_parameters(function)
        for call, chosen in chosen_calls(function, params).values():
            if not (isinstance(call.func, ast.Attribute) and call.func.attr == "minimize"
                    and call.args and isinstance(call.args[0], ast.Name) and call.args[0].id in params
                    and isinstance(call.func.value, ast.Call)):
                continue
            construction = call.func.value
            names = [ctx.qualname(construction.func, scope)] + [a.qualname for a in ctx.alternatives(construction.func, scope)]
            built = next((n for n in names if n in adaptive), None)
            if built is not None:
                where = f"{shown_path(module.path)}:{construction.lineno}"
                found.setdefault(function.name, []).append(
                    (call.args[0].id, tuple(params), built, where, chosen))
    return found


def _merge(into: set, merged: set, part: _Inert) -> None:
    """Adds the nodes of ``part`` and its parts (and theirs), but those already ``merged``, to
    ``into``, until it holds ``_WALK_LIMIT``."""
    stack = [part]
    while stack and len(into) < _WALK_LIMIT:
        part = stack.pop()
        if id(part) not in merged:
            merged.add(id(part))
            into |= part.ids
            stack.extend(part.parts)


def _context(scope: Scope, members: Optional[ClassMembers] = None) -> Tuple[str, int]:
    """Where code runs, for tying an optimizer to penalties it cannot follow: the outermost
    function it is in, or its class family for a method; the module for top-level code."""
    outermost = None
    while scope.parent is not None:
        if scope.kind == "function":
            outermost = scope
        if scope.kind == "class" and members is not None and isinstance(scope.node, ast.ClassDef):
            return "class", id(members.family(scope.node)[0])
        scope = scope.parent
    if outermost is not None:
        return "function", id(outermost.node)
    return "module", 0


def _prefix(keyword: Optional[str]) -> str:
    """``critic_`` of ``critic_optimizer`` (what the optimizer is for), else ""."""
    if keyword and keyword.endswith("optimizer") and len(keyword) > len("optimizer"):
        return keyword[:-len("optimizer")]
    return ""


def _imports_keras_anywhere(project: Any) -> bool:
    from ..config_choice import project_modules

    return any(_KERAS_IMPORT.search(raw) for _, raw in project_modules(project, _ROOT_WORDS))


def _argument(call: ast.Call, index: int, keyword: str) -> Optional[ast.expr]:
    found = next((kw.value for kw in call.keywords if kw.arg == keyword), None)
    if found is None and len(call.args) > index and not isinstance(call.args[index], ast.Starred):
        return call.args[index]
    return found


def _places(sites: Sequence[_Site]) -> List[str]:
    """Each site's place in a message: a related-line mark in this module, else ``path:line``."""
    marks, local = [], 0
    for site in sites:
        if site.where:
            marks.append(f"{site.where}:{site.line}")
        else:
            marks.append(place(local))
            local += 1
    return marks


def _unique(sites: List[_Site]) -> List[_Site]:
    # the module is part of the order: sites on the same line of two modules came out of the set
    # in an order that changed from one process to the next (str hashes are salted per process)
    return sorted(set(sites), key=lambda s: (s.line, s.what, s.where))


def _translation(sites: Sequence[_Site]) -> str:
    """AdamW's weight_decay for the regularizers: L2(c) has gradient factor·c·w."""
    values = {(s.coefficient, s.factor) for s in sites}
    if len(values) == 1:
        coefficient, factor = next(iter(values))
        try:
            if coefficient is not None:
                return f"weight_decay={factor * coefficient:g}"
        except OverflowError:  # l2(10**400): not a float
            pass
    return "weight_decay=2·c for L2(c)"


__all__ = ("KerasTfChecker",)
