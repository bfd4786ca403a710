"""Reaching people in Teams who have never talked to the bot: the rosters of the teams the bot is in are read
(Bot Connector `pagedmembers`), each member in the staff directory without a Teams identity is matched by email,
and a personal chat with them is created (`POST /v3/conversations`), which works once the app is installed for
them (the setup policy in the README). Their Teams id and chat are kept in the identity table, so nudges, case
cards and answers reach them there. Someone whose chat cannot be created (403: the app is not installed for
them) keeps a Teams identity without a chat and is tried again on the next run.

With POLICYBOT_TEAMS_GRAPH_URL set, everyone else in the directory who has no Teams chat yet is looked up in
Microsoft Graph by email (`GET /users/{email}`, the app's User.Read.All permission): their chat is created with
their Entra object id (Teams allows that in the personal scope once the app is installed for them), and their
Teams id is read back from the chat's members."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from urllib.parse import quote

import httpx
from sqlmodel import Session, select

from bot import identities
from bot.outbox import DeliveryError
from bot.staff import by_email
from storage.models import Identity, StaffMember, TeamsConversation, utcnow

log = logging.getLogger(__name__)
PAGE = 500


@dataclass
class RosterReport:
    members: int = 0
    matched: int = 0
    chats: int = 0
    blocked: int = 0
    graph: bool = False
    graph_found: int = 0
    graph_missing: int = 0

    def __str__(self) -> str:
        text = (f"{self.members} team member(s) read, {self.matched} matched to the directory, {self.chats} "
                f"personal chat(s) created, {self.blocked} not reachable yet (app not installed for them)")
        if self.graph:
            text += f"; Microsoft Graph: {self.graph_found} found by email, {self.graph_missing} not found"
        return text


class TeamsRoster:
    def __init__(self, services):
        self.services = services
        self.settings = services.settings
        self.sender = services.outbox.senders[identities.TEAMS]

    def _get(self, url: str) -> dict:
        response = self.sender.http.get(url, headers=self.sender.tokens.header())
        if response.status_code != 200:
            raise DeliveryError(f"roster answered {response.status_code}")
        return response.json()

    def members(self, team: TeamsConversation):
        base = team.service_url.rstrip("/")
        token = None
        while True:
            url = f"{base}/v3/conversations/{quote(team.conversation_id, safe='')}/pagedmembers?pageSize={PAGE}"
            if token:
                url += f"&continuationToken={quote(token, safe='')}"
            page = self._get(url)
            yield from page.get("members") or []
            token = page.get("continuationToken")
            if not token:
                return

    def create_chat(self, team: TeamsConversation, member_id: str) -> str | None:
        """A personal chat with the member; None when Teams refuses (the app is not installed for them)."""
        body = {"bot": {"id": f"28:{self.settings.teams_app_id}"}, "members": [{"id": member_id}],
                "isGroup": False, "tenantId": team.tenant_id or self.settings.teams_tenant_id,
                "channelData": {"tenant": {"id": team.tenant_id or self.settings.teams_tenant_id}}}
        response = self.sender.http.post(f"{team.service_url.rstrip('/')}/v3/conversations", json=body,
                                         headers=self.sender.tokens.header())
        if response.status_code not in (200, 201):
            return None
        return (response.json() or {}).get("id")

    def sync(self) -> RosterReport:
        report = RosterReport()
        with Session(self.services.engine) as session:
            teams = session.exec(select(TeamsConversation).where(TeamsConversation.kind == "channel")).all()
        for team in teams:
            try:
                members = list(self.members(team))
            except (DeliveryError, httpx.HTTPError, ValueError) as error:
                log.warning("teams roster not read", extra={"error": str(error)[:200]})
                continue
            for member in members:
                report.members += 1
                self._member(team, member, report)
        if self.settings.teams_graph_url:
            report.graph = True
            self._graph(report)
        return report

    # ------------------------------------------------------------------------------------ Microsoft Graph

    @property
    def graph_tokens(self):
        from handlers.teams.sender import TokenSource

        if not hasattr(self, "_graph_tokens"):
            self._graph_tokens = TokenSource(self.settings, self.sender.http, scope="https://graph.microsoft.com/.default")
        return self._graph_tokens

    def _graph(self, report: RosterReport) -> None:
        """Staff with no Teams chat yet, found in Graph by email; their chat opened with their object id."""
        with Session(self.services.engine) as session:
            reachable = select(Identity.staff_id).where(Identity.platform == identities.TEAMS) \
                .where(Identity.conversation.is_not(None)).where(Identity.unreachable_at.is_(None))
            people = session.exec(select(StaffMember).where(StaffMember.active == True)  # noqa: E712
                                  .where(StaffMember.id.not_in(reachable)).order_by(StaffMember.id)).all()
            where = session.exec(select(TeamsConversation).order_by(TeamsConversation.updated_at.desc())).first()
        if not people or where is None:  # no service URL known yet: the bot has to be reached in Teams once
            return
        base = self.settings.teams_graph_url.rstrip("/")
        for person in people:
            try:
                response = self.sender.http.get(f"{base}/users/{quote(person.email, safe='@')}",
                                                params={"$select": "id,displayName,mail"},
                                                headers=self.graph_tokens.header())
            except (httpx.HTTPError, DeliveryError) as error:
                log.warning("graph lookup failed", extra={"error": str(error)[:200]})
                return  # Graph unavailable: the next run tries again
            if response.status_code == 404:
                report.graph_missing += 1
                continue
            if response.status_code != 200:
                log.warning("graph lookup refused", extra={"status": response.status_code})
                return
            object_id = str((response.json() or {}).get("id") or "")
            if not object_id:
                report.graph_missing += 1
                continue
            report.graph_found += 1
            chat = self.create_chat(where, object_id)
            if not chat:
                report.blocked += 1
                continue
            report.chats += 1
            user_id = self._chat_member(where, chat) or f"aad:{object_id}"
            reference = json.dumps({"conversation_id": chat, "service_url": where.service_url, "user_id": user_id,
                                    "aad_object_id": object_id})
            with Session(self.services.engine) as session:
                identities.record(session, person.id, user_id, self.services.clock(), identities.TEAMS,
                                  conversation=reference)
                if session.get(TeamsConversation, chat) is None:
                    session.add(TeamsConversation(conversation_id=chat, service_url=where.service_url,
                                                  kind="personal", user_id=user_id, tenant_id=where.tenant_id,
                                                  updated_at=utcnow()))
                session.commit()

    def _chat_member(self, where: TeamsConversation, chat: str) -> str | None:
        """The Teams id of the person in a personal chat (the chat's only member)."""
        try:
            members = self._get(f"{where.service_url.rstrip('/')}/v3/conversations/{quote(chat, safe='')}/members")
        except (DeliveryError, httpx.HTTPError, ValueError):
            return None
        listed = members if isinstance(members, list) else members.get("members") or []
        return next((str(m["id"]) for m in listed if isinstance(m, dict) and m.get("id")), None)

    def _member(self, team: TeamsConversation, member: dict, report: RosterReport) -> None:
        member_id = str(member.get("id") or "")
        email = str(member.get("email") or member.get("userPrincipalName") or "").strip().lower()
        if not member_id or not email:
            return
        with Session(self.services.engine) as session:
            person = by_email(session, email)
            if person is None or not person.active:
                return
            report.matched += 1
            known = identities.of(session, person.id, identities.TEAMS)
            if known is not None and known.conversation:
                return
        chat = self.create_chat(team, member_id)
        reference = None
        if chat:
            report.chats += 1
            reference = json.dumps({"conversation_id": chat, "service_url": team.service_url, "user_id": member_id,
                                    "aad_object_id": member.get("aadObjectId")})
        else:
            report.blocked += 1
        with Session(self.services.engine) as session:
            identities.record(session, person.id, member_id, self.services.clock(), identities.TEAMS,
                              conversation=reference)
            if chat and session.get(TeamsConversation, chat) is None:
                session.add(TeamsConversation(conversation_id=chat, service_url=team.service_url, kind="personal",
                                              user_id=member_id, tenant_id=team.tenant_id, updated_at=utcnow()))
            session.commit()
