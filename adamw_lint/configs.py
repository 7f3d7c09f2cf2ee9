"""Optimizers built from config files: Hydra, torchtune and LightningCLI YAML, DeepSpeed JSON,
AllenNLP JSON and Jsonnet.

YAML is *composed* with PyYAML's safe loader — a node graph with positions; no Python object is
ever constructed, so ``!!python/object`` tags are inert. JSON is parsed with the ``json`` module
(fast, and JSON's own grammar: tabs and long keys are fine); positions are then located, as the
same kind of nodes, only for the parts that can hold an optimizer mapping.

Each optimizer mapping is turned into the equivalent Python call and judged by the same engine as
``.py`` files, so the catalog stays the one source of truth; findings point at the line of
``_target_``/``class_path``. YAML merge keys (``<<``) are resolved as YAML 1.1 defines them.
Aliases can make a small file expand without bound (or into a cycle), so values are written out
within budgets: a value that exceeds its budget becomes an opaque name, like an interpolation, and
a file whose optimizers exceed the file's budget is reported as too large.

AllenNLP is read only in JSON/Jsonnet whose top-level object holds ``trainer.optimizer`` with a
``type`` string and one of ``dataset_reader``/``model``/``data_loader`` (the keys of
``allennlp train``), so an ``optimizer`` object elsewhere in unrelated JSON is never read as one.
Jsonnet is never evaluated: a file is read only when, after ``local`` bindings, it is one object
literal (comments, unquoted keys, trailing commas allowed; non-literal values are opaque); any
other Jsonnet (``import``, ``base + {…}``, text blocks, functions) is not analyzed, silently.

Fixes edit the text at the exact span of a scalar (the class name, or a ``false`` switch), never
re-serialize. A node shared through an anchor or merge key is edited only when every use of it
asks for the same edit, and a scalar whose spelling cannot be changed in place (block, multi-line,
escaped) is left for a hand edit; either way only that optimizer is left, never the whole file.
"""

from __future__ import annotations

import bisect
import functools
import json
import keyword
import re
from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple, Union

import yaml

from . import component_config, config_choice
from .analysis import analyze_source
from .catalog import OPTIMIZERS_BY_NAME
from .catalog.conventions import ALLENNLP_GROUPS_KEY, ALLENNLP_TOP_KEYS, ALLENNLP_TYPES
from .files import SourceError
from .findings import Edit, Finding
from .noqa import is_suppressed
from .records import Record
from .selection import Selection

if TYPE_CHECKING:
    from .project_index import ProjectIndex

# torchtune's ``_component_`` is Hydra's ``_target_`` (its ``config.instantiate`` calls the class
# with the other keys as keyword arguments).
_TARGET_KEYS = {"_target_": "hydra", "_component_": "hydra", "class_path": "lightning"}
# DeepSpeed's JSON "optimizer" (semantics §5.2): "type": "Adam" builds FusedAdam/CPUAdam with
# adam_w_mode=True unless params say otherwise, so only an explicit false is coupled.
_DEEPSPEED_KEY = "optimizer"
_DEEPSPEED_CLASS = "deepspeed.ops.adam.FusedAdam"
_DEEPSPEED_SWITCH = OPTIMIZERS_BY_NAME[_DEEPSPEED_CLASS].switch  # its "params" key is the class's own switch
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_MERGE_TAG = "tag:yaml.org,2002:merge"
# AllenNLP's type names for the classes a fix may rename to (its registered Adam takes no
# decoupled_weight_decay, so "adamw" is the only decoupled spelling, whatever --style says).
_ALLENNLP_NAMES = {qualname: name for name, qualname in ALLENNLP_TYPES.items()}
_ALLENNLP_CODES = ("AWL101", "AWL102", "AWL103")  # coupled decay; not transformers' removed import

_VALUE_BUDGET = 10_000  # characters of Python text for one value; beyond it the value is opaque
_VALUE_DEPTH = 32  # nesting of one value (the synthesized call must stay parseable)
_FILE_BUDGET = 1_000_000  # plus 4 per character of the file: what aliases may expand a file to
_OPAQUE = re.compile(r"\b_awl_value_\d+\b")
_HAND_EDIT = "needs a hand edit in the config file"

Arguments = List[Tuple[Optional[str], str, Optional[yaml.Node], bool]]  # keyword, text, node, exclusive


class _TooLarge(Exception):
    """The file's budget is spent (aliases or merge keys expand it too far)."""


class _Unreadable(Exception):
    """The engine could not read the call synthesized for one optimizer."""

    def __init__(self, node: yaml.Node, reason: str) -> None:
        super().__init__(reason)
        self.node = node


class _Opaque(Exception):
    """One value cannot be written out; it stands as a name for what it is."""


class _Site(Record):
    """One optimizer found in a config: the synthesized call and where its parts are."""

    mapping: yaml.MappingNode
    target: yaml.ScalarNode  # the node whose line a finding points at, when this site owns it
    target_exclusive: bool  # reached only through nodes no other mapping uses
    qualname: str
    renamable: bool  # a fix may rewrite the target (DeepSpeed's "type" is not a class path)
    arguments: Arguments
    opaque: Dict[str, str]  # synthesized names → what they stand for (interpolations, large values)
    allennlp: str = ""  # the AllenNLP type name, when the site is an AllenNLP trainer's optimizer


