"""Safe text for Slack: escaping and splitting at Block Kit limits."""

from __future__ import annotations

SECTION_LIMIT = 3000


def escape(text: str) -> str:
    """Escape text a person or a model wrote, so it cannot mention <!channel>, users or links in mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _entity_safe(text: str, cut: int) -> int:
    """`cut`, moved back so that it does not fall inside an escape ("&amp;", "&lt;", "&gt;")."""
    start = text.rfind("&", max(0, cut - 4), cut)
    if start != -1 and ";" not in text[start:cut]:
        return start or cut
    return cut


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split at paragraph, line or word boundaries into pieces no longer than `limit` (never inside an
    escape, so "&lt;" is not shown as "&l" and "t;")."""
    pieces: list[str] = []
    remaining = text
    while len(remaining) > limit:
        cut = max(remaining.rfind("\n\n", 0, limit), remaining.rfind("\n", 0, limit))
        if cut < limit // 2:
            cut = remaining.rfind(" ", 0, limit)
        if cut <= 0:
            cut = _entity_safe(remaining, limit)
        pieces.append(remaining[:cut].rstrip())
        remaining = remaining[cut:].lstrip()
    if remaining:
        pieces.append(remaining)
    return pieces


def clip(text: str, limit: int) -> str:
    """Escape `text` and shorten the result to at most `limit` characters, ending with "…" when cut."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    return escaped[:_entity_safe(escaped, limit - 1)] + "…"


def quote(text: str) -> str:
    return "\n".join(f"&gt; {line}" if line else "&gt;" for line in escape(text).split("\n"))
