"""Rule documentation generated from the catalog, so the docs cannot drift from the rules.

``python -m adamw_lint.docs`` writes ``docs/rules/``; a test checks the committed pages are
current. Examples are the catalog's own; which code each one gets (stated by an example of a row
of several codes) and whether a fix is available are what test_catalog_examples checks by running
the engine on it.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Dict, List, Tuple

from . import catalog


@functools.lru_cache(maxsize=None)  # the catalog is immutable: run its examples once
def _examples() -> Dict[str, List[Tuple[str, str]]]:
    """code → [(invalid source, fixed source or "")], from every catalog row."""
    # SARIF renders these pages on every run, so what test_catalog_examples proves is taken as
    # given: each invalid example gives one finding, of its row's code or the one it states (a
    # row of several codes), with a fix exactly when the example has a fixed text, which is what
    # the fixer writes (neither the engine nor libcst is needed)
    by_code: Dict[str, List[Tuple[str, str]]] = {}
    for row in catalog.all_rows():
        codes = catalog.codes_of(row)
        for example in getattr(row, "invalid", ()):
            code = example.code or codes[0]
            by_code.setdefault(code, []).append((example.source, example.fixed or ""))
    return by_code


def _apis(code: str) -> List[str]:
    rows = []
    for api in catalog.OPTIMIZERS:
        if api.code != code or not api.weight_decay:
            continue
        index = api.signature.index(api.weight_decay)
        decay = f"`{api.weight_decay}` (index {index})" if index is not None else f"`{api.weight_decay}`"
        if api.switch:
            switch_index = api.signature.index(api.switch)
            where = f"index {switch_index}, " if switch_index is not None else "keyword-only, "
            switch = f"`{api.switch}` ({where}default {api.signature.defaults[api.switch]})"
        elif api.group_switch:
            switch = f"param-group key `{api.group_switch}`"
        else:
            switch = "none"
        if api.always:
            decay, switch = "—", "every call is reported"
        rows.append(f"| `{'`, `'.join(api.names)}` | {decay} | {switch} |")
    for factory in catalog.FACTORIES:
        names = sorted(n for n, c in factory.choices.items() if c.code == code)
        if names:
            choices = ", ".join(f"`{n}`" for n in names)
            rows.append(f"| `{catalog.shown_name(factory.names[0])}({factory.choice}=…)` | `{factory.weight_decay}` | {choices} |")
    return rows


def _detected(code: str) -> List[str]:
    """Bullets for the catalog rows that are not optimizer signatures (penalties, chains, …)."""
    bullets = []
    for row in catalog.all_rows():
        if isinstance(row, (catalog.OptimizerApi, catalog.OptimizerFactory)) or code not in catalog.codes_of(row):
            continue
        if isinstance(row, catalog.SquaredNormPattern):
            iterators = " / ".join(f"`model.{name}()`" for name in row.iterators)
            bullets.append(f"- `sum(<θ²>.sum() for θ in …)` over {iterators} ([semantics](../semantics.md) {row.source})")
            continue
        names = row.names  # type: ignore[attr-defined]
        shown = ", ".join(f"`{n}`" for n in names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        bullets.append(f"- {shown} ([semantics](../semantics.md) {row.source})")
    return bullets


def render(code: str) -> str:
    rule = catalog.RULES_BY_CODE[code]
    examples = _examples().get(code, [])
    fixable = [e for e in examples if e[1]]
    if fixable and len(fixable) == len(examples):
        availability = "Fix is always available."
    elif fixable:
        availability = "Fix is sometimes available."
    else:
        availability = "No automatic fix."
    invalid, fixed = (fixable or examples or [("", "")])[0]
    out = [
        f"# {rule.code} {rule.name}",
        "",
        f"{rule.summary}. {availability}" + ("" if rule.enabled_by_default else " Off by default."),
        "",
        "## What it does",
        "",
        rule.what,
        "",
        "## Why is this bad?",
        "",
        rule.why,
        "",
        "## Example",
        "",
        "```python",
        invalid.rstrip("\n"),
        "```",
        "",
        "## Use instead",
        "",
        "```python",
        (fixed or rule.use_instead).rstrip("\n"),
        "```",
        "",
        "## Fix safety",
        "",
        rule.fix_safety,
        "",
    ]
    apis = _apis(code)
    if apis:
        out += ["## APIs covered", "", "| API | weight decay | decoupled switch |", "|---|---|---|", *apis, ""]
    detected = _detected(code)
    if detected:
        out += ["## Detected", "", *detected, ""]
    if len(examples) > 1:
        out += ["## More examples", ""]
        for source, result in examples[1:]:
            out += ["```python", source.rstrip("\n"), "```", ""]
            if result:
                out += ["becomes", "", "```python", result.rstrip("\n"), "```", ""]
    return "\n".join(out)


def render_index() -> str:
    lines = ["# Rules", "", "| Code | Name | Summary |", "|---|---|---|"]
    for rule in catalog.RULES:
        lines.append(f"| [{rule.code}]({rule.code}.md) | {rule.name} | {rule.summary} |")
    lines += [
        "",
        "## Look-alikes that are not reported",
        "",
        "These take a `weight_decay` argument but are already decoupled, not adaptive, or have no",
        "weight decay (from [the semantics reference](../semantics.md)).",
        "",
        "| API | behaviour | source |",
        "|---|---|---|",
    ]
    for api in catalog.OPTIMIZERS:
        if api.code is None or (api.switch_default and not api.group_switch and api.switch):
            behaviour = {
                catalog.DECOUPLED: "decoupled",
                catalog.NOT_ADAPTIVE: "coupled, but not adaptive (L2 is weight decay for SGD)",
                catalog.NO_DECAY: "no weight decay",
            }.get(api.decay, api.decay)
            if api.switch:
                behaviour += f" unless `{api.switch}=False`"
            lines.append(f"| `{api.names[0]}` | {behaviour} | [semantics](../semantics.md) {api.source} |")
    return "\n".join(lines) + "\n"


def pages() -> Dict[str, str]:
    result = {f"{rule.code}.md": render(rule.code) for rule in catalog.RULES}
    result["README.md"] = render_index()
    return result


def write(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in pages().items():
        (directory / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules"))
