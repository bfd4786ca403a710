"""Training campaigns (para 26), policy acknowledgement (para 22) and line managers' view of their team
(para 23).

HR start a campaign (who it covers, the e-learning link, the due date). Everyone covered who has not
completed it is nudged by DM on assignment, seven days before the due date, on the due date and weekly while
overdue, at most POLICYBOT_MAX_NUDGES times, only in working time and never on a holiday. Overdue by
POLICYBOT_TRAINING_ESCALATE_DAYS, their line manager is told. Each version of the policy is acknowledged
("I have read and understood it") only when HR starts an acknowledgement campaign for the document
(`policybot acknowledgement start TITLE`, or the form in the App Home): a new version of such a document
waits for HR to start it, and is shown as waiting. Every Monday each line manager with people in a running
campaign gets one digest.

Every nudge is claimed by inserting its row in `nudge` (unique per kind, subject, person and step) in the
transaction that queues its message, so two schedulers, or a restart mid-run, never send one twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from urllib.parse import urlparse

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from bot import identities, staff
from bot import training_messages as say
from bot.desk import Desk
from storage.models import (AcknowledgementCampaign, Document, Nudge, OutboxMessage, PolicyAcknowledgement,
                            StaffMember, TrainingAssignment, TrainingCampaign)

log = logging.getLogger(__name__)

STATUS_LABELS = {"not_started": "Not started", "completed": "Completed", "exempt": "Exempt"}
ACK_REMINDER_DAYS = (7, 14)
BATCH = 200
EARLIEST_COMPLETION_YEAR = 2000  # a completion before this is a typing slip, not a record


class TrainingError(Exception):
    """Something HR or a member of staff asked for that cannot be done; the message says why."""


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def title_key(title: str) -> str:
    return " ".join((title or "").split()).casefold()


def current_documents(session: Session) -> dict[str, Document]:
    """Each indexed title's current version: the latest indexed document with that title (a new version may
    be the same file indexed again or a new file under the same title)."""
    current: dict[str, Document] = {}
    for document in session.exec(select(Document).order_by(Document.indexed_at, Document.id)).all():
        current[title_key(document.title)] = document
    return current


def asking(session: Session) -> list[tuple[AcknowledgementCampaign, Document]]:
    """Running acknowledgement campaigns whose document is still at the version they ask about."""
    current = current_documents(session)
    rows = []
    for campaign in session.exec(select(AcknowledgementCampaign).where(AcknowledgementCampaign.status == "running")
                                 .order_by(AcknowledgementCampaign.id)).all():
        document = current.get(title_key(campaign.document_title))
        if document is not None and document.checksum == campaign.document_checksum:
            rows.append((campaign, document))
    return rows


def waiting_versions(session: Session) -> list[tuple[Document, AcknowledgementCampaign]]:
    """Documents staff were asked to acknowledge whose new version nobody has been asked about yet: each with
    its latest campaign."""
    latest: dict[str, AcknowledgementCampaign] = {}
    versions: set[tuple[str, str]] = set()
    for campaign in session.exec(select(AcknowledgementCampaign).order_by(AcknowledgementCampaign.id)).all():
        key = title_key(campaign.document_title)
        latest[key] = campaign
        versions.add((key, campaign.document_checksum))
    current = current_documents(session)
    return [(current[key], campaign) for key, campaign in sorted(latest.items())
            if key in current and (key, current[key].checksum) not in versions]


def acknowledged_all(session: Session) -> set[int] | None:
    """Staff who have acknowledged every version being asked for, or None when nothing is being asked."""
    campaigns = asking(session)
    if not campaigns:
        return None
    result: set[int] | None = None
    for campaign, _ in campaigns:
        ids = set(session.exec(select(PolicyAcknowledgement.staff_id).where(
            PolicyAcknowledgement.document_checksum == campaign.document_checksum)).all())
        result = ids if result is None else result & ids
    return result or set()


def document_by_title(session: Session, title: str) -> Document:
    """The current version of the indexed document with this title (in any case), or a TrainingError naming
    what is indexed."""
    current = current_documents(session)
    document = current.get(title_key(title))
    if document is None:
        known = ", ".join(sorted(d.title for d in current.values())[:20]) or "none (run policybot index)"
        raise TrainingError(f"No indexed document is called {title!r}. Indexed: {known}.")
    return document


@dataclass
class AcknowledgementPreview:
    document: Document
    staff: int          # active staff
    to_ask: int         # of them, not yet acknowledged this version
    running: AcknowledgementCampaign | None  # already being asked


@dataclass
class RunReport:
    training: int = 0
    acknowledgement: int = 0
    escalations: int = 0
    outbox_ids: list[int] = field(default_factory=list)
    note: str = ""

    def __str__(self) -> str:
        if self.note:
            return self.note
        return (f"{self.training} training nudge(s), {self.acknowledgement} acknowledgement request(s), "
                f"{self.escalations} manager escalation(s)")


@dataclass
class ImportReport:
    rows: int = 0
    recorded: int = 0
    already: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    applied: bool = False


class TrainingDesk(Desk):
    """Campaigns, nudges, acknowledgements and digests, for Slack listeners, jobs and the CLI."""

    def _at_opening(self, day: date) -> datetime:
        """The start of working hours on `day`, or of the next working day (UTC)."""
        return self.wt.next_working_moment(datetime.combine(day, self.wt.start, tzinfo=self.zone))

    # ------------------------------------------------------------------------------------- campaigns

    def start(self, *, name: str, url: str, due: date, directorate: str | None, created_by: str) -> tuple[
            TrainingCampaign, int]:
        name, url = (name or "").strip(), (url or "").strip()
        directorate = (directorate or "").strip() or None
        if not name or len(name) > 200:
            raise TrainingError("Give the campaign a name (up to 200 characters).")
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or "." not in parsed.netloc:
            raise TrainingError("The e-learning link must be a full web address, starting https://")
        today = self.clock().astimezone(self.zone).date()
        if due < today:
            raise TrainingError(f"The due date {due.isoformat()} is in the past.")
        with Session(self.engine, expire_on_commit=False) as session:
            if session.exec(select(TrainingCampaign).where(TrainingCampaign.name == name)).first():
                raise TrainingError(f"There is already a campaign called {name!r}.")
            if directorate is not None and not session.exec(select(StaffMember.id).where(
                    StaffMember.directorate == directorate).where(StaffMember.active == True)).first():  # noqa: E712
                raise TrainingError(f"Nobody in the staff directory is in the directorate {directorate!r}.")
            campaign = TrainingCampaign(name=name, url=url, due_date=due, directorate=directorate,
                                        created_by=created_by, created_at=self.clock())
            session.add(campaign)
            session.flush()
            assigned = self._assign(session, campaign)
            if assigned == 0:
                raise TrainingError("Nobody in the staff directory is covered by that campaign; import the staff "
                                    "list first (policybot staff import).")
            session.commit()
        return campaign, assigned

    def _assign(self, session: Session, campaign: TrainingCampaign) -> int:
        """Assign everyone covered and active who is not assigned yet (new joiners included)."""
        query = select(StaffMember.id).where(StaffMember.active == True)  # noqa: E712
        if campaign.directorate:
            query = query.where(StaffMember.directorate == campaign.directorate)
        assigned = set(session.exec(select(TrainingAssignment.staff_id)
                                    .where(TrainingAssignment.campaign_id == campaign.id)).all())
        now = self.clock()
        new = [staff_id for staff_id in session.exec(query).all() if staff_id not in assigned]
        if new:
            session.execute(_insert(session)(TrainingAssignment).values(
                [{"campaign_id": campaign.id, "staff_id": staff_id, "status": "not_started", "assigned_at": now}
                 for staff_id in new]).on_conflict_do_nothing(index_elements=["campaign_id", "staff_id"]))
        return len(new)

    def running(self, session: Session) -> list[TrainingCampaign]:
        return list(session.exec(select(TrainingCampaign).where(TrainingCampaign.status == "running")
                                 .order_by(TrainingCampaign.id)).all())

    def find_campaign(self, session: Session, name: str) -> TrainingCampaign:
        campaign = session.exec(select(TrainingCampaign).where(TrainingCampaign.name == name)).first()
        if campaign is None:
            raise TrainingError(f"No campaign called {name!r}.")
        return campaign

    def exempt(self, campaign_name: str, email: str, reason: str) -> None:
        reason = (reason or "").strip()
        if not reason:
            raise TrainingError("Give the reason for the exemption.")
        with Session(self.engine) as session:
            campaign = self.find_campaign(session, campaign_name)
            person = staff.by_email(session, email)
            assignment = person and session.exec(select(TrainingAssignment).where(
                TrainingAssignment.campaign_id == campaign.id).where(TrainingAssignment.staff_id == person.id)).first()
            if assignment is None:
                raise TrainingError(f"{email} is not covered by {campaign_name!r}.")
            assignment.status, assignment.exempt_reason = "exempt", reason[:500]
            session.add(assignment)
            session.commit()

    # ------------------------------------------------------------------------------------- cadence

    def current_step(self, campaign: TrainingCampaign, assignment: TrainingAssignment,
                     now: datetime) -> str | None:
        """The latest step of the cadence that has come due (earlier missed steps are not sent late)."""
        assigned_at = _aware(assignment.assigned_at)
        steps = [("assigned", assigned_at)]
        week_before = campaign.due_date - timedelta(days=7)
        if self._at_opening(week_before) > assigned_at:
            steps.append(("due-7", self._at_opening(week_before)))
        steps.append(("due", max(self._at_opening(campaign.due_date), assigned_at)))
        weeks = 1
        while True:
            at = self._at_opening(campaign.due_date + timedelta(days=7 * weeks))
            if at > now:
                break
            steps.append((f"overdue-{weeks}", at))
            weeks += 1
        due = [step for step, at in steps if at <= now]
        return due[-1] if due else None

    # --------------------------------------------------------------------------------------- the run

    def run_nudges(self) -> RunReport:
        """`training-nudges`: training nudges, acknowledgement requests and manager escalations that are due."""
        now = self.clock()
        report = RunReport()
        if not self.wt.is_working(now):
            report.note = "outside working time: nothing sent"
            return report
        today = now.astimezone(self.zone).date()
        with Session(self.engine, expire_on_commit=False) as session:
            campaigns = self.running(session)
            for campaign in campaigns:
                self._assign(session, campaign)
            session.commit()
            unresolved = session.exec(select(StaffMember).where(StaffMember.active == True)  # noqa: E712
                                      .where(identities.unchecked())).all() \
                if self.directory.looks_up else []
        if unresolved:  # people imported without Slack lookups: find them once, by email
            self.directory.resolve_all(unresolved)
        with Session(self.engine, expire_on_commit=False) as session:
            counts = self._counts(session, "training")
            rows = session.exec(
                select(TrainingAssignment, StaffMember).join(StaffMember, StaffMember.id == TrainingAssignment.staff_id)
                .where(TrainingAssignment.status == "not_started").where(StaffMember.active == True)  # noqa: E712
                .where(identities.known(None))
                .where(TrainingAssignment.campaign_id.in_([c.id for c in campaigns] or [0]))
                .order_by(TrainingAssignment.id)).all()
            reach = identities.reach(session, {person.id for _, person in rows}, self.settings.platforms)
        by_id = {c.id: c for c in campaigns}
        pending: list[tuple] = []  # kind, subject, staff id, step, (platform, address), message
        rendered: dict[int, say.Message] = {}
        for assignment, person in rows:
            campaign = by_id[assignment.campaign_id]
            if counts.get((str(campaign.id), person.id), 0) >= self.settings.max_nudges:
                continue
            snoozed = _aware(assignment.snoozed_until)
            if snoozed is not None and snoozed > now:
                continue
            step = self.current_step(campaign, assignment, now)
            if step is None or person.id not in reach:
                continue
            if snoozed is not None:
                step = f"{step}|snooze-{snoozed.astimezone(self.zone).date().isoformat()}"
            if campaign.id not in rendered:  # the same message for everyone in the campaign today
                rendered[campaign.id] = say.training_nudge(campaign, (today - campaign.due_date).days)
            pending.append(("training", str(campaign.id), person.id, step, reach[person.id],
                            rendered[campaign.id]))
        report.training = self._claim_and_queue(pending, report)

        # Line managers, once per person and campaign, when the training is overdue by the set number of days.
        escalations = []
        with Session(self.engine, expire_on_commit=False) as session:
            already = set(session.exec(select(Nudge.subject, Nudge.staff_id).where(Nudge.kind == "escalation")).all())
            for assignment, person in rows:
                campaign = by_id[assignment.campaign_id]
                if (today - campaign.due_date).days < self.settings.training_escalate_days or \
                        (str(campaign.id), person.id) in already:
                    continue
                chain = [m for m in staff.manager_chain(session, person) if m.active]
                chain_ids = identities.reach(session, [m.id for m in chain], self.settings.platforms)
                manager = next((m for m in chain if m.id in chain_ids), None)
                if manager is None:
                    continue
                escalations.append(("escalation", str(campaign.id), person.id, "manager", chain_ids[manager.id],
                                    say.escalation(person, campaign, (today - campaign.due_date).days)))
        report.escalations = self._claim_and_queue(escalations, report)

        # Documents HR have asked staff to acknowledge: everyone who has not, with two reminders.
        asks = []
        with Session(self.engine, expire_on_commit=False) as session:
            people = session.exec(select(StaffMember).where(StaffMember.active == True)  # noqa: E712
                                  .where(identities.known(None))).all()
            reach = identities.reach(session, [person.id for person in people], self.settings.platforms)
            for campaign, document in asking(session):
                acknowledged = set(session.exec(select(PolicyAcknowledgement.staff_id).where(
                    PolicyAcknowledgement.document_checksum == document.checksum)).all())
                asked = defaultdict(list)
                for staff_id, step, claimed_at in session.exec(select(Nudge.staff_id, Nudge.step, Nudge.claimed_at)
                                                               .where(Nudge.kind == "ack")
                                                               .where(Nudge.subject == document.checksum)).all():
                    asked[staff_id].append((step, _aware(claimed_at)))
                primary = document.title.casefold() == self.settings.primary_document.casefold()
                request = say.acknowledgement_request(document, self.settings.policy_url, primary)
                for person in people:
                    if person.id in acknowledged or person.id not in reach:
                        continue
                    history = asked.get(person.id, [])
                    if len(history) >= min(1 + len(ACK_REMINDER_DAYS), self.settings.max_nudges):
                        continue
                    if not history:
                        step = "ask"
                    else:
                        first = min(at for _, at in history)
                        number = len(history)
                        if now < first + timedelta(days=ACK_REMINDER_DAYS[number - 1]):
                            continue
                        step = f"reminder-{number}"
                    asks.append(("ack", document.checksum, person.id, step, reach[person.id], request))
        report.acknowledgement = self._claim_and_queue(asks, report)
        return report

    # ------------------------------------------------------------------------------- acknowledgement

    def preview_acknowledgement(self, title: str) -> AcknowledgementPreview:
        """What starting an acknowledgement campaign for `title` would do, before anything is sent."""
        with Session(self.engine, expire_on_commit=False) as session:
            document = document_by_title(session, title)
            return self._preview(session, document)

    def _preview(self, session: Session, document: Document) -> AcknowledgementPreview:
        active = set(session.exec(select(StaffMember.id).where(StaffMember.active == True)).all())  # noqa: E712
        done = set(session.exec(select(PolicyAcknowledgement.staff_id).where(
            PolicyAcknowledgement.document_checksum == document.checksum)).all())
        running = session.exec(select(AcknowledgementCampaign).where(
            AcknowledgementCampaign.document_checksum == document.checksum).where(
            AcknowledgementCampaign.status == "running")).first()
        return AcknowledgementPreview(document, len(active), len(active - done), running)

    def start_acknowledgement(self, title: str, started_by: str, *, checksum: str | None = None) -> tuple[
            AcknowledgementCampaign, int]:
        """Ask every active member of staff to acknowledge the current version of `title`. Earlier versions'
        campaigns end. `checksum`, when given, is the version the person starting it was shown: if the
        document has changed since, nothing starts."""
        with Session(self.engine, expire_on_commit=False) as session:
            document = document_by_title(session, title)
            if checksum is not None and checksum != document.checksum:
                raise TrainingError(f"{document.title} has been indexed again since you looked; nothing was "
                                    "started. Open the form again to see the new version.")
            preview = self._preview(session, document)
            if preview.running is not None:
                raise TrainingError(f"Staff are already being asked to acknowledge this version of "
                                    f"{document.title} (since {preview.running.started_at:%d %b %Y}).")
            if preview.staff == 0:
                raise TrainingError("Nobody is in the staff directory yet; import the staff list first "
                                    "(policybot staff import).")
            now = self.clock()
            for older in session.exec(select(AcknowledgementCampaign).where(
                    AcknowledgementCampaign.status == "running")).all():
                if title_key(older.document_title) == title_key(document.title):
                    older.status, older.ended_at = "ended", now
                    session.add(older)
            campaign = session.exec(select(AcknowledgementCampaign).where(
                AcknowledgementCampaign.document_checksum == document.checksum)).first()
            if campaign is None:
                campaign = AcknowledgementCampaign(document_id=document.id, document_title=document.title,
                                                   document_checksum=document.checksum,
                                                   document_version=document.version)
            campaign.document_id = document.id
            campaign.status, campaign.ended_at = "running", None
            campaign.started_by, campaign.started_at = (started_by or "")[:64], now
            session.add(campaign)
            session.commit()
            log.info("acknowledgement campaign started", extra={"document": document.title,
                                                                 "to_ask": preview.to_ask})
        return campaign, preview.to_ask

    def stop_acknowledgement(self, title: str) -> int:
        """End the running acknowledgement campaigns of `title` (nobody more is asked; what is recorded stays)."""
        with Session(self.engine) as session:
            document = document_by_title(session, title)
            running = [c for c in session.exec(select(AcknowledgementCampaign).where(
                AcknowledgementCampaign.status == "running")).all()
                if title_key(c.document_title) == title_key(document.title)]
            for campaign in running:
                campaign.status, campaign.ended_at = "ended", self.clock()
                session.add(campaign)
            session.commit()
            return len(running)

    def is_hr(self, user_id: str) -> bool:
        """Whether this Slack user is in HR (starting campaigns and acknowledgements is theirs alone)."""
        with Session(self.engine) as session:
            return "hr" in staff.roles_of_user(session, user_id)

    def directorate_named(self, typed: str) -> str | None:
        """The directorate as the directory names it, matched in any case; None when there is no such one."""
        return {name.lower(): name for name in self.directorates()}.get((typed or "").strip().lower())

    def reading(self, checksum: str):
        """The document a "Read it" button was sent for, with its passages in order; None when that version
        is no longer being asked for."""
        from storage.models import Passage

        with Session(self.engine, expire_on_commit=False) as session:
            document = self.document_for_reading(session, checksum)
            if document is None:
                return None
            return document, list(session.exec(select(Passage).where(Passage.document_id == document.id)
                                               .order_by(Passage.ordinal)).all())

    def my_training(self, user_id: str):
        """A member of staff's running assignments (with their campaigns) and what they are asked to
        acknowledge; None when they are not in the staff directory."""
        with Session(self.engine, expire_on_commit=False) as session:
            person = staff.by_user_id(session, user_id)
            if person is None:
                return None
            rows = session.exec(select(TrainingAssignment, TrainingCampaign)
                                .join(TrainingCampaign, TrainingCampaign.id == TrainingAssignment.campaign_id)
                                .where(TrainingAssignment.staff_id == person.id)
                                .where(TrainingCampaign.status == "running")).all()
            return list(rows), self.my_acknowledgements(session, person)

    def documents_to_acknowledge(self) -> list[str]:
        """The titles HR can ask staff to acknowledge: every indexed document's current version."""
        with Session(self.engine) as session:
            return sorted((d.title for d in current_documents(session).values()), key=str.lower)

    def waiting_versions(self) -> list[tuple[str, str | None]]:
        """Each document whose new version is waiting for HR to ask staff about it: title and version."""
        with Session(self.engine) as session:
            return [(document.title, document.version) for document, _ in waiting_versions(session)]

    def my_acknowledgements(self, session: Session, person: StaffMember) -> list[tuple[str, bool]]:
        """Each document HR are asking staff to acknowledge, and whether `person` has."""
        done = set(session.exec(select(PolicyAcknowledgement.document_checksum).where(
            PolicyAcknowledgement.staff_id == person.id)).all())
        return [(document.title, document.checksum in done) for _, document in asking(session)]

    def document_for_reading(self, session: Session, checksum: str) -> Document | None:
        """The document a "Read it" button was sent for, while staff are asked to acknowledge that version."""
        return next((d for c, d in asking(session) if d.checksum[:64] == checksum[:64]), None)

    def acknowledgement_status(self) -> tuple[list[dict], list[dict]]:
        """Each acknowledgement campaign with its progress, and each new version waiting for HR."""
        with Session(self.engine) as session:
            active = set(session.exec(select(StaffMember.id).where(StaffMember.active == True)).all())  # noqa: E712
            current = {c.id for c, _ in asking(session)}
            rows = []
            for campaign in session.exec(select(AcknowledgementCampaign)
                                         .order_by(AcknowledgementCampaign.started_at.desc())).all():
                done = set(session.exec(select(PolicyAcknowledgement.staff_id).where(
                    PolicyAcknowledgement.document_checksum == campaign.document_checksum)).all())
                state = ("asking" if campaign.id in current else
                         "paused: a new version is indexed" if campaign.status == "running" else "ended")
                rows.append({"document": campaign.document_title, "version": campaign.document_version,
                             "state": state, "started": campaign.started_at, "started_by": campaign.started_by,
                             "acknowledged": len(done & active), "staff": len(active)})
            waiting = [{"document": d.title, "version": d.version, "previous": c.document_version}
                       for d, c in waiting_versions(session)]
        return rows, waiting

    def _counts(self, session: Session, kind: str) -> dict[tuple[str, int], int]:
        rows = session.exec(select(Nudge.subject, Nudge.staff_id, func.count()).where(Nudge.kind == kind)
                            .group_by(Nudge.subject, Nudge.staff_id)).all()
        return {(subject, staff_id): count for subject, staff_id, count in rows}

    def _claim_and_queue(self, items: list, report: RunReport) -> int:
        """Claim nudges (one multi-row INSERT … ON CONFLICT DO NOTHING RETURNING per batch: a row already there
        means another run has it) and queue the messages of those claimed, in the same transaction; then hand
        the batch to the outbox."""
        sent = 0
        for start in range(0, len(items), BATCH):
            batch = items[start:start + BATCH]
            serialised: dict[int, str] = {}  # one JSON text per distinct message (most are shared)
            for *_, message in batch:
                if id(message) not in serialised:
                    serialised[id(message)] = message.to_json()
            with Session(self.engine) as session:
                insert = _insert(session)
                now = self.clock()
                keys = {(kind, subject, staff_id, step): index
                        for index, (kind, subject, staff_id, step, _, _) in enumerate(batch)}
                claimed = session.execute(
                    insert(Nudge).values([{"kind": kind, "subject": subject, "staff_id": staff_id, "step": step,
                                           "claimed_at": now} for kind, subject, staff_id, step in keys])
                    .on_conflict_do_nothing(index_elements=["kind", "subject", "staff_id", "step"])
                    .returning(Nudge.kind, Nudge.subject, Nudge.staff_id, Nudge.step)).all()
                ids: list[int] = []
                if claimed:
                    chosen = sorted(keys[tuple(row)] for row in claimed)
                    ids = list(session.execute(insert(OutboxMessage).values([
                        {"channel": batch[i][4][1], "text": batch[i][5].summary, "blocks": None,
                         "content": serialised[id(batch[i][5])], "platform": batch[i][4][0],
                         "method": "post", "purpose": f"nudge-{batch[i][0]}", "ref_type": "nudge",
                         "ref_id": batch[i][2], "status": "pending", "attempts": 0, "created_at": now,
                         "next_attempt_at": now} for i in chosen]).returning(OutboxMessage.id)).scalars().all())
                session.commit()
            ids.sort()
            sent += len(ids)
            report.outbox_ids += ids
            self.services.outbox.deliver(ids)
        return sent

    # ------------------------------------------------------------------------------------ from Slack

    def _assignment_for(self, session: Session, campaign_id: int, user_id: str):
        person = staff.by_user_id(session, user_id)
        if person is None:
            raise TrainingError("I can't find you in the staff directory, so I can't record this. Please tell HR.")
        assignment = session.exec(select(TrainingAssignment).where(TrainingAssignment.campaign_id == campaign_id)
                                  .where(TrainingAssignment.staff_id == person.id)).first()
        campaign = session.get(TrainingCampaign, campaign_id)
        if assignment is None or campaign is None:
            raise TrainingError("That training isn't assigned to you.")
        return person, assignment, campaign

    def self_declare(self, campaign_id: int, user_id: str) -> str:
        with Session(self.engine) as session:
            _, assignment, campaign = self._assignment_for(session, campaign_id, user_id)
            if assignment.status == "completed":
                return f"You've already completed {campaign.name}. Thank you!"
            assignment.status, assignment.completed_at, assignment.completed_via = "completed", self.clock(), "slack"
            assignment.snoozed_until = None
            session.add(assignment)
            session.commit()
            return (f"Thank you: {campaign.name} is recorded as completed today. HR may check it against the "
                    "learning system's records.")

    def snooze(self, campaign_id: int, user_id: str) -> str:
        with Session(self.engine) as session:
            _, assignment, campaign = self._assignment_for(session, campaign_id, user_id)
            if assignment.status != "not_started":
                return f"{campaign.name} is already {STATUS_LABELS[assignment.status].lower()}; no reminder needed."
            tomorrow = self.clock().astimezone(self.zone).date() + timedelta(days=1)
            until = self._at_opening(tomorrow)
            assignment.snoozed_until = until
            session.add(assignment)
            session.commit()
            return f"OK, I'll remind you {until.astimezone(self.zone).strftime('%A at %H:%M')}."

    def acknowledge(self, checksum: str, user_id: str) -> str:
        with Session(self.engine) as session:
            person = staff.by_user_id(session, user_id)
            if person is None:
                raise TrainingError("I can't find you in the staff directory, so I can't record this. "
                                    "Please tell HR.")
            found = next(((c, d) for c, d in asking(session) if c.document_checksum == checksum), None)
            if found is None:
                campaign = session.exec(select(AcknowledgementCampaign).where(
                    AcknowledgementCampaign.document_checksum == checksum)).first()
                current = campaign and current_documents(session).get(title_key(campaign.document_title))
                if current and current.checksum != checksum:
                    raise TrainingError(f"That was an earlier version of the {campaign.document_title}, which has "
                                        "since been updated, so nothing was recorded. HR will ask you to "
                                        "acknowledge the new version.")
                raise TrainingError("Staff are not being asked to acknowledge that document at the moment, so "
                                    "nothing was recorded.")
            _, document = found
            recorded = session.execute(_insert(session)(PolicyAcknowledgement).values(
                staff_id=person.id, document_checksum=checksum, document_version=document.version,
                acknowledged_at=self.clock()).on_conflict_do_nothing(index_elements=["staff_id", "document_checksum"])
                .returning(PolicyAcknowledgement.id)).scalar_one_or_none()
            session.commit()
            title = document.title
        if recorded is None:
            return f"You've already acknowledged this version of the {title}. Thank you."
        return f"Thank you: your acknowledgement of the {title} is recorded."

    # --------------------------------------------------------------------------------------- managers

    def team(self, session: Session, manager: StaffMember) -> list[tuple[StaffMember, TrainingAssignment,
                                                                          TrainingCampaign]]:
        rows = session.exec(
            select(StaffMember, TrainingAssignment, TrainingCampaign)
            .join(TrainingAssignment, TrainingAssignment.staff_id == StaffMember.id)
            .join(TrainingCampaign, TrainingCampaign.id == TrainingAssignment.campaign_id)
            .where(StaffMember.line_manager_email == manager.email).where(StaffMember.active == True)  # noqa: E712
            .where(TrainingCampaign.status == "running")).all()
        return list(rows)

    def run_digests(self) -> tuple[int, list[int]]:
        """`manager-digests`: one DM a week to each line manager with direct reports in a running campaign."""
        now = self.clock()
        if not self.wt.is_working(now):
            return 0, []
        week = now.astimezone(self.zone).strftime("%G-W%V")
        today = now.astimezone(self.zone).date()
        items = []
        with Session(self.engine, expire_on_commit=False) as session:
            acknowledged = acknowledged_all(session)  # None: nothing is being acknowledged
            managers = session.exec(select(StaffMember).where(StaffMember.active == True)  # noqa: E712
                                    .where(identities.known(None))
                                    .where(StaffMember.email.in_(select(StaffMember.line_manager_email)
                                                                 .where(StaffMember.active == True)))).all()  # noqa: E712
            reach = identities.reach(session, [manager.id for manager in managers], self.settings.platforms)
            for manager in managers:
                if manager.id not in reach:
                    continue
                team = self.team(session, manager)
                if not team:
                    continue
                items.append(("digest", week, manager.id, "weekly", reach[manager.id],
                              say.digest(team, acknowledged, today)))
        report = RunReport()
        count = self._claim_and_queue(items, report)
        return count, report.outbox_ids

    def nudge_team(self, user_id: str) -> str:
        """A manager's "Nudge my overdue team": one extra nudge now to each overdue direct report, within the
        cap, in working time, at most once a day per person."""
        now = self.clock()
        if not self.wt.is_working(now):
            return "Nudges are only sent in working hours; I'll leave it for now. Try again during the working day."
        today = now.astimezone(self.zone).date()
        with Session(self.engine, expire_on_commit=False) as session:
            manager = staff.by_user_id(session, user_id)
            if manager is None:
                raise TrainingError("I can't find you in the staff directory.")
            counts = self._counts(session, "training")
            items, capped = [], 0
            team = self.team(session, manager)
            reach = identities.reach(session, [person.id for person, _, _ in team], self.settings.platforms)
            for person, assignment, campaign in team:
                if assignment.status != "not_started" or campaign.due_date >= today or person.id not in reach:
                    continue
                if counts.get((str(campaign.id), person.id), 0) >= self.settings.max_nudges:
                    capped += 1
                    continue
                items.append(("training", str(campaign.id), person.id, f"extra-{today.isoformat()}",
                              reach[person.id],
                              say.training_nudge(campaign, (today - campaign.due_date).days, from_manager=True)))
        sent = self._claim_and_queue(items, RunReport())
        if not items and not capped:
            return "Nobody in your team is overdue. Thank you!"
        message = f"I've nudged {sent} overdue member{'s' if sent != 1 else ''} of your team."
        if len(items) > sent:
            message += f" {len(items) - sent} had already been nudged today."
        if capped:
            message += f" {capped} have had the most nudges allowed; HR will follow up."
        return message

    # ------------------------------------------------------------------------------------ import, report

    def import_completions(self, path: Path | str, *, partial: bool = False) -> ImportReport:
        """`email,completed_at` from the learning system: completions for every running campaign the person
        is in. A file with bad rows changes nothing unless `partial`."""
        reader = staff.read_csv(path, ("email", "completed_at"), TrainingError)
        report = ImportReport()
        good: dict[str, datetime] = {}
        now = self.clock()
        with Session(self.engine, expire_on_commit=False) as session:
            known = {p.email: p for p in session.exec(select(StaffMember)).all()}
            for record in reader:
                line = reader.line_num
                email = (record.get("email") or "").strip().lower()
                raw = (record.get("completed_at") or "").strip()
                if not email and not raw:
                    continue
                report.rows += 1
                if email not in known:
                    report.errors.append((line, f"{email or '(empty email)'} is not in the staff directory"))
                    continue
                try:
                    when = datetime.fromisoformat(raw) if "T" in raw or " " in raw else \
                        datetime.combine(date.fromisoformat(raw), time(12, 0))
                    when = (when if when.tzinfo else when.replace(tzinfo=self.zone)).astimezone(timezone.utc)
                except (ValueError, OverflowError):  # not a date, or one no clock can hold (year 1, 9999)
                    report.errors.append((line, f"completed_at {raw!r} is not a date (use 2026-11-20 or "
                                                "2026-11-20T14:30)"))
                    continue
                if when.year < EARLIEST_COMPLETION_YEAR:
                    report.errors.append((line, f"completed_at {raw} is before {EARLIEST_COMPLETION_YEAR}: "
                                                "check the date"))
                    continue
                if when > now + timedelta(days=1):
                    report.errors.append((line, f"completed_at {raw} is in the future"))
                    continue
                if email in good:
                    report.errors.append((line, f"{email} appears more than once"))
                    continue
                good[email] = when
            if report.errors and not partial:
                return report
            campaigns = [c.id for c in self.running(session)]
            for email, when in good.items():
                assignments = session.exec(select(TrainingAssignment).where(
                    TrainingAssignment.staff_id == known[email].id).where(
                    TrainingAssignment.campaign_id.in_(campaigns or [0]))).all()
                changed = False
                for assignment in assignments:
                    if assignment.status == "not_started":
                        assignment.status, assignment.completed_at, assignment.completed_via = "completed", when, "import"
                        session.add(assignment)
                        changed = True
                report.recorded += changed
                report.already += not changed
            session.commit()
        report.applied = True
        return report

    def progress_report(self, by: str = "directorate") -> list[dict]:
        with Session(self.engine) as session:
            return self.progress(session, by=by)

    def progress(self, session: Session, by: str = "directorate") -> list[dict]:
        """Completion (running campaigns) and acknowledgement (every version being asked for) rates per
        directorate or directorate and service, over active staff; no acknowledgement rate when nothing is
        being asked for."""
        acknowledged = acknowledged_all(session)
        campaigns = [c.id for c in self.running(session)]
        assignments = defaultdict(list)
        for staff_id, status in session.exec(select(TrainingAssignment.staff_id, TrainingAssignment.status).where(
                TrainingAssignment.campaign_id.in_(campaigns or [0]))).all():
            assignments[staff_id].append(status)
        groups: dict[tuple, dict] = {}
        for person in session.exec(select(StaffMember).where(StaffMember.active == True)).all():  # noqa: E712
            key = (person.directorate,) if by == "directorate" else (person.directorate, person.service)
            group = groups.setdefault(key, {"staff": 0, "assigned": 0, "completed": 0, "exempt": 0,
                                            "acknowledged": 0})
            group["staff"] += 1
            group["acknowledged"] += acknowledged is not None and person.id in acknowledged
            for status in assignments.get(person.id, []):
                group["assigned"] += 1
                group["completed"] += status == "completed"
                group["exempt"] += status == "exempt"
        rows = []
        for key, group in sorted(groups.items()):
            need = group["assigned"] - group["exempt"]
            rows.append({"directorate": key[0], "service": key[1] if len(key) > 1 else None, **group,
                         "completion_rate": round(group["completed"] / need, 3) if need else None,
                         "acknowledgement_rate": round(group["acknowledged"] / group["staff"], 3)
                         if group["staff"] and acknowledged is not None else None})
        return rows


def _insert(session: Session):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