class _Document:
    """One composed document: references to each node, merge sources, and resolved mappings."""

    def __init__(self, root: yaml.Node, budget: List[int]) -> None:
        self.references: Dict[int, int] = {}
        self.mappings: List[yaml.MappingNode] = []
        self.merge_sources: Set[int] = set()
        self.budget = budget  # shared by the documents of one file
        self._entries: Dict[int, Dict[str, Tuple[yaml.Node, bool]]] = {}
        seen, stack = {id(root)}, [root]
        while stack:  # iterative: aliases can chain thousands of nodes deep
            node = stack.pop()
            if isinstance(node, yaml.MappingNode):
                self.mappings.append(node)
                children = [child for pair in node.value for child in pair]
                self.merge_sources.update(id(source) for source, _ in _merge_sources(node))
            elif isinstance(node, yaml.SequenceNode):
                children = node.value
            else:
                continue
            for child in children:
                self.references[id(child)] = self.references.get(id(child), 0) + 1
                if id(child) not in seen:
                    seen.add(id(child))
                    stack.append(child)

    def charge(self, cost: int) -> None:
        self.budget[0] -= cost
        if self.budget[0] < 0:
            raise _TooLarge

    def shared(self, node: yaml.Node) -> bool:
        return self.references.get(id(node), 0) > 1

    def entries(self, mapping: yaml.MappingNode) -> Dict[str, Tuple[yaml.Node, bool]]:
        """Scalar-keyed entries with merge keys resolved (explicit keys win, then later merge
        sources); each value comes with whether it is reached only through mappings no other
        mapping uses. Complex keys (``? [a]``) are skipped; merge cycles are cut."""
        stack, active = [(mapping, False)], set()
        while stack:  # post-order without recursion: merge chains can be thousands deep
            node, ready = stack.pop()
            if id(node) in self._entries or (not ready and id(node) in active):
                continue
            sources = [(source, not self.shared(source) and not (via is not None and self.shared(via)))
                       for source, via in _merge_sources(node)]
            if not ready:
                active.add(id(node))
                stack.append((node, True))
                stack.extend((source, False) for source, _ in sources)
                continue
            active.discard(id(node))
            resolved: Dict[str, Tuple[yaml.Node, bool]] = {}
            for source, exclusive in sources:  # a source still in ``active`` is a cycle: skipped
                for name, (value, via) in self._entries.get(id(source), {}).items():
                    resolved[name] = (value, via and exclusive)
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != _MERGE_TAG:
                    resolved[key.value] = (value, True)
            self.charge(len(resolved))
            self._entries[id(node)] = resolved
        return self._entries.get(id(mapping), {})


def _merge_sources(mapping: yaml.MappingNode) -> List[Tuple[yaml.MappingNode, Optional[yaml.Node]]]:
    """Merge sources in YAML 1.1's order of application (a later one overrides an earlier), each
    with the sequence that lists it, if any."""
    sources: List[Tuple[yaml.MappingNode, Optional[yaml.Node]]] = []
    for key, value in mapping.value:
        if isinstance(key, yaml.ScalarNode) and key.tag == _MERGE_TAG:
            if isinstance(value, yaml.SequenceNode):
                sources.extend((item, value) for item in reversed(value.value) if isinstance(item, yaml.MappingNode))
            elif isinstance(value, yaml.MappingNode):
                sources.append((value, None))
    return sources


# --- values as Python text ---------------------------------------------------------------------

def _printable(text: str) -> str:
    """Text from a config made safe for a terminal: non-printables spelled as ``repr`` spells them."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _value_text(node: yaml.Node, opaque: Dict[str, str], document: _Document) -> str:
    """A YAML value as Python source; interpolations, cycles, and values too large or too deep
    become opaque names (the engine treats them as unknown expressions)."""
    parts: List[str] = []
    try:
        _write(node, opaque, parts, 0, set(), [_VALUE_BUDGET])
    except _Opaque as error:
        parts = [_opaque_name(opaque, str(error))]
    text = "".join(parts)
    document.charge(len(text))
    return text


def _opaque_name(opaque: Dict[str, str], stands_for: str) -> str:
    name = f"_awl_value_{len(opaque)}"
    opaque[name] = stands_for
    return name


def _write(node: yaml.Node, opaque: Dict[str, str], out: List[str], depth: int, active: Set[int],
           budget: List[int]) -> None:
    if id(node) in active:
        raise _Opaque("<recursive value>")
    if depth > _VALUE_DEPTH:
        raise _Opaque("<value nested too deeply>")
    budget[0] -= len(node.value) + 2 if isinstance(node, yaml.ScalarNode) else 2
    if budget[0] < 0:
        raise _Opaque("<value too large>")
    if isinstance(node, yaml.ScalarNode):
        out.append(_scalar_text(node, opaque))
        return
    active.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        out.append("(")
        for item in node.value:
            _write(item, opaque, out, depth + 1, active, budget)
            out.append(", ")
        out.append(")")
    elif isinstance(node, yaml.MappingNode):
        out.append("{")
        for key, value in node.value:
            _write(key, opaque, out, depth + 1, active, budget)
            out.append(": ")
            _write(value, opaque, out, depth + 1, active, budget)
            out.append(", ")
        out.append("}")
    active.discard(id(node))


def _scalar_text(node: yaml.ScalarNode, opaque: Dict[str, str]) -> str:
    if node.tag in _NUMBER_TAGS:
        try:
            return repr(float(node.value)) if node.tag.endswith("float") else str(int(node.value, 0))
        except ValueError:  # YAML spellings Python lacks (0o17 as 017, 1:30), or > 4300 digits
            return repr(node.value)
    if node.tag == "tag:yaml.org,2002:bool":
        return "True" if node.value.lower() in ("true", "yes", "on", "y") else "False"
    if node.tag == "tag:yaml.org,2002:null":
        return "None"
    if node.tag == _EXPRESSION_TAG:  # a Jsonnet expression: a variable, std.extVar(…), arithmetic
        return _opaque_name(opaque, node.value)
    if node.style is None and _is_number(node.value):  # OmegaConf reads a plain 1e-4 as a float
        return repr(float(node.value))
    if "${" in node.value:
        return _opaque_name(opaque, node.value)
    return repr(node.value)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip().lower() not in ("nan", "inf", "-inf", "+inf", "infinity")


# --- optimizer mappings --------------------------------------------------------------------------

def _sites(document: _Document, allennlp: bool = False) -> List[_Site]:
    """``allennlp``: the document is JSON or Jsonnet, where AllenNLP's convention is read."""
    found: List[_Site] = []
    trainer = _allennlp_site(document) if allennlp else None
    if trainer is not None:
        found.append(trainer[1])
    for mapping in document.mappings:
        keys = {key.value for key, _ in mapping.value if isinstance(key, yaml.ScalarNode)}
        if not keys & {*_TARGET_KEYS, _DEEPSPEED_KEY, "<<"}:
            continue  # cheap: most mappings hold no optimizer and merge nothing
        entries = document.entries(mapping)
        # a mapping merged into others shares its values with them: none of its nodes is its own
        owned = id(mapping) not in document.merge_sources
        for key, style in _TARGET_KEYS.items():
            target, exclusive = entries.get(key, (None, False))
            if isinstance(target, yaml.ScalarNode) and "." in target.value:
                found.append(_class_site(document, mapping, target, exclusive and owned, style, entries, owned))
        deepspeed = None if trainer and trainer[0] is mapping else _deepspeed_site(document, mapping, entries, owned)
        if deepspeed is not None:
            found.append(deepspeed)
    return found


