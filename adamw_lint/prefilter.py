"""The pre-filter: a scan of a file's bytes that tells whether it can hold a finding at all.

A file that cannot is never parsed; the scan of every file is most of what a run over a large
tree costs, and a run that finds no candidate imports nothing of the engine (``engine``
re-exports these functions).
"""

from __future__ import annotations

import functools
import re
from typing import Callable, Iterable, Iterator

from . import catalog

# The pre-filter: the optimizers' names; and in a module that mentions Keras or TensorFlow, the
# strings that name one in ``compile(optimizer="adam")`` and keras SGD (AWL203). Literal
# alternatives only: a character class, a look-around or (?i) makes the scan several times
# slower, and the scan of every file is most of what a run over a large tree costs.
_WORDS = catalog.trigger_words()
_INSTANCES = catalog.instance_triggers()  # a method of an instance: its package and classes
_PACKAGES = tuple(_INSTANCES)  # "ultralytics", which a file needs beside a class's name
_STRINGS = tuple(f"{q}{s}{q}" for s in catalog.KERAS_OPTIMIZER_STRINGS for q in "\"'")
_NOT_ADAPTIVE = tuple(sorted({n.rsplit(".", 1)[1] for row in catalog.TRAINING_OPTIMIZERS if not row.adaptive
                              for n in row.names}))
_FRAMEWORKS = tuple(sorted(r for r in catalog.TRAINING_ROOTS  # "keras" finds "tf_keras"
                           if not any(o != r and o in r for o in catalog.TRAINING_ROOTS)))
# A module that names no optimizer holds a Keras/TF finding only in two ways, each needing more
# text than the name (a model builder of another module is followed only from a module that
# names its optimizer or its penalties, or, when the project is followed, compiles with a string or
# hands its loss to an inherited helper: ``may_hold_or_train_elsewhere``): an optimizer named by a string
# (``compile(optimizer="adam")``, ``optimizers.get("adam")``) training a model or loss whose L2 is
# written here, as a weight regularizer keyword (each has "regularizer"), ``.losses``, an
# ``l2_loss`` term or the regularization-loss collection (AWL201/AWL202: the penalties are the
# followed words that are not calls); or Keras SGD given ``decay=`` (AWL203).
_PENALTIES = tuple(w.strip(".") for w in catalog.FOLLOWED_WORDS if not w.endswith("("))


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(map(re.escape, sorted(words, key=len, reverse=True)))  # Adamax before Adam


class _Scan:
    """The pre-filter's scans, built once for bytes (the files the CLI reads) and once for text
    (flake8 hands plugins lines). The optimizers' names are split for speed: those that start with
    a capital by one regular expression (its scanner skips ahead to such a character, which is
    rare), the few that start in lower case by ``in`` first."""

    def __init__(self, encode: Callable[[str], object], instances: bool = True) -> None:
        self.capitalized = re.compile(encode(_alternatives(w for w in _WORDS if w[0].isupper())))  # type: ignore[call-overload]
        lower = [w for w in _WORDS if not w[0].isupper()]
        self.lower = tuple(map(encode, lower))
        self.lower_word = re.compile(encode(_alternatives(lower)))  # type: ignore[call-overload]
        # a method of an instance: its package and class (a config file calls no method: none there)
        self.instances = tuple((encode(package), re.compile(encode(re.escape(package))),  # type: ignore[call-overload]
                                re.compile(encode(_alternatives(classes))))  # type: ignore[call-overload]
                               for package, classes in _INSTANCES.items()) if instances else ()
        self.frameworks = tuple(map(encode, _FRAMEWORKS))
        self.penalties = tuple(map(encode, _PENALTIES))
        # one expression per quote: it starts with one literal character, to which re's scanner
        # skips in a tight loop; one alternation of both quotes' strings tries every branch at
        # every quote (the Keras/TF modules of the 108 trees: 0.49 s against 0.07 s)
        names = _alternatives(catalog.KERAS_OPTIMIZER_STRINGS)
        self.strings = tuple(re.compile(encode(f"{q}(?:{names}){q}")) for q in "\"'")  # type: ignore[call-overload]
        self.decay = encode("decay")
        self.compile = encode(".compile(")
        # TF1 code names what it hands a loss to ``train_op`` (``self.get_train_op(loss)``); a
        # library's own modules full of regularizers mostly do not, and are not parsed for it
        self.train_op = encode("train_op")
        self.not_adaptive = re.compile(encode(_alternatives(_NOT_ADAPTIVE)))  # type: ignore[call-overload]
        # an optimizer class the module writes itself, whatever its name (``own_optimizers``)
        self.own = tuple(map(encode, ("def step(", "Optimizer", "decay", ".grad")))

    def _names_optimizer(self, source) -> bool:
        return _has_word(self.capitalized, source) or (
            any(w in source for w in self.lower) and _has_word(self.lower_word, source)) or any(
            package in source and _has_word(word, source) and _has_word(classes, source)
            for package, word, classes in self.instances)

    def _names_string(self, source) -> bool:
        return any(quoted.search(source) is not None for quoted in self.strings)

    def _keras_sgd_decay(self, source) -> bool:
        return self.decay in source and self.not_adaptive.search(source) is not None

    def _writes_optimizer(self, source) -> bool:
        return all(word in source for word in self.own)

    def __call__(self, source) -> bool:
        if self._names_optimizer(source) or self._writes_optimizer(source):
            return True
        return any(f in source for f in self.frameworks) and (
            (any(w in source for w in self.penalties) and self._names_string(source))
            or self._keras_sgd_decay(source))

    def or_elsewhere(self, source) -> bool:
        """``self(source)``, or a module that may train what another module builds
        (``may_hold_or_train_elsewhere``), in one scan: as two, each framework module that names
        no optimizer was searched for the strings twice (0.3 s of the 1.6 s the 108 trees' scans took)."""
        if self._names_optimizer(source) or self._writes_optimizer(source):
            return True
        if not any(f in source for f in self.frameworks):
            # a script that compiles a model another module builds need not import Keras itself
            return self.compile in source and self._names_string(source)
        return (
            self._names_string(source)  # with a penalty written here or not
            or self._keras_sgd_decay(source)
            or self.train_op in source and any(w in source for w in self.penalties))


