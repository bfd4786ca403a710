"""The Teams app package a Teams admin uploads to the organisation's app catalogue: `manifest.json` (Teams
manifest schema 1.19) with the bot, its command menu and the "Report this message" message action, and the two
icons Teams requires (colour 192×192, outline 32×32, PNG), zipped at the top level as Teams expects."""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from urllib.parse import urlparse

MANIFEST_VERSION = "1.19"
SCHEMA = f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
ACCENT = "#1F5C99"
GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")
COMMANDS = (("help", "What I can do, with examples"),
            ("report", "Report a concern about social media"),
            ("request account", "Ask for a new council social media account"),
            ("accounts", "Look an account up in the register: accounts @handle, a web address or a name"),
            ("my training", "Your social media training and policy acknowledgement"),
            ("home", "What is waiting for you: your cases, reports and forms"))


class PackageError(ValueError):
    """A setting or option the package cannot be built with (the message names it)."""


@dataclass
class PackageOptions:
    app_id: str
    domain: str
    version: str = "1.0.0"
    name: str = "Policy assistant"
    developer: str = "The council"
    website: str = ""
    privacy: str = ""
    terms: str = ""


def _https(url: str, what: str) -> str:
    if not url.startswith("https://"):
        raise PackageError(f"{what} must be an https:// address (Teams requires it), not {url!r}")
    return url[:2048]


def manifest(options: PackageOptions) -> dict:
    if not GUID_RE.match(options.app_id or ""):
        raise PackageError("TEAMS_APP_ID must be the bot's Entra application (client) id, a GUID")
    if not VERSION_RE.match(options.version):
        raise PackageError(f"--version must look like 1.0.0, not {options.version!r}")
    domain = urlparse(options.domain).hostname if "://" in options.domain else options.domain
    if not domain or "/" in domain or " " in domain:
        raise PackageError("--domain must be the host name the bot is served at (e.g. policybot.council.gov.uk)")
    website = _https(options.website or f"https://{domain}/", "--website")
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": options.version,
        "id": options.app_id,
        "developer": {"name": options.developer[:32], "websiteUrl": website,
                      "privacyUrl": _https(options.privacy or website, "--privacy"),
                      "termsOfUseUrl": _https(options.terms or website, "--terms")},
        "name": {"short": options.name[:30], "full": f"{options.name} for the Social Media Policy"[:100]},
        "description": {
            "short": "Answers questions on the Social Media Policy and carries its duties."[:80],
            "full": ("Ask about the council's Social Media Policy and the documents it points to: answers quote "
                     "and cite the paragraphs they rely on. Report misuse, reputational issues and safeguarding "
                     "concerns, request a corporate social media account, and keep up with the awareness "
                     "training and the policy acknowledgement.")[:4000]},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT,
        "bots": [{
            "botId": options.app_id,
            "scopes": ["personal", "team", "groupChat"],
            "supportsFiles": False,
            "isNotificationOnly": False,
            "commandLists": [{"scopes": ["personal", "team", "groupChat"],
                              "commands": [{"title": title, "description": description}
                                           for title, description in COMMANDS]}],
        }],
        "composeExtensions": [{
            "botId": options.app_id,
            "commands": [{"id": "reportMessage", "type": "action", "title": "Report this message",
                          "description": "Report a message that may break the Social Media Policy",
                          "context": ["message"], "fetchTask": True}],
        }],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [domain],
    }


def _png(size: int, pixel) -> bytes:
    """A PNG of `size`×`size` RGBA pixels, `pixel(x, y)` → (r, g, b, a)."""
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(size)) for y in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + \
        chunk(b"IEND", b"")


def _speech_bubble(size: int, inside, outside):
    """A rounded speech bubble: `inside` colour within it, `outside` elsewhere."""
    def pixel(x: int, y: int):
        cx, cy, r = size / 2, size * 0.45, size * 0.34
        bubble = ((x - cx) / 1.15) ** 2 + (y - cy) ** 2 <= r * r
        tail = size * 0.30 <= x <= size * 0.45 and cy + r * 0.6 <= y <= cy + r * 1.25 and \
            (x - size * 0.30) >= (y - (cy + r * 0.6)) * 0.2
        return inside if bubble or tail else outside
    return pixel


def icons() -> tuple[bytes, bytes]:
    blue, white, clear = (0x1F, 0x5C, 0x99, 255), (255, 255, 255, 255), (255, 255, 255, 0)
    colour = _png(192, lambda x, y: _speech_bubble(192, white, blue)(x, y))
    outline = _png(32, _speech_bubble(32, white, clear))
    return colour, outline


def build(options: PackageOptions) -> bytes:
    """The zip Teams takes: manifest.json, color.png and outline.png at its top level."""
    drawn = manifest(options)
    colour, outline = icons()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(drawn, indent=2, ensure_ascii=False))
        archive.writestr("color.png", colour)
        archive.writestr("outline.png", outline)
    return buffer.getvalue()
