"""Safe text for Slack: escaping and splitting at Block Kit limits."""

from __future__ import annotations

SECTION_LIMIT = 3000


def escape(text: str) -> str:
    """Escape text a person or a model wrote, so it cannot mention <!channel>, users or links in mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split at paragraph, line or word boundaries into pieces no longer than `limit`."""
    pieces: list[str] = []
    remaining = text
    while len(remaining) > limit:
        cut = max(remaining.rfind("\n\n", 0, limit), remaining.rfind("\n", 0, limit))
        if cut < limit // 2:
            cut = remaining.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(remaining[:cut].rstrip())
        remaining = remaining[cut:].lstrip()
    if remaining:
        pieces.append(remaining)
    return pieces


def quote(text: str) -> str:
    return "\n".join(f"&gt; {line}" if line else "&gt;" for line in escape(text).split("\n"))
