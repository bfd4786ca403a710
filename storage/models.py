"""The bot's tables. Every change to them goes through an Alembic revision in `storage/migrations`."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import Column, ForeignKey, Index, Integer, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Document(SQLModel, table=True):
    """One indexed knowledge document (a policy, guideline or procedure)."""

    __tablename__ = "document"

    id: int | None = Field(default=None, primary_key=True)
    source_path: str = Field(max_length=1024, unique=True)
    title: str = Field(max_length=300)
    version: str | None = Field(default=None, max_length=100)
    effective_date: date | None = None
    # Server defaults let rows indexed before these columns existed migrate; such rows are read again.
    owner: str | None = Field(default=None, max_length=200)
    structure: str = Field(default="", max_length=16,  # numbered, clauses, headed or plain
                           sa_column_kwargs={"server_default": ""})
    warnings: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))  # one a line
    checksum: str = Field(max_length=64)
    revision: int = 1
    passage_count: int = 0
    indexed_at: datetime = Field(default_factory=utcnow)


class Passage(SQLModel, table=True):
    """A citable passage: a numbered paragraph, a dotted clause, a heading section or, for a document with no
    structure, a paragraph."""

    __tablename__ = "passage"
    __table_args__ = (UniqueConstraint("document_id", "ordinal", name="uq_passage_document_ordinal"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(sa_column=Column(Integer, ForeignKey("document.id", ondelete="CASCADE"),
                                              nullable=False, index=True))
    ordinal: int
    section: str = Field(max_length=100)
    heading: str = Field(default="", max_length=300)
    context: str = Field(default="", max_length=600,  # the headings above `heading`, joined with " › "
                         sa_column_kwargs={"server_default": ""})
    kind: str = Field(default="", max_length=16,  # paragraph, clause, section or chunk
                      sa_column_kwargs={"server_default": ""})
    label: str = Field(max_length=500)
    text: str = Field(sa_column=Column(Text, nullable=False))
    checksum: str = Field(max_length=64, index=True)


class PassageEmbedding(SQLModel, table=True):
    """A passage's embedding, keyed by the model that made it and the passage text's checksum,
    so re-indexing embeds only passages whose text changed."""

    __tablename__ = "passage_embedding"
    __table_args__ = (UniqueConstraint("model", "checksum", name="uq_passage_embedding_model_checksum"),)

    id: int | None = Field(default=None, primary_key=True)
    model: str = Field(max_length=300)
    checksum: str = Field(max_length=64)
    dimensions: int
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class SlackEvent(SQLModel, table=True):
    """One Events API delivery, claimed by event id so a retry of a handled event is not answered twice."""

    __tablename__ = "slack_event"

    event_id: str = Field(primary_key=True, max_length=64)
    event_type: str = Field(default="", max_length=64)
    status: str = Field(default="processing", max_length=16)  # processing, done
    claimed_at: datetime = Field(default_factory=utcnow)
    done_at: datetime | None = None
    attempts: int = 1


class Question(SQLModel, table=True):
    """Every question asked, with what the bot said: Comms use these to see where the documents fall short."""

    __tablename__ = "question"

    id: int | None = Field(default=None, primary_key=True)
    asked_at: datetime = Field(default_factory=utcnow, index=True)
    surface: str = Field(max_length=16)  # dm, mention, thread, slash, cli
    # The chat platform the question came from: user_id, channel_id, thread_ts and answer_ts are its ids.
    chat_platform: str = Field(default="slack", max_length=16, sa_column_kwargs={"server_default": "slack"})
    user_id: str = Field(default="", max_length=32, index=True)
    channel_id: str = Field(default="", max_length=32)
    thread_ts: str | None = Field(default=None, max_length=32)
    answer_ts: str | None = Field(default=None, max_length=32)
    text: str = Field(sa_column=Column(Text, nullable=False))
    context: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    answered: bool = Field(index=True)
    decline_reason: str | None = Field(default=None, max_length=32)
    mode: str = Field(default="extractive", max_length=16)
    retrieval: str = Field(default="lexical", max_length=16)
    citations: str = Field(default="", max_length=500)  # "19,29"
    answer_text: str = Field(sa_column=Column(Text, nullable=False))
    shared_by: str | None = Field(default=None, max_length=32)


class AnswerVote(SQLModel, table=True):
    __tablename__ = "answer_vote"
    __table_args__ = (UniqueConstraint("question_id", "user_id", name="uq_answer_vote_question_user"),)

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(sa_column=Column(Integer, ForeignKey("question.id", ondelete="CASCADE"),
                                              nullable=False, index=True))
    user_id: str = Field(max_length=32)
    helpful: bool
    voted_at: datetime = Field(default_factory=utcnow)


class Handoff(SQLModel, table=True):
    """A question passed to Communications and Marketing by the person who asked it (or who saw its answer),
    and what Comms did with it: waiting → assigned → answered, or "not for us" with where to go instead."""

    __tablename__ = "handoff"
    __table_args__ = (UniqueConstraint("question_id", "user_id", name="uq_handoff_question_user"),)

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(sa_column=Column(Integer, ForeignKey("question.id", ondelete="CASCADE"),
                                              nullable=False, index=True))
    user_id: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
    status: str = Field(default="waiting", max_length=16, index=True,  # waiting, assigned, answered, not_for_us
                        sa_column_kwargs={"server_default": "waiting"})
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})  # buttons carry it: stale presses
    assigned_to: str | None = Field(default=None, max_length=64)
    assigned_at: datetime | None = None
    answered_by: str | None = Field(default=None, max_length=64)
    answered_at: datetime | None = None
    answer_text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    saved_answer_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("saved_answer.id", ondelete="SET NULL"), nullable=True))
    redirect: str | None = Field(default=None, max_length=16)  # not for us: hr, ict, legal, service, other
    remind_at: datetime | None = Field(default=None, index=True)
    reminded_at: datetime | None = None


class SavedAnswer(SQLModel, table=True):
    """An answer Communications and Marketing wrote, kept for future questions: a passage of the built-in
    document "Comms and Marketing answers" while it is active."""

    __tablename__ = "saved_answer"

    id: int | None = Field(default=None, primary_key=True)
    question: str = Field(sa_column=Column(Text, nullable=False))  # the wording others are matched on
    answer: str = Field(sa_column=Column(Text, nullable=False))
    # What it relies on: JSON list of {"document", "section", "checksum"} (the passage as it was then).
    sources: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    status: str = Field(default="active", max_length=16, index=True)  # active, retired
    origin: str = Field(default="handoff", max_length=16)  # handoff, import
    approved_by: str = Field(default="", max_length=64)  # chat user id, or who ran the import
    approved_by_name: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    retired_at: datetime | None = None
    review_flagged_at: datetime | None = None  # a source it relies on changed: Comms were asked to review it
    review_note: str | None = Field(default=None, max_length=500)


class SavedAnswerEvent(SQLModel, table=True):
    """History of a saved answer: saved, edited (with the wording before), retired, flagged for review."""

    __tablename__ = "saved_answer_event"

    id: int | None = Field(default=None, primary_key=True)
    answer_id: int = Field(sa_column=Column(Integer, ForeignKey("saved_answer.id", ondelete="CASCADE"),
                                            nullable=False, index=True))
    at: datetime = Field(default_factory=utcnow)
    actor: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=32)
    detail: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class OutboxMessage(SQLModel, table=True):
    """A Slack message to send, written in the same transaction as the change it reports.

    Sent straight after the commit; the `outbox` job sends whatever is left, retrying with backoff.
    A message is claimed (status pending → sending) before it is sent, so it is never sent twice.
    """

    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    # post, update (the message `ts`), ephemeral (for `user`), or respond (a private reply at a slash command's
    # response_url); each platform's sender maps these onto its own calls.
    method: str = Field(default="post", max_length=32, sa_column_kwargs={"server_default": "post"})
    channel: str = Field(max_length=64)  # channel id, or a user id (a DM is opened first)
    user: str | None = Field(default=None, max_length=32)  # for ephemeral messages
    thread_ts: str | None = Field(default=None, max_length=32)
    ts: str | None = Field(default=None, max_length=32)  # message to update
    text: str = Field(sa_column=Column(Text, nullable=False))
    blocks: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON
    # A platform-neutral message (bot.messages, JSON), drawn by the platform's renderer when it is sent;
    # a message with `blocks` is sent as they are.
    content: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    platform: str = Field(default="slack", max_length=16, sa_column_kwargs={"server_default": "slack"})
    purpose: str = Field(default="", max_length=64)
    ref_type: str | None = Field(default=None, max_length=32)  # what the message is about: question, ...
    ref_id: int | None = None
    status: str = Field(default="pending", max_length=16, index=True)  # pending, sending, sent, failed
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    sent_channel: str | None = Field(default=None, max_length=64)
    sent_ts: str | None = Field(default=None, max_length=32)
    last_error: str | None = Field(default=None, max_length=500)
    # For method "respond": the slash command's response_url (the answer replaces "Looking that up…").
    response_url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


# ------------------------------------------------------------------------------------------ staff directory

class StaffMember(SQLModel, table=True):
    """A member of staff from the HR directory import (`policybot staff import`). People missing from a later
    full import are marked as leavers (`left_at`), never deleted: cases and the register still name them."""

    __tablename__ = "staff_member"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)  # lower case
    name: str = Field(max_length=200)
    directorate: str = Field(default="", max_length=200, index=True)
    service: str = Field(default="", max_length=200)
    line_manager_email: str | None = Field(default=None, max_length=254, index=True)
    roles: str = Field(default="", max_length=200)  # ";"-separated: director, comms, hr, legal, safeguarding, ict, admin
    active: bool = Field(default=True, index=True)
    left_at: datetime | None = None
    imported_at: datetime = Field(default_factory=utcnow)

    @property
    def role_set(self) -> set[str]:
        return {role for role in self.roles.split(";") if role}


class Identity(SQLModel, table=True):
    """A member of staff's id on one chat platform: their Slack user id, or (Teams) their user id and the
    reference of their personal chat. A row without a `user_id` records that the platform was asked and does not
    know them, so the lookup is not repeated; `unreachable_at` that messages to them cannot be delivered."""

    __tablename__ = "identity"
    __table_args__ = (UniqueConstraint("platform", "staff_id", name="uq_identity_platform_staff"),
                      Index("ix_identity_platform_user", "platform", "user_id"))

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(sa_column=Column(Integer, ForeignKey("staff_member.id", ondelete="CASCADE"),
                                           nullable=False, index=True))
    platform: str = Field(max_length=16)  # slack, teams
    user_id: str | None = Field(default=None, max_length=128)
    conversation: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON, where needed
    checked_at: datetime = Field(default_factory=utcnow)  # when the platform last answered (found or not)
    unreachable_at: datetime | None = None


class TeamsConversation(SQLModel, table=True):
    """Where the bot can reach a Teams conversation (a personal chat, a channel, a group chat): the Bot
    Connector's service URL for it, recorded from every activity the bot receives in it."""

    __tablename__ = "teams_conversation"

    conversation_id: str = Field(primary_key=True, max_length=300)
    service_url: str = Field(max_length=500)
    tenant_id: str | None = Field(default=None, max_length=64)
    kind: str = Field(default="personal", max_length=16)  # personal, channel, groupChat
    user_id: str | None = Field(default=None, max_length=128)  # for a personal chat: whose it is
    updated_at: datetime = Field(default_factory=utcnow)