_SCAN_BYTES = _Scan(str.encode)


@functools.lru_cache(maxsize=1)
def _scan_text() -> _Scan:
    return _Scan(str)  # flake8's: compiled only when it runs (a few ms of every CLI run otherwise)


_TRIGGER_TEXT = re.compile(_alternatives((*_WORDS, *_PACKAGES)))


def may_contain_findings(source: bytes) -> bool:
    """The pre-filter: False means the file cannot hold a finding, so it is never parsed."""
    return _SCAN_BYTES(source)


def may_contain_text(source: str) -> bool:
    """The pre-filter on text already decoded (flake8 hands plugins lines)."""
    return _scan_text()(source)


def _has_word(pattern, source) -> bool:
    """A match not followed by a lower-case letter, checked after the fast scan."""
    return next(_words(pattern, source), None) is not None


def _words(pattern, source) -> Iterator:
    """The matches of ``pattern`` not followed by a lower-case letter ("Lamb", not "Lambda")."""
    found = pattern.search(source)
    while found is not None:
        if not source[found.end():found.end() + 1].islower():
            yield found
        found = pattern.search(source, found.start() + 1)


@functools.lru_cache(maxsize=1)
def _scan_config() -> _Scan:
    return _Scan(str.encode, instances=False)  # compiled only when a config is read


def may_configure(source: bytes, project: bool) -> bool:
    """The pre-filter of a config file (YAML, JSON): ``may_contain_findings`` without the methods
    of instances, which only code calls (ultralytics' own model YAML files name both words in their
    licence header and comments); with the project's modules followed (``project``), a weight decay
    too, which may configure one of the project's own classes. A config that names a class only in
    lower case and no decay (``optim: {name: adam}``, the decay in the code) is not read: admitting
    every config that says "adam" took ludwig's reference configs from 0.38 s to 1.6 s."""
    return _scan_config()(source) or project and _REACH_WORD.encode() in source


def may_hold_or_train_elsewhere(source: bytes) -> bool:
    """``may_contain_findings``, or, when the project's modules are followed, a module that may
    hold a finding without naming an optimizer: it compiles with one named by a string
    (``compile(optimizer="adam")``) a model whose L2 is written in a builder of another module (a
    script that compiles need not import Keras: ``.compile(`` and the string are enough), or a
    Keras/TF module that builds a loss with L2 and hands it to a helper inherited from another module
    (``self.get_train_op(loss)``; only a module that says ``train_op`` is read for that)."""
    return _SCAN_BYTES.or_elsewhere(source)


def may_hold_or_train_elsewhere_text(source: str) -> bool:
    return _scan_text().or_elsewhere(source)


def optimizer_lines(source: bytes) -> Iterator[bytes]:
    """The lines of a module's bytes that name an optimizer class (the pre-filter's capitalized
    words, matched as it matches them)."""
    end = -1
    for found in _words(_SCAN_BYTES.capitalized, source):
        if found.start() > end:  # a line once, whatever else it names
            end = source.find(b"\n", found.end())
            end = len(source) if end < 0 else end
            yield source[source.rfind(b"\n", 0, found.start()) + 1:end]


_REACH_WORD = "weight_decay"

# ``getattr(torch.optim, name)``: the class a string names, built by a callable that its callers
# give the string (``summaries._built_by_name``); the module as code writes it, by its last part
GETATTR_OF_A_MODULE = r"\bgetattr\(\s*(?:\w+\s*\.\s*)*(?:" + _alternatives(
    {name.rsplit(".", 1)[-1] for name in catalog.OPTIMIZER_MODULES}) + r")\s*,"


@functools.lru_cache(maxsize=1)
def _getattr_of_a_module() -> "re.Pattern[bytes]":
    return re.compile(GETATTR_OF_A_MODULE.encode())


def builds_by_name(source: bytes) -> bool:
    """Whether a module may build an optimizer from a name its callers give it: a ``getattr`` of
    an optimizer module (a module of the project that names no optimizer is otherwise not read)."""
    return b"getattr(" in source and _getattr_of_a_module().search(source) is not None