def _class_site(document: _Document, mapping: yaml.MappingNode, target: yaml.ScalarNode, exclusive: bool,
                style: str, entries: Dict[str, Tuple[yaml.Node, bool]], owned: bool) -> _Site:
    opaque: Dict[str, str] = {}
    arguments: Arguments = []
    if style == "hydra":
        positional, via = entries.get("_args_", (None, False))
        if isinstance(positional, yaml.SequenceNode):
            mine = via and owned and not document.shared(positional)
            arguments += [(None, _value_text(item, opaque, document), item, mine) for item in positional.value]
        keywords = {name: entry for name, entry in entries.items() if not name.startswith("_")}
    else:
        init, via = entries.get("init_args", (None, False))
        owned = owned and via and not document.shared(init)
        keywords = document.entries(init) if isinstance(init, yaml.MappingNode) else {}
    for name, (value, via) in keywords.items():
        if name.isidentifier() and not keyword.iskeyword(name):
            arguments.append((name, _value_text(value, opaque, document), value, via and owned))
    return _Site(mapping, target, exclusive, target.value, True, arguments, opaque)


def _deepspeed_site(document: _Document, mapping: yaml.MappingNode, entries: Dict[str, Tuple[yaml.Node, bool]],
                    owned: bool) -> Optional[_Site]:
    optimizer, via = entries.get(_DEEPSPEED_KEY, (None, False))
    if not isinstance(optimizer, yaml.MappingNode):
        return None
    owned = owned and via and not document.shared(optimizer)
    fields = document.entries(optimizer)
    kind, kind_via = fields.get("type", (None, False))
    if not isinstance(kind, yaml.ScalarNode) or kind.value.lower() != "adam":
        return None  # "AdamW" and everything else: DeepSpeed's own choice is already decoupled
    opaque: Dict[str, str] = {}
    arguments: Arguments = []
    params, via = fields.get("params", (None, False))
    if isinstance(params, yaml.MappingNode):
        owned_params = owned and via and not document.shared(params)
        for name, (value, via) in document.entries(params).items():
            if name in ("weight_decay", _DEEPSPEED_SWITCH):
                arguments.append((name, _value_text(value, opaque, document), value, via and owned_params))
    return _Site(mapping, kind, kind_via and owned, _DEEPSPEED_CLASS, False, arguments, opaque)


def _allennlp_site(document: _Document) -> Optional[Tuple[yaml.MappingNode, _Site]]:
    """The optimizer of an AllenNLP experiment config (the root holds ``trainer.optimizer`` with a
    registered ``type``, and one of the other top-level keys of ``allennlp train``), with the
    trainer mapping; the call it builds is ``torch.optim.<class>(<groups>, **options)``."""
    root = document.mappings[0] if document.mappings else None
    entries = document.entries(root) if root is not None else {}
    trainer = entries.get("trainer", (None, False))[0]
    if not isinstance(trainer, yaml.MappingNode) or not any(key in entries for key in ALLENNLP_TOP_KEYS):
        return None
    optimizer, via = document.entries(trainer).get("optimizer", (None, False))
    if not isinstance(optimizer, yaml.MappingNode):
        return None
    fields = document.entries(optimizer)
    kind, kind_via = fields.get("type", (None, False))
    if not isinstance(kind, yaml.ScalarNode) or kind.tag != "tag:yaml.org,2002:str" or kind.value not in ALLENNLP_TYPES:
        return None
    owned = via and not document.shared(optimizer) and not document.shared(trainer)
    opaque: Dict[str, str] = {}
    arguments: Arguments = []
    groups = fields.get(ALLENNLP_GROUPS_KEY, (None, False))[0]
    if groups is not None:
        arguments.append((None, _groups_text(groups, opaque, document), None, False))
    for name, (value, value_via) in fields.items():
        if name not in ("type", ALLENNLP_GROUPS_KEY) and name.isidentifier() and not keyword.iskeyword(name):
            arguments.append((name, _value_text(value, opaque, document), value, value_via and owned))
    site = _Site(optimizer, kind, kind_via and owned, ALLENNLP_TYPES[kind.value], True, arguments, opaque, kind.value)
    return trainer, site