class ReferenceCounter(SQLModel, table=True):
    """The last number handed out per reference prefix and year (SMR-2026-0042)."""

    __tablename__ = "reference_counter"

    prefix: str = Field(primary_key=True, max_length=8)
    year: int = Field(primary_key=True)
    value: int = 0


# ------------------------------------------------------------------------------------------------ reports

class Report(SQLModel, table=True):
    """A report of misuse, a reputational issue, a safeguarding concern or a security problem (a case)."""

    __tablename__ = "report"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=20, unique=True)
    kind: str = Field(max_length=16, index=True)  # misuse, reputational, safeguarding, security
    status: str = Field(default="submitted", max_length=16, index=True)  # submitted, open, acknowledged, closed
    urgent: bool = False
    confidential: bool = False
    platform: str = Field(default="", max_length=40)
    link: str | None = Field(default=None, max_length=2000)
    description: str = Field(sa_column=Column(Text, nullable=False))
    happened_on: date | None = None
    involved_users: str = Field(default="", max_length=500)  # Slack user ids, ","-separated
    involved_text: str | None = Field(default=None, max_length=500)
    source_permalink: str | None = Field(default=None, max_length=1000)
    source_text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reporter_user_id: str = Field(default="", max_length=32, index=True)
    reporter_name: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    routing_claimed_at: datetime | None = None
    routed_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = Field(default=None, max_length=32)
    closed_at: datetime | None = Field(default=None, index=True)
    closed_by: str | None = Field(default=None, max_length=32)
    outcome: str | None = Field(default=None, max_length=40)
    outcome_notes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reminder_step: int = 0  # reminders and escalations done so far
    next_reminder_at: datetime | None = Field(default=None, index=True)
    escalation_level: int = 0  # managers above the first handler who have been brought in
    anonymised_at: datetime | None = None


