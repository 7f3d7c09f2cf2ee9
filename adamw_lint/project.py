"""What a project's own metadata says about it: the oldest torch it allows, whether it keeps to
legacy Keras, and its line length.

Read from the files next to the code (walking up from a file to the project root), never by
importing anything or running ``setup.py`` (it is parsed, and only a literal ``install_requires``
is read). A fix uses the first to stay within the torch the project supports (``target-torch``
when it is not set) and the second to keep its lines within the project's limit.

* torch: every requirement on ``torch`` (``pytorch`` in conda's ``environment.yml``) in
  ``pyproject.toml`` (``[project]`` dependencies and optional dependencies, Poetry's tables),
  ``requirements*.txt``, ``setup.cfg`` (``install_requires``/``extras_require``), ``setup.py``,
  ``environment.yml``, and for a package pip installed, its distribution's ``METADATA``
  (``Requires-Dist``) in the ``*.dist-info`` beside it. A requirement's floor is its lowest
  allowed ``major.minor`` (``>=2.1``, ``==2.1.*``, ``~=2.1``, ``>2.1``, Poetry's ``^2.1``, conda's ``=2.1``); the
  project's floor is the lowest of them (code may run on any version one of its files allows).
  No requirement with a lower bound (no torch at all, or plain ``torch``): ``None``, which fix
  planning reads as "no constraint known".
* Keras: whether the same requirements keep TensorFlow and Keras at 2.10 or older
  (``legacy_keras``), where ``decay=`` is the optimizers' learning-rate decay (AWL203).
* line length (``enforced_line_length``): what each tool the project runs enforces: ruff
  (``line-length``, E501's ``max-line-length``), black, flake8 and pycodestyle (``setup.cfg``,
  ``tox.ini``, ``.flake8``), yapf (``column_limit`` or its style's), pylint, and the hooks of
  ``.pre-commit-config.yaml`` with their ``args``. A tool that runs without a length enforces
  its default (flake8's and pycodestyle's 79, not 88). Several tools: the smallest, so the fixed
  code passes all of them. No tool: 88 (black's and ruff's default).

The project root is the first directory, going up from the file, that holds a ``pyproject.toml``,
``setup.py``, ``setup.cfg`` or ``.git``; files in the directories on the way count too.
"""

from __future__ import annotations

import os
import re
import sys
from functools import lru_cache
from typing import TYPE_CHECKING, Dict, Iterable, Iterator, List, Optional, Set, Tuple

from .files import SourceError, read_bytes
from .records import Record

if TYPE_CHECKING:
    import configparser
    from types import ModuleType

Version = Tuple[int, int]
# Keras 2.11 (TF 2.11) made its new optimizers the default: they refuse decay= (Keras 3 ignores it)
_LEGACY_KERAS = (2, 10)
_ANY_MINOR = 1 << 30
_TENSORFLOW = frozenset({"tensorflow", "tensorflow-gpu", "tensorflow-cpu", "tensorflow-macos", "tensorflow-intel",
                         "tensorflow-aarch64", "tensorflow-rocm", "intel-tensorflow", "tf-nightly", "tf-nightly-gpu"})
DEFAULT_LINE_LENGTH = 88
_ROOT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
_MAX_BYTES = 2_000_000  # a metadata file larger than this is not metadata: skipped
# compiled on first use (re's cache): only a project that declares its dependencies needs them
_REQUIREMENT = r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*)$"
_CLAUSE = r"(~=|===|==|!=|<=|>=|<|>|\^|~|=)?\s*v?(\d+)(?:\.(\d+|\*))?(?:\.(\d+|\*))?"


def torch_floor(path: str) -> Optional[Version]:
    """The lowest torch (major, minor) the project holding ``path`` (a file or directory) allows."""
    directory = os.path.abspath(path)
    return _floor_at(directory if os.path.isdir(directory) else os.path.dirname(directory))


@lru_cache(maxsize=1024)
def _floor_at(directory: str) -> Optional[Version]:
    """``torch_floor`` of a directory, once per directory: every candidate file asks, and the walk
    up to the project's root is a few ``stat`` calls per level."""
    floors = [_specifier_floor(specifier) for name, specifier in _requirements_at(directory) if name == "torch"]
    return min((floor for floor in floors if floor is not None), default=None)


