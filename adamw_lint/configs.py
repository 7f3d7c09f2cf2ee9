"""Optimizers built from config files: Hydra and LightningCLI YAML, DeepSpeed JSON.

The file is *composed* with PyYAML's safe loader — a node graph with positions; no Python object
is ever constructed, so ``!!python/object`` tags are inert. Each optimizer mapping is turned into
the equivalent Python call and judged by the same engine as ``.py`` files, so the catalog stays the
one source of truth; findings point at the line of ``_target_``/``class_path``. Fixes edit the
text at the exact span of a scalar (the class name, or a ``false`` switch), never re-serialize.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Tuple

import yaml

from .analysis import analyze_source
from .findings import Edit, Finding
from .noqa import is_suppressed
from .files import SourceError
from .selection import Selection

_TARGET_KEYS = {"_target_": "hydra", "class_path": "lightning"}
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
# DeepSpeed's JSON "optimizer" (semantics §5.2): "type": "Adam" builds FusedAdam/CPUAdam with
# adam_w_mode=True unless params say otherwise, so only an explicit false is coupled.
_DEEPSPEED_SWITCH = "adam_w_mode"


@dataclass
class _Site:
    """One optimizer found in a config: the synthesized call and where its parts are."""

    target: yaml.ScalarNode  # the node whose line a finding points at
    qualname: str
    arguments: List[Tuple[Optional[str], str, Optional[yaml.Node]]]  # keyword (None: positional), text, node
    interpolations: Dict[str, str]


def _scalar_text(node: yaml.Node, interpolations: Dict[str, str]) -> str:
    """A YAML value as Python source (interpolations become opaque names)."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag in _NUMBER_TAGS:
            try:
                return repr(float(node.value)) if node.tag.endswith("float") else str(int(node.value, 0))
            except ValueError:
                return repr(node.value)
        if node.tag == "tag:yaml.org,2002:bool":
            return "True" if node.value.lower() in ("true", "yes", "on", "y") else "False"
        if node.tag == "tag:yaml.org,2002:null":
            return "None"
        if node.style is None and _is_number(node.value):  # OmegaConf reads a plain 1e-4 as a float
            return repr(float(node.value))
        if "${" in node.value:
            name = f"_interpolated_{len(interpolations)}"
            interpolations[name] = node.value
            return name
        return repr(node.value)
    if isinstance(node, yaml.SequenceNode):
        return "(" + "".join(_scalar_text(item, interpolations) + ", " for item in node.value) + ")"
    if isinstance(node, yaml.MappingNode):
        return "{" + ", ".join(f"{_scalar_text(k, interpolations)}: {_scalar_text(v, interpolations)}"
                               for k, v in node.value) + "}"
    return "None"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip().lower() not in ("nan", "inf", "-inf", "+inf", "infinity")


def _sites(root: yaml.Node) -> List[_Site]:
    found: List[_Site] = []
    stack = [root]
    seen = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:  # anchors and aliases can share nodes
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        if not isinstance(node, yaml.MappingNode):
            continue
        pairs = [(k.value, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)]
        stack.extend(v for _, v in node.value)
        keys = dict(pairs)
        for key, style in _TARGET_KEYS.items():
            target = keys.get(key)
            if isinstance(target, yaml.ScalarNode) and isinstance(target.value, str) and "." in target.value:
                found.append(_site(target, style, keys))
        deepspeed = _deepspeed_site(keys)
        if deepspeed is not None:
            found.append(deepspeed)
    return found


def _site(target: yaml.ScalarNode, style: str, keys: Dict[str, yaml.Node]) -> _Site:
    interpolations: Dict[str, str] = {}
    arguments: List[Tuple[Optional[str], str, Optional[yaml.Node]]] = []
    if style == "hydra":
        positional = keys.get("_args_")
        if isinstance(positional, yaml.SequenceNode):
            arguments += [(None, _scalar_text(item, interpolations), item) for item in positional.value]
        keywords = {k: v for k, v in keys.items() if not k.startswith("_")}
    else:
        init = keys.get("init_args")
        keywords = {k.value: v for k, v in init.value} if isinstance(init, yaml.MappingNode) else {}
    for name, value in keywords.items():
        if name.isidentifier():
            arguments.append((name, _scalar_text(value, interpolations), value))
    return _Site(target, target.value, arguments, interpolations)


def _deepspeed_site(keys: Dict[str, yaml.Node]) -> Optional[_Site]:
    optimizer = keys.get("optimizer")
    if not isinstance(optimizer, yaml.MappingNode):
        return None
    fields = {k.value: v for k, v in optimizer.value if isinstance(k, yaml.ScalarNode)}
    kind, params = fields.get("type"), fields.get("params")
    if not isinstance(kind, yaml.ScalarNode) or str(kind.value).lower() != "adam":
        return None  # "AdamW" and everything else: DeepSpeed's own choice is already decoupled
    interpolations: Dict[str, str] = {}
    arguments: List[Tuple[Optional[str], str, Optional[yaml.Node]]] = []
    if isinstance(params, yaml.MappingNode):
        for key, value in params.value:
            if isinstance(key, yaml.ScalarNode) and key.value in ("weight_decay", _DEEPSPEED_SWITCH):
                arguments.append((key.value, _scalar_text(value, interpolations), value))
    return _Site(kind, "deepspeed.ops.adam.FusedAdam", arguments, interpolations)


