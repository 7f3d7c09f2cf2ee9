"""What a project's own metadata says about it: the oldest torch it allows, and its line length.

Read from the files next to the code (walking up from a file to the project root), never by
importing anything or running ``setup.py`` (it is parsed, and only a literal ``install_requires``
is read). A fix uses the first to stay within the torch the project supports (``target-torch``
when it is not set) and the second to keep its lines within the project's limit.

* torch: every requirement on ``torch`` (``pytorch`` in conda's ``environment.yml``) in
  ``pyproject.toml`` (``[project]`` dependencies and optional dependencies, Poetry's tables),
  ``requirements*.txt``, ``setup.cfg`` (``install_requires``/``extras_require``), ``setup.py``
  and ``environment.yml``. A requirement's floor is its lowest allowed ``major.minor``
  (``>=2.1``, ``==2.1.*``, ``~=2.1``, ``>2.1``, Poetry's ``^2.1``, conda's ``=2.1``); the
  project's floor is the lowest of them (code may run on any version one of its files allows).
  No requirement with a lower bound (no torch at all, or plain ``torch``): ``None``, which fix
  planning reads as "no constraint known".
* line length: ``[tool.ruff]`` / ``ruff.toml`` ``line-length``, ``[tool.black]`` ``line-length``,
  flake8's ``max-line-length`` (``setup.cfg``, ``tox.ini``, ``.flake8``). Several tools: the
  smallest, so the fixed code passes all of them. None set: 88 (black's and ruff's default).

The project root is the first directory, going up from the file, that holds a ``pyproject.toml``,
``setup.py``, ``setup.cfg`` or ``.git``; files in the directories on the way count too.
"""

from __future__ import annotations

import ast
import os
import re
import sys
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable, Iterator, List, Optional, Tuple

if TYPE_CHECKING:
    import configparser

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python < 3.11
    import tomli as tomllib

Version = Tuple[int, int]
DEFAULT_LINE_LENGTH = 88
_ROOT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
_MAX_BYTES = 2_000_000  # a metadata file larger than this is not metadata: skipped
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*)$")
_CLAUSE = re.compile(r"(~=|===|==|!=|<=|>=|<|>|\^|~|=)?\s*v?(\d+)(?:\.(\d+|\*))?")


def torch_floor(path: str) -> Optional[Version]:
    """The lowest torch (major, minor) the project holding ``path`` (a file or directory) allows."""
    floors: List[Version] = []
    for directory in _directories(path):
        floors.extend(_directory_floors(directory))
    return min(floors) if floors else None


def line_length(path: str) -> int:
    """The line length the project holding ``path`` enforces (88 when no tool sets one)."""
    lengths: List[int] = []
    for directory in _directories(path):
        lengths.extend(_directory_lengths(directory))
    return min(lengths) if lengths else DEFAULT_LINE_LENGTH


def parse_version(text: str) -> Version:
    """``"2.5"`` → (2, 5) (``--target-torch``, the ``target-torch`` setting); ValueError otherwise."""
    found = re.fullmatch(r"\s*(\d+)\.(\d+)(?:\.\d+)?\s*", text)
    if not found:
        raise ValueError(f"{text!r} is not a torch version (major.minor, e.g. 2.5)")
    return int(found.group(1)), int(found.group(2))


def requirement_floor(requirement: str, names: Iterable[str] = ("torch",)) -> Optional[Version]:
    """The lowest (major, minor) a requirement string on one of ``names`` allows; None when it
    names another package or sets no lower bound (``torch``, ``torch<3``, ``torch @ https://…``)."""
    requirement = requirement.split(";", 1)[0].split("#", 1)[0].strip()
    found = _REQUIREMENT.match(requirement)
    if not found or _normalize(found.group(1)) not in {_normalize(n) for n in names}:
        return None
    return _specifier_floor(found.group(2))


# --- walking up -------------------------------------------------------------------------------

def _directories(path: str) -> Iterator[str]:
    directory = os.path.abspath(path)
    if not os.path.isdir(directory):
        directory = os.path.dirname(directory)
    while True:
        yield directory
        if any(os.path.exists(os.path.join(directory, marker)) for marker in _ROOT_MARKERS):
            return
        parent = os.path.dirname(directory)
        if parent == directory:
            return
        directory = parent


def _read(path: str) -> Optional[str]:
    try:
        if not os.path.isfile(path) or os.path.getsize(path) > _MAX_BYTES:
            return None
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def _toml(path: str) -> dict:
    text = _read(path)
    if text is None:
        return {}
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return {}


def _ini(path: str) -> Optional[configparser.ConfigParser]:
    text = _read(path)
    if text is None:
        return None
    import configparser  # setup.cfg/tox.ini are read only when a fix needs the torch floor

    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    return parser


def _table(data: object, *keys: str) -> dict:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


# --- torch ------------------------------------------------------------------------------------

@lru_cache(maxsize=1024)
def _directory_floors(directory: str) -> Tuple[Version, ...]:
    found: List[Optional[Version]] = []
    for requirement in _pyproject_requirements(os.path.join(directory, "pyproject.toml")):
        found.append(requirement_floor(requirement))
    found.extend(_poetry_floors(os.path.join(directory, "pyproject.toml")))
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        names = []
    for name in names:
        if name.startswith("requirements") and name.endswith(".txt"):
            found.extend(requirement_floor(line) for line in _requirement_lines(os.path.join(directory, name)))
        elif name in ("environment.yml", "environment.yaml"):
            found.extend(_conda_floors(os.path.join(directory, name)))
    found.extend(requirement_floor(r) for r in _setup_cfg_requirements(os.path.join(directory, "setup.cfg")))
    found.extend(requirement_floor(r) for r in _setup_py_requirements(os.path.join(directory, "setup.py")))
    return tuple(v for v in found if v is not None)


