"""The project's own documentation stays true to the code."""

from __future__ import annotations

import os
import re
from pathlib import Path

from safeplan.findings import CODES, codes_markdown

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
MARKER = "<!-- the table below is generated from safeplan.findings.CODES -->\n"


def test_findings_doc_lists_every_code_as_the_registry_says():
    path = DOCS / "findings.md"
    text = path.read_text(encoding="utf-8")
    head = text.split(MARKER)[0]
    expected = head + MARKER + codes_markdown()
    if os.environ.get("SAFEPLAN_UPDATE_GOLDEN"):
        path.write_text(expected, encoding="utf-8")
        text = expected
    assert text == expected, "regenerate: SAFEPLAN_UPDATE_GOLDEN=1 pytest tests/test_docs.py"


def test_every_code_has_a_summary_a_fix_and_an_example():
    for code, info in CODES.items():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", code), code
        assert info.severity in ("error", "warning"), code
        assert info.summary and info.fix and info.example, code


def test_every_code_is_emitted_somewhere():
    """A code in the registry that no code path emits is a documented promise nobody keeps."""
    source = "\n".join(
        p.read_text(encoding="utf-8")
        for p in (ROOT / "src" / "safeplan").rglob("*.py")
        if p.name != "findings.py"
    )
    unused = [code for code in CODES if f'"{code}"' not in source]
    assert not unused, unused


def test_docs_cite_nothing_outside_the_repository():
    pattern = re.compile(r"CONTRACT|DOMAIN\.md|shared/|§\s*\d")
    for path in [ROOT / "README.md", *DOCS.rglob("*.md"), *(ROOT / "src").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert not pattern.search(text), f"{path} cites a file outside the repository"


def test_readme_points_to_the_finding_codes():
    assert "docs/findings.md" in (ROOT / "README.md").read_text(encoding="utf-8")