class ReportAssignment(SQLModel, table=True):
    """Who handles a case: a person (Slack user id) or a team (role). Anyone assigned may act on it."""

    __tablename__ = "report_assignment"
    __table_args__ = (UniqueConstraint("report_id", "kind", "target", name="uq_report_assignment"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(sa_column=Column(Integer, ForeignKey("report.id", ondelete="CASCADE"), nullable=False,
                                            index=True))
    kind: str = Field(max_length=8)  # user, role
    target: str = Field(max_length=254, index=True)  # Slack user id, or a role name
    reason: str = Field(default="", max_length=200)
    assigned_at: datetime = Field(default_factory=utcnow)


class ReportEvent(SQLModel, table=True):
    """The case timeline: every step, who took it and when."""

    __tablename__ = "report_event"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(sa_column=Column(Integer, ForeignKey("report.id", ondelete="CASCADE"), nullable=False,
                                            index=True))
    at: datetime = Field(default_factory=utcnow)
    actor: str | None = Field(default=None, max_length=32)  # Slack user id; None for the bot
    action: str = Field(max_length=32)
    detail: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


# ------------------------------------------------------------------------------- corporate social media accounts

class AccountRequest(SQLModel, table=True):
    """A request for a new corporate social media account (para 19): Comms review it, the Corporate Director
    of its directorate decides, in the request's Slack thread."""

    __tablename__ = "account_request"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=20, unique=True)
    # comms_review, more_info, director_review, approved, declined, rejected
    status: str = Field(default="comms_review", max_length=16, index=True)
    version: int = 1  # bumped on every change: buttons carry it, so a press on an out-of-date message is refused
    platform: str = Field(max_length=40)
    handle: str = Field(max_length=200)
    service: str = Field(max_length=200)
    directorate: str = Field(max_length=200)
    purpose: str = Field(sa_column=Column(Text, nullable=False))
    business_case: str = Field(sa_column=Column(Text, nullable=False))
    staff_user_ids: str = Field(max_length=500)  # Slack user ids, ","-separated (at least two)
    monitoring_hours: str = Field(max_length=300)
    training_confirmed: bool = False
    requester_user_id: str = Field(max_length=32, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    status_changed_at: datetime = Field(default_factory=utcnow)
    recommended_by: str | None = Field(default=None, max_length=32)
    director_user_id: str | None = Field(default=None, max_length=32)  # the director asked to decide
    decided_by: str | None = Field(default=None, max_length=32)
    decided_at: datetime | None = None
    decision_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    info_question: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The chat platform of the request message: channel_id and thread_ts are its ids.
    chat_platform: str = Field(default="slack", max_length=16, sa_column_kwargs={"server_default": "slack"})
    channel_id: str | None = Field(default=None, max_length=64)  # where the request message is
    thread_ts: str | None = Field(default=None, max_length=32)  # the request message (the thread)
    reminder_step: int = 0
    next_reminder_at: datetime | None = Field(default=None, index=True)


class RegisteredAccount(SQLModel, table=True):
    """The register of authorised accounts (para 28), kept by Communications and Marketing."""

    __tablename__ = "registered_account"

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=40)
    name: str = Field(max_length=200)  # the handle or name proposed in the request
    handle: str | None = Field(default=None, max_length=200)  # filled in by Comms once the account exists
    url: str | None = Field(default=None, max_length=500)
    search_key: str = Field(default="", max_length=900, index=True)  # normalised name, handle and URL
    service: str = Field(max_length=200)
    directorate: str = Field(max_length=200)
    staff_user_ids: str = Field(default="", max_length=500)
    request_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("account_request.id"),
                                                                  nullable=True, index=True))
    approval_reference: str | None = Field(default=None, max_length=20)
    approved_by: str | None = Field(default=None, max_length=32)
    approved_at: datetime | None = None
    review_due: date
    status: str = Field(default="active", max_length=16, index=True)  # active, suspended, closed
    status_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    review_reminded_for: date | None = None  # the review date the named staff were last reminded of
    leavers_flagged_at: datetime | None = None


