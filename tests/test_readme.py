"""The README: its links lead to files of this repository, and its "Web" bullet names every page."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BASE = (ROOT / "src/recoup/web/templates/web/base.html").read_text(encoding="utf-8")


def test_every_relative_link_leads_to_a_file_in_the_repository() -> None:
    links = [t for t in re.findall(r"\]\(([^)#\s]+)", README) if not re.match(r"[a-z]+:", t)]
    assert links
    for target in links:
        path = (ROOT / target).resolve()
        # A clone holds only the repository: a link out of it (../shared/…) is broken there.
        assert path.is_relative_to(ROOT), f"{target} leaves the repository"
        assert path.exists(), f"{target} does not exist"


def test_the_web_bullet_names_every_page_of_the_top_bar() -> None:
    bullet = README[README.index("- **Web**") : README.index("- **Receivables analytics**")]
    pages = re.findall(r'<li><a href="\{% url \'[^\']+\' %\}"[^>]*>([^<]+)</a></li>', BASE)
    assert len(pages) >= 8
    for name in pages:
        assert f"**{name}**" in bullet, name
