"""Number formats shared by templates and server-rendered charts."""


def percent(share, digits=3):
    """0.0042 -> '0.42%'; a dash when unknown."""
    if share is None:
        return "—"
    return f"{share * 100:.{int(digits)}g}%"
