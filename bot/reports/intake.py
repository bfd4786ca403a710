"""Making a report: the form's fields, their validation, and the case it creates (with its reference)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, timezone
from urllib.parse import urlparse

from sqlmodel import Session

from bot.references import next_reference
from bot.report_terms import KINDS, PLATFORMS
from storage.models import Report, ReportEvent, utcnow

log = logging.getLogger(__name__)

PREFIX = "SMR"
MAX_DESCRIPTION = 3000
MAX_FIELD = 500
REFERENCE_RE = re.compile(r"\b(SMR)-(\d{4})-(\d{4,})\b", re.IGNORECASE)


class ReportError(Exception):
    """An action that cannot be taken; the message says why, for the person who tried."""


# ------------------------------------------------------------------------------------------ validation

@dataclass
class ReportInput:
    kind: str | None
    platform: str | None
    link: str | None
    description: str | None
    happened_on: date | None
    involved_users: list[str] = field(default_factory=list)
    involved_text: str | None = None
    urgent: bool = False
    confidential: bool = False
    source_permalink: str | None = None
    source_text: str | None = None


def valid_link(link: str) -> bool:
    parsed = urlparse(link)
    return parsed.scheme in {"http", "https"} and bool(parsed.netloc) and "." in parsed.netloc and " " not in link


def validate(data: ReportInput, today: date) -> dict[str, str]:
    """Errors by field name, in words the reporter can act on; empty when the report can be saved."""
    errors: dict[str, str] = {}
    if data.kind not in KINDS:
        errors["kind"] = "Choose what kind of concern this is."
    if data.platform is not None and data.platform not in PLATFORMS:
        errors["platform"] = "Choose a platform from the list (or Other)."
    if data.link:
        if len(data.link) > 2000:
            errors["link"] = "That link is too long: paste the address of the post or account (up to 2,000 characters)."
        elif not valid_link(data.link):
            errors["link"] = "That doesn't look like a web link. Paste the full address, starting https://"
    description = (data.description or "").strip()
    if not description:
        errors["description"] = "Say what happened: what was posted or done, and why it concerns you."
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = (f"Please keep this to {MAX_DESCRIPTION:,} characters (it is {len(description):,}); "
                                 "the handler can ask you for more.")
    if data.happened_on is not None and data.happened_on > today:
        errors["happened_on"] = "That date is in the future: when did it happen (or when did you see it)?"
    if data.involved_text and len(data.involved_text) > MAX_FIELD:
        errors["involved_text"] = f"Please keep this to {MAX_FIELD} characters."
    if len(data.involved_users) > 10:
        errors["involved_users"] = "Choose up to 10 people; describe any others in the box below."
    return errors


# ------------------------------------------------------------------------------------------- submitting

def submit(engine, data: ReportInput, *, reporter_user_id: str, reporter_name: str = "", clock=utcnow) -> Report:
    """Save a report (committed before anyone is told anything). Routing follows in `route`."""
    now = clock()
    with Session(engine, expire_on_commit=False) as session:
        reference = next_reference(session, PREFIX, now.astimezone(timezone.utc).year)
        report = Report(reference=reference, kind=data.kind, status="submitted",
                        urgent=data.urgent or data.kind == "safeguarding", confidential=data.confidential,
                        platform=data.platform or "", link=data.link or None,
                        description=(data.description or "").strip(), happened_on=data.happened_on,
                        involved_users=",".join(data.involved_users), involved_text=data.involved_text or None,
                        source_permalink=data.source_permalink, source_text=data.source_text,
                        reporter_user_id=reporter_user_id, reporter_name=reporter_name[:200], created_at=now)
        session.add(report)
        session.flush()
        session.add(ReportEvent(report_id=report.id, at=now, actor=reporter_user_id, action="submitted",
                                detail=KINDS[data.kind]))
        session.commit()
        return report
