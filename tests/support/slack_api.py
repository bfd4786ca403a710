"""A local HTTP server that stands in for Slack's Web API (the bot reaches it through SLACK_API_URL).

It records every call (method, parameters, token) and answers as Slack does for the methods the bot
uses. Failures are programmable: HTTP 429 with Retry-After, `ok: false` errors, 5xx, and latency.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlparse

from tests.support.loopback import LoopbackServer


@dataclass
class Call:
    method: str
    params: dict
    token: str | None
    at: float = field(default_factory=time.monotonic)
    failed_with: int | None = None  # the HTTP status of a programmed failure, if this call got one

    def json(self, name: str):
        value = self.params.get(name)
        return json.loads(value) if isinstance(value, str) else value

    @property
    def blocks(self) -> list:
        return self.json("blocks") or []

    @property
    def text(self) -> str:
        """The message's text and every text in its blocks, for assertions on what a person sees."""
        parts = [self.params.get("text") or ""]

        def walk(node):
            if isinstance(node, dict):
                for key, value in node.items():
                    if key == "text" and isinstance(value, str):
                        parts.append(value)
                    else:
                        walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(self.blocks)
        walk(self.json("view") or {})
        return "\n".join(parts)


@dataclass
class _Failure:
    status: int
    error: str
    retry_after: int | None
    times: int


