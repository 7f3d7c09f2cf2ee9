"""The catalog's row types: what a rule, an optimizer API, a penalty or a chain is.

A row is one entry of the catalog: a named tuple (``records.Record``), immutable, whose class
costs about a tenth of a millisecond to define where a frozen dataclass costs half of one (it
compiles four or five methods): every command defines them all at start-up, and the CLI's budget
for a pre-commit run of one file is a few tens of milliseconds. Rows compare by value, as tuples
do, and one that holds a dict (renames, a factory's choices) cannot be hashed: no code compares
or hashes rows."""

from __future__ import annotations

from functools import lru_cache
from types import MappingProxyType
from typing import Mapping, Optional, Tuple

from ..records import Record

COUPLED = "coupled"  # λθ is added to the gradient before an adaptive preconditioner
DECOUPLED = "decoupled"  # θ is shrunk directly, outside the moment estimates
NOT_ADAPTIVE = "coupled-not-adaptive"  # coupled, but without a preconditioner it is weight decay
NO_DECAY = "none"  # the optimizer has no weight-decay argument

# How far a fix may be applied without asking (ruff's model), from most to least automatic.
SAFE = "safe"  # numerics unchanged: applied by ``check --fix``
UNSAFE = "unsafe"  # changes training numerics: needs ``--unsafe-fixes`` (``fix`` applies it)
DISPLAY_ONLY = "display-only"  # a suggestion shown, never applied by a tool
APPLICABILITIES = (SAFE, UNSAFE, DISPLAY_ONLY)


class Rule(Record):
    """One diagnostic code, documented in ruff's sections."""

    code: str
    name: str
    summary: str
    what: str
    why: str
    fix_safety: str
    enabled_by_default: bool = True
    use_instead: str = ""  # for the docs, when no example has an automatic fix to show
    fix_applicability: str = UNSAFE  # of this rule's automatic fixes (SAFE / UNSAFE / DISPLAY_ONLY)


class Signature:
    """A Python signature parsed from its source text (``"params, lr=1e-3, *, fused=None"``). A
    plain class with slots: not a NamedTuple (its ``in`` and ``index`` are about parameter names),
    nor a frozen dataclass (start-up)."""

    __slots__ = ("positional", "keyword_only", "defaults", "var_positional", "var_keyword")

    def __init__(self, positional: Tuple[str, ...], keyword_only: Tuple[str, ...], defaults: Mapping[str, str],
                 var_positional: bool, var_keyword: bool) -> None:
        self.positional = positional
        self.keyword_only = keyword_only
        self.defaults = defaults  # parameter name → default, as source text
        self.var_positional = var_positional
        self.var_keyword = var_keyword

    @classmethod
    def parse(cls, text: str) -> "Signature":
        import ast  # here: a run that finds no candidate reads no signature

        source = f"def f({text}): pass"
        args = ast.parse(source).body[0].args  # type: ignore[attr-defined]

        def text_of(node: ast.expr) -> str:  # the default as written: "1e-6", not "1e-06"
            return ast.get_source_segment(source, node) or ast.unparse(node)

        positional = [a.arg for a in args.posonlyargs + args.args]
        defaults = {
            name: text_of(node)
            for name, node in zip(positional[len(positional) - len(args.defaults):], args.defaults)
        }
        for a, node in zip(args.kwonlyargs, args.kw_defaults):
            if node is not None:
                defaults[a.arg] = text_of(node)
        return cls(
            positional=tuple(positional),
            keyword_only=tuple(a.arg for a in args.kwonlyargs),
            defaults=defaults,
            var_positional=args.vararg is not None,
            var_keyword=args.kwarg is not None,
        )

    def index(self, name: str) -> Optional[int]:
        """Positional index of ``name``; None when it is keyword-only or absent."""
        return self.positional.index(name) if name in self.positional else None

    def __contains__(self, name: str) -> bool:
        return name in self.positional or name in self.keyword_only

    def default(self, name: str) -> object:
        """The parameter's default value (None when it has none)."""
        import ast

        return ast.literal_eval(self.defaults.get(name, "None"))