def _groups_text(groups: yaml.Node, opaque: Dict[str, str], document: _Document) -> str:
    """AllenNLP's ``parameter_groups`` ([[regexes, options], …]) as the torch param groups that
    ``make_parameter_groups`` builds: each group's options, then a last group for the parameters
    no regex matches. A group with ``"requires_grad": false`` is dropped, as AllenNLP drops it;
    anything else than that shape stands as an opaque value."""
    if not isinstance(groups, yaml.SequenceNode):
        return _value_text(groups, opaque, document)
    parts = []
    for group in groups.value:
        pair = group.value if isinstance(group, yaml.SequenceNode) else ()
        if len(pair) != 2 or not isinstance(pair[1], yaml.MappingNode):
            return _opaque_name(opaque, "<parameter_groups>")
        options = document.entries(pair[1])
        frozen = options.get("requires_grad", (None, False))[0]
        if isinstance(frozen, yaml.ScalarNode) and _scalar_text(frozen, opaque) == "False":
            continue
        items = [f"'params': {_opaque_name(opaque, '<parameters matching the group>')}"]
        items += [f"{name!r}: {_value_text(value, opaque, document)}" for name, (value, _) in options.items()]
        parts.append("{" + ", ".join(items) + "}")
    parts.append(f"{{'params': {_opaque_name(opaque, '<the other parameters>')}}}")
    return "[" + ", ".join(parts) + "]"


def _judge(site: _Site, style: str, document: _Document, project: Optional["ProjectIndex"] = None,
           target_torch: Optional[Tuple[int, int]] = None) -> Tuple[Optional[Finding], Dict[Tuple[int, int], yaml.Node]]:
    """Run the engine on the synthesized call; map the synthesized spans back to YAML nodes."""
    top = site.qualname.split(".", 1)[0]
    prefix = f"import {top}\n__optimizer = {site.qualname}("
    style = "rename" if site.allennlp else style
    spans: Dict[Tuple[int, int], yaml.Node] = {(2, len("__optimizer = ")): site.target}
    parts, column = [], len(prefix) - len(f"import {top}\n")
    for name, text, node, _ in site.arguments:
        piece = f"{name}={text}" if name else text
        start = column + (len(name) + 1 if name else 0)
        if node is not None:
            spans[(2, start)] = node
        parts.append(piece)
        column += len(piece) + 2
    if not site.qualname.isascii() or not all(p.isidentifier() for p in site.qualname.split(".")):
        return None, spans
    source = prefix + ", ".join(parts) + ")\n"
    document.charge(len(source))
    try:
        findings = analyze_source(source, style, project=project, target_torch=target_torch)
    except SyntaxError:  # a key Python cannot spell as a keyword argument
        return None, spans
    except (RecursionError, ValueError, MemoryError) as error:  # bounded values make these unlikely
        raise _Unreadable(site.target, type(error).__name__) from None
    if site.allennlp:
        findings = [f for f in findings if f.code in _ALLENNLP_CODES]
    return (findings[0] if findings else None), spans


# --- fixes as text edits ---------------------------------------------------------------------------

_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*")  # a replacement every YAML and JSON context reads as is
_BREAK = "\r\n\x85\u2028\u2029"
_PROPERTIES = re.compile(rf"(?:[&!][^ \t{_BREAK}]*(?:[ \t{_BREAK}]|#[^{_BREAK}]*)+)*")  # anchor, tag, comments


def _proposals(site: _Site, finding: Finding, spans) -> Union[List[Tuple[yaml.ScalarNode, str]], str]:
    """What each node of the site should become, or why the fix needs a hand edit."""
    if finding.fix is None:
        return finding.fix_blocked
    mine = {id(node) for _, _, node, exclusive in site.arguments if exclusive}
    if site.target_exclusive and site.renamable:
        mine.add(id(site.target))
    proposals = []
    for edit in finding.fix.edits:
        if site.allennlp and edit.kind == "add-keyword":  # "adamw" defaults weight_decay to 0.01
            return (f'{_HAND_EDIT}: "adamw" defaults weight_decay to 0.01, so add "weight_decay": {edit.text} '
                    f'beside "type" first (the parameters that rely on the default keep no decay)')
        node = spans.get(edit.span[:2]) if edit.kind == "replace" else None
        if not isinstance(node, yaml.ScalarNode):
            return _HAND_EDIT
        if id(node) not in mine:
            return f"{_HAND_EDIT}: the value is shared through a YAML anchor or merge key"
        new = edit.text if node is site.target else _yaml_value(edit.text)
        if node is site.target and "." not in new:  # spelled for Python imports; configs want the full path
            new = _full_name(edit, finding)
        if node is site.target and site.allennlp:
            if new not in _ALLENNLP_NAMES:
                return f"{_HAND_EDIT}: AllenNLP registers no name for {new}"
            new = _ALLENNLP_NAMES[new]
        proposals.append((node, new))
    return proposals


def _yaml_value(python_text: str) -> str:
    return {"True": "true", "False": "false"}.get(python_text, python_text)


def _full_name(edit: Edit, finding: Finding) -> str:
    for module, name in finding.fix.add_imports if finding.fix else ():
        if name == edit.text:
            return f"{module}.{name}"
    return edit.text


def _text_edit(text: str, node: yaml.ScalarNode, new: str) -> Optional[Tuple[int, int, str]]:
    """(start, end, replacement) for a scalar spelled so that it can be replaced in place: plain,
    or quoted without escapes, on one line. Anchors and tags before it are kept."""
    start, end = node.start_mark.index, node.end_mark.index
    if text[start:start + 1] in ("&", "!"):  # PyYAML's node starts at its properties
        start = _PROPERTIES.match(text, start, end).end()
    source, value = text[start:end], node.value
    if not _PLAIN.fullmatch(new):
        return None
    if node.style is None and source == value:
        return start, end, new
    if node.style == "'" and source == f"'{value}'":
        return start, end, f"'{new}'"
    if node.style == '"' and source == f'"{value}"' and "\\" not in value:
        return start, end, f'"{new}"'
    return None  # block scalars, multi-line or escaped spellings


# --- reading ------------------------------------------------------------------------------------

# PyYAML composes ~50,000 nodes a second in pure Python at ~600 bytes each; a configuration has
# hundreds. More than this is a data file that happens to name an optimizer (H30: 100,000 records
# took 23 s and 786 MB): reported as skipped rather than composed whole (about 2 s and 70 MB in).
MAX_YAML_NODES = 100_000


class _TooManyNodes(Exception):
    pass


