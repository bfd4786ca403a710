"""The account request workflow (para 19): Comms review a request, the directorate's Corporate Director (or a
deputy) decides in its thread, and an approval enters the register (para 28)."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import update
from sqlmodel import Session, select

from bot import identities, staff
from bot.desk import Desk
from bot import account_messages as say
from bot.account_terms import FINAL, STATUS_LABELS
from bot.references import next_reference
from bot.accounts.intake import (MAX_TEXT, PREFIX, AccountError, Outcome, RequestInput, _aware, add_months,
                                 find_request, lookup, search_key)
from bot.accounts.jobs import AccountJobs
from bot.accounts.register import RegisterUpkeep
from storage.models import AccountEvent, AccountRequest, OutboxMessage, RegisteredAccount

log = logging.getLogger(__name__)


class AccountDesk(RegisterUpkeep, AccountJobs, Desk):
    """The account authorisation workflow and the register, for Slack listeners, jobs and the CLI."""

    def visible_request(self, user_id: str, reference: str) -> AccountRequest | None:
        """The request, for its requester, Comms and those who may decide it; None for anyone else."""
        self.identify(user_id)
        with Session(self.engine, expire_on_commit=False) as session:
            request = find_request(session, reference)
            allowed = request is not None and (request.requester_user_id == user_id or self.is_comms(session, user_id)
                                               or user_id in self.deciders(session, request))
            return request if allowed else None

    def for_reason(self, request_id: int, version: int | None, user_id: str, action: str) -> AccountRequest:
        """The request before its reason form opens: Comms ask or decline; its deciders reject (checked)."""
        self.identify(user_id)
        with Session(self.engine, expire_on_commit=False) as session:
            request = self._load(session, request_id, version)
            if action != "reject" and not self.is_comms(session, user_id):
                raise AccountError("Only Communications and Marketing can do that (para 19).")
        if action == "reject":
            self.check_decider(request_id, user_id)
        return request

    def awaiting_answer(self, request_id: int, user_id: str) -> AccountRequest:
        """The request before its answer form opens: only its requester, only while it waits for them."""
        with Session(self.engine, expire_on_commit=False) as session:
            request = self._load(session, request_id, None)
        if user_id != request.requester_user_id or request.status != "more_info":
            raise AccountError(f"{request.reference} is not waiting for an answer from you.")
        return request

    def account_for_comms(self, account_id: int, user_id: str) -> RegisteredAccount:
        self.identify(user_id)
        with Session(self.engine, expire_on_commit=False) as session:
            return self._account_for_comms(session, account_id, user_id)

    def look_up(self, user_id: str, query: str) -> tuple[list[RegisteredAccount], bool]:
        """Register entries matching `query`, and whether this person is in Comms (who see more)."""
        self.identify(user_id)
        with Session(self.engine, expire_on_commit=False) as session:
            return list(lookup(session, query)), self.is_comms(session, user_id)

    def people_by_email(self, emails: str) -> tuple[list[str], str | None]:
        """The people named by email (comma, semicolon or space separated) as the ids the bot reaches them by,
        for forms where they are typed rather than picked; or an error naming who cannot be used."""
        wanted = [e.strip().lower() for e in emails.replace(";", ",").replace(" ", ",").split(",") if e.strip()]
        if len(wanted) > 10:
            return [], "Name up to 10 people."
        found: list[str] = []
        missing: list[str] = []
        with Session(self.engine) as session:
            for email in dict.fromkeys(wanted):
                person = staff.by_email(session, email)
                user_id = None
                if person is not None and person.active:
                    user_id = identities.preferred_user_id(session, person.id, self.settings.platforms)
                if user_id is None:
                    missing.append(email[:80])
                else:
                    found.append(user_id)
        if missing:
            return found, (f"{', '.join(missing)}: not found in the staff directory, or not yet on Slack or Teams "
                           "with the bot. Use their council email address.")
        return found, None

    def is_comms(self, session: Session, user_id: str) -> bool:
        return "comms" in staff.roles_of_user(session, user_id)

    def deciders(self, session: Session, request: AccountRequest) -> set[str]:
        """The ids (on every platform the bot knows them on) of those who may decide: the directorate's
        Corporate Director (now, and the one asked) and any deputies named in the settings."""
        allowed = {request.director_user_id} if request.director_user_id else set()
        people = [staff.director_of(session, request.directorate)]
        people += [staff.by_email(session, email)
                   for email in self.settings.deputies.get(request.directorate.strip().lower(), set())]
        for person in people:
            if person is not None and person.active:
                self.directory.user_id(person, session)  # looked up on Slack once, by email
                allowed |= identities.all_user_ids(session, person.id)
        return allowed

    def _elsewhere(self, session: Session, user_id: str) -> bool:
        """Whether this person is reached on another platform than the Comms channel's."""
        channel = self.settings.comms_channel or ""
        channel_platform = identities.TEAMS if identities.is_teams_channel(channel) else identities.SLACK
        found = identities.address_of(session, user_id)
        platform = found[0] if found is not None else (identities.TEAMS if identities.is_teams_user(user_id)
                                                       else identities.SLACK)
        return platform != channel_platform

    def _director_id(self, session: Session, director) -> str | None:
        """Where the director is asked: their id on the first platform of the preference that can reach them."""
        slack_id = self.directory.user_id(director, session)
        return identities.preferred_user_id(session, director.id, self.settings.platforms) or slack_id

    # -------------------------------------------------------------------------------------- messages

    def _events(self, session: Session, request: AccountRequest) -> list[tuple]:
        rows = session.exec(select(AccountEvent).where(AccountEvent.request_id == request.id)
                            .order_by(AccountEvent.id)).all()
        return [(_aware(e.at), e.actor, e.action, e.detail) for e in rows]

    def _event(self, session: Session, request: AccountRequest | None, actor: str | None, action: str,
               detail: str | None = None, account: RegisteredAccount | None = None) -> None:
        session.add(AccountEvent(request_id=request.id if request else None, account_id=account.id if account else None,
                                 at=self.clock(), actor=actor, action=action, detail=detail))

    def _request_message(self, session: Session, request: AccountRequest):
        account = session.exec(select(RegisteredAccount).where(RegisteredAccount.request_id == request.id)).first()
        return say.request_message(request, self._events(session, request), account, zone=self.zone)

    def _thread(self, session: Session, request: AccountRequest) -> tuple[str | None, str | None]:
        """The channel and ts of the request message, once Slack has it."""
        if request.thread_ts:
            return request.channel_id, request.thread_ts
        row = session.exec(select(OutboxMessage).where(OutboxMessage.ref_type == "account_request")
                           .where(OutboxMessage.ref_id == request.id)
                           .where(OutboxMessage.purpose == "account-request")).first()
        if row is not None and row.status == "sent" and row.sent_ts:
            request.channel_id, request.thread_ts = row.sent_channel or row.channel, row.sent_ts
            session.add(request)
            return request.channel_id, request.thread_ts
        return row.channel if row is not None else self.settings.comms_channel, None

    def _in_thread(self, session: Session, request: AccountRequest, message: say.Message,
                   purpose: str = "account-thread") -> int:
        channel, thread_ts = self._thread(session, request)
        return self.enqueue(session, channel=channel, thread_ts=thread_ts, content=message, purpose=purpose,
                            ref_type="account_request", ref_id=request.id).id

    def _refresh(self, session: Session, request: AccountRequest) -> list[int]:
        """Bring the request message (and any director's decision message) up to date in place."""
        ids: list[int] = []
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.ref_type == "account_request")
                            .where(OutboxMessage.ref_id == request.id)
                            .where(OutboxMessage.purpose.in_(["account-request", "account-director"]))).all()
        for row in rows:
            if row.purpose == "account-request":
                message = self._request_message(session, request)
            else:
                message = say.director_message(request, zone=self.zone, deciders=tuple(self.deciders(session, request)))
            queued = self.redraw(session, row, message, "account-update")
            if queued is not None:
                ids.append(queued)
        return ids

    def _tell_requester(self, session: Session, request: AccountRequest, message: say.Message) -> int:
        return self.enqueue(session, channel=request.requester_user_id, content=message,
                            purpose="account-update-dm", ref_type="account_request", ref_id=request.id).id

    def _name(self, session: Session, user_id: str | None) -> str:
        """A person as the request's history names them: their directory name (else the id on record)."""
        return self._person_name(session, user_id, unknown=user_id or "")

    def _schedule(self, request: AccountRequest, now: datetime) -> None:
        request.status_changed_at = now
        request.reminder_step = 0
        request.next_reminder_at = self.settings.working_time.add_days(now, self.settings.approval_remind_days) \
            if request.status in ("comms_review", "director_review") else None

    # ------------------------------------------------------------------------------------ requesting

    def submit(self, data: RequestInput, requester: str) -> tuple[AccountRequest, list[int]]:
        if not self.settings.comms_channel:
            raise AccountError("Account requests need a Communications and Marketing channel "
                               "(POLICYBOT_COMMS_CHANNEL); ask the bot's administrator to set one.")

        now = self.clock()
        with Session(self.engine, expire_on_commit=False) as session:
            reference = next_reference(session, PREFIX, now.astimezone(timezone.utc).year)
            request = AccountRequest(
                reference=reference, platform=data.platform, handle=data.handle.strip(),
                service=data.service.strip(), directorate=data.directorate.strip(), purpose=data.purpose.strip(),
                business_case=data.business_case.strip(),
                staff_user_ids=",".join(dict.fromkeys(data.staff_user_ids)),
                monitoring_hours=data.monitoring_hours.strip(), training_confirmed=data.training_confirmed,
                requester_user_id=requester, created_at=now, channel_id=self.settings.comms_channel)
            self._schedule(request, now)
            session.add(request)
            session.flush()
            self._event(session, request, requester, "requested")
            session.flush()
            ids = [self.enqueue(session, channel=self.settings.comms_channel,
                                content=self._request_message(session, request),
                                purpose="account-request", ref_type="account_request", ref_id=request.id).id]
            ids.append(self._tell_requester(session, request, say.receipt(request)))
            session.commit()
        return request, ids

    def remember_people(self, request_id: int) -> None:
        """Match the requester and the named staff to the directory (for roles and leaver checks); done after
        the form has been answered, as it may ask Slack about each of them."""
        with Session(self.engine) as session:
            request = session.get(AccountRequest, request_id)
        if request is not None:
            for user_id in [request.requester_user_id, *request.staff_user_ids.split(",")]:
                if user_id:
                    self.identify(user_id)

    # --------------------------------------------------------------------------------------- helpers

    def _load(self, session: Session, request_id: int, version: int | None) -> AccountRequest:
        request = session.get(AccountRequest, request_id)
        if request is None:
            raise AccountError("That request is no longer on record.")
        if request.status in FINAL:
            who = f" by {self._name(session, request.decided_by)}" if request.decided_by else ""
            raise AccountError(f"{request.reference} was already {STATUS_LABELS[request.status].lower()}{who}; "
                               "a decision is final and nothing has changed.")
        if version is not None and version != request.version:
            raise AccountError(f"That message is out of date: {request.reference} is now "
                               f"{STATUS_LABELS[request.status].lower()}. Nothing has changed.")
        return request

    def _claim(self, session: Session, request: AccountRequest, expected_status: set[str], **values) -> None:
        """Move the request on only if nobody else has since (a conditional UPDATE on its version)."""
        result = session.execute(update(AccountRequest).where(AccountRequest.id == request.id)
                                 .where(AccountRequest.version == request.version)
                                 .where(AccountRequest.status.in_(sorted(expected_status)))
                                 .values(version=request.version + 1, **values))
        if result.rowcount != 1:
            session.rollback()
            raise AccountError(f"Someone else has just acted on {request.reference}; nothing has changed.")
        session.refresh(request)

    def _comms_only(self, session: Session, user_id: str) -> None:
        if not self.is_comms(session, user_id):
            raise AccountError("Only Communications and Marketing can do that (para 19).")

    # ------------------------------------------------------------------------------- Comms' decisions

    def recommend(self, request_id: int, version: int | None, user_id: str) -> Outcome:

        self.identify(user_id)
        now = self.clock()
        with Session(self.engine, expire_on_commit=False) as session:
            self._comms_only(session, user_id)
            request = self._load(session, request_id, version)
            if request.requester_user_id == user_id:
                raise AccountError(f"You asked for {request.reference}, so another member of Communications and "
                                   "Marketing must review it. Nothing has changed.")
            if request.status != "comms_review":
                raise AccountError(f"{request.reference} is {STATUS_LABELS[request.status].lower()}; "
                                   "it can be recommended only while Comms are reviewing it.")
            director = staff.director_of(session, request.directorate)
            director_id = self._director_id(session, director) if director is not None else None
            if director_id is None:
                raise AccountError(f"No Corporate Director for {request.directorate} is in the staff directory "
                                   "(or the bot cannot reach them on Slack or Teams), so nobody can decide this yet. "
                                   "Ask HR to update the directory; nothing has changed.")
            self._claim(session, request, {"comms_review"}, status="director_review", recommended_by=user_id,
                        director_user_id=director_id)
            self._schedule(request, now)
            session.add(request)
            self._event(session, request, user_id, "recommended to director", director.name)
            session.flush()
            ids = self._refresh(session, request)
            asking = say.director_message(request, zone=self.zone, deciders=tuple(self.deciders(session, request)))
            ids.append(self._in_thread(session, request, asking, purpose="account-director"))
            if self._elsewhere(session, director_id):
                # The director is on another platform than the Comms channel: asked in their own chat as well
                # (that copy is kept up to date with the thread's).
                ids.append(self.enqueue(session, channel=director_id, content=asking, purpose="account-director",
                                        ref_type="account_request", ref_id=request.id).id)
            ids.append(self._tell_requester(session, request, say.note(
                "Communications and Marketing have recommended ", say.Strong(request.reference), " to the Corporate "
                f"Director for {request.directorate}, who will decide it.")))
            session.commit()
        return Outcome(f"{request.reference} is recommended to {director.name}.", ids, True)

    def ask_for_information(self, request_id: int, version: int | None, user_id: str, question: str) -> Outcome:

        question = (question or "").strip()
        if not question:
            raise AccountError("Say what you need to know.")
        self.identify(user_id)
        now = self.clock()
        with Session(self.engine, expire_on_commit=False) as session:
            self._comms_only(session, user_id)
            request = self._load(session, request_id, version)
            if request.status != "comms_review":
                raise AccountError(f"{request.reference} is {STATUS_LABELS[request.status].lower()}.")
            self._claim(session, request, {"comms_review"}, status="more_info", info_question=question[:MAX_TEXT])
            self._schedule(request, now)
            session.add(request)
            self._event(session, request, user_id, "asked for more information", question[:MAX_TEXT])
            session.flush()
            ids = self._refresh(session, request)
            ids.append(self._in_thread(session, request, say.question(request, user_id, question, answerable=False)))
            ids.append(self._tell_requester(session, request, say.question(request, user_id, question,
                                                                           answerable=True)))
            asked = self._name(session, request.requester_user_id)
            session.commit()
        return Outcome(f"Your question has been sent to {asked}.", ids, True)

    def answer(self, request_id: int, user_id: str, text: str, in_thread: bool = False) -> Outcome:

        text = (text or "").strip()
        if not text:
            raise AccountError("Write your answer.")
        now = self.clock()
        with Session(self.engine, expire_on_commit=False) as session:
            request = self._load(session, request_id, None)
            if user_id != request.requester_user_id:
                raise AccountError("Only the person who made the request can answer Comms' question.")
            if request.status != "more_info":
                raise AccountError(f"{request.reference} is not waiting for information from you.")
            self._claim(session, request, {"more_info"}, status="comms_review")
            self._schedule(request, now)
            session.add(request)
            self._event(session, request, user_id, "answered", text[:MAX_TEXT])
            session.flush()
            ids = self._refresh(session, request)
            if in_thread:  # already there for everyone to read: just say it was taken as the answer
                ids.append(self._in_thread(session, request, say.note(
                    "Recorded as ", say.Mention(user_id), f"'s answer; {request.reference} is back with "
                    "Communications and Marketing.")))
            else:
                ids.append(self._in_thread(session, request, say.answer(request, text)))
            session.commit()
        return Outcome(f"Thanks: your answer is with Communications and Marketing ({request.reference}).", ids, True)

    def answer_in_thread(self, channel: str, thread_ts: str, user_id: str, text: str) -> bool:
        """A reply in a request's thread, by its requester, while Comms are waiting for more information, is
        their answer (anything else said in the thread is conversation, and is left alone)."""
        with Session(self.engine) as session:
            request = session.exec(select(AccountRequest).where(AccountRequest.channel_id == channel)
                                   .where(AccountRequest.thread_ts == thread_ts)).first()
        if request is None or request.status != "more_info" or request.requester_user_id != user_id:
            return False
        try:
            outcome = self.answer(request.id, user_id, text, in_thread=True)
        except AccountError:
            return False
        self.services.outbox.deliver(outcome.outbox_ids)
        return True

    def decline(self, request_id: int, version: int | None, user_id: str, reason: str) -> Outcome:
        return self._final(request_id, version, user_id, reason, by="comms")

    # ----------------------------------------------------------------------------- the director's call

    def approve(self, request_id: int, version: int | None, user_id: str) -> Outcome:
        return self._final(request_id, version, user_id, None, by="director", approve=True)

    def reject(self, request_id: int, version: int | None, user_id: str, reason: str) -> Outcome:
        return self._final(request_id, version, user_id, reason, by="director")

    def check_decider(self, request_id: int, user_id: str) -> None:
        """Raise unless `user_id` may decide the request now (used before opening the reject form)."""
        self.identify(user_id)
        with Session(self.engine) as session:
            request = self._load(session, request_id, None)
            if request.status != "director_review":
                raise AccountError(f"{request.reference} is {STATUS_LABELS[request.status].lower()}.")
            if user_id not in self.deciders(session, request):
                raise AccountError(f"Only the Corporate Director for {request.directorate} can decide this "
                                   "(para 19). Nothing has changed.")

    def _final(self, request_id: int, version: int | None, user_id: str, reason: str | None, *, by: str,
               approve: bool = False) -> Outcome:

        reason = (reason or "").strip() or None
        if not approve and not reason:
            raise AccountError("Give a reason: the requester is told it.")
        self.identify(user_id)
        now = self.clock()
        with Session(self.engine, expire_on_commit=False) as session:
            request = self._load(session, request_id, version)
            if by == "comms":
                self._comms_only(session, user_id)
                if request.status not in ("comms_review", "more_info"):
                    raise AccountError(f"{request.reference} is {STATUS_LABELS[request.status].lower()}; only "
                                       "the Corporate Director can decide it now.")
                expected, status = {"comms_review", "more_info"}, "declined"
            else:
                if request.status != "director_review":
                    raise AccountError(f"{request.reference} is {STATUS_LABELS[request.status].lower()}.")
                if user_id not in self.deciders(session, request):
                    raise AccountError(f"Only the Corporate Director for {request.directorate} can decide this "
                                       "(para 19). Nothing has changed.")
                if approve and request.requester_user_id == user_id:
                    raise AccountError(f"You asked for {request.reference}, so you cannot approve it yourself: a "
                                       "deputy named for your directorate must decide it. Nothing has changed.")
                expected, status = {"director_review"}, "approved" if approve else "rejected"
            self._claim(session, request, expected, status=status, decided_by=user_id, decided_at=now,
                        decision_reason=reason)
            self._schedule(request, now)
            session.add(request)
            account = None
            if approve:
                account = RegisteredAccount(
                    platform=request.platform, name=request.handle, service=request.service,
                    directorate=request.directorate, staff_user_ids=request.staff_user_ids, request_id=request.id,
                    approval_reference=request.reference, approved_by=user_id, approved_at=now,
                    review_due=add_months(now.astimezone(self.zone).date(), 12), created_at=now, updated_at=now)
                account.search_key = search_key(account)
                session.add(account)
                session.flush()
                self._event(session, None, user_id, "registered", request.reference, account=account)
            self._event(session, request, user_id, status, reason)
            session.flush()
            ids = self._refresh(session, request)
            ids.append(self._in_thread(session, request, say.decision(request, account)))
            ids.append(self._tell_requester(session, request, say.requester_decision(request)))
            session.commit()
        return Outcome(f"{request.reference} is {STATUS_LABELS[status].lower()}.", ids, True)
