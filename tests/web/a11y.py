"""Accessibility checks with axe-core (Deque's engine, bundled by axe-playwright-python)."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe

# WCAG 2.0/2.1 levels A and AA: labels, contrast, language, names of controls, headings, ...
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
           "resultTypes": ["violations"]}


def violations(page: Any) -> list[str]:
    """The WCAG 2.1 AA violations axe finds on the page, one line each (empty when none)."""
    results = Axe().run(page, options=WCAG_AA)
    found = []
    for violation in results.response.get("violations", []):
        targets = ", ".join(str(node.get("target")) for node in violation.get("nodes", [])[:5])
        found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return found
