"""Counts in words for the pages: "1 monitor", "2 monitors"."""


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` and ``noun``, the noun plural unless the count is one."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"