def _too_many_nodes() -> str:
    return f"skipped: more than {MAX_YAML_NODES:,} YAML nodes (a data file, not a configuration; not analyzed)"


class _Bounded:
    """PyYAML's composer, stopped after ``MAX_YAML_NODES`` nodes."""

    nodes = 0

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        self.nodes += 1
        if self.nodes > MAX_YAML_NODES:
            raise _TooManyNodes
        return super().compose_node(parent, index)  # type: ignore[misc]


class _BoundedLoader(_Bounded, yaml.SafeLoader):
    """PyYAML's safe loader, all in Python: what findings and errors are reported from."""


_READ_OTHERWISE = ("\ufeff", "!")


@functools.lru_cache(maxsize=1)
def _event_loader() -> Optional[type]:
    """PyYAML's composer over libyaml's events, about six times faster than PyYAML's Python
    scanner and parser (None without libyaml). It reads only files that say no "decay": they can
    hold a finding (a class named here and built by name in code, say) but no error the run
    reports (``runner.check_one``), and only decides that such a file holds no finding; one where
    it finds one, or fails, is read again by ``_BoundedLoader``, which says what is reported. Its
    nodes are PyYAML's (a plain scalar's style made ``None`` here) but for where a block collection
    ends (the start of the next line, not the end of its last), which spans read; it takes some
    text PyYAML stops at (a tab after a key's colon, ``what?`` in a flow mapping), which the run
    does not report in such a file either; and it reads two things otherwise, a byte-order mark
    inside a file and an empty tag (``key: !`` is "" there, null in PyYAML): a file with either
    character is left to PyYAML (``_READ_OTHERWISE``). torchtune's 70 recipes without a decay:
    0.57 s -> 0.07 s."""
    try:
        from yaml._yaml import CParser
    except ImportError:
        return None

    class EventLoader(_Bounded, yaml.composer.Composer, CParser, yaml.resolver.Resolver):  # type: ignore[misc, valid-type]
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.resolver.Resolver.__init__(self)

        def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
            node = super().compose_node(parent, index)
            if isinstance(node, yaml.ScalarNode) and node.style == "":
                node.style = None  # plain, as PyYAML says it
            return node

    return EventLoader


def _yaml_documents(path: str, text: str, loader: type = _BoundedLoader) -> List[yaml.Node]:
    try:
        return [d for d in yaml.compose_all(text, Loader=loader) if d is not None]
    except _TooManyNodes:
        raise SourceError(path, _too_many_nodes()) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        reason = _printable(str(error.problem or error.context or "invalid YAML"))
        raise SourceError(path, f"cannot be parsed as YAML: {reason}",
                          (mark.line + 1) if mark else 0, (mark.column + 1) if mark else 0) from None
    except RecursionError:
        raise SourceError(path, "is nested too deeply to analyze") from None
    except MemoryError:
        raise SourceError(path, "is too large to analyze") from None
    except (yaml.YAMLError, ValueError, TypeError) as error:  # PyYAML on inputs it did not foresee
        raise SourceError(path, f"cannot be parsed as YAML: {_printable(str(error))}") from None


def _json_documents(path: str, text: str) -> List[yaml.Node]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        line, column = _Lines(text).position(error.pos)
        raise SourceError(path, f"cannot be parsed as JSON: {error.msg}", line + 1, column + 1) from None
    except RecursionError:
        raise SourceError(path, "is nested too deeply to analyze") from None
    except MemoryError:
        raise SourceError(path, "is too large to analyze") from None
    except ValueError as error:  # e.g. an integer of more than 4300 digits
        raise SourceError(path, f"cannot be parsed as JSON: {_printable(str(error))}") from None
    whole, spine = _json_paths(data)
    return [_JsonNodes(text, whole, spine).document()] if whole else []


JsonPath = Tuple[Union[str, int], ...]


def _json_paths(data: object) -> Tuple[Set[JsonPath], Set[JsonPath]]:
    """Where optimizers can be, as paths: the values to locate whole, and the containers leading to
    them. Only these get positions (a 5 MB tokenizer file usually has none)."""
    whole: Set[JsonPath] = set()
    stack: List[Tuple[object, JsonPath]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            if any(key in value for key in _TARGET_KEYS):
                whole.add(path)
            if isinstance(value.get(_DEEPSPEED_KEY), dict):
                whole.add(path + (_DEEPSPEED_KEY,))
            if _may_configure_component(value):
                whole.add(path)
            stack.extend((v, path + (k,)) for k, v in value.items() if isinstance(v, (dict, list)))
        elif isinstance(value, list):
            stack.extend((v, path + (i,)) for i, v in enumerate(value) if isinstance(v, (dict, list)))
    spine = {path[:n] for path in whole for n in range(len(path))}
    if isinstance(data, dict) and () in spine:  # AllenNLP's top-level keys, as empty containers
        spine.update((key,) for key in ALLENNLP_TOP_KEYS if isinstance(data.get(key), (dict, list)))
    return whole, spine


def _may_configure_component(mapping: dict) -> bool:
    """A mapping that names an adaptive Keras/TF optimizer beside a non-zero number (what
    ``component_config`` looks at)."""
    return any(isinstance(v, (int, float)) and not isinstance(v, bool) and v for v in mapping.values()) and any(
        isinstance(v, str) and component_config.adaptive_class(v, True) is not None for v in mapping.values())


_JSON_BREAK = re.compile(r"\r\n?|\n")
_YAML_BREAK = re.compile(r"\r\n?|[\n\x85\u2028\u2029]")  # PyYAML's marks also count NEL, LS and PS


class _Lines:
    """Line starts, as the parser's marks count lines: offsets → (line, column), 0-based like
    PyYAML's marks, and the text of one line (for ``noqa``), without splitting the whole file."""

    def __init__(self, text: str, breaks: re.Pattern = _JSON_BREAK) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in breaks.finditer(text)]

    def position(self, index: int) -> Tuple[int, int]:
        line = bisect.bisect_right(self.starts, index) - 1
        return line, index - self.starts[line]

    def line(self, number: int) -> str:
        """The 1-based line ``number`` (its break included; empty past the end)."""
        if not 0 < number <= len(self.starts):
            return ""
        end = self.starts[number] if number < len(self.starts) else len(self.text)
        return self.text[self.starts[number - 1]:end]