def _pyproject_requirements(path: str) -> List[str]:
    project = _table(_toml(path), "project")
    dependencies = project.get("dependencies")
    requirements = list(dependencies) if isinstance(dependencies, list) else []  # junk (`= 5`) is no metadata
    for extra in _table(project, "optional-dependencies").values():
        requirements.extend(extra if isinstance(extra, list) else [])
    return [r for r in requirements if isinstance(r, str)]


def _poetry_floors(path: str) -> List[Optional[Version]]:
    poetry = _table(_toml(path), "tool", "poetry")
    tables = [_table(poetry, "dependencies")]
    tables += [_table(group, "dependencies") for group in _table(poetry, "group").values()]
    floors = []
    for table in tables:
        for name, spec in table.items():
            if _normalize(name) != "torch":
                continue
            if isinstance(spec, dict):
                spec = spec.get("version", "")
            floors.append(_specifier_floor(spec) if isinstance(spec, str) else None)
    return floors


def _requirement_lines(path: str) -> List[str]:
    text = _read(path) or ""
    return [line for line in text.replace("\\\n", "").splitlines() if not line.lstrip().startswith("-")]


def _conda_floors(path: str) -> List[Optional[Version]]:
    """``- pytorch>=2.1``, ``- pytorch=2.1`` (2.1.*), ``- pytorch::pytorch=2.1.0=py3.11…`` (a build
    string after the version), ``- pytorch 2.1.*``, and pip's ``- torch==…``."""
    floors = []
    for line in (_read(path) or "").splitlines():
        entry = re.match(r"\s*-\s*['\"]?(?:[\w.-]+::)?([^'\"#]+)", line)
        if entry:
            text = re.sub(r"^([\w.-]+)\s*=(?!=)\s*([^=\s]+).*$", r"\1==\2", entry.group(1).strip())
            text = re.sub(r"^([\w.-]+)\s+(\d)", r"\1==\2", text)
            floors.append(requirement_floor(text, ("torch", "pytorch")))
    return floors


def _setup_cfg_requirements(path: str) -> List[str]:
    parser = _ini(path)
    if parser is None:
        return []
    lines = []
    if parser.has_option("options", "install_requires"):
        lines += parser.get("options", "install_requires").splitlines()
    if parser.has_section("options.extras_require"):
        for _, value in parser.items("options.extras_require"):
            lines += value.splitlines()
    return [line for line in lines if line.strip()]


def _setup_py_requirements(path: str) -> List[str]:
    """String literals of ``setup(install_requires=[…], extras_require={…})`` (a module-level
    name bound to a literal list is followed); the file is parsed, never run."""
    text = _read(path)
    if text is None or "setup" not in text:
        return []
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    assigned = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
                for t in node.targets if isinstance(t, ast.Name)}
    requirements: List[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg not in ("install_requires", "extras_require"):
                continue
            value = keyword.value
            if isinstance(value, ast.Name):
                value = assigned.get(value.id, value)
            values = value.values if isinstance(value, ast.Dict) else [value]
            for item in values:
                if isinstance(item, ast.Name):
                    item = assigned.get(item.id, item)
                if isinstance(item, (ast.List, ast.Tuple)):
                    requirements += [e.value for e in item.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return requirements


def _specifier_floor(specifier: str) -> Optional[Version]:
    """The lowest (major, minor) a version specifier allows; None without a lower bound.
    Poetry's alternatives (``^1.13 || ^2.0``): the lowest, if each has one."""
    alternatives = []
    for alternative in specifier.split("||"):
        floors = []
        for clause in alternative.split(","):
            found = _CLAUSE.match(clause.strip())
            if found and found.group(1) not in ("<", "<=", "!="):
                minor = found.group(3)
                floors.append((int(found.group(2)), int(minor) if minor and minor != "*" else 0))
        if not floors:
            return None
        alternatives.append(max(floors))
    return min(alternatives) if alternatives else None


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# --- line length ------------------------------------------------------------------------------

@lru_cache(maxsize=1024)
def _directory_lengths(directory: str) -> Tuple[int, ...]:
    lengths: List[object] = []
    pyproject = _toml(os.path.join(directory, "pyproject.toml"))
    lengths.append(_table(pyproject, "tool", "ruff").get("line-length"))
    lengths.append(_table(pyproject, "tool", "black").get("line-length"))
    for name in ("ruff.toml", ".ruff.toml"):
        lengths.append(_toml(os.path.join(directory, name)).get("line-length"))
    for name in ("setup.cfg", "tox.ini", ".flake8"):
        parser = _ini(os.path.join(directory, name))
        for section in ("flake8", "pycodestyle"):
            if parser is not None and parser.has_option(section, "max-line-length"):
                lengths.append(parser.get(section, "max-line-length").strip())
            elif parser is not None and parser.has_option(section, "max_line_length"):
                lengths.append(parser.get(section, "max_line_length").strip())
    numbers = []
    for value in lengths:
        if isinstance(value, str) and value.isascii() and value.isdigit():  # "²" is a digit to str.isdigit
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            numbers.append(value)
    return tuple(numbers)


__all__ = ("DEFAULT_LINE_LENGTH", "line_length", "parse_version", "requirement_floor", "torch_floor")
