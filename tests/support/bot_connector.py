"""A stand-in for Microsoft's side of a Teams bot, on loopback: the Bot Connector REST API (the activity's
`serviceUrl`), the token endpoint, and the signing keys (JWKS) inbound activities are signed with. Tests sign
activities as the Bot Framework does (RS256, issuer, audience = the app id, `serviceurl` claim)."""

from __future__ import annotations

import functools
import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import unquote, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.loopback import LoopbackServer

APP_ID = "00000000-0000-4000-8000-00000000b07a"
ISSUER = "https://api.botframework.com"
TENANT = "tenant-1"


@dataclass
class ConnectorCall:
    method: str
    path: str
    body: dict
    token: str | None
    at: float = field(default_factory=time.monotonic)
    failed_with: int | None = None  # the HTTP status of a programmed failure, if this call got one

    @property
    def conversation(self) -> str:
        parts = self.path.split("/v3/conversations/", 1)[1].split("/")
        return unquote(parts[0])

    @property
    def card(self) -> dict | None:
        attachments = self.body.get("attachments") or []
        return attachments[0]["content"] if attachments else None

    @property
    def text(self) -> str:
        """Every text in the activity and its card, for assertions on what a person sees."""
        parts = [self.body.get("text") or ""]

        def walk(node):
            if isinstance(node, dict):
                for key, value in node.items():
                    if key in {"text", "title"} and isinstance(value, str):
                        parts.append(value)
                    else:
                        walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(self.card or {})
        return "\n".join(parts)