_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_JSON_LITERAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null|NaN|-?Infinity")


class _JsonNodes:
    """PyYAML nodes with positions for the parts of a JSON text that ``_json_paths`` names; every
    other value is skipped by the C decoder. The text is known to be valid JSON. Open containers
    are an explicit stack: valid JSON may nest deeper than Python recurses."""

    def __init__(self, text: str, whole: Set[JsonPath], spine: Set[JsonPath]) -> None:
        self.text, self.whole, self.spine = text, whole, spine
        self.lines = _Lines(text)

    def mark(self, index: int) -> yaml.Mark:
        line, column = self.lines.position(index)
        return yaml.Mark("<json>", index, line, column, None, None)

    def space(self, index: int) -> int:
        return _JSON_SPACE.match(self.text, index).end()

    def document(self) -> yaml.Node:
        text, skip = self.text, json.JSONDecoder().raw_decode
        stack: List[list] = []  # open containers: [node, path, whole, items so far, pending key]
        index, path, whole = self.space(0), (), False
        while True:
            node: Optional[yaml.Node] = None
            char = text[index]
            if char in "{[" and (whole or path in self.whole or path in self.spine):
                kind, tag = (yaml.MappingNode, "map") if char == "{" else (yaml.SequenceNode, "seq")
                container = kind(f"tag:yaml.org,2002:{tag}", [], self.mark(index), None, flow_style=True)
                stack.append([container, path, whole or path in self.whole, 0, None])
                index = self.space(index + 1)
                if text[index] not in "}]":
                    index, path, whole = self._child(stack[-1], index)
                    continue
            elif whole and char == '"':
                value, end = json.decoder.scanstring(text, index + 1)
                node = yaml.ScalarNode("tag:yaml.org,2002:str", value, self.mark(index), self.mark(end), style='"')
                index = end
            elif whole and char not in "{[":
                end = _JSON_LITERAL.match(text, index).end()
                literal = text[index:end]
                node = yaml.ScalarNode(_literal_tag(literal), literal, self.mark(index), self.mark(end))
                index = end
            else:
                index = skip(text, index)[1]  # nothing here can hold an optimizer
            while True:  # attach the value; close finished containers; move to the next item
                if node is not None and stack:
                    parent = stack[-1]
                    parent[0].value.append((parent[4], node) if isinstance(parent[0], yaml.MappingNode) else node)
                if not stack:
                    return node
                index = self.space(index)
                if text[index] == ",":
                    index, path, whole = self._child(stack[-1], self.space(index + 1))
                    break
                node = stack.pop()[0]
                node.end_mark = self.mark(index + 1)
                index += 1

    def _child(self, frame: list, index: int) -> Tuple[int, JsonPath, bool]:
        """Start the next item of an open container: (index of its value, its path, whole)."""
        container, path, whole, count, _ = frame
        if isinstance(container, yaml.MappingNode):
            key, end = json.decoder.scanstring(self.text, index + 1)
            frame[4] = yaml.ScalarNode("tag:yaml.org,2002:str", key, self.mark(index), self.mark(end), style='"')
            return self.space(self.space(end) + 1), path + (key,), whole
        frame[3] = count + 1
        return index, path + (count,), whole


_EXPRESSION_TAG = "tag:adamw-lint,2024:jsonnet-expression"
JSONNET_SUFFIXES = (".jsonnet", ".libsonnet")
_JSONNET_SPACE = re.compile(r"(?:\s+|//[^\n]*|#[^\n]*|/\*.*?\*/)*", re.S)
_JSONNET_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_JSONNET_FIELD = re.compile(r"\+?(:::|::|:)")
_JSONNET_DEPTH = 64


class _NotPlain(Exception):
    """The Jsonnet text is not a plain enough object literal to read without evaluating it."""


