"""Each shortcut taken for speed gives the answer of the slow path it replaces: checked here by
comparing the two on generated inputs and on real code (the standard library's sources)."""
import ast
import os
import random

from adamw_lint.settings import DEFAULT_EXCLUDE, Settings, _pattern_matcher


def test_excludes_match_as_pathspec_does_and_plain_names_skip_it():
    """``exclude`` of plain names (ruff's defaults, ``extend-exclude = ["wandb"]``) is decided
    without pathspec: at any depth, files and folders alike, and everything below a folder; as in
    ruff, such a name also excludes a path of that name outside the configuration's folder. Any
    other pattern (a negation, a comment, a glob, a trailing space) leaves it all to pathspec."""
    names = [*DEFAULT_EXCLUDE, "a", "x.py", "my lib", "dist2", "build.py"]
    others = ["!build", "!a", "#a", "a ", "[a]", "b*", "build/", "/dist2", "src/**/x.py", "\\#a"]
    rng = random.Random(1)
    root = os.path.abspath("r")
    for _ in range(5000):
        patterns = tuple(rng.sample(names, 3) + rng.sample(others, rng.choice((0, 0, 1, 2))))
        parts = [rng.choice([*names, "c", "e.py", "#a", "[a]", "a "]) for _ in range(rng.randint(1, 4))]
        path, is_dir = os.path.join(root, *parts), rng.random() < 0.5
        expected = _pattern_matcher(patterns, root)(path, is_dir)
        assert Settings(exclude=patterns, root=root).excluded(path, is_dir) == expected, (patterns, parts, is_dir)
    outside = os.path.join(os.path.dirname(root), "elsewhere", "build")
    assert Settings(root=root).excluded(outside, True)  # a plain name, wherever it is (as ruff)
    assert not Settings(root=root).excluded(os.path.join(os.path.dirname(root), "elsewhere", "m.py"), False)
    assert not Settings(exclude=("build", "*.gen.py"), root=root).excluded(outside, True)  # pathspec: relative to root


def test_physical_lines_without_carriage_returns_split_as_the_regular_expression_does():
    import re

    from adamw_lint.files import _LINE_BREAK, physical_lines

    def slow(text):
        lines = re.split(_LINE_BREAK, text)
        return lines[:-1] if lines and lines[-1] == "" else lines

    rng = random.Random(2)
    pieces = ["a", "x = 1", "\n", "\n\n", "\r", "\r\n", "\f", "\x1c", "\u2028", "\x85", "\v", " ", "é"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert physical_lines(text) == slow(text), repr(text)


def test_lines_containing_finds_the_lines_the_regular_expression_finds():
    import itertools
    import re

    from adamw_lint.engine import _RELEVANT, _lines_containing
    from adamw_lint.files import physical_lines

    pattern = re.compile("|".join(map(re.escape, _RELEVANT)))
    rng = random.Random(3)
    pieces = [*rng.sample(_RELEVANT, 12), "x", " ", "\n", "Ada", "glob", "al "]
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        starts = list(itertools.accumulate(map(len, physical_lines(text)), initial=0))
        expected = sorted({text.count("\n", 0, m.start()) + 1 for m in pattern.finditer(text)})
        assert _lines_containing(_RELEVANT, text, starts) == expected, text


def test_the_pre_filter_on_bytes_and_on_text_agree():
    """The CLI scans bytes, flake8 hands text: one ``_Scan`` definition, built for each. They agree
    on ASCII; past it the bytes scan may only admit more ("Nadamé": a non-ASCII letter's UTF-8
    bytes are not lower-case bytes), which the engine then decides on the parsed file."""
    from adamw_lint.prefilter import _NOT_ADAPTIVE, _PENALTIES, _STRINGS, _WORDS, may_contain_findings, may_contain_text

    rng = random.Random(4)
    pieces = [*_WORDS, *_STRINGS, *_NOT_ADAPTIVE, *_PENALTIES, "keras", "tensorflow", "decay", "da", "é", " ", "\n"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 5)))
        on_bytes, on_text = may_contain_findings(text.encode()), may_contain_text(text)
        assert on_bytes == on_text if text.isascii() else on_bytes >= on_text, text