class FakeSlack(LoopbackServer):
    def __init__(self, expected_token: str | None = None):
        self.expected_token = expected_token
        self.calls: list[Call] = []
        self._lock = threading.Condition()  # held to read or record calls; notified as each is recorded
        self._failures: dict[str, list[_Failure]] = {}
        self._overrides: dict[str, dict] = {}
        self._unknown_emails: set[str] = set()
        self._users: dict[str, dict] = {}
        self._ts = itertools.count(1)
        self.latency = 0.0
        self._slow: dict[str, list[float]] = {}  # method → delays of the next calls' answers (handled first)
        self.posted: dict[str, list[dict]] = {}  # channel → messages posted there, as history returns them

    @property
    def base_url(self) -> str:
        return f"{self.origin}/api/"

    @property
    def response_url(self) -> str:
        """Where slash commands and actions tell the bot to respond; recorded as method "response_url"."""
        return self.base_url + "response_url"

    # ----------------------------------------------------------------------- programming

    def fail(self, method: str, *, status: int = 429, error: str = "ratelimited", retry_after: int | None = 1,
             times: int = 1) -> None:
        with self._lock:
            self._failures.setdefault(method, []).append(_Failure(status, error, retry_after, times))

    def respond(self, method: str, payload: dict) -> None:
        with self._lock:
            self._overrides[method] = payload

    def slow(self, method: str, seconds: float, times: int = 1) -> None:
        """Handle the next `times` calls to `method` as usual but answer each only after `seconds` (a Slack
        that accepted the message but answered after the client gave up)."""
        with self._lock:
            self._slow.setdefault(method, []).extend([seconds] * times)

    def unknown_email(self, email: str) -> None:
        self._unknown_emails.add(email.lower())

    def set_user(self, user_id: str, email: str, name: str = "", tz: str = "Europe/London") -> None:
        self._users[user_id] = {"id": user_id, "name": name or user_id.lower(), "real_name": name or user_id,
                                "tz": tz, "profile": {"email": email, "real_name": name or user_id}}

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    # ------------------------------------------------------------------------- inspection

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 15.0) -> list[Call]:
        """The calls to `method`, once there are `count` of them (woken as each call arrives)."""
        with self._lock:
            if self._lock.wait_for(lambda: sum(call.method == method for call in self.calls) >= count, timeout):
                return [call for call in self.calls if call.method == method]
            seen = [call.method for call in self.calls]
        raise AssertionError(f"expected {count} call(s) to {method} within {timeout}s; calls made: {seen}")

    # ---------------------------------------------------------------------------- serving

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        url = urlparse(request.path)
        method = url.path.rsplit("/", 1)[-1]
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length).decode("utf-8") if length else ""
        params = dict(parse_qsl(url.query))
        if raw:
            if "json" in (request.headers.get("Content-Type") or ""):
                params.update(json.loads(raw))
            else:
                params.update(dict(parse_qsl(raw, keep_blank_values=True)))
        auth = request.headers.get("Authorization") or ""
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.get("token")
        with self._lock:
            call = Call(method, params, token)
            self.calls.append(call)
            self._lock.notify_all()
            failure = None
            queue = self._failures.get(method)
            if queue:
                failure = queue[0]
                failure.times -= 1
                if failure.times <= 0:
                    queue.pop(0)
                call.failed_with = failure.status
        with self._lock:
            delays = self._slow.get(method)
            delay = delays.pop(0) if delays else 0.0
        if self.latency:
            time.sleep(self.latency)
        if failure is None and delay:
            payload = self._payload(method, params)  # done now; the answer comes late
            time.sleep(delay)
            try:
                self._send(request, 200, payload)
            except OSError:  # the client has given up and closed the connection
                pass
            return
        if failure is not None:
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            self._send(request, failure.status, {"ok": False, "error": failure.error}, headers)
            return
        if self.expected_token is not None and token != self.expected_token:
            self._send(request, 200, {"ok": False, "error": "invalid_auth"})
            return
        self._send(request, 200, self._payload(method, params))

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def _payload(self, method: str, params: dict) -> dict:
        if method in self._overrides:
            return self._overrides[method]
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "user": "policybot",
                    "url": "https://council.slack.com/"}
        if method == "chat.postMessage":
            ts = self._next_ts()
            metadata = params.get("metadata")
            metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
            with self._lock:
                self.posted.setdefault(str(params.get("channel")), []).append(
                    {"ts": ts, "text": params.get("text"), "thread_ts": params.get("thread_ts"),
                     "metadata": metadata})
            return {"ok": True, "channel": params.get("channel"), "ts": ts,
                    "message": {"text": params.get("text"), "ts": ts}}
        if method in {"conversations.history", "conversations.replies"}:
            with self._lock:
                messages = list(self.posted.get(str(params.get("channel")), []))
            if method == "conversations.replies":
                messages = [m for m in messages if m["thread_ts"] == params.get("ts")]
            with_metadata = str(params.get("include_all_metadata", "")).lower() in {"1", "true"}
            return {"ok": True, "messages": [{"ts": m["ts"], "text": m["text"],
                                              **({"metadata": m["metadata"]} if with_metadata and m["metadata"]
                                                 else {})} for m in reversed(messages)]}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "chat.update":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts"), "text": params.get("text")}
        if method == "chat.getPermalink":
            return {"ok": True, "permalink": f"https://council.slack.com/archives/{params.get('channel')}/"
                                             f"p{str(params.get('message_ts', '')).replace('.', '')}"}
        if method == "conversations.open":
            users = params.get("users")
            user = users[0] if isinstance(users, list) else str(users).split(",")[0]
            return {"ok": True, "channel": {"id": "D" + user}}
        if method in {"views.open", "views.push", "views.update", "views.publish"}:
            view = params.get("view")
            view = json.loads(view) if isinstance(view, str) else (view or {})
            return {"ok": True, "view": {"id": "V" + self._next_ts().replace(".", ""), **view}}
        if method == "users.lookupByEmail":
            email = str(params.get("email", "")).lower()
            if email in self._unknown_emails:
                return {"ok": False, "error": "users_not_found"}
            for user in self._users.values():
                if user["profile"]["email"].lower() == email:
                    return {"ok": True, "user": user}
            user_id = "U" + "".join(ch for ch in email.split("@")[0].upper() if ch.isalnum())[:10]
            return {"ok": True, "user": {"id": user_id, "name": email.split("@")[0], "profile": {"email": email}}}
        if method == "users.info":
            user_id = params.get("user")
            return {"ok": True, "user": self._users.get(user_id, {"id": user_id, "name": str(user_id).lower(),
                                                                  "profile": {}})}
        return {"ok": True}