class _JsonnetNodes:
    """Nodes with positions for a Jsonnet file that is, after ``local`` bindings, one object
    literal: comments, unquoted and single-quoted keys, trailing commas, ``+:`` fields and object
    locals are read; a value that is not a literal (a variable, ``std.extVar(…)``, ``a + b``) is an
    opaque expression; hidden fields (``::``) are not in the output, so they are skipped. Anything
    else (``import`` at the top, ``base + {…}``, text blocks) raises ``_NotPlain``: nothing is
    evaluated, and such a file is simply not analyzed."""

    def __init__(self, text: str) -> None:
        self.text, self.lines = text, _Lines(text)

    def mark(self, index: int) -> yaml.Mark:
        line, column = self.lines.position(index)
        return yaml.Mark("<jsonnet>", index, line, column, None, None)

    def space(self, index: int) -> int:
        end = _JSONNET_SPACE.match(self.text, index).end()
        if self.text.startswith("/*", end):  # never closed (the pattern looked to the end): not Jsonnet.
            raise _NotPlain  # Stop here: scanning on would look to the end again at each `/*` (quadratic)
        return end

    def word(self, index: int, word: str) -> bool:
        found = _JSONNET_WORD.match(self.text, index)
        return found is not None and found.group() == word

    def document(self) -> yaml.Node:
        index = self.space(0)
        while self.word(index, "local"):
            index = self.space(self.skip(index + 5, ";") + 1)
        if not self.text.startswith("{", index):
            raise _NotPlain
        node, index = self.value(index, 0)
        if self.space(index) != len(self.text):
            raise _NotPlain
        return node

    def skip(self, index: int, stops: str) -> int:
        """The index of the first of ``stops`` (or a closing bracket) outside brackets and strings."""
        text, depth = self.text, 0
        while index < len(text):
            index = self.space(index)
            char = text[index:index + 1]
            if not char or (depth == 0 and (char in stops or char in ")]}")):
                return index
            if text.startswith("|||", index):
                raise _NotPlain
            if char in "\"'":
                index = self.string_end(index)
                continue
            depth += 1 if char in "([{" else -1 if char in ")]}" else 0
            index += 1
        raise _NotPlain

    def string_end(self, index: int) -> int:
        quote, index = self.text[index], index + 1
        while index < len(self.text):
            if self.text[index] == "\\":
                index += 2
            elif self.text[index] == quote:
                return index + 1
            else:
                index += 1
        raise _NotPlain

    def value(self, index: int, depth: int) -> Tuple[yaml.Node, int]:
        if depth > _JSONNET_DEPTH:
            raise _NotPlain
        text, start, char = self.text, index, self.text[index:index + 1]
        if char == "{":
            node, index = self.object(index, depth)
        elif char == "[":
            node, index = self.array(index, depth)
        elif char in ("\"", "'"):
            end = self.string_end(index)
            body = text[index + 1:end - 1]
            if "\\" in body:
                return self.expression(start)
            node, index = yaml.ScalarNode("tag:yaml.org,2002:str", body, self.mark(index), self.mark(end), style=char), end
        else:
            found = _JSON_LITERAL.match(text, index)
            if found is None or _JSONNET_WORD.match(text, found.end()) or text[found.end():found.end() + 1] == ".":
                return self.expression(start)
            literal, index = found.group(), found.end()
            node = yaml.ScalarNode(_literal_tag(literal), literal, self.mark(start), self.mark(index))
        if text[self.space(index):self.space(index) + 1] not in (",", "}", "]", ""):
            return self.expression(start)  # {…} + {…}, a literal in arithmetic: not a literal value
        return node, index

    def expression(self, start: int) -> Tuple[yaml.Node, int]:
        end = self.skip(start, ",")
        source = self.text[start:end].rstrip()
        if not source:
            raise _NotPlain
        node = yaml.ScalarNode(_EXPRESSION_TAG, source, self.mark(start), self.mark(start + len(source)))
        return node, start + len(source)

    def object(self, index: int, depth: int) -> Tuple[yaml.Node, int]:
        node = yaml.MappingNode("tag:yaml.org,2002:map", [], self.mark(index), None, flow_style=True)
        index = self.space(index + 1)
        while not self.text.startswith("}", index):
            if self.word(index, "local") or self.word(index, "assert") or self.text.startswith("[", index):
                index = self.skip(index + 1, ",")  # object locals, asserts, computed field names
            else:
                key, index = self.key(index)
                field = _JSONNET_FIELD.match(self.text, self.space(index))
                if field is None:  # a method field f(x): …, or not Jsonnet
                    raise _NotPlain
                index = self.space(field.end())
                if field.group(1) == "::":  # hidden: not in the manifested config
                    index = self.skip(index, ",")
                else:
                    value, index = self.value(index, depth + 1)
                    node.value.append((key, value))
            index = self.space(index)
            if self.text.startswith(",", index):
                index = self.space(index + 1)
            elif not self.text.startswith("}", index):
                raise _NotPlain
        node.end_mark = self.mark(index + 1)
        return node, index + 1

    def key(self, index: int) -> Tuple[yaml.ScalarNode, int]:
        char = self.text[index:index + 1]
        if char in ("\"", "'"):
            end = self.string_end(index)
            body = self.text[index + 1:end - 1]
            if "\\" in body:
                raise _NotPlain
            return yaml.ScalarNode("tag:yaml.org,2002:str", body, self.mark(index), self.mark(end), style=char), end
        found = _JSONNET_WORD.match(self.text, index)
        if found is None:
            raise _NotPlain
        return yaml.ScalarNode("tag:yaml.org,2002:str", found.group(), self.mark(index), self.mark(found.end())), found.end()

    def array(self, index: int, depth: int) -> Tuple[yaml.Node, int]:
        node = yaml.SequenceNode("tag:yaml.org,2002:seq", [], self.mark(index), None, flow_style=True)
        index = self.space(index + 1)
        while not self.text.startswith("]", index):
            if self.word(index, "for"):  # an array comprehension
                raise _NotPlain
            value, index = self.value(index, depth + 1)
            node.value.append(value)
            index = self.space(index)
            if self.text.startswith(",", index):
                index = self.space(index + 1)
            elif not self.text.startswith("]", index):
                raise _NotPlain
        node.end_mark = self.mark(index + 1)
        return node, index + 1


def _jsonnet_documents(text: str) -> List[yaml.Node]:
    """The file's object, or nothing when it is not plain enough to read (never an error: Jsonnet
    that needs evaluating is valid, just out of reach)."""
    try:
        return [_JsonnetNodes(text).document()]
    except (_NotPlain, IndexError):
        return []


def _literal_tag(literal: str) -> str:
    if literal in ("true", "false"):
        return "tag:yaml.org,2002:bool"
    if literal == "null":
        return "tag:yaml.org,2002:null"
    return "tag:yaml.org,2002:" + ("float" if re.search(r"[.eEIN]", literal) else "int")


# --- findings ----------------------------------------------------------------------------------------

def analyze(path: str, text: str, style: str, project: Optional["ProjectIndex"] = None,
            target_torch: Optional[Tuple[int, int]] = None) -> List[Tuple[Finding, List[Tuple[int, int, str]]]]:
    """Findings of a YAML/JSON config, each with its text edits (empty: no automatic fix).
    ``project``: follow a target that names one of the project's own classes into its module."""
    is_json = path.lower().endswith(".json")
    is_jsonnet = path.lower().endswith(JSONNET_SUFFIXES)
    if is_jsonnet:
        roots = _jsonnet_documents(text)
    elif is_json:
        roots = _json_documents(path, text)
    else:
        events = _event_loader()
        if events is not None and "decay" not in text and not any(mark in text for mark in _READ_OTHERWISE):
            try:
                if not _findings(path, text, _yaml_documents(path, text, events), style, project, target_torch):
                    return []
            except SourceError as error:
                if error.reason == _too_many_nodes():  # as many in either reading: a data file, not composed twice
                    raise
            except Exception:  # noqa: BLE001 - whatever went wrong, PyYAML's own reading below says what
                pass
        roots = _yaml_documents(path, text)
    return _findings(path, text, roots, style, project, target_torch, is_json, is_jsonnet)


