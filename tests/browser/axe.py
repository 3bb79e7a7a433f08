"""axe-core (vendored from the npm registry, version in vendor/axe.min.js) run inside the page under test."""

from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING = {"serious", "critical"}


def axe_violations(page) -> list[dict]:
    # Evaluated through the DevTools protocol: the page's Content-Security-Policy (no inline script) stays on.
    page.evaluate("source => { (0, eval)(source); }", AXE.read_text())
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}
        })"""
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


def assert_accessible(page) -> None:
    """No serious or critical WCAG 2.1 A/AA violation on the current page."""
    violations = axe_violations(page)
    assert violations == [], violations
