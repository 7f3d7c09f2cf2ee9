"""Settings, found per file as ruff finds them, and merged under the command line.

Each file gets the settings of the closest configuration above it: ``.adamw-lint.toml``, then
``adamw-lint.toml`` (both hold the keys at top level), then a ``pyproject.toml`` *with* a
``[tool.adamw-lint]`` table (one without it is passed over). ``--config PATH`` uses one file for
everything, ``--isolated`` none. Patterns (``exclude``, ``per-file-ignores``) are gitignore-style
and relative to the directory of the file that sets them.

    [tool.adamw-lint]
    select = ["AWL1"]
    ignore = ["AWL103"]
    extend-select = ["AWL105"]
    exclude = [...]                   # replaces the default excludes (ruff's list)
    extend-exclude = ["wandb/", "third_party/"]
    per-file-ignores = { "tests/**" = ["AWL101"] }
    respect-gitignore = true
    force-exclude = false             # apply excludes to paths named on the command line too
    unsafe-fixes = false              # let check --fix apply fixes that change training numerics
    target-torch = "2.5"              # default: the lowest torch the project's metadata allows
    fix-style = "rename"              # or "flag"
    format = "text"                   # text, json, github, sarif
    cache-dir = ".adamw_lint_cache"   # relative to this file's directory (check's results cache)

An unknown key, code or value is an error that names the key and the file.
"""

from __future__ import annotations

import os
import re
from typing import Any, Callable, Dict, Optional, Tuple, Union

from .files import MAX_SOURCE_BYTES, SourceError, read_bytes
from .gitignore import PatternError, Patterns
from .project import enforced_line_length, parse_version, toml_parser
from .selection import Selection, parse_codes

FORMATS = ("text", "json", "github", "sarif")
STYLES = ("rename", "flag")
CONFIG_NAMES = (".adamw-lint.toml", "adamw-lint.toml", "pyproject.toml")  # ruff's order of precedence

# ruff's default excludes: folders that are never the project's own source
DEFAULT_EXCLUDE = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints", ".mypy_cache",
    ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache", ".svn", ".tox", ".venv",
    ".vscode", "__pypackages__", "_build", "buck-out", "build", "dist", "node_modules", "site-packages", "venv",
)


class SettingsError(Exception):
    """A configuration problem the user must fix: says which key in which file."""


# Settings' arguments, in order: a configuration's keys (with "-" for "_"), then where it was read
_FIELDS = ("select", "ignore", "extend_select", "exclude", "extend_exclude", "per_file_ignores", "respect_gitignore",
           "force_exclude", "fix_style", "format", "unsafe_fixes", "target_torch", "cache_dir", "source", "root")


