"""The outbox's Teams sender: neutral messages drawn as Adaptive Cards and sent through the Bot Connector REST
API at the conversation's service URL (recorded from the activities the bot received there).

* post: `POST {serviceUrl}/v3/conversations/{id}/activities`; a reply in a channel thread goes to the
  conversation id with `;messageid=` and the thread's first message; update: `PUT …/activities/{activityId}`.
* 429, 412, 502, 504 and other server errors are retried by the outbox with its backoff (a `Retry-After` is
  honoured up to 30 s here first); 403 (the user blocked the bot, or the app is not installed for them), 404
  and 400 are permanent: the outbox marks the message failed and alerts the admins once.
* Sends are kept within Teams' limits, 7 in any second to one conversation and POLICYBOT_TEAMS_TENANT_RATE in
  any second in all: a send within them goes at once, a burst (nudges, case copies) is spread out rather than
  throttled.
* Mentions are drawn with the directory names of the people mentioned; buttons meant for certain people carry a
  refresh naming the outbox message (see `render`).
* Calls carry a Bot Framework token for the app id and password (client credentials), cached until it
  expires; with POLICYBOT_TEAMS_ALLOW_UNAUTHENTICATED (local testing only) they carry none.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from functools import lru_cache
from urllib.parse import quote

import httpx
from sqlmodel import Session

from bot import identities
from bot.messages import Message, mentioned
from bot.outbox import EPHEMERAL, POST, RESPOND, UPDATE, DeliveryError
from handlers.teams.render import CONTENT_TYPE, render
from storage.models import OutboxMessage, TeamsConversation

RETRYABLE = {408, 412, 429, 500, 502, 503, 504}
RETRY_AFTER_CAP = 30.0
SERVICE_URL_FOR = 300.0  # seconds a conversation's service URL is kept without looking again
SCOPE = "https://api.botframework.com/.default"


class TokenSource:
    """Bot Framework access tokens for the app (client credentials), cached until shortly before they expire."""

    def __init__(self, settings, http: httpx.Client, scope: str = SCOPE):
        self.settings = settings
        self.http = http
        self.scope = scope
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        tenant = self.settings.teams_tenant_id or "botframework.com"
        return self.settings.teams_token_url or f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"

    def header(self) -> dict[str, str]:
        if self.settings.teams_allow_unauthenticated:
            return {}
        with self._lock:
            if self._token is None or self._token[1] < time.monotonic():
                response = self.http.post(self.url, data={
                    "grant_type": "client_credentials", "client_id": self.settings.teams_app_id or "",
                    "client_secret": self.settings.teams_app_password or "", "scope": self.scope})
                if response.status_code != 200:
                    raise DeliveryError(f"token endpoint answered {response.status_code}",
                                        permanent=response.status_code in {400, 401})
                found = response.json()
                self._token = (found["access_token"], time.monotonic() + int(found.get("expires_in", 3600)) - 300)
            return {"Authorization": f"Bearer {self._token[0]}"}


def conversation_root(conversation_id: str) -> str:
    """A Teams conversation without the `;messageid=` of a thread in it: the conversation a reference names."""
    return conversation_id.split(";messageid=")[0]


@lru_cache(maxsize=512)
def _drawn(content: str) -> tuple[str, str]:
    text, drawn = render(Message.from_json(content))
    return text, json.dumps(drawn)


class Pacer:
    """Keeps sends within Teams' limits: at most `per_conversation` in any second to one conversation and
    `overall` in any second in all. A send within the limits goes at once; one over them waits for the first
    moment it fits. `wait(conversation)` books that moment and sleeps until it (thread-safe)."""

    def __init__(self, per_conversation: int = 7, overall: float = 30.0, clock=time.monotonic, sleep=time.sleep):
        self.per_conversation = max(1, int(per_conversation))
        self.overall = max(1, int(overall))
        self.clock, self.sleep = clock, sleep
        self._booked: dict[str, deque] = {}  # conversation → its latest sends (booked moments), oldest first
        self._all: deque = deque()
        self._lock = threading.Lock()

    @staticmethod
    def _fits(booked: deque, limit: int, moment: float) -> float:
        """The first moment from `moment` at which one more send keeps `booked` within `limit` a second."""
        while booked and booked[0] <= moment - 1.0:
            booked.popleft()
        return moment if len(booked) < limit else max(moment, booked[-limit] + 1.0)

    def wait(self, conversation: str) -> float:
        with self._lock:
            now = self.clock()
            booked = self._booked.setdefault(conversation, deque())
            slot = self._fits(booked, self.per_conversation, now)
            slot = self._fits(self._all, self.overall, slot)
            booked.append(slot)
            self._all.append(slot)
            if len(self._booked) > 10_000:  # forget conversations with nothing sent in the last second
                self._booked = {c: b for c, b in self._booked.items() if b and b[-1] > now - 1.0}
        delay = slot - now
        if delay > 0:
            self.sleep(delay)
        return delay


class TeamsSender:
    def __init__(self, settings, engine, http: httpx.Client | None = None, pacer: Pacer | None = None):
        self.settings = settings
        self.engine = engine
        self.http = http or httpx.Client(timeout=30)
        self.tokens = TokenSource(settings, self.http)
        self.pacer = pacer or Pacer(overall=settings.teams_tenant_rate)
        self._service_urls: dict[str, tuple[str, float]] = {}  # conversation → (service URL, kept until)

    def _draw(self, message: OutboxMessage) -> tuple[str, dict]:
        """The card for a stored message. One that mentions nobody and has no buttons for certain people is the
        same for everyone it goes to (a campaign's nudges), so it is drawn once and copied."""
        content = message.content
        if '"mention"' not in content and '"only_for"' not in content:
            text, drawn = _drawn(content)
            return text, json.loads(drawn)
        neutral = Message.from_json(content)
        return render(neutral, ref=message.id, names=self.names_for(neutral))

    def names_for(self, message: Message) -> dict[str, str]:
        """Directory names of the people a message mentions."""
        wanted = mentioned(message)
        if not wanted:
            return {}
        with Session(self.engine) as session:
            return identities.names(session, wanted)

    def _known_service_url(self, root: str, now: float) -> str | None:
        known = self._service_urls.get(root)
        return known[0] if known is not None and known[1] > now else None

    def _keep_service_url(self, root: str, service_url: str, now: float) -> str:
        if len(self._service_urls) > 50_000:
            self._service_urls.clear()
        self._service_urls[root] = (service_url.rstrip("/"), now + SERVICE_URL_FOR)
        return self._service_urls[root][0]

    def _service_url(self, conversation_id: str) -> str:
        """Where the conversation is served, as last recorded; kept for a few minutes (a campaign's thousands of
        cards look it up once per conversation, and Teams moves a tenant's service URL rarely)."""
        root, now = conversation_root(conversation_id), time.monotonic()
        if (known := self._known_service_url(root, now)) is not None:
            return known
        with Session(self.engine) as session:
            found = session.get(TeamsConversation, root)
        if found is None:
            raise DeliveryError(f"no service URL recorded for Teams conversation {root[:60]}", permanent=True)
        return self._keep_service_url(root, found.service_url, now)

    def prepare(self, messages) -> None:
        """The service URLs of a batch's conversations, in one query (a campaign sends to thousands of chats)."""
        from sqlmodel import select

        now = time.monotonic()
        wanted = [root for root in {conversation_root(m.channel) for m in messages}
                  if self._known_service_url(root, now) is None]
        if not wanted:
            return
        with Session(self.engine) as session:
            rows = session.exec(select(TeamsConversation.conversation_id, TeamsConversation.service_url)
                                .where(TeamsConversation.conversation_id.in_(wanted))).all()
        for conversation_id, service_url in rows:
            self._keep_service_url(conversation_id, service_url, now)

    def forget_service_url(self, conversation_id: str) -> None:
        """A conversation's service URL has just been recorded anew: look it up again next time."""
        self._service_urls.pop(conversation_root(conversation_id), None)

    def send(self, message: OutboxMessage) -> tuple[str | None, str | None]:
        if message.content:
            text, attachment = self._draw(message)
        elif message.blocks:  # a card built by the Teams handlers themselves (a form)
            text, attachment = message.text, (json.loads(message.blocks) or [None])[0]
        else:
            text, attachment = message.text, None
        conversation = message.channel
        if message.thread_ts and ";messageid=" not in conversation:
            conversation = f"{conversation};messageid={message.thread_ts}"
        base = self._service_url(conversation)
        activity = {"type": "message", "text": text if attachment is None else "",
                    "summary": text[:200], "textFormat": "plain"}
        if attachment is not None:
            activity["attachments"] = [{"contentType": CONTENT_TYPE, "content": attachment}]
        path = f"{base}/v3/conversations/{quote(conversation, safe='')}/activities"
        if message.method == UPDATE:
            if not message.ts:
                raise DeliveryError("an update with no activity id", permanent=True)
            activity["id"] = message.ts
            response = self._call("PUT", f"{path}/{quote(message.ts, safe='')}", activity)
            return message.channel, message.ts
        if message.method not in (POST, EPHEMERAL, RESPOND):  # Teams has no ephemeral: the personal chat has it
            raise DeliveryError(f"unknown method {message.method}", permanent=True)
        response = self._call("POST", path, activity)
        try:
            activity_id = response.json().get("id")
        except ValueError:
            activity_id = None
        return message.channel, activity_id

    def _call(self, method: str, url: str, activity: dict) -> httpx.Response:
        conversation = url.split("/v3/conversations/", 1)[-1].split("/", 1)[0].split("%3Bmessageid", 1)[0]
        for attempt in range(2):
            self.pacer.wait(conversation)
            try:
                response = self.http.request(method, url, json=activity, headers=self.tokens.header())
            except httpx.TimeoutException as error:
                raise DeliveryError(f"timeout: {error}", uncertain=method == "POST") from error
            except httpx.HTTPError as error:
                raise DeliveryError(f"{type(error).__name__}: {error}") from error
            if response.status_code < 300:
                return response
            if response.status_code in RETRYABLE:
                wait = _retry_after(response)
                if attempt == 0 and wait is not None and wait <= RETRY_AFTER_CAP:
                    time.sleep(wait)
                    continue
                raise DeliveryError(f"Bot Connector answered {response.status_code}", retry_after=wait)
            detail = _error_code(response)
            raise DeliveryError(f"Bot Connector answered {response.status_code} {detail}".strip(), permanent=True,
                                unreachable=response.status_code == 403)
        raise DeliveryError(f"Bot Connector answered {response.status_code} after Retry-After",
                            retry_after=_retry_after(response))


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _error_code(response: httpx.Response) -> str:
    try:
        return str((response.json().get("error") or {}).get("code") or "")[:80]
    except (ValueError, AttributeError, json.JSONDecodeError):
        return ""
