"""Every periodic job of the platform lives here (DESIGN rule 10). None yet."""

SCHEDULE: list[tuple[str, str]] = []