@functools.lru_cache(maxsize=1)
def signing_key():
    """The stand-in token service's RSA key: made once per test process (making one takes tens of ms)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeConnector(LoopbackServer):
    def __init__(self):
        self.calls: list[ConnectorCall] = []
        self.members: dict[str, dict] = {}  # Teams user id → roster entry
        self.blocked: set[str] = set()  # members for whom the app is not installed (a chat cannot be created)
        self._lock = threading.Condition()  # held to read or record calls; notified as each is recorded
        self._ids = itertools.count(1)
        self._failures: list[tuple[str, int, dict]] = []  # (method, status, headers), used in order
        self.key = signing_key()
        self.kid = "test-key-1"
        self.card_problems: list[str] = []  # every card received is checked (tests.support.cards)

    # -------------------------------------------------------------------------------- addresses

    @property
    def service_url(self) -> str:
        return f"{self.origin}/teams/"

    @property
    def keys_url(self) -> str:
        return f"{self.origin}/keys"

    @property
    def token_url(self) -> str:
        return f"{self.origin}/token"

    @property
    def graph_url(self) -> str:
        return f"{self.origin}/graph"

    # -------------------------------------------------------------------------------- programming

    def add_member(self, user_id: str, email: str, name: str) -> None:
        self.members[user_id] = {"id": user_id, "name": name, "email": email, "userPrincipalName": email,
                                 "aadObjectId": str(uuid.uuid5(uuid.NAMESPACE_URL, user_id))}

    def fail(self, method: str, status: int, retry_after: int | None = None, times: int = 1) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        with self._lock:
            self._failures.extend([(method, status, headers)] * times)

    def sign(self, *, service_url: str | None = None, audience: str = APP_ID, issuer: str = ISSUER,
             expires_in: int = 3600, key=None) -> str:
        now = int(time.time())
        claims = {"iss": issuer, "aud": audience, "iat": now, "nbf": now, "exp": now + expires_in,
                  "serviceurl": service_url or self.service_url}
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": self.kid})

    # -------------------------------------------------------------------------------- reading

    def activities(self, method: str = "POST") -> list[ConnectorCall]:
        with self._lock:
            return [c for c in self.calls if c.method == method and c.path.endswith(("/activities",))
                    or (method == "PUT" and c.method == "PUT")]

    def wait_for(self, predicate, timeout: float = 15.0):
        """The calls matching `predicate`, once there is one (woken as each call arrives)."""
        with self._lock:
            if self._lock.wait_for(lambda: any(predicate(c) for c in self.calls), timeout):
                return [c for c in self.calls if predicate(c)]
            seen = [(c.method, c.path) for c in self.calls]
        raise AssertionError(f"no matching Bot Connector call; calls: {seen}")

    # -------------------------------------------------------------------------------- serving

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        path = urlparse(request.path).path
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length).decode("utf-8") if length else ""
        if path == "/keys":
            public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
            self._send(request, 200, {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]})
            return
        if path == "/token":
            self._send(request, 200, {"access_token": "connector-token", "expires_in": 3600, "token_type": "Bearer"})
            return
        body = json.loads(raw) if raw and "json" in (request.headers.get("Content-Type") or "") else {}
        auth = request.headers.get("Authorization") or ""
        method = request.command
        from tests.support.cards import cards_in, problems

        found = [f"{method} {path}: {problem}" for card in cards_in(body) for problem in problems(card)]
        with self._lock:
            self.card_problems.extend(found)
            call = ConnectorCall(method, path, body, auth.removeprefix("Bearer ") or None)
            self.calls.append(call)
            self._lock.notify_all()
            failure = next((f for f in self._failures if f[0] == method), None)
            if failure is not None:
                self._failures.remove(failure)
                call.failed_with = failure[1]
        if failure is not None:
            self._send(request, failure[1], {"error": {"code": "Throttled" if failure[1] == 429 else
                                                       "MessageWritesBlocked", "message": "stand-in"}}, failure[2])
            return
        if path.startswith("/graph/users/"):  # Microsoft Graph: a user by email
            email = unquote(path.rsplit("/", 1)[-1]).lower()
            found = next((m for m in self.members.values() if m["email"] == email), None)
            self._send(request, 200 if found else 404, {"id": found["aadObjectId"], "displayName": found["name"],
                                                        "mail": email} if found else {"error": {"code": "NotFound"}})
            return
        if path.endswith("/pagedmembers"):
            self._send(request, 200, {"members": list(self.members.values())})
            return
        if method == "POST" and path.endswith("/v3/conversations"):
            member = ((body.get("members") or [{}])[0]).get("id", "")
            blocked_ids = {m["aadObjectId"] for u, m in self.members.items() if u in self.blocked}
            if member in self.blocked or member in blocked_ids:
                self._send(request, 403, {"error": {"code": "Forbidden", "message": "app not installed"}})
            else:
                self._send(request, 201, {"id": f"a:chat-{member}"})
            return
        if method == "GET" and path.endswith("/members"):  # a personal chat's member (created for them)
            chat = unquote(path.split("/v3/conversations/", 1)[1].split("/")[0]).removeprefix("a:chat-")
            found = [m for m in self.members.values() if chat in (m["id"], m["aadObjectId"])]
            self._send(request, 200, found)
            return
        if "/members/" in path:
            member = self.members.get(unquote(path.rsplit("/", 1)[-1]))
            self._send(request, 200 if member else 404, member or {"error": {"code": "MemberNotFound"}})
            return
        if method == "PUT":
            self._send(request, 200, {"id": unquote(path.rsplit("/", 1)[-1])})
            return
        self._send(request, 201, {"id": f"activity-{next(self._ids)}"})


def personal_message(text: str, *, user: str = "29:sam", conversation: str = "a:personal-sam",
                     service_url: str, activity_id: str | None = None) -> dict:
    return {"type": "message", "id": activity_id or uuid.uuid4().hex, "timestamp": "2026-12-01T10:00:00Z",
            "serviceUrl": service_url, "channelId": "msteams",
            "from": {"id": user, "name": "Sam Staff", "aadObjectId": "aad-" + user},
            "conversation": {"id": conversation, "conversationType": "personal", "tenantId": TENANT},
            "recipient": {"id": "28:" + APP_ID, "name": "policybot"}, "text": text, "textFormat": "plain",
            "channelData": {"tenant": {"id": TENANT}}}


def channel_mention(text: str, *, user: str = "29:sam", channel: str = "19:general@thread.tacv2",
                    service_url: str, activity_id: str = "1700000000001") -> dict:
    return {"type": "message", "id": activity_id, "serviceUrl": service_url, "channelId": "msteams",
            "from": {"id": user, "name": "Sam Staff"},
            "conversation": {"id": f"{channel};messageid={activity_id}", "conversationType": "channel",
                             "isGroup": True, "tenantId": TENANT},
            "recipient": {"id": "28:" + APP_ID, "name": "policybot"},
            "text": f"<at>policybot</at> {text}",
            "entities": [{"type": "mention", "text": "<at>policybot</at>",
                          "mentioned": {"id": "28:" + APP_ID, "name": "policybot"}}],
            "channelData": {"tenant": {"id": TENANT}, "channel": {"id": channel}}}


def card_action(verb: str, value: str, *, user: str = "29:sam", conversation: str = "a:personal-sam",
                service_url: str) -> dict:
    return {"type": "invoke", "name": "adaptiveCard/action", "id": uuid.uuid4().hex, "serviceUrl": service_url,
            "channelId": "msteams", "from": {"id": user, "name": "Sam Staff"},
            "conversation": {"id": conversation, "conversationType": "personal", "tenantId": TENANT},
            "recipient": {"id": "28:" + APP_ID},
            "value": {"action": {"type": "Action.Execute", "verb": verb, "data": {"verb": verb, "value": value}},
                      "trigger": "manual"}}


def install(*, user: str = "29:sam", conversation: str = "a:personal-sam", service_url: str) -> dict:
    return {"type": "installationUpdate", "action": "add", "id": uuid.uuid4().hex, "serviceUrl": service_url,
            "channelId": "msteams", "from": {"id": user, "name": "Sam Staff"},
            "conversation": {"id": conversation, "conversationType": "personal", "tenantId": TENANT},
            "recipient": {"id": "28:" + APP_ID, "name": "policybot"}}


def message_action(name: str, *, data: dict | None = None, user: str = "29:sam",
                   conversation: str = "19:general@thread.tacv2", service_url: str) -> dict:
    """The "Report this message" message action: `composeExtension/fetchTask` opens the dialog,
    `composeExtension/submitAction` submits it."""
    value = {"commandId": "reportMessage", "commandContext": "message",
             "messagePayload": {"id": "1700000000999", "linkToMessage": "https://teams.microsoft.com/l/message/x/1",
                                "body": {"contentType": "html", "content": "<p>Look at <b>this</b> resident's address"
                                                                           " 12 High St</p>"},
                                "from": {"user": {"id": "29:alex", "displayName": "Alex Colleague"}}}}
    if data is not None:
        value["data"] = data
    return {"type": "invoke", "name": name, "id": uuid.uuid4().hex, "serviceUrl": service_url,
            "channelId": "msteams", "from": {"id": user, "name": "Sam Staff"},
            "conversation": {"id": conversation, "conversationType": "channel", "tenantId": TENANT},
            "recipient": {"id": "28:" + APP_ID}, "value": value}