# A row that declares ``signature_text`` has ``signature``: its parsed Signature, computed once
# (a NamedTuple has neither a base class of ours nor an instance dict for ``cached_property``).
_signature = property(lambda row: _parsed(row.signature_text))
_parsed = lru_cache(maxsize=None)(Signature.parse)


class Example(Record):
    """An invalid example and what ``adamw-lint fix`` must turn it into (None: no fix)."""

    source: str
    fixed: Optional[str] = None
    code: Optional[str] = None  # the code it gets, where its row has several (test_catalog_examples checks it)


class OptimizerApi(Record):
    """An optimizer class (or class-like callable) and how it applies weight decay."""

    signature = _signature

    names: Tuple[str, ...]  # qualified names; the first is the one messages use
    signature_text: str
    decay: str  # COUPLED / DECOUPLED / NOT_ADAPTIVE / NO_DECAY when nothing selects otherwise
    source: str  # where in docs/semantics.md the facts come from
    code: Optional[str] = None  # rule reported when the configuration is coupled
    weight_decay: Optional[str] = "weight_decay"
    switch: Optional[str] = None  # constructor argument that selects decoupled decay
    group_switch: Optional[str] = None  # param-group key that overrides the switch
    since: Optional[str] = None  # first release with the switch
    fix: Optional[str] = None  # "rename" or "switch"
    rename: Mapping[str, str] = MappingProxyType({})  # qualified name → decoupled class
    # first release where the decoupled class subclasses this one: before it, the project's own
    # isinstance checks and annotations of this class no longer hold for a renamed object
    rename_subclass_since: Optional[str] = None
    droppable: Tuple[str, ...] = ()  # arguments a rename may drop whatever their value
    advice: str = ""  # what to write instead, for messages
    always: Optional[str] = None  # every call is reported, with this message after the name
    valid: Tuple[str, ...] = ()
    invalid: Tuple[Example, ...] = ()

    @property
    def switch_default(self) -> bool:
        """Whether decay is decoupled when the switch is not passed."""
        if self.switch is None:
            return self.decay == DECOUPLED
        return self.signature.defaults[self.switch] == "True"


class Choice(Record):
    """One optimizer name accepted by a factory's string argument."""

    code: str
    replacement: Optional[str] = None  # decoupled name, when one exists
    advice: str = ""


class OptimizerFactory(Record):
    """A function that builds an optimizer from a name string (timm, Hugging Face), or a method
    of an instance the module builds, named ``pkg.Class().method`` (ultralytics' ``train``)."""

    signature = _signature

    names: Tuple[str, ...]
    signature_text: str
    choice: str  # the argument that names the optimizer
    choices: Mapping[str, Choice]  # the coupled, adaptive names; every other name is fine
    source: str
    weight_decay: str = "weight_decay"
    prefixes: Tuple[str, ...] = ()  # wrappers written before the name ("lookahead_adam")
    # arguments that, given (not None or False), decide the optimizer out of sight: a custom
    # trainer class, the arguments of a resumed run
    opaque_when: Tuple[str, ...] = ()
    # an argument that, given, may set the decay where the call does not (a config file)
    defaults_from: Optional[str] = None
    # for a method of an instance: attributes of the instance it reads its configuration from,
    # which a module that changes them leaves out of sight (ultralytics' ``model.overrides``)
    instance_state: Tuple[str, ...] = ()
    valid: Tuple[str, ...] = ()
    invalid: Tuple[Example, ...] = ()