class AccountEvent(SQLModel, table=True):
    """History of requests and register entries: every step, who took it and when."""

    __tablename__ = "account_event"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("account_request.id",
                                                                                       ondelete="CASCADE"),
                                                                  nullable=True, index=True))
    account_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("registered_account.id",
                                                                                       ondelete="CASCADE"),
                                                                  nullable=True, index=True))
    at: datetime = Field(default_factory=utcnow)
    actor: str | None = Field(default=None, max_length=32)
    action: str = Field(max_length=40)
    detail: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


# ----------------------------------------------------------------------------- training and acknowledgement

class TrainingCampaign(SQLModel, table=True):
    """A run of the social media awareness training (para 26): who it covers, the e-learning link, the due date."""

    __tablename__ = "training_campaign"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    url: str = Field(max_length=1000)
    due_date: date
    directorate: str | None = Field(default=None, max_length=200)  # None: everyone
    status: str = Field(default="running", max_length=16, index=True)  # running, ended
    created_by: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class TrainingAssignment(SQLModel, table=True):
    """One person's place in a campaign."""

    __tablename__ = "training_assignment"
    __table_args__ = (UniqueConstraint("campaign_id", "staff_id", name="uq_training_assignment"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(sa_column=Column(Integer, ForeignKey("training_campaign.id", ondelete="CASCADE"),
                                              nullable=False, index=True))
    staff_id: int = Field(sa_column=Column(Integer, ForeignKey("staff_member.id"), nullable=False, index=True))
    status: str = Field(default="not_started", max_length=16, index=True)  # not_started, completed, exempt
    completed_at: datetime | None = None
    completed_via: str | None = Field(default=None, max_length=16)  # slack (self-declared), import
    exempt_reason: str | None = Field(default=None, max_length=500)
    assigned_at: datetime = Field(default_factory=utcnow)
    snoozed_until: datetime | None = None


class AcknowledgementCampaign(SQLModel, table=True):
    """HR asking every member of staff to acknowledge one version of an indexed document (para 22). Nobody is
    asked until HR starts one; a new version of the document waits until HR starts a campaign for it."""

    __tablename__ = "acknowledgement_campaign"
    __table_args__ = (UniqueConstraint("document_checksum", name="uq_acknowledgement_campaign_version"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("document.id",
                                                                                        ondelete="SET NULL"),
                                                                   nullable=True, index=True))
    document_title: str = Field(max_length=300)
    document_checksum: str = Field(max_length=64)
    document_version: str | None = Field(default=None, max_length=100)
    status: str = Field(default="running", max_length=16, index=True)  # running, ended
    started_by: str = Field(default="", max_length=64)
    started_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None


class PolicyAcknowledgement(SQLModel, table=True):
    """A member of staff's "I have read and understood it" for one version of the policy (para 22)."""

    __tablename__ = "policy_acknowledgement"
    __table_args__ = (UniqueConstraint("staff_id", "document_checksum", name="uq_policy_acknowledgement"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(sa_column=Column(Integer, ForeignKey("staff_member.id"), nullable=False, index=True))
    document_checksum: str = Field(max_length=64, index=True)
    document_version: str | None = Field(default=None, max_length=100)
    acknowledged_at: datetime = Field(default_factory=utcnow)


class Nudge(SQLModel, table=True):
    """A message claimed before it is sent: one row per kind, subject, person and step, so two schedulers, or
    a restart mid-run, never send the same nudge twice."""

    __tablename__ = "nudge"
    __table_args__ = (UniqueConstraint("kind", "subject", "staff_id", "step", name="uq_nudge"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # training, ack, escalation, digest
    subject: str = Field(max_length=64)  # campaign id, policy checksum, or ISO week
    staff_id: int = Field(sa_column=Column(Integer, ForeignKey("staff_member.id"), nullable=False, index=True))
    step: str = Field(max_length=32)  # assigned, due-7, due, overdue-1, snooze-2026-11-26, extra-2026-11-30, ...
    claimed_at: datetime = Field(default_factory=utcnow)
    outbox_id: int | None = None