class Settings:
    """One configuration's settings. A plain class, not a frozen dataclass: ``dataclasses`` costs
    every run its import (it imports ``inspect``); nothing compares or changes settings."""

    __slots__ = (*_FIELDS, "_matchers")

    def __init__(
        self,
        select: Tuple[str, ...] = (),
        ignore: Tuple[str, ...] = (),
        extend_select: Tuple[str, ...] = (),
        exclude: Tuple[str, ...] = DEFAULT_EXCLUDE,
        extend_exclude: Tuple[str, ...] = (),
        per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = (),
        respect_gitignore: bool = True,
        force_exclude: bool = False,
        fix_style: str = "rename",
        format: str = "text",
        unsafe_fixes: bool = False,  # check --fix applies fixes that change training numerics too
        target_torch: Optional[Tuple[int, int]] = None,  # None: the lowest torch the project's metadata allows
        cache_dir: Optional[str] = None,  # None: .adamw_lint_cache beside the configuration (or in the cwd)
        source: Optional[str] = None,  # the file they came from
        root: str = ".",  # patterns are relative to it
    ) -> None:
        self.select = select
        self.ignore = ignore
        self.extend_select = extend_select
        self.exclude = exclude
        self.extend_exclude = extend_exclude
        self.per_file_ignores = per_file_ignores
        self.respect_gitignore = respect_gitignore
        self.force_exclude = force_exclude
        self.fix_style = fix_style
        self.format = format
        self.unsafe_fixes = unsafe_fixes
        self.target_torch = target_torch
        self.cache_dir = cache_dir
        self.source = source
        self.root = root
        self._matchers: Dict[str, Any] = {}  # compiled patterns, shared by every folder these settings govern

    def replace(self, **changes: Any) -> "Settings":
        """A copy with ``changes`` (and its own compiled patterns: they depend on what changed)."""
        values = {name: getattr(self, name) for name in _FIELDS}
        values.update(changes)
        return Settings(**values)

    def selection_for(self, path: str) -> Selection:
        ignore = list(self.ignore)
        for pattern, codes in self.per_file_ignores:
            if self._matcher("per-file-ignores", (pattern,))(path, False):
                ignore.extend(codes)
        return Selection(self.select, tuple(ignore), self.extend_select)

    def excluded(self, path: str, is_dir: bool) -> bool:
        """Whether ``exclude``/``extend-exclude`` match: gitignore patterns relative to ``root``.
        When every pattern is a plain name (ruff's defaults, ``extend-exclude = ["wandb"]``), as
        ruff does, a file or folder of that name is excluded wherever it is (a path named on the
        command line outside the configuration's folder too), with everything below the folder."""
        patterns = self.exclude + self.extend_exclude
        if "plain names" not in self._matchers:
            self._matchers["plain names"] = frozenset(patterns) if all(map(_is_plain_name, patterns)) else None
        names = self._matchers["plain names"]
        if names is None:  # a real pattern (a negation, a glob, a path)
            return self._matcher("exclude", patterns)(path, is_dir)
        if os.path.basename(path) in names:
            return True
        relative = _relative_to(path, self.root)  # without pattern matching
        return relative is not None and not names.isdisjoint(relative.split("/"))

    def _matcher(self, key: str, patterns: Tuple[str, ...]) -> Callable[[str, bool], bool]:
        cache_key = key + "\0" + "\0".join(patterns)
        matcher = self._matchers.get(cache_key)
        if matcher is None:
            matcher = _pattern_matcher(patterns, self.root)
            self._matchers[cache_key] = matcher
        return matcher

    def describe(self) -> str:
        """The effective settings as valid TOML (``adamw-lint config``)."""
        source = re.sub(_TOML_CONTROL, lambda m: f"\\x{ord(m.group()):02x}",
                        self.source or "(defaults: no configuration found)")
        lines = [f"# settings from {source}", "[tool.adamw-lint]"]  # a comment ends at a newline
        for key in ("select", "ignore", "extend_select", "exclude", "extend_exclude", "respect_gitignore",
                    "force_exclude", "fix_style", "format", "unsafe_fixes"):
            lines.append(f"{key.replace('_', '-')} = {_toml(getattr(self, key))}")
        if self.target_torch is not None:
            lines.append(f'target-torch = "{self.target_torch[0]}.{self.target_torch[1]}"')
        if self.cache_dir is not None:
            lines.append(f"cache-dir = {_toml(self.cache_dir)}")
        lines.append("per-file-ignores = {" + ", ".join(
            f"{_toml(pattern)} = {_toml(codes)}" for pattern, codes in self.per_file_ignores) + "}")
        return "\n".join(lines) + "\n"


def line_length_note(path: str) -> str:
    """What ``adamw-lint config`` adds after the settings: the line length fixes keep to at
    ``path`` and which tool's configuration it comes from (a TOML comment: the output stays valid)."""
    found = enforced_line_length(path)
    return f"# fixes keep lines within {found.limit} characters ({found.source})\n"


_PATTERN_CHARACTERS = frozenset("/*?[]!\\#")


def _is_plain_name(pattern: str) -> bool:
    """A gitignore pattern that is just a file or folder name (``build``, ``.venv``)."""
    return bool(pattern) and pattern == pattern.strip() and _PATTERN_CHARACTERS.isdisjoint(pattern)