def legacy_keras(path: str) -> bool:
    """Whether the project holding ``path`` runs only TensorFlow/Keras 2.10 or older, as its
    requirements say: at least one caps them there, none on a TensorFlow distribution leaves them
    open above, none asks for tf-keras (2.15 on) or a Keras from 2.11 on, and a Keras left open
    only where a capped TensorFlow decides it (TF 2.x pins its Keras). Nothing known: False."""
    return _legacy_keras_at(os.path.dirname(os.path.abspath(path)))


@lru_cache(maxsize=1024)
def _legacy_keras_at(directory: str) -> bool:
    capped = tensorflow = keras_open = False
    for name, specifier in _requirements_at(directory):
        if name == "tf-keras":
            return False
        if name in _TENSORFLOW or name == "keras":
            ceiling = _specifier_ceiling(specifier)
            floor = _specifier_floor(specifier)
            if floor is not None and floor > _LEGACY_KERAS:
                return False
            if ceiling is not None and ceiling <= _LEGACY_KERAS:
                capped = True
            elif name == "keras":
                keras_open = True
            else:
                return False
            tensorflow = tensorflow or name in _TENSORFLOW
    return capped and (tensorflow or not keras_open)


def _requirements_at(directory: str) -> List[Tuple[str, str]]:
    """(name, version specifier) of the requirements declared from ``directory`` up to its project's root."""
    return [found for folder in _directories(directory) for found in _directory_requirements(folder)]


def project_root(path: str) -> Optional[str]:
    """The root of the project holding ``path`` (where ``torch_floor`` and ``line_length`` stop):
    the first directory up that holds a ``pyproject.toml``, ``setup.py``, ``setup.cfg`` or
    ``.git``; None when none does (a file outside any project)."""
    for directory in _directories(path):
        if any(os.path.exists(os.path.join(directory, marker)) for marker in _ROOT_MARKERS):
            return directory
    return None


def in_package(path: str) -> bool:
    """Whether other code can import the module at ``path``: a ``.py`` file in a package (a
    ``_private.py`` one too: its package re-exports what it defines, and its siblings import it)."""
    return path.endswith(".py") and os.path.isfile(os.path.join(os.path.dirname(os.path.abspath(path)), "__init__.py"))


def parse_version(text: str) -> Version:
    """``"2.5"`` → (2, 5) (``--target-torch``, the ``target-torch`` setting); ValueError otherwise."""
    found = re.fullmatch(r"\s*(\d+)\.(\d+)(?:\.\d+)?\s*", text)
    if not found:
        raise ValueError(f"{text!r} is not a torch version (major.minor, e.g. 2.5)")
    return int(found.group(1)), int(found.group(2))


def requirement_floor(requirement: str, names: Iterable[str] = ("torch",)) -> Optional[Version]:
    """The lowest (major, minor) a requirement string on one of ``names`` allows; None when it
    names another package or sets no lower bound (``torch``, ``torch<3``, ``torch @ https://…``)."""
    found = _split(requirement)
    if found is None or found[0] not in {_normalize(n) for n in names}:
        return None
    return _specifier_floor(found[1])


def _split(requirement: str) -> Optional[Tuple[str, str]]:
    """``"Torch[cuda] >= 1.13 ; python_version > '3.8'"`` → ("torch", ">= 1.13")."""
    found = re.match(_REQUIREMENT, requirement.split(";", 1)[0].split("#", 1)[0].strip())
    return (_normalize(found.group(1)), found.group(2)) if found else None


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
    try:  # a regular file only, opened without blocking (a FIFO named setup.cfg) and bounded
        return read_bytes(path, _MAX_BYTES).decode("utf-8", errors="replace")
    except SourceError:
        return None