class OptimizerWrapper(Record):
    """A callable that receives an optimizer class and forwards arguments to it."""

    signature = _signature

    names: Tuple[str, ...]
    signature_text: str
    source: str
    optimizer: Optional[str] = None  # the argument holding the optimizer class
    wraps: Optional[str] = None  # or the class it always builds (pyro.optim.Adam: torch.optim.Adam)
    params: Optional[str] = None  # wrapper argument forwarded as the optimizer's ``params``
    positional_from: Optional[int] = None  # wrapper *args forwarded from this index on
    kwargs: Optional[str] = None  # a dict argument forwarded as keywords
    # the wrapper's own keywords that start with this are forwarded without it, and no others
    # (skorch's ``optimizer__weight_decay=λ`` is the optimizer's ``weight_decay=λ``)
    prefix: Optional[str] = None
    # a flag under which the wrapper swaps in its own implementation of the optimizer class, which
    # has no decoupled switch: a fix must rename the class (ZeRO's overlap_with_ddp, trap 17)
    switch_ignored_when: Optional[str] = None


class TrainingOptimizer(Record):
    """TensorFlow/Keras optimizers. Their own ``weight_decay=`` is decoupled and never reported;
    adaptive ones make any L2 penalty in the model or loss coupled (AWL201/AWL202), and a
    ``decay=`` keyword on a Keras one is learning-rate decay (AWL203)."""

    names: Tuple[str, ...]
    adaptive: bool
    keras: bool
    source: str
    codes: Tuple[str, ...] = ("AWL203",)
    valid: Tuple[str, ...] = ()
    invalid: Tuple[Example, ...] = ()


class L2Penalty(Record):
    """A coupled L2 penalty written into the model (a regularizer) or into the loss."""

    signature = _signature

    names: Tuple[str, ...]
    kind: str  # "regularizer" (AWL201) or "loss" (AWL202)
    signature_text: str
    coefficient: Optional[str]  # the parameter holding c
    gradient_factor: float  # the penalty's gradient is gradient_factor · c · w
    source: str
    legacy_coefficient: Optional[str] = None  # an older keyword for c (Keras 2's ``l2(l=0.01)``)
    of_weights: bool = False  # the first argument must be a weight, not an error term (l2_loss(y - t))
    collects: bool = False  # sums the regularizers the graph's layers created (TF1's collection)
    applies: Optional[str] = None  # the parameter holding a weight regularizer the call applies: L2 when it is
    valid: Tuple[str, ...] = ()
    invalid: Tuple[Example, ...] = ()

    @property
    def codes(self) -> Tuple[str, ...]:
        return ("AWL201",) if self.kind == "regularizer" else ("AWL202",)


class OptaxChain(Record):
    """Where ``add_decayed_weights`` sits in an ``optax.chain`` decides what it is."""

    names: Tuple[str, ...]
    decay: Tuple[str, ...]  # add_decayed_weights
    adaptive: Tuple[str, ...]  # preconditioners, alone or inside an alias
    scaled: Tuple[str, ...]  # transforms whose output is already multiplied by −lr
    fixable: Tuple[str, ...]  # the alias that decay + it becomes ``replacement`` (with the same args)
    replacement: str
    # the preconditioners ``replacement`` is made of (advised only for a chain of these; another,
    # RMSprop's ``scale_by_rms``, keeps its own and moves the decay)
    replaces: Tuple[str, ...]
    source: str
    masks: Tuple[str, ...] = ()  # apply their first argument where a mask says, in its place (``optax.masked``)
    injectors: Tuple[str, ...] = ()  # ``f(factory)(…)`` builds ``factory(…)`` (``optax.inject_hyperparams``)
    codes: Tuple[str, ...] = ("AWL301", "AWL302")
    valid: Tuple[str, ...] = ()
    invalid: Tuple[Example, ...] = ()


class SquaredNormPattern(Record):
    """Spellings of Σθ² over ``model.parameters()`` added to a loss (method names on the tensor)."""

    iterators: Tuple[str, ...]  # methods whose results are the parameters
    norms: Tuple[str, ...]  # functions whose square is Σθ² of their first argument
    sums: Tuple[str, ...]  # functions that sum a tensor
    squares: Tuple[str, ...]  # functions that square a tensor element-wise
    powers: Tuple[str, ...]  # functions that raise a tensor to a power (``torch.pow(θ, 2)``)
    source: str
    codes: Tuple[str, ...] = ("AWL105",)
    valid: Tuple[str, ...] = ()
    invalid: Tuple[Example, ...] = ()