_SYNTAX = '''
import torch as t, os.path
from torch.optim import *
from . import sibling
G = 1
@decorate(lambda x=t.optim.Adam: x)
async def f(a, /, b=t.nn.Linear(1, 1), *args, c: int = G, **kw):
    global G
    nonlocal_free = [y := len(z) for z in args if (w := z)]
    async with t.cuda.device(0) as dev:
        result = {k: v async for k, v in kw.items()}
    match kw:
        case {"opt": t.optim.Adam() as opt, **rest} if rest:
            G = opt
        case [first, *others]:
            pass
        case Point(x=0) | None:
            pass
    try:
        pass
    except* (ValueError, TypeError) as group:
        print(f"{group!r:>{len(args)}} {t.optim.SGD(a, lr=b)}")
    def inner():
        nonlocal dev
        return lambda: Adam(a, weight_decay=dev)
    class Local(t.optim.Adam, metaclass=Meta):
        attr = t.optim.AdamW
        def step(self): return super().step()
    return inner, Local, (lambda *q, **r: q)(*args, **kw)
'''


def _canonical(resolver):
    """What a Resolver records, with scopes named by their node's position (comparable across runs)."""
    def key(scope):
        return (scope.kind, getattr(scope.node, "lineno", 0), getattr(scope.node, "col_offset", 0))

    def bindings(scope):
        # a value compares by its text: ``x += y`` binds a synthesized ``x + y``, new in each run
        return sorted((name, [(b.pos, key(b.scope), b.qualname, b.value and ast.dump(b.value), b.from_import,
                               id(b.node), b.end, id(b.unpacked), id(b.default))
                              for b in found]) for name, found in scope.bindings.items())

    scopes = {id(resolver.module): resolver.module, **{i: s for i, s in resolver.scopes.items()}}
    return ([(c.lineno, c.col_offset, key(s)) for c, s in resolver.calls],
            [(c.lineno, key(s)) for c, s in resolver.classes], sorted(resolver.scopes),
            sorted((key(s), bindings(s), sorted(s.globals), s.star_imports) for s in scopes.values()))


def test_the_resolvers_table_dispatch_records_what_the_node_visitor_did():
    """``Resolver`` dispatches by a table and skips operator and context fields and leaf nodes;
    ``ast.NodeVisitor``'s own ``visit``/``generic_visit`` (the slow path it replaced) must record
    the same bindings, calls, classes and scopes, on every construct and on real modules."""
    import ast
    import inspect

    from adamw_lint.scope import Resolver

    class Slow(Resolver):
        visit = ast.NodeVisitor.visit
        generic_visit = ast.NodeVisitor.generic_visit

    sources = [_SYNTAX] + [inspect.getsource(module) for module in (ast, inspect, random, os, __import__("argparse"),
                                                                     __import__("dataclasses"), __import__("typing"))]
    for source in sources:
        tree = ast.parse(source)
        for keep in (None, lambda node: node.lineno % 3 != 0):  # every body, or some skipped
            fast, slow = Resolver(frozenset({"torch.optim.Adam"}), keep, "pkg"), Slow(frozenset({"torch.optim.Adam"}), keep, "pkg")
            fast.visit(tree)
            slow.visit(tree)
            assert _canonical(fast) == _canonical(slow)


def test_a_files_settings_are_found_once_per_path(tmp_path, monkeypatch):
    """Discovery, the fix options and the selection each ask for a file's settings: the folder's
    configuration is looked up once per path, not with a ``stat`` per ask."""
    from adamw_lint.settings import Resolver

    (tmp_path / "pyproject.toml").write_text('[tool.adamw-lint]\nignore = ["AWL102"]\n')
    (tmp_path / "a.py").write_text("")
    resolver = Resolver({})
    asked = []
    isdir = os.path.isdir
    monkeypatch.setattr(os.path, "isdir", lambda path: asked.append(path) or isdir(path))
    path = str(tmp_path / "a.py")
    assert [resolver.for_path(path).ignore for _ in range(3)] == [("AWL102",)] * 3
    assert asked == [path]
    assert resolver.for_path(str(tmp_path)).ignore == ("AWL102",)  # a folder: its own configuration


