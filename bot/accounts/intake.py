"""Account requests and the register's basics: the request form and its validation, finding requests, and
looking accounts up in the register by handle, web address or name."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from urllib.parse import urlparse

from sqlalchemy import or_
from sqlmodel import Session, select

from bot import staff
from bot.account_terms import PLATFORMS
from storage.models import AccountRequest, RegisteredAccount

log = logging.getLogger(__name__)

PREFIX = "SMA"
MAX_TEXT = 3000


class AccountError(Exception):
    """An action that cannot be taken; the message says why, for the person who tried."""


@dataclass
class Outcome:
    message: str
    outbox_ids: list[int] = field(default_factory=list)
    changed: bool = False


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


# ------------------------------------------------------------------------------------- search and input

def normalise(text: str | None) -> str:
    """A handle, URL or name as it is searched: lower case, no @, no scheme or www, no trailing slash."""
    value = (text or "").strip().lower()
    value = re.sub(r"^https?://", "", value)
    value = re.sub(r"^(www\.|m\.|mobile\.)", "", value)
    value = value.rstrip("/").lstrip("@")
    return re.sub(r"\s+", " ", value)


def search_key(account: RegisteredAccount) -> str:
    parts = [account.name, account.handle or "", account.url or ""]
    if account.url:
        path = urlparse(account.url if "://" in account.url else "https://" + account.url).path.strip("/")
        parts.append(path.split("/")[0] if path else "")
    return " | ".join(normalise(part) for part in parts if part)[:900]


@dataclass
class RequestInput:
    platform: str | None
    handle: str | None
    service: str | None
    directorate: str | None
    purpose: str | None
    business_case: str | None
    staff_user_ids: list[str]
    monitoring_hours: str | None
    training_confirmed: bool


# Free-text fields: (name, longest allowed, what to say when it is empty)
TEXT_FIELDS = (
    ("handle", 100, "Give the account's proposed name or handle, such as @NottsLibraries."),
    ("service", 200, "Say which service the account is for."),
    ("purpose", MAX_TEXT, "Describe the purpose and audience."),
    ("business_case", MAX_TEXT, "Describe the business case."),
    ("monitoring_hours", 300, "Say when the account will be monitored, such as Mon–Fri 9am–5pm."),
)


def validate(data: RequestInput, directorates: list[str] | None) -> dict[str, str]:
    """Errors by field name, in words the requester can act on; empty when the request can be saved."""
    errors: dict[str, str] = {}
    if data.platform not in PLATFORMS:
        errors["platform"] = "Choose the platform."
    for name, limit, missing in TEXT_FIELDS:
        value = (getattr(data, name) or "").strip()
        if not value:
            errors[name] = missing
        elif len(value) > limit:
            errors[name] = f"Please keep this to {limit:,} characters (it is {len(value):,})."
    directorate = (data.directorate or "").strip()
    if not directorate:
        errors["directorate"] = "Choose the directorate: its Corporate Director decides the request (para 19)."
    elif directorates is not None:
        known = {name.lower(): name for name in directorates}
        if directorate.lower() not in known:
            errors["directorate"] = "Choose or type a directorate as the staff directory names it."
        else:
            data.directorate = known[directorate.lower()]  # typed in any case: stored as the directory has it
    people = list(dict.fromkeys(data.staff_user_ids))
    if len(people) < 2:
        errors["staff"] = "Name at least two members of staff who will run the account, so it is never left unwatched."
    elif len(people) > 10:
        errors["staff"] = "Name up to 10 people."
    if not data.training_confirmed:
        errors["training"] = ("The people running the account must have completed the social media awareness "
                              "training (para 26) before it can be requested.")
    return errors


def directorates(session: Session) -> list[str]:
    rows = session.exec(select(staff.StaffMember.directorate).where(staff.StaffMember.active == True)  # noqa: E712
                        .distinct()).all()
    return sorted(d for d in rows if d)


def find_request(session: Session, reference: str) -> AccountRequest | None:
    match = re.search(r"\bSMA-(\d{4})-(\d{4,})\b", reference or "", re.IGNORECASE)
    if not match:
        return None
    return session.exec(select(AccountRequest).where(
        AccountRequest.reference == f"SMA-{match.group(1)}-{int(match.group(2)):04d}")).first()


def lookup(session: Session, query: str, limit: int = 10, include_inactive: bool = True) -> list[RegisteredAccount]:
    """Register entries matching a handle, URL or name: exact matches first, then the rest by name."""
    needle = normalise(query)
    if not needle:
        return []
    if "/" in needle:  # a URL: its first path part is usually the handle
        host, _, path = needle.partition("/")
        candidates = [needle, path.split("/")[0]] if path else [needle]
    else:
        candidates = [needle]
    conditions = [RegisteredAccount.search_key.contains(candidate) for candidate in candidates if candidate]
    query_ = select(RegisteredAccount).where(or_(*conditions))
    if not include_inactive:
        query_ = query_.where(RegisteredAccount.status == "active")
    rows = list(session.exec(query_.limit(200)).all())

    def rank(account: RegisteredAccount):
        parts = account.search_key.split(" | ")
        exact = any(candidate in parts for candidate in candidates)
        return (not exact, account.status != "active", account.name.lower())

    rows.sort(key=rank)
    return rows[:limit]




def register_entries(engine) -> list[RegisteredAccount]:
    """The register of authorised accounts, by platform and name: for exports."""
    with Session(engine, expire_on_commit=False) as session:
        return list(session.exec(select(RegisteredAccount).order_by(RegisteredAccount.platform,
                                                                    RegisteredAccount.name)).all())