def _judge(site: _Site, style: str) -> Tuple[Optional[Finding], Dict[Tuple[int, int], yaml.Node]]:
    """Run the engine on the synthesized call; map the synthesized spans back to YAML nodes."""
    top = site.qualname.split(".", 1)[0]
    prefix = f"import {top}\n__optimizer = {site.qualname}("
    spans: Dict[Tuple[int, int], yaml.Node] = {(2, len("__optimizer = ")): site.target}
    parts, column = [], len(prefix) - len(f"import {top}\n")
    for keyword, text, node in site.arguments:
        piece = f"{keyword}={text}" if keyword else text
        start = column + (len(keyword) + 1 if keyword else 0)
        if node is not None:
            spans[(2, start)] = node
        parts.append(piece)
        column += len(piece) + 2
    source = prefix + ", ".join(parts) + ")\n"
    if not site.qualname.isascii() or not all(p.isidentifier() for p in site.qualname.split(".")):
        return None, spans
    try:
        findings = analyze_source(source, style)
    except SyntaxError:
        return None, spans
    return (findings[0] if findings else None), spans


def _yaml_value(python_text: str) -> str:
    return {"True": "true", "False": "false"}.get(python_text, python_text)


def _plan(site: _Site, finding: Finding, spans, text: str) -> Tuple[List[Tuple[int, int, str]], str]:
    """Byte-exact text edits (start offset, end offset, replacement) for a finding's fix."""
    if finding.fix is None:
        return [], finding.fix_blocked
    edits = []
    for edit in finding.fix.edits:
        node = spans.get(edit.span[:2]) if edit.kind == "replace" else None
        if node is None or not isinstance(node, yaml.ScalarNode):
            return [], "this change needs a hand edit in the config file"
        new = edit.text if node is site.target else _yaml_value(edit.text)
        if node is site.target and "." not in new:  # spelled for Python imports; configs want the full path
            new = _full_name(edit, finding)
        start, end = node.start_mark.index, node.end_mark.index
        original = text[start:end]
        quote = original[0] if original[:1] in ("'", '"') else ""
        edits.append((start, end, f"{quote}{new}{quote}"))
    return edits, ""


def _full_name(edit: Edit, finding: Finding) -> str:
    for module, name in finding.fix.add_imports if finding.fix else ():
        if name == edit.text:
            return f"{module}.{name}"
    return edit.text


def analyze(path: str, text: str, style: str) -> List[Tuple[Finding, List[Tuple[int, int, str]]]]:
    """Findings of a YAML/JSON config, each with its text edits (empty: no automatic fix)."""
    try:
        documents = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise SourceError(path, f"cannot be parsed as YAML/JSON: {getattr(error, 'problem', error)}",
                          (mark.line + 1) if mark else 0, (mark.column + 1) if mark else 0) from None
    except RecursionError:
        raise SourceError(path, "is nested too deeply to analyze") from None
    results = []
    for document in documents:
        if document is None:
            continue
        for site in _sites(document):
            finding, spans = _judge(site, style)
            if finding is None:
                continue
            message = finding.message
            for name, original in site.interpolations.items():
                message = message.replace(name, original)
            start, end = site.target.start_mark, site.target.end_mark
            span = (start.line + 1, start.column, end.line + 1, end.column)
            edits, blocked = _plan(site, finding, spans, text)
            located = replace(finding, message=message, span=span, fix=finding.fix if edits else None,
                              fix_blocked=blocked)
            results.append((located, edits))
    return sorted(results, key=lambda pair: pair[0].span)


def _noqa_filter(text: str, results, selection: Selection):
    """Selected findings whose line has no ``# noqa`` for them (flake8's reading; YAML comments too)."""
    lines = text.splitlines()
    return [
        (finding, edits) for finding, edits in results
        if selection.enabled(finding.code)
        and not is_suppressed(finding.code, lines[finding.line - 1] if finding.line <= len(lines) else "")
    ]


def check(path: str, text: str, selection: Selection, style: str) -> List[Finding]:
    return [finding for finding, _ in _noqa_filter(text, analyze(path, text, style), selection)]


def fix(path: str, text: str, selection: Selection, style: str) -> Tuple[str, List[Finding], List[Finding]]:
    """(new text, fixed findings, remaining findings)."""
    results = _noqa_filter(text, analyze(path, text, style), selection)
    fixed = [f for f, edits in results if edits]
    remaining = [f for f, edits in results if not edits]
    new = text
    for start, end, replacement in sorted((e for _, edits in results for e in edits), reverse=True):
        new = new[:start] + replacement + new[end:]
    if fixed:
        after = check(path, new, selection, style)
        if any(f.fix for f in after):
            raise SourceError(path, "a fix did not apply cleanly; nothing was changed")
    return new, fixed, remaining