def test_the_statement_walk_meets_the_statements_ast_walk_meets_in_its_order():
    """A class family's ``self`` stores are read from its methods' statements alone
    (``summaries.statements``), in the order ``ast.walk`` met them, on every construct and on
    real modules."""
    import ast
    import inspect

    from adamw_lint.summaries import statements

    extra = ("def f(self):\n    try:\n        self.a = 1\n    except E:\n        self.b: int = 2\n"
             "    else:\n        self.c += 3\n    finally:\n        self.d = 4\n"
             "    match x:\n        case 1:\n            self.e = 5\n    with m:\n        self.f, self.g = h\n"
             "    for i in y:\n        def g(self):\n            self.h = 6\n    else:\n        lambda: 7\n"
             "    while z:\n        class C:\n            k = 8\n")
    sources = [_SYNTAX, extra] + [inspect.getsource(module) for module in (ast, inspect, random, os,
                                                                          __import__("argparse"), __import__("typing"))]
    for source in sources:
        tree = ast.parse(source)
        assert [n for n in ast.walk(tree) if isinstance(n, ast.stmt)] == \
            [n for n in statements(tree) if isinstance(n, ast.stmt)]


def test_a_walked_file_relative_to_its_top_is_a_slice_and_the_same_as_relpath(tmp_path, monkeypatch):
    from adamw_lint import discovery
    from adamw_lint.settings import Resolver

    for name in ("a.py", "pkg/b.py", "pkg/sub/c.py", "other/d.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    for top in (".", "./", "pkg", "pkg/", "./pkg", str(tmp_path), str(tmp_path) + "/", "/"):
        for file in ("pkg/b.py", "./pkg/sub/c.py", str(tmp_path / "a.py"), "/etc/passwd"):
            if file.startswith(top.rstrip("/") + "/") or top == "/" and file.startswith("/"):
                assert discovery._inside(file, top.rstrip("/") or top) == os.path.relpath(file, top), (file, top)
    calls = []
    real_relpath = os.path.relpath
    monkeypatch.setattr(os.path, "relpath", lambda *a: calls.append(a) or real_relpath(*a))
    found, errors = discovery.discover([".", "pkg", str(tmp_path / "other")], Resolver({}), (".py",))
    assert sorted(found) == ["./a.py", "./other/d.py", "./pkg/b.py", "./pkg/sub/c.py"] and not errors  # each once
    assert calls == []  # not one relpath per file


def test_the_keras_walks_child_nodes_are_ast_iter_child_nodes():
    """The Keras/TF walks list a node's children themselves (``keras_tf._child_nodes``): the same
    nodes in the same order as ``ast.iter_child_nodes`` (the order decides which nodes a walk
    that hits its bound has met), for every node of every construct and of real modules."""
    import inspect

    from adamw_lint.checkers.keras_tf import _child_nodes

    sources = [_SYNTAX] + [inspect.getsource(module) for module in (ast, inspect, random, os, __import__("argparse"))]
    count = 0
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            children = _child_nodes(node)
            assert children == list(ast.iter_child_nodes(node)) and all(a is b for a, b in zip(children, ast.iter_child_nodes(node)))
            count += 1
    assert count > 10_000


def test_a_scope_knows_its_module_scope():
    """``Scope.module`` is kept at construction (the walks ask it for every node), not climbed to:
    the same scope the parent chain ends at, for every scope of real modules."""
    import inspect

    from adamw_lint.scope import Resolver

    for module in (ast, inspect, __import__("argparse")):
        resolver = Resolver()
        resolver.visit(ast.parse(inspect.getsource(module)))
        assert len(resolver.scopes) > 20
        for scope in resolver.scopes.values():
            top = scope
            while top.parent is not None:
                top = top.parent
            assert scope.module() is top is resolver.module


def test_the_calls_around_a_line_are_those_a_walk_of_the_whole_module_finds():
    """``textfix.SourceText.calls_around`` walks only the module-level statements holding the line:
    the same calls in the same order as indexing every call of the module (decorators, several
    statements on one line, calls whose callee spans lines), on every line of real modules."""
    import inspect

    from adamw_lint.textfix import SourceText

    sources = [_SYNTAX, "@deco(Adam(1))\ndef f():\n    pass\na = g(h(1)); b = (k\n  .m)(n(2))\n"]
    sources += [inspect.getsource(module) for module in (ast, inspect, os, __import__("argparse"))]
    checked = 0
    for source in sources:
        text = SourceText(source)
        expected = {}
        for node in ast.walk(text.tree):
            if isinstance(node, ast.Call):
                for number in range(node.func.lineno, node.func.end_lineno + 1):
                    expected.setdefault(number, []).append(node)
        for line in range(1, len(text.lines) + 2):
            found = text.calls_around(line)
            assert len(found) == len(expected.get(line, [])) and all(a is b for a, b in zip(found, expected.get(line, [])))
            checked += bool(found)
    assert checked > 1000


def test_the_statements_holding_a_line_range_are_those_a_scan_of_every_statement_finds():
    """``textfix.SourceText.holders`` starts from the module-level statements found by bisection
    (``_module_statements``, shared with ``calls_around``): the same statements as when it
    scans every module-level statement, on every line range of real modules."""
    import inspect

    from adamw_lint.textfix import SourceText

    sources = [_SYNTAX, "@d\ndef f():\n    x = 1; y = 2\na = 1; b = (2,\n3); c = 4\n"]
    sources += [inspect.getsource(module) for module in (ast, os, __import__("argparse"))]
    held = 0
    for source in sources:
        text = SourceText(source)
        scanning = SourceText(source, text.tree)  # the same tree: the same statement objects
        scanning._module_statements = lambda line: scanning.tree.body  # the scan it replaces
        for line in range(0, len(text.lines) + 2):
            for end_line in (line, line + 1, line + 3):
                found, expected = text.holders(line, end_line), scanning.holders(line, end_line)
                assert [id(s) for s in found] == [id(s) for s in expected], (line, end_line)
                held += bool(found)
    assert held > 5000



def test_decode_without_tokenize_decodes_as_tokenize_does():
    """``files.decode`` skips tokenize for a file with no BOM and no "coding" in its first two
    lines: the same text and encoding, or the same error, as tokenize's detection, on generated
    bytes (cookies on the first, second and third line, after a blank or a code line, BOMs,
    undecodable bytes, lone carriage returns) and on the standard library's sources."""
    import io
    import tokenize

    from adamw_lint.files import SourceError, decode

    def slow(raw):
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
            return raw.decode(encoding), encoding
        except (SyntaxError, LookupError, UnicodeDecodeError) as error:
            return f"cannot be decoded: {error}"

    def fast(raw):
        try:
            return tuple(decode("f.py", raw))
        except SourceError as error:
            return error.reason

    rng = random.Random(4)
    pieces = [b"# -*- coding: utf-8 -*-\n", b"# coding=latin-1\n", b"# vim: set fileencoding=cp1252 :\n",
              b"# coding: bogus\n", b"\n", b"   \n", b"# a comment\n", b"x = 1\n", b"s = 'coding: x'\n",
              b"\r", b"\r\n", b"\xef\xbb\xbf", b"\xff", b"\xc3\xa9", b"\xe9", b"codin", b"g: utf-8\n", b"y"]
    inputs = [b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) for _ in range(5000)]
    folder = os.path.dirname(os.__file__)
    inputs += [open(os.path.join(folder, name), "rb").read()
               for name in sorted(os.listdir(folder)) if name.endswith(".py")]
    skipped = 0
    for raw in inputs:
        assert fast(raw) == slow(raw), raw[:200]
        skipped += not raw.startswith(b"\xef\xbb\xbf") and b"coding" not in b"".join(raw.split(b"\n", 2)[:2])
    assert skipped > len(inputs) // 4  # the shortcut is taken, and not only for empty files