def toml_parser() -> ModuleType:
    """tomllib, imported once a TOML file is read: a run over a tree without one (most installed
    packages, many research repositories) never pays its ~3 ms."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python < 3.11
        import tomli as tomllib
    return tomllib


def _toml(path: str) -> dict:
    text = _read(path)
    if text is None:
        return {}
    tomllib = toml_parser()
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


# --- requirements -----------------------------------------------------------------------------

@lru_cache(maxsize=1024)
def _directory_requirements(directory: str) -> Tuple[Tuple[str, str], ...]:
    """(normalized name, version specifier) of every requirement the metadata files of
    ``directory`` itself declare."""
    found: List[Optional[Tuple[str, str]]] = []
    found.extend(_split(r) for r in _pyproject_requirements(os.path.join(directory, "pyproject.toml")))
    found.extend(_poetry_requirements(os.path.join(directory, "pyproject.toml")))
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        names = []
    for name in names:
        if name.startswith("requirements") and name.endswith(".txt"):
            found.extend(_split(line) for line in _requirement_lines(os.path.join(directory, name)))
        elif name in ("environment.yml", "environment.yaml"):
            found.extend(_conda_requirements(os.path.join(directory, name)))
    found.extend(_split(r) for r in _setup_cfg_requirements(os.path.join(directory, "setup.cfg")))
    found.extend(_split(r) for r in _setup_py_requirements(os.path.join(directory, "setup.py")))
    found.extend(_split(r) for r in _installed_requirements(directory))
    return tuple(r for r in found if r is not None)


def _installed_requirements(directory: str) -> List[str]:
    """The ``Requires-Dist`` of the installed distribution whose top-level package ``directory``
    is (``site-packages/nlp_architect`` beside ``nlp_architect-0.5.4.dist-info``, which its
    ``top_level.txt`` names): a package checked where pip put it declares its requirements there,
    not in a ``setup.py``. A name that more than one distribution claims (a namespace package) is
    none's alone: nothing is read. ``tensorflow (==1.15.2)``, an older spelling, is
    read as ``==1.15.2``."""
    parent, package = os.path.split(directory)
    owners = []
    for info in _distribution_infos(parent):
        listed = _header(os.path.join(parent, info, "top_level.txt"))
        named = info.split("-", 1)[0].lower() == package.lower()  # a wheel's folder: name-version.dist-info
        if package in listed.split() if listed is not None else named:
            owners.append(info)
    if len(owners) != 1:
        return []
    found: List[str] = []
    for line in (_header(os.path.join(parent, owners[0], "METADATA")) or "").splitlines():
        if not line.strip():
            break  # the headers end where the description starts
        if line.startswith("Requires-Dist:"):
            found.append(re.sub(r"\(([^)]*)\)", r"\1", line[len("Requires-Dist:"):], count=1).strip())
    return found


def _header(path: str) -> Optional[str]:
    """The first 256 KB of a metadata file (its headers; a long description may follow), or None."""
    try:
        if not os.path.isfile(path):  # not a FIFO, a device or a folder
            return None
        with open(path, "rb") as file:
            return file.read(1 << 18).decode("utf-8", errors="replace")
    except OSError:
        return None


@lru_cache(maxsize=256)
def _distribution_infos(directory: str) -> Tuple[str, ...]:
    """The ``*.dist-info`` folders of ``directory`` (an installation's ``site-packages``)."""
    try:
        return tuple(sorted(name for name in os.listdir(directory) if name.endswith(".dist-info")))
    except OSError:
        return ()


def _pyproject_requirements(path: str) -> List[str]:
    project = _table(_toml(path), "project")
    dependencies = project.get("dependencies")
    requirements = list(dependencies) if isinstance(dependencies, list) else []  # junk (`= 5`) is no metadata
    for extra in _table(project, "optional-dependencies").values():
        requirements.extend(extra if isinstance(extra, list) else [])
    return [r for r in requirements if isinstance(r, str)]


def _poetry_requirements(path: str) -> List[Tuple[str, str]]:
    poetry = _table(_toml(path), "tool", "poetry")
    tables = [_table(poetry, "dependencies")]
    tables += [_table(group, "dependencies") for group in _table(poetry, "group").values()]
    found = []
    for table in tables:
        for name, spec in table.items():
            if isinstance(spec, dict):
                spec = spec.get("version", "")
            found.append((_normalize(name), spec if isinstance(spec, str) else ""))
    return found


def _requirement_lines(path: str) -> List[str]:
    text = _read(path) or ""
    return [line for line in text.replace("\\\n", "").splitlines() if not line.lstrip().startswith("-")]


def _conda_requirements(path: str) -> List[Optional[Tuple[str, str]]]:
    """``- pytorch>=2.1``, ``- pytorch=2.1`` (2.1.*), ``- pytorch::pytorch=2.1.0=py3.11…`` (a build
    string after the version), ``- pytorch 2.1.*``, and pip's ``- torch==…``; conda's ``pytorch``
    is torch."""
    found = []
    for line in (_read(path) or "").splitlines():
        entry = re.match(r"\s*-\s*['\"]?(?:[\w.-]+::)?([^'\"#]+)", line)
        if entry:
            text = re.sub(r"^([\w.-]+)\s*=(?!=)\s*([^=\s]+).*$", r"\1==\2.*", entry.group(1).strip())
            text = re.sub(r"^([\w.-]+)\s+(\d)", r"\1==\2", text)
            requirement = _split(text)
            found.append(("torch", requirement[1]) if requirement and requirement[0] == "pytorch" else requirement)
    return found


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
    import ast  # here: most projects declare their requirements in pyproject.toml

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
            found = re.match(_CLAUSE, clause.strip())
            if found and found.group(1) not in ("<", "<=", "!="):
                minor = found.group(3)
                floors.append((int(found.group(2)), int(minor) if minor and minor != "*" else 0))
        if not floors:
            return None
        alternatives.append(max(floors))
    return min(alternatives) if alternatives else None


def _specifier_ceiling(specifier: str) -> Optional[Version]:
    """The highest (major, minor) a version specifier allows; None without an upper bound.
    Alternatives (``||``): the highest, if each has one."""
    ceilings = []
    for alternative in specifier.split("||"):
        bounds = []
        for clause in alternative.split(","):
            found = re.match(_CLAUSE, clause.strip())
            bound = _clause_ceiling(*found.groups()) if found else None
            if bound is not None:
                bounds.append(bound)
        if not bounds:
            return None
        ceilings.append(min(bounds))
    return max(ceilings) if ceilings else None


def _clause_ceiling(operator: Optional[str], major: str, minor: Optional[str], patch: Optional[str]) -> Optional[Version]:
    """The highest (major, minor) one clause allows (``_ANY_MINOR``: any minor of ``major``)."""
    high = int(major)
    if operator in (None, "==", "===", "=", "<="):  # a bare version and =: Poetry's exact pin
        return (high, _ANY_MINOR) if minor == "*" else (high, int(minor or 0))
    if operator == "~":  # Poetry's ~2.8 is >=2.8,<2.9
        return (high, _ANY_MINOR) if minor in (None, "*") else (high, int(minor))
    if operator == "~=":  # ~=2.8 is >=2.8,==2.*; ~=2.8.0 is >=2.8.0,==2.8.*
        return (high, _ANY_MINOR) if patch is None or minor == "*" else (high, int(minor))
    if operator == "^":  # Poetry: up to the next non-zero component
        return (high, _ANY_MINOR) if high or minor in (None, "*") else (0, int(minor))
    if operator == "<":
        if minor in (None, "*"):
            return (high - 1, _ANY_MINOR)
        if patch not in (None, "*") and int(patch):  # <2.11.1 allows 2.11.0
            return (high, int(minor))
        return (high, int(minor) - 1) if int(minor) else (high - 1, _ANY_MINOR)
    return None  # >, >=, !=: no upper bound


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# --- line length ------------------------------------------------------------------------------

# What each tool enforces when the project runs it without setting a length. yapf's depends on its
# ``based_on_style`` (pep8, its default: 79; google, facebook, yapf: 80).
_TOOL_DEFAULTS = {"ruff": 88, "black": 88, "flake8": 79, "pycodestyle": 79, "pylint": 100}
_YAPF_DEFAULTS = {"pep8": 79, "google": 80, "facebook": 80, "yapf": 80}
# pre-commit hook ids → the tool; and the command-line options that set its length
_HOOKS = {"ruff": "ruff", "ruff-check": "ruff", "ruff-format": "ruff", "black": "black", "black-jupyter": "black",
          "flake8": "flake8", "pycodestyle": "pycodestyle", "yapf": "yapf", "pylint": "pylint"}
_LENGTH_OPTION = r"^(?:--max-line-length|--line-length|-l)(?:=|\s+|(?<=-l))(\d+)$"  # compiled on first use

# (tool, its length here or None (it runs with no usable length set here), what says so)
_Setting = Tuple[str, Optional[int], str]


class LineLength(Record):
    """The line length a fix must keep to, and where it comes from (``adamw-lint config`` says)."""

    limit: int
    source: str


def enforced_line_length(path: str) -> LineLength:
    """The line length the project holding ``path`` enforces: the smallest among the tools it runs
    (ruff, black, flake8, pycodestyle, yapf, pylint), each at its configured length or, when the
    project configures it or hooks it into pre-commit without one, at its own default (flake8's
    and pycodestyle's 79). No such tool: 88 (black's and ruff's default)."""
    explicit: List[Tuple[int, str]] = []
    configured: Set[str] = set()
    running: Dict[str, Tuple[int, str]] = {}
    for directory in _directories(path):
        for tool, length, where in _length_settings(directory):
            if length is not None:
                configured.add(tool)
                explicit.append((length, f"{tool}: {where}"))
            elif tool not in running:
                default = _TOOL_DEFAULTS.get(tool, DEFAULT_LINE_LENGTH)
                running[tool] = (default, f"{tool}'s default {default}: {where}")
    candidates = explicit + [c for tool, c in running.items() if tool not in configured]
    if not candidates:
        return LineLength(DEFAULT_LINE_LENGTH, f"the default {DEFAULT_LINE_LENGTH}: no ruff, black, flake8, "
                                               "pycodestyle, yapf or pylint configuration found")
    limit, source = min(candidates, key=lambda c: c[0])  # of the smallest, the first found: the closest
    return LineLength(limit, source)


def line_length(path: str) -> int:
    """The line length the project holding ``path`` enforces (``enforced_line_length``'s limit)."""
    return enforced_line_length(path).limit


def _setting(tool: str, value: object, key: str, where: str) -> _Setting:
    """A tool's setting of ``key`` read from ``where`` (``value`` None: not set there)."""
    if value is None:
        return tool, None, f"{where} sets no {key}"
    length = _length_value(value)
    if length is None:
        return tool, None, f"{key} = {value!r} in {where} is not a length"
    return tool, length, f"{key} = {length} in {where}"


@lru_cache(maxsize=1024)
def _length_settings(directory: str) -> Tuple[_Setting, ...]:
    """What the configuration files in ``directory`` say about line length, tool by tool."""
    found: List[_Setting] = []
    pyproject = _toml(os.path.join(directory, "pyproject.toml"))
    tools = _table(pyproject, "tool")
    ruff_file = next((n for n in (".ruff.toml", "ruff.toml") if os.path.isfile(os.path.join(directory, n))), None)
    if ruff_file is not None:  # ruff reads the first of these, and then not pyproject.toml
        ruff = _toml(os.path.join(directory, ruff_file))
        found.append(_setting("ruff", ruff.get("line-length"), "line-length", ruff_file))
        pycodestyle, where = _table(ruff, "lint", "pycodestyle"), f"[lint.pycodestyle] in {ruff_file}"
    elif "ruff" in tools:
        ruff = _table(tools, "ruff")
        found.append(_setting("ruff", ruff.get("line-length"), "line-length", "[tool.ruff] in pyproject.toml"))
        pycodestyle, where = _table(ruff, "lint", "pycodestyle"), "[tool.ruff.lint.pycodestyle] in pyproject.toml"
    else:
        pycodestyle, where = {}, ""
    if "max-line-length" in pycodestyle:  # E501's own limit, where it differs from the formatter's
        found.append(_setting("ruff", pycodestyle["max-line-length"], "max-line-length", where))
    if "black" in tools:
        found.append(_setting("black", _table(tools, "black").get("line-length"), "line-length",
                              "[tool.black] in pyproject.toml"))
    if "yapf" in tools:
        found.append(_yapf(_table(tools, "yapf"), "[tool.yapf] in pyproject.toml"))
    if "pylint" in tools:
        pylint = _table(tools, "pylint")
        length = _table(pylint, "format").get("max-line-length", _table(pylint, "FORMAT").get("max-line-length"))
        found.append(_setting("pylint", length, "max-line-length", "[tool.pylint.format] in pyproject.toml"))
    for name, sections in _INI_SECTIONS:
        parser = _ini(os.path.join(directory, name))
        for section, tool in sections:
            if parser is None or not parser.has_section(section):
                continue
            if tool == "yapf":
                found.append(_yapf(dict(parser.items(section)), f"[{section}] in {name}"))
                continue
            option = next((o for o in ("max-line-length", "max_line_length") if parser.has_option(section, o)),
                          "max-line-length")
            value = parser.get(section, option).strip() if parser.has_option(section, option) else None
            found.append(_setting(tool, value, option, f"[{section}] in {name}"))
    found.extend(_pre_commit_lengths(os.path.join(directory, ".pre-commit-config.yaml")))
    return tuple(found)


# The INI files each tool reads, and the sections that configure it
_INI_SECTIONS = (
    ("setup.cfg", (("flake8", "flake8"), ("pycodestyle", "pycodestyle"), ("pep8", "pycodestyle"), ("yapf", "yapf"))),
    ("tox.ini", (("flake8", "flake8"), ("pycodestyle", "pycodestyle"), ("pep8", "pycodestyle"))),
    (".flake8", (("flake8", "flake8"),)),
    (".style.yapf", (("style", "yapf"),)),
    (".pylintrc", (("FORMAT", "pylint"), ("format", "pylint"))),
    ("pylintrc", (("FORMAT", "pylint"), ("format", "pylint"))),
)


def _yapf(table: dict, where: str) -> _Setting:
    """yapf's ``column_limit``, else its style's (``based_on_style``, pep8 by default)."""
    limit = table.get("column_limit", table.get("column-limit"))
    length = _length_value(limit.strip() if isinstance(limit, str) else limit)
    if length is not None:
        return "yapf", length, f"column_limit = {length} in {where}"
    style = str(table.get("based_on_style", table.get("based-on-style", "pep8"))).strip().lower()
    return "yapf", _YAPF_DEFAULTS.get(style, _YAPF_DEFAULTS["pep8"]), f"the {style} style's column limit ({where})"


def _pre_commit_lengths(path: str) -> List[_Setting]:
    """The length-enforcing hooks of ``.pre-commit-config.yaml``, with the length their ``args``
    set (``--max-line-length=100``, ``--line-length 100``, ``-l 100``), if any."""
    text = _read(path)
    if not text:
        return []
    import yaml  # only a project with a pre-commit configuration pays for it

    try:
        document = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError, ValueError):
        return []
    found: List[_Setting] = []
    repos = document.get("repos") if isinstance(document, dict) else None
    for repo in repos if isinstance(repos, list) else []:
        hooks = repo.get("hooks") if isinstance(repo, dict) else None
        for hook in hooks if isinstance(hooks, list) else []:
            hook_id = hook.get("id") if isinstance(hook, dict) else None
            tool = _HOOKS.get(hook_id) if isinstance(hook_id, str) else None
            if tool is None:
                continue
            words = [str(a) for a in hook.get("args") or [] if isinstance(a, (str, int))] \
                if isinstance(hook.get("args"), list) else []
            pairs = [f"{a} {b}" for a, b in zip(words, words[1:])] + words
            lengths = [int(m.group(1)) for m in map(re.compile(_LENGTH_OPTION).match, pairs)
                       if m and int(m.group(1)) > 0]
            where = f"the {hook_id} hook in .pre-commit-config.yaml"
            if lengths:
                found.append((tool, lengths[0], f"{where} (args: {lengths[0]})"))
            else:
                found.append((tool, None, f"{where} sets no length"))
    return found


def _length_value(value: object) -> Optional[int]:
    """A configured length as a number; None for a value that is not one (the tool's default then
    applies, as when none is set)."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():  # "²" is a digit to str.isdigit
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def forget_metadata() -> None:
    """Drops what was read of projects' metadata (requirements, line lengths), kept per directory
    for a run: the next run in this process (an editor's, a test's) reads it anew."""
    for cached in (_floor_at, _legacy_keras_at, _directory_requirements, _distribution_infos, _length_settings):
        cached.cache_clear()


__all__ = ("DEFAULT_LINE_LENGTH", "LineLength", "enforced_line_length", "forget_metadata", "in_package", "line_length",
           "legacy_keras", "parse_version", "project_root", "requirement_floor", "torch_floor")