def _relative_to(path: str, root: str) -> Optional[str]:
    """``path`` relative to ``root``, POSIX-style; None when it is outside."""
    base = os.path.abspath(root)
    prefix = base if base.endswith(os.sep) else base + os.sep
    path = os.path.abspath(path)
    return path[len(prefix):].replace(os.sep, "/") if path.startswith(prefix) else None


def _pattern_matcher(patterns: Tuple[str, ...], root: str) -> Callable[[str, bool], bool]:
    spec = Patterns(patterns)  # checked when the settings were read (``_checked``)

    def matches(path: str, is_dir: bool) -> bool:
        relative = _relative_to(path, root)
        if relative is None:
            return False  # outside this configuration's tree
        return spec.check(relative + "/" if is_dir else relative) is True

    return matches


def _toml(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + re.sub(_TOML_CONTROL, lambda m: f"\\u{ord(m.group()):04x}", text) + '"'  # TOML allows none raw


_TOML_CONTROL = r"[\x00-\x1f\x7f]"  # compiled on first use: only `config` and --show-settings print TOML


def read(path: str) -> Optional[Settings]:
    """The settings a configuration file sets; None for a pyproject.toml without our table."""
    tomllib = toml_parser()
    try:
        document = tomllib.loads(read_bytes(path, MAX_SOURCE_BYTES).decode("utf-8"))
    except SourceError as error:
        raise SettingsError(f"{path}: cannot read it: {error.reason}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"{path}: cannot read it: {error}") from None
    except RecursionError:  # tomllib recurses per nested array or inline table
        raise SettingsError(f"{path}: cannot read it: nested too deeply") from None
    except MemoryError:
        raise SettingsError(f"{path}: cannot read it: out of memory") from None
    if os.path.basename(path) == "pyproject.toml":
        tool = document.get("tool", {})
        if not isinstance(tool, dict):
            raise SettingsError(f"{path}: 'tool' must be a table")
        table = tool.get("adamw-lint")
        if table is None:
            return None
        if not isinstance(table, dict):
            raise SettingsError(f"{path}: [tool.adamw-lint] must be a table")
        return parse(table, path, "[tool.adamw-lint] ")
    return parse(document, path, "")


_KEYS = {name.replace("_", "-") for name in _FIELDS if name not in ("source", "root")}


def parse(table: Dict[str, Any], source: str, where: str = "") -> Settings:
    values: Dict[str, Any] = {"source": source, "root": _parent(source)}

    def fail(key: str, what: str) -> SettingsError:
        return SettingsError(f"{source}: {where}{key} {what}")

    def strings(key: str, value: Any) -> Tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(key, "must be a list of strings")
        return tuple(value)

    def codes(key: str, value: Any) -> Tuple[str, ...]:
        try:
            return parse_codes(",".join(strings(key, value)))
        except ValueError as error:
            raise fail(key, f": {error}") from None

    for key, value in table.items():
        name = key.replace("-", "_")
        if key in ("select", "ignore", "extend-select"):
            values[name] = codes(key, value)
        elif key in ("exclude", "extend-exclude"):
            values[name] = _checked(strings(key, value), lambda what: fail(key, what))
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise fail(key, 'must be a table of pattern = ["codes"]')
            _checked(tuple(value), lambda what: fail(key, what))
            values[name] = tuple((pattern, codes(f"{key}.{pattern!r}", listed)) for pattern, listed in value.items())
        elif key == "target-torch":
            try:
                values[name] = parse_version(value) if isinstance(value, str) else parse_version("")
            except ValueError:
                raise fail(key, 'must be a torch version as a string, like "2.5"') from None
        elif key in ("respect-gitignore", "force-exclude", "unsafe-fixes"):
            if not isinstance(value, bool):
                raise fail(key, "must be true or false")
            values[name] = value
        elif key == "fix-style":
            if value not in STYLES:
                raise fail(key, f"must be one of {', '.join(STYLES)}")
            values[name] = value
        elif key == "cache-dir":
            if not isinstance(value, str) or not value:
                raise fail(key, "must be a directory name as a string")
            values[name] = os.path.join(values["root"], value)
        elif key == "format":
            if value not in FORMATS:
                raise fail(key, f"must be one of {', '.join(FORMATS)}")
            values[name] = value
        else:
            raise SettingsError(f"{source}: {where}unknown key {key!r} (known: {', '.join(sorted(_KEYS))})")
    return Settings(**values)


def _checked(patterns: Tuple[str, ...], fail: Callable[[str], Exception]) -> Tuple[str, ...]:
    """``patterns``, once each compiles: an invalid one in our own settings is an error naming it
    (in a ``.gitignore``, which other tools read too, such a line is skipped as git skips it)."""
    try:
        Patterns(patterns, strict=True)
    except PatternError as error:
        raise fail(f"has {error}") from None
    return patterns


def _parent(path: str) -> str:
    """The folder of a normalized path, as ``pathlib`` gives it ("." for a bare name)."""
    return os.path.dirname(path) or os.curdir


def config_in(directory: str) -> Optional[Settings]:
    """The settings of the configuration file in ``directory`` (absolute) itself, if one configures us."""
    for name in CONFIG_NAMES:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            settings = read(path)
            if settings is not None:
                return settings
    return None


class Resolver:
    """Settings for any path: its closest configuration, then the command line on top.
    Cached per directory, so a tree of 50,000 files reads each configuration once."""

    def __init__(self, overrides: Dict[str, Any], config: Optional[str] = None, isolated: bool = False) -> None:
        self.overrides = {k: v for k, v in overrides.items() if v is not None}
        for key in ("exclude", "extend_exclude"):
            _checked(self.overrides.get(key, ()), lambda what: SettingsError(f"--{key.replace('_', '-')} {what}"))
        self.isolated = isolated
        self.fixed: Optional[Settings] = None
        if config is not None:
            from pathlib import PurePath  # --config as given, normalized as messages show it: "./a.toml" is "a.toml"

            path = str(PurePath(config))
            settings = read(path)
            self.fixed = self._merge(settings or Settings(source=config, root=_parent(path)))
        elif isolated:
            self.fixed = self._merge(Settings(root=os.getcwd()))
        self._by_directory: Dict[str, Union[Settings, SettingsError]] = {}
        self._by_path: Dict[str, Settings] = {}

    def _merge(self, settings: Settings) -> Settings:
        if not self.overrides:
            return settings
        overrides = dict(self.overrides)
        if "extend_exclude" in overrides:
            overrides["extend_exclude"] = settings.extend_exclude + overrides["extend_exclude"]
        return settings.replace(**overrides)

    def for_directory(self, directory: str) -> Settings:
        """The closest configuration at or above ``directory``; one object per configuration
        file, so its compiled patterns are shared by every folder it governs.
        A configuration that cannot be read raises SettingsError, for every folder it governs.
        """
        if self.fixed is not None:
            return self.fixed
        key = os.path.abspath(directory)
        unresolved = []  # from ``key`` up to the first folder already known: a loop, not recursion
        while key not in self._by_directory:
            unresolved.append(key)
            try:
                found: Union[Settings, SettingsError, None] = config_in(key)
            except SettingsError as error:
                found = error
            parent = os.path.dirname(key)
            if found is not None:
                self._by_directory[key] = found if isinstance(found, SettingsError) else self._merge(found)
            elif parent == key:
                self._by_directory[key] = self._merge(Settings(root=os.getcwd()))
            else:
                key = parent
        settings = self._by_directory[key]
        self._by_directory.update(dict.fromkeys(unresolved, settings))
        if isinstance(settings, SettingsError):
            raise SettingsError(*settings.args)  # a new one each time: no traceback piles up on it
        return settings

    def for_path(self, path: str) -> Settings:
        """``for_directory`` of the path's folder (of the path, for a folder), once per path: a run
        asks for a candidate's settings twice (its fix options, its selection), each a ``stat``."""
        if self.fixed is not None:
            return self.fixed
        settings = self._by_path.get(path)
        if settings is None:
            directory = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
            settings = self._by_path[path] = self.for_directory(directory)
        return settings

    def selection_for(self, path: str) -> Selection:
        return self.for_path(path).selection_for(path)
