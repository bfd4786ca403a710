"""A local stand-in for Slack's Web API, for tests (standard library only).

    with FakeSlack(expected_token="xoxb-test") as fake:
        client = WebClient(base_url=fake.base_url, token="xoxb-test")   # base_url is http://127.0.0.1:PORT/api/
        client.chat_postMessage(channel="C1", text="hi")
        [call] = fake.wait_for("chat.postMessage")
        assert call.params["channel"] == "C1" and call.token == "xoxb-test"

slack_sdk's WebClient joins base_url with the method name ("…/api/chat.postMessage") and always POSTs: most
methods send a JSON body (chat.*, views.*), others a form-encoded body (users.info, users.lookupByEmail,
conversations.open, conversations.replies, chat.getPermalink, reactions.add, auth.test), the token in an
`Authorization: Bearer` header. The fake accepts all of those (and GET with a query string, and multipart),
records each call, and answers as Slack does for the methods a bot uses; failures are programmable.

Besides /api/<method>, it serves:
  * `fake.response_url` (…/response_url/<n>): where slash commands and interactions are told to respond. Bolt's
    respond() POSTs JSON there; recorded as method "response_url"; never token-checked.
  * …/upload/<file_id>: the upload_url that files.getUploadURLExternal hands out (files_upload_v2); recorded as
    method "upload" with the raw bytes in `call.body`; answers "OK - <length>" as Slack does.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import itertools
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit

__all__ = ["Call", "FakeSlack", "JSON_FIELDS"]

# Parameters Slack takes as JSON-encoded strings in form bodies (and as plain JSON values in JSON bodies).
JSON_FIELDS = frozenset({"blocks", "attachments", "view", "metadata", "files", "unfurls", "user_auth_blocks",
                         "options", "option_groups", "profile", "outputs", "inputs"})

_NO_TOKEN_METHODS = frozenset({"response_url", "upload", "api.test", "oauth.v2.access", "oauth.access",
                               "openid.connect.token", "oauth.v2.exchange"})


def _maybe_json(value: Any) -> Any:
    if isinstance(value, (str, bytes)):
        text = value.decode("utf-8") if isinstance(value, bytes) else value
        if text.strip()[:1] in ("{", "["):
            try:
                return json.loads(text)
            except ValueError:
                return value
    return value


@dataclass
class Call:
    """One request the fake received.

    `params` merges the query string and the body (form fields, JSON object or multipart fields) exactly as sent:
    form values are strings (so a form-encoded `blocks` is a JSON string), JSON values keep their types.
    `token` comes from `Authorization: Bearer …` (or a `token` parameter). `at` is time.monotonic() on arrival.
    `status` and `response` are what the fake answered (filled in before the response is written); `headers`,
    `body` (raw bytes) and `path` are the request's.
    """

    method: str
    params: dict[str, Any]
    token: str | None
    at: float = field(default_factory=time.monotonic)
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    body: bytes = field(default=b"", repr=False)
    status: int | None = None
    response: Any = field(default=None, repr=False)
    path: str = field(default="", repr=False)

    def __getitem__(self, name: str) -> Any:
        """`call["channel"]` is `call.params["channel"]`."""
        return self.params[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def json(self, name: str, default: Any = None) -> Any:
        """A parameter with JSON-encoded strings decoded (`call.json("blocks")` → list), whichever way it was sent."""
        if name not in self.params:
            return default
        return _maybe_json(self.params[name])

    @property
    def decoded(self) -> dict[str, Any]:
        """`params` with the JSON-encoded fields (blocks, attachments, view, metadata, …) decoded."""
        return {k: (_maybe_json(v) if k in JSON_FIELDS else v) for k, v in self.params.items()}

    @property
    def blocks(self) -> list:
        """The message's blocks, or the view's blocks for views.* calls."""
        blocks = self.json("blocks")
        if blocks is None and isinstance(self.view, dict):
            blocks = self.view.get("blocks")
        return blocks or []

    @property
    def view(self) -> dict | None:
        return self.json("view")

    @property
    def text(self) -> str:
        """`text` plus every text string in blocks, attachments and view: what a person would read."""
        parts: list[str] = []
        if isinstance(self.params.get("text"), str):
            parts.append(self.params["text"])

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    if key == "text" and isinstance(value, str):
                        parts.append(value)
                    else:
                        walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(self.json("blocks"))
        walk(self.json("attachments"))
        walk(self.view)
        return "\n".join(parts)


@dataclass
class _Failure:
    status: int
    error: str
    retry_after: int | None
    times: int


@dataclass
class _Override:
    payload: Any  # dict, or callable(Call) -> dict
    status: int
    headers: dict[str, str]
    times: int | None  # None: every call from now on


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):  # silent (e.g. a client that hung up)
        pass


class FakeSlack:
    """Slack's Web API on 127.0.0.1 (ephemeral port), served from a background thread.

    expected_token: when set, API calls carrying another token or none get {"ok": false, "error": "invalid_auth"}
    (HTTP 200, as Slack answers); None accepts any token.
    """

    def __init__(self, expected_token: str | None = None, *, team_id: str = "T1", team_domain: str = "council",
                 bot_user_id: str = "UBOT", bot_id: str = "BBOT", app_id: str = "A1"):
        self.expected_token = expected_token
        self.team_id = team_id
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.errors: list[BaseException] = []  # exceptions raised inside the fake while answering (should stay [])
        self._lock = threading.RLock()
        self._calls: list[Call] = []
        self._failures: dict[str, list[_Failure]] = {}
        self._overrides: dict[str, list[_Override]] = {}
        self._latency: dict[str | None, float] = {}
        self._users: dict[str, dict] = {}  # user id -> user object
        self._emails: dict[str, str] = {}  # lower-cased email -> user id
        self._unknown_emails: set[str] = set()
        self._unknown_users: set[str] = set()
        self._replies: dict[tuple[str | None, str | None], list[dict]] = {}
        self._reactions: set[tuple[str, str, str]] = set()
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------------------------------- lifecycle

    def start(self) -> "FakeSlack":
        if self._server is not None:
            return self
        fake = self

        class Handler(BaseHTTPRequestHandler):  # HTTP/1.0: one request per connection, nothing left open
            def log_message(self, format, *args):  # silent
                pass

            def do_POST(self):
                fake._handle(self)

            do_GET = do_PUT = do_PATCH = do_DELETE = do_POST

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="FakeSlack", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> "FakeSlack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSlack is not running; use it as a context manager or call start()")
        return self._server.server_address[1]

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def base_url(self) -> str:
        """For WebClient(base_url=…) / SLACK_API_URL: "http://127.0.0.1:PORT/api/" (trailing slash matters)."""
        return self.root_url + "api/"

    @property
    def response_url(self) -> str:
        """A response_url to put in slash commands and interactions; POSTs to it are recorded as method
        "response_url" (call.path tells them apart if you use new_response_url())."""
        return f"{self.root_url}response_url/{self.team_id}"

    def new_response_url(self) -> str:
        """A distinct response_url (…/response_url/<n>) for telling several apart through `call.path`."""
        return f"{self.root_url}response_url/{next(self._ids)}"

    @property
    def workspace_url(self) -> str:
        return f"https://{self.team_domain}.slack.com/"

    # ------------------------------------------------------------------------------------------ inspection

    @property
    def calls(self) -> list[Call]:
        """A snapshot (copy) of every call so far, in arrival order. Use clear() to forget them."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str, where: Callable[[Call], bool] | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if c.method == method and (where is None or where(c))]

    def last(self, method: str) -> Call:
        calls = self.calls_to(method)
        if not calls:
            raise AssertionError(f"no call to {method}; calls made: {self._summary()}")
        return calls[-1]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0,
                 where: Callable[[Call], bool] | None = None) -> list[Call]:
        """Wait until at least `count` calls to `method` (matching `where`, if given) have arrived; return them all.
        Raises AssertionError listing what was called instead."""
        deadline = time.monotonic() + timeout
        while True:
            calls = self.calls_to(method, where)
            if len(calls) >= count:
                return calls
            if time.monotonic() >= deadline:
                condition = " matching the condition" if where else ""
                raise AssertionError(f"expected {count} call(s) to {method}{condition} within {timeout}s, "
                                     f"got {len(calls)}; calls made: {self._summary()}")
            time.sleep(0.005)

    def assert_not_called(self, method: str, wait: float = 0.0) -> None:
        """Fail if `method` has been called (after waiting `wait` seconds for stragglers)."""
        if wait:
            time.sleep(wait)
        calls = self.calls_to(method)
        if calls:
            raise AssertionError(f"expected no call to {method}, got {len(calls)}: {calls}")

    def _summary(self) -> str:
        with self._lock:
            counts = Counter(c.method for c in self._calls)
        return ", ".join(f"{m} x{n}" for m, n in counts.items()) or "none"

    def clear(self) -> None:
        """Forget recorded calls (programmed failures, overrides and users stay)."""
        with self._lock:
            self._calls.clear()

    def reset(self) -> None:
        """Forget recorded calls and everything programmed."""
        with self._lock:
            self._calls.clear()
            self._failures.clear()
            self._overrides.clear()
            self._latency.clear()
            self._users.clear()
            self._emails.clear()
            self._unknown_emails.clear()
            self._unknown_users.clear()
            self._replies.clear()
            self._reactions.clear()
            self.errors.clear()

    # ----------------------------------------------------------------------------------------- programming

    def fail(self, method: str, error: str | None = None, status: int = 429, retry_after: int | None = 1,
             times: int = 1) -> None:
        """The next `times` calls to `method` fail (queued after failures already programmed for it):
        status 429 → HTTP 429 with `Retry-After: retry_after` (what RateLimitErrorRetryHandler sleeps on);
        status 200 → HTTP 200 {"ok": false, "error": error} (a SlackApiError, not retried);
        status 5xx → that status with {"ok": false, "error": error}.
        error defaults to "ratelimited" (429/200), "internal_error" (500) or "service_unavailable" (other 5xx).
        Retry-After is sent for any non-200 status when retry_after is not None."""
        if error is None:
            error = {429: "ratelimited", 200: "ratelimited", 500: "internal_error"}.get(status, "service_unavailable")
        with self._lock:
            self._failures.setdefault(method, []).append(_Failure(status, error, retry_after, times))

    def respond(self, method: str, payload: dict | Callable[[Call], dict], *, times: int | None = None,
                status: int = 200, headers: dict[str, str] | None = None) -> None:
        """Answer `method` with `payload` (a dict, or a callable taking the Call and returning a dict).
        times=None: every call from now on (replacing an earlier default override); times=N: only the next N calls
        (queued ahead of the default). Token checks and programmed failures still apply first."""
        override = _Override(payload, status, dict(headers or {}), times)
        with self._lock:
            queue = self._overrides.setdefault(method, [])
            if times is None:
                queue[:] = [o for o in queue if o.times is not None] + [override]
            else:
                position = next((i for i, o in enumerate(queue) if o.times is None), len(queue))
                queue.insert(position, override)

    def set_latency(self, seconds: float, method: str | None = None) -> None:
        """Delay every response (or only `method`'s) by `seconds`; the call is recorded on arrival, before the delay."""
        with self._lock:
            if seconds:
                self._latency[method] = seconds
            else:
                self._latency.pop(method, None)

    def set_user(self, email: str, user_id: str, name: str | None = None, real_name: str | None = None,
                 tz: str = "Europe/London", **fields: Any) -> dict:
        """Register a person for users.lookupByEmail and users.info; extra fields (is_admin, deleted, …) go on the
        user object. Returns the user object."""
        user = self._user_object(user_id, email, name=name, real_name=real_name, tz=tz, **fields)
        with self._lock:
            self._users[user_id] = user
            self._emails[email.lower()] = user_id
            self._unknown_emails.discard(email.lower())
            self._unknown_users.discard(user_id)
        return user

    def unknown_email(self, email: str) -> None:
        """users.lookupByEmail for this email answers {"ok": false, "error": "users_not_found"}."""
        with self._lock:
            self._unknown_emails.add(email.lower())

    def unknown_user(self, user_id: str) -> None:
        """users.info for this id answers {"ok": false, "error": "user_not_found"}."""
        with self._lock:
            self._unknown_users.add(user_id)

    def set_replies(self, messages: list[dict], channel: str | None = None, thread_ts: str | None = None) -> None:
        """What conversations.replies returns: for this channel+thread_ts, or for any thread when both are None."""
        with self._lock:
            self._replies[(channel, thread_ts)] = list(messages)

    @staticmethod
    def user_id_for(email: str) -> str:
        """The id users.lookupByEmail gives an email nobody registered: "U" + 10 hex digits of its SHA-1."""
        return "U" + hashlib.sha1(email.strip().lower().encode("utf-8")).hexdigest()[:10].upper()

    # ---------------------------------------------------------------------------------------------- serving

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        try:
            call = self._record(request)
        except Exception as error:  # malformed request: answer as Slack would, and keep a note
            self.errors.append(error)
            self._send(request, 400, {"ok": False, "error": "invalid_request"})
            return
        try:
            status, payload, headers = self._answer(call)
        except Exception as error:
            self.errors.append(error)
            status, payload, headers = 500, {"ok": False, "error": f"fake_slack_error: {error!r}"}, {}
        with self._lock:
            call.status, call.response = status, payload
            latency = self._latency.get(call.method, self._latency.get(None, 0.0))
        if latency:
            time.sleep(latency)
        self._send(request, status, payload, headers)

    def _record(self, request: BaseHTTPRequestHandler) -> Call:
        at = time.monotonic()
        url = urlsplit(request.path)
        parts = [p for p in url.path.split("/") if p]
        if parts[:1] == ["api"] and len(parts) >= 2:
            method = parts[1]
        elif parts[:1] in (["response_url"], ["upload"]):
            method = parts[0]
        else:
            method = url.path
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        headers = {k: v for k, v in request.headers.items()}
        params: dict[str, Any] = dict(parse_qsl(url.query, keep_blank_values=True))
        content_type = (request.headers.get("Content-Type") or "").lower()
        if method == "upload":
            params["file_id"] = parts[1] if len(parts) > 1 else ""
            params["length"] = len(body)
        elif body:
            if "json" in content_type or (not content_type and body.lstrip()[:1] == b"{"):
                data = json.loads(body.decode("utf-8"))
                if isinstance(data, dict):
                    params.update(data)
                else:
                    params["_json"] = data
            elif content_type.startswith("multipart/"):
                params.update(self._multipart(body, request.headers.get("Content-Type", "")))
            else:
                params.update(dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)))
        auth = request.headers.get("Authorization") or ""
        if auth.lower().startswith("bearer "):
            token: str | None = auth[7:].strip()
        else:
            token = params.get("token") if isinstance(params.get("token"), str) else None
        call = Call(method=method, params=params, token=token, at=at, headers=headers, body=body, path=url.path)
        with self._lock:
            self._calls.append(call)
        return call

    @staticmethod
    def _multipart(body: bytes, content_type: str) -> dict[str, Any]:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + body)
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not name:
                continue
            payload = part.get_payload(decode=True) or b""
            if part.get_filename():
                fields[name] = payload
            else:
                fields[name] = payload.decode(part.get_content_charset() or "utf-8")
        return fields

    def _answer(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            queue = self._failures.get(call.method)
            failure = queue[0] if queue else None
            if failure is not None:
                failure.times -= 1
                if failure.times <= 0:
                    queue.pop(0)
        if failure is not None:
            headers = {}
            if failure.retry_after is not None and failure.status != 200:
                headers["Retry-After"] = str(failure.retry_after)
            return failure.status, {"ok": False, "error": failure.error}, headers

        if (self.expected_token is not None and call.method not in _NO_TOKEN_METHODS
                and call.token != self.expected_token):
            return 200, {"ok": False, "error": "invalid_auth"}, {}

        with self._lock:
            queue = self._overrides.get(call.method)
            override = queue[0] if queue else None
            if override is not None and override.times is not None:
                override.times -= 1
                if override.times <= 0:
                    queue.pop(0)
        if override is not None:
            payload = override.payload(call) if callable(override.payload) else override.payload
            return override.status, payload, dict(override.headers)

        return 200, self._default(call), {}

    # -------------------------------------------------------------------------------------- default answers

    def _next_ts(self) -> str:
        micros = next(self._ts) * 100
        return f"{1700000000 + micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def _user_object(self, user_id: str, email: str | None, name: str | None = None, real_name: str | None = None,
                     tz: str = "Europe/London", **fields: Any) -> dict:
        local = (email or user_id).split("@")[0]
        name = name or local.lower()
        real_name = real_name or " ".join(w.capitalize() for w in local.replace("_", ".").split(".") if w) or user_id
        profile = {"real_name": real_name, "display_name": name, "first_name": real_name.split(" ")[0],
                   "last_name": " ".join(real_name.split(" ")[1:]), "team": self.team_id}
        if email:
            profile["email"] = email
        profile.update(fields.pop("profile", {}) or {})
        user = {"id": user_id, "team_id": self.team_id, "name": name, "real_name": real_name, "deleted": False,
                "tz": tz, "tz_label": "Greenwich Mean Time", "tz_offset": 0, "is_admin": False, "is_owner": False,
                "is_bot": False, "is_app_user": False, "is_restricted": False, "is_ultra_restricted": False,
                "updated": 1700000000, "profile": profile}
        user.update(fields)
        return user

    def _message(self, params: dict, ts: str) -> dict:
        message = {"type": "message", "user": self.bot_user_id, "bot_id": self.bot_id, "app_id": self.app_id,
                   "team": self.team_id, "text": params.get("text") or "", "ts": ts}
        for name in ("blocks", "attachments", "metadata"):
            if params.get(name) is not None:
                message[name] = _maybe_json(params[name])
        if params.get("thread_ts"):
            message["thread_ts"] = params["thread_ts"]
        return message

    def _view(self, params: dict, method: str) -> dict:
        sent = _maybe_json(params.get("view")) or {}
        if not isinstance(sent, dict):
            sent = {}
        view_id = params.get("view_id") or self._new_id("V")
        view = {
            "id": view_id, "team_id": self.team_id, "type": sent.get("type", "home" if method == "views.publish"
                                                                       else "modal"),
            "blocks": [], "private_metadata": "", "callback_id": "", "state": {"values": {}},
            "hash": f"{int(time.time())}.{hashlib.sha1(view_id.encode()).hexdigest()[:8]}",
            "clear_on_close": False, "notify_on_close": False, "previous_view_id": None,
            "root_view_id": view_id, "app_id": self.app_id, "external_id": params.get("external_id", ""),
            "app_installed_team_id": self.team_id, "bot_id": self.bot_id,
        }
        view.update(sent)
        view["id"] = view_id
        return view

    def _default(self, call: Call) -> Any:
        method, p = call.method, call.params
        if method == "response_url":
            return {"ok": True}
        if method == "upload":
            return f"OK - {p.get('length', 0)}"
        if method in ("auth.test", "api.test"):
            if method == "api.test":
                return {"ok": True, "args": {k: v for k, v in p.items() if k != "token"}}
            return {"ok": True, "url": self.workspace_url, "team": "Council", "user": "policybot",
                    "team_id": self.team_id, "user_id": self.bot_user_id, "bot_id": self.bot_id,
                    "is_enterprise_install": False}
        if method in ("chat.postMessage", "chat.scheduleMessage", "chat.meMessage"):
            ts = self._next_ts()
            answer = {"ok": True, "channel": p.get("channel"), "ts": ts, "message": self._message(p, ts)}
            if method == "chat.scheduleMessage":
                answer["scheduled_message_id"] = self._new_id("Q")
                answer["post_at"] = p.get("post_at")
            return answer
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "chat.update":
            message = self._message(p, str(p.get("ts")))
            return {"ok": True, "channel": p.get("channel"), "ts": p.get("ts"), "text": p.get("text") or "",
                    "message": message}
        if method == "chat.delete":
            return {"ok": True, "channel": p.get("channel"), "ts": p.get("ts")}
        if method == "chat.getPermalink":
            ts = str(p.get("message_ts", "")).replace(".", "")
            return {"ok": True, "channel": p.get("channel"),
                    "permalink": f"{self.workspace_url}archives/{p.get('channel')}/p{ts}"}
        if method == "conversations.open":
            if p.get("channel"):
                return {"ok": True, "channel": {"id": p["channel"]}}
            users = p.get("users") or ""
            users = users if isinstance(users, list) else [u for u in str(users).split(",") if u]
            if not users:
                return {"ok": False, "error": "users_list_not_supplied"}
            channel_id = ("D" + users[0]) if len(users) == 1 else ("G" + "".join(users))[:21]
            return {"ok": True, "no_op": False, "already_open": False, "channel": {"id": channel_id}}
        if method == "conversations.replies":
            with self._lock:
                key = (p.get("channel"), p.get("ts"))
                messages = self._replies.get(key, self._replies.get((None, None), []))
            return {"ok": True, "messages": list(messages), "has_more": False,
                    "response_metadata": {"next_cursor": ""}}
        if method == "conversations.history":
            return {"ok": True, "messages": [], "has_more": False, "response_metadata": {"next_cursor": ""}}
        if method in ("views.open", "views.push", "views.update", "views.publish"):
            return {"ok": True, "view": self._view(p, method)}
        if method == "users.info":
            user_id = str(p.get("user", ""))
            with self._lock:
                if user_id in self._unknown_users or not user_id:
                    return {"ok": False, "error": "user_not_found"}
                user = self._users.get(user_id)
            if user is None:
                user = self._user_object(user_id, f"{user_id.lower()}@{self.team_domain}.example")
            return {"ok": True, "user": user}
        if method == "users.lookupByEmail":
            address = str(p.get("email", "")).strip()
            key = address.lower()
            with self._lock:
                if not key or key in self._unknown_emails:
                    return {"ok": False, "error": "users_not_found"}
                user_id = self._emails.get(key)
                user = self._users.get(user_id) if user_id else None
                if user is None:
                    user_id = self.user_id_for(address)
                    user = self._user_object(user_id, address)
                    self._users.setdefault(user_id, user)
                    self._emails[key] = user_id
            return {"ok": True, "user": user}
        if method == "reactions.add":
            reaction = (str(p.get("channel")), str(p.get("timestamp")), str(p.get("name")))
            with self._lock:
                if reaction in self._reactions:
                    return {"ok": False, "error": "already_reacted"}
                self._reactions.add(reaction)
            return {"ok": True}
        if method == "reactions.remove":
            reaction = (str(p.get("channel")), str(p.get("timestamp")), str(p.get("name")))
            with self._lock:
                if reaction not in self._reactions:
                    return {"ok": False, "error": "no_reaction"}
                self._reactions.discard(reaction)
            return {"ok": True}
        if method == "files.getUploadURLExternal":
            file_id = self._new_id("F")
            return {"ok": True, "upload_url": f"{self.root_url}upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = _maybe_json(p.get("files")) or []
            return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title") or ""} for f in files]}
        return {"ok": True}

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, status: int, payload: Any, headers: dict | None = None) -> None:
        if isinstance(payload, (bytes, str)):
            body = payload.encode("utf-8") if isinstance(payload, str) else payload
            content_type = "text/plain; charset=utf-8"
        else:
            body = json.dumps(payload).encode("utf-8")
            content_type = "application/json; charset=utf-8"
        try:
            request.send_response(status)
            request.send_header("Content-Type", content_type)
            request.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                request.send_header(name, str(value))
            request.end_headers()
            request.wfile.write(body)
            request.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