def _findings(path: str, text: str, roots: List[yaml.Node], style: str, project: Optional["ProjectIndex"],
              target_torch: Optional[Tuple[int, int]], is_json: bool = False,
              is_jsonnet: bool = False) -> List[Tuple[Finding, List[Tuple[int, int, str]]]]:
    budget = [_FILE_BUDGET + 4 * len(text)]
    results = []
    try:
        for root in roots:
            results += _document_findings(_Document(root, budget), text, style, project, allennlp=is_json or is_jsonnet,
                                          target_torch=target_torch)
            if project is not None and not (is_json or is_jsonnet):  # a class named here, built by name in code
                taken = {finding.span for finding, _ in results}
                results += [(f, []) for f in config_choice.findings(path, root, project, style) if f.span not in taken]
            if project is not None and not is_jsonnet:  # a Keras/TF component's optimizer beside its L2 coefficient
                taken = {finding.span for finding, _ in results}
                results += [(f, []) for f in component_config.findings(path, root, project) if f.span not in taken]
    except _TooLarge:
        raise SourceError(path, "expands too far through YAML aliases or merge keys to analyze") from None
    except _Unreadable as error:
        mark = error.node.start_mark
        raise SourceError(path, f"the optimizer here is too complex to analyze ({error})",
                          mark.line + 1, mark.column + 1) from None
    return sorted(results, key=lambda pair: pair[0].span)


def _document_findings(document: _Document, text: str, style: str, project: Optional["ProjectIndex"] = None,
                       allennlp: bool = False, target_torch: Optional[Tuple[int, int]] = None):
    judged = []
    for site in _sites(document, allennlp):
        finding, spans = _judge(site, style, document, project, target_torch)
        if finding is not None:
            judged.append((site, finding, _proposals(site, finding, spans)))
    # A node is edited only when every use of it asks for the same edit (two aliases of one
    # ``_target_`` in two optimizers that both need the fix, say); each asking site holds one use.
    askers: Dict[int, Set[int]] = {}
    texts: Dict[int, Set[str]] = {}
    for number, (_, _, plan) in enumerate(judged):
        for node, new in plan if isinstance(plan, list) else ():
            askers.setdefault(id(node), set()).add(number)
            texts.setdefault(id(node), set()).add(new)
    results = []
    for site, finding, plan in judged:
        blocked, edits = (plan, []) if isinstance(plan, str) else ("", [])
        for node, new in plan if isinstance(plan, list) else ():
            if len(texts[id(node)]) > 1 or len(askers[id(node)]) != document.references.get(id(node), 0):
                blocked = f"{_HAND_EDIT}: the value is shared through a YAML anchor or merge key"
                break
            edit = _text_edit(text, node, new)
            if edit is None:
                blocked = f"{_HAND_EDIT}: its YAML spelling (block, multi-line or escaped) cannot be changed in place"
                break
            edits.append(edit)
        if blocked:
            edits = []
        message = _OPAQUE.sub(lambda m: _printable(site.opaque.get(m.group(), m.group())), finding.message)
        if site.allennlp:
            message += f' (AllenNLP "type": "{_printable(site.allennlp)}" builds {site.qualname}; torch.optim.AdamW is "adamw")'
        # a target reached through a merge key or an alias: point at the optimizer that uses it
        exclusive = site.target_exclusive and not document.shared(site.target)
        point = site.target if exclusive else site.mapping
        start, end = point.start_mark, point.end_mark
        span = (start.line + 1, start.column, end.line + 1, end.column)
        results.append((finding._replace(message=message, span=span, fix=finding.fix if edits else None,
                                         fix_blocked=blocked), edits))
    return results


def _noqa_filter(path: str, text: str, results, selection: Selection):
    """Selected findings whose line has no ``# noqa`` for them (flake8's reading; YAML comments too)."""
    results = [(finding, edits) for finding, edits in results if selection.enabled(finding.code)]
    if not results:
        return results
    lines = _Lines(text, _JSON_BREAK if path.lower().endswith((".json", *JSONNET_SUFFIXES)) else _YAML_BREAK)
    return [(finding, edits) for finding, edits in results if not is_suppressed(finding.code, lines.line(finding.line))]


def check(path: str, text: str, selection: Selection, style: str, project: Optional["ProjectIndex"] = None,
          target_torch: Optional[Tuple[int, int]] = None) -> List[Finding]:
    findings = analyze(path, text, style, project, target_torch)
    return [finding for finding, _ in _noqa_filter(path, text, findings, selection)]


def fix(path: str, text: str, selection: Selection, style: str, project: Optional["ProjectIndex"] = None,
        target_torch: Optional[Tuple[int, int]] = None) -> Tuple[str, List[Finding], List[Finding]]:
    """(new text, fixed findings, remaining findings)."""
    results = _noqa_filter(path, text, analyze(path, text, style, project, target_torch), selection)
    fixed = [f for f, edits in results if edits]
    remaining = [f for f, edits in results if not edits]
    new = text
    for start, end, replacement in sorted({e for _, edits in results for e in edits}, reverse=True):
        new = new[:start] + replacement + new[end:]
    if fixed:  # a safety net: the fixed text must read back with nothing left to fix
        try:
            clean = not any(f.fix for f in check(path, new, selection, style))
        except SourceError:
            clean = False
        if not clean:
            raise SourceError(path, "a fix did not apply cleanly; nothing was changed")
    return new, fixed, remaining
