"""``[tool.adamw-lint]`` in the nearest ``pyproject.toml``, merged under the command line.

    [tool.adamw-lint]
    select = ["AWL1"]
    ignore = ["AWL103"]
    extend-select = ["AWL105"]
    exclude = ["third_party/*"]
    per-file-ignores = { "tests/*" = ["AWL101"] }
    fix-style = "rename"        # or "flag"
    format = "text"             # text, json, github, sarif

An unknown key or a bad value is an error that names the key and the file.
"""

from __future__ import annotations

import fnmatch
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from .selection import Selection, parse_codes

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

FORMATS = ("text", "json", "github", "sarif")
STYLES = ("rename", "flag")


class SettingsError(Exception):
    """A configuration problem the user must fix: says which key in which file."""


@dataclass(frozen=True)
class Settings:
    select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    extend_select: Tuple[str, ...] = ()
    exclude: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    fix_style: str = "rename"
    format: str = "text"
    source: Optional[str] = None  # the pyproject.toml they came from
    root: str = "."  # per-file-ignores and exclude patterns are relative to it

    def selection_for(self, path: str) -> Selection:
        ignore = list(self.ignore)
        relative = _relative(path, self.root)
        for pattern, codes in self.per_file_ignores:
            if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(os.path.basename(path), pattern):
                ignore.extend(codes)
        return Selection(self.select, tuple(ignore), self.extend_select)

    def describe(self) -> str:
        lines = [f"# settings from {self.source or '(defaults: no [tool.adamw-lint] found)'}"]
        for key in ("select", "ignore", "extend_select", "exclude", "fix_style", "format"):
            lines.append(f"{key.replace('_', '-')} = {_toml(getattr(self, key))}")
        lines.append("per-file-ignores = {" + ", ".join(
            f"{_toml(pattern)} = {_toml(codes)}" for pattern, codes in self.per_file_ignores) + "}")
        return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return f'"{value}"'


def _relative(path: str, root: str) -> str:
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return Path(path).as_posix()


def find_pyproject(start: str) -> Optional[Path]:
    directory = Path(os.path.abspath(start))
    if not directory.is_dir():
        directory = directory.parent
    for candidate in (directory, *directory.parents):
        path = candidate / "pyproject.toml"
        if path.is_file():
            return path
    return None


def load(start: str = ".") -> Settings:
    """Settings from the nearest pyproject.toml above ``start`` (defaults when there is none)."""
    path = find_pyproject(start)
    if path is None:
        return Settings()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"{path}: cannot read it: {error}") from None
    table = document.get("tool", {}).get("adamw-lint")
    if table is None:
        return Settings(root=str(path.parent))
    return _parse(table, str(path))


def _parse(table: Dict[str, Any], source: str) -> Settings:
    values: Dict[str, Any] = {"source": source, "root": str(Path(source).parent)}

    def codes(key: str) -> Tuple[str, ...]:
        value = table[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SettingsError(f"{source}: [tool.adamw-lint] {key} must be a list of codes, like [\"AWL101\"]")
        try:
            return parse_codes(",".join(value))
        except ValueError as error:
            raise SettingsError(f"{source}: [tool.adamw-lint] {key}: {error}") from None

    for key in table:
        if key in ("select", "ignore", "extend-select"):
            values[key.replace("-", "_")] = codes(key)
        elif key == "exclude":
            if not isinstance(table[key], list) or not all(isinstance(v, str) for v in table[key]):
                raise SettingsError(f"{source}: [tool.adamw-lint] exclude must be a list of glob patterns")
            values["exclude"] = tuple(table[key])
        elif key == "per-file-ignores":
            mapping = table[key]
            if not isinstance(mapping, dict):
                raise SettingsError(f"{source}: [tool.adamw-lint] per-file-ignores must be a table of pattern = [codes]")
            entries: List[Tuple[str, Tuple[str, ...]]] = []
            for pattern, listed in mapping.items():
                if not isinstance(listed, list):
                    raise SettingsError(f"{source}: [tool.adamw-lint] per-file-ignores.{pattern!r} must be a list of codes")
                try:
                    entries.append((pattern, parse_codes(",".join(listed))))
                except ValueError as error:
                    raise SettingsError(f"{source}: [tool.adamw-lint] per-file-ignores.{pattern!r}: {error}") from None
            values["per_file_ignores"] = tuple(entries)
        elif key == "fix-style":
            if table[key] not in STYLES:
                raise SettingsError(f"{source}: [tool.adamw-lint] fix-style must be one of {', '.join(STYLES)}")
            values["fix_style"] = table[key]
        elif key == "format":
            if table[key] not in FORMATS:
                raise SettingsError(f"{source}: [tool.adamw-lint] format must be one of {', '.join(FORMATS)}")
            values["format"] = table[key]
        else:
            known = "select, ignore, extend-select, exclude, per-file-ignores, fix-style, format"
            raise SettingsError(f"{source}: [tool.adamw-lint] unknown key {key!r} (known: {known})")
    return Settings(**values)


def merge(settings: Settings, **command_line: Any) -> Settings:
    """Command-line values that were given override the file's."""
    given = {k: v for k, v in command_line.items() if v not in (None, (), [])}
    if "exclude" in given:
        given["exclude"] = tuple(settings.exclude) + tuple(given["exclude"])
    return replace(settings, **given)
