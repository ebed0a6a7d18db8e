"""axe-core in the browser tests: every rule axe runs by default (WCAG 2.x A and AA, best practices)."""

from axe_playwright_python.sync_playwright import Axe

_axe = Axe()


def axe_violations(page, context: dict | None = None) -> list[dict]:
    """The violations axe finds on the page as it is now (within `context`, axe's include/exclude selectors, where
    given), each as axe reports it (id, help, nodes...)."""
    return _axe.run(page, context=context, options={"resultTypes": ["violations"]}).response["violations"]


def sideways_overflow(page) -> int:
    """How many pixels wider than the window the page is (0 or less: it does not scroll sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def describe_violations(violations: list[dict]) -> str:
    """One block per rule: its id, impact and help, then each offending element's selector and summary."""
    lines = []
    for rule in violations:
        lines.append(f"{rule['id']} ({rule['impact']}): {rule['help']} <{rule['helpUrl']}>")
        for node in rule["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {target}: {summary}")
            if len(lines) > 400:
                return "\n".join([*lines, "    ..."])
    return "\n".join(lines)


def assert_no_axe_violations(page, context: dict | None = None) -> None:
    violations = axe_violations(page, context)
    assert not violations, f"axe found {len(violations)} violation(s) on {page.url}:\n{describe_violations(violations)}"
