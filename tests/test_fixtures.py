"""The bundled training scripts: findings are exactly the lines marked ``# expect: CODE``."""
import re

import pytest

from adamw_lint.analysis import analyze_source
from adamw_lint.noqa import without_noqa

from helpers import FIXTURES

SCRIPTS = sorted(FIXTURES.glob("*.py"))
EXPECT = re.compile(r"# expect: ((?:AWL\d+[ ,]*)+)")


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_findings_match_annotations(path):
    source = path.read_text(encoding="utf-8")
    expected = sorted(
        (number, code)
        for number, line in enumerate(source.splitlines(), 1)
        for match in EXPECT.finditer(line)
        for code in re.findall(r"AWL\d+", match.group(1))
    )
    found = sorted((f.line, f.code) for f in without_noqa(analyze_source(source), source))
    assert found == expected


def test_fixtures_exercise_every_default_code():
    from adamw_lint.catalog import RULES

    codes = {
        code
        for path in SCRIPTS
        for annotation in EXPECT.findall(path.read_text(encoding="utf-8"))
        for code in re.findall(r"AWL\d+", annotation)
    }
    assert codes == {rule.code for rule in RULES if rule.enabled_by_default}
