"""The staff directory: who everyone is, who manages them, and which teams they belong to.

Imported from HR's CSV (`policybot staff import FILE.csv`, columns
`email,name,directorate,service,line_manager_email,roles`). Each import is the full list: people are
upserted by email, and anyone missing is marked as a leaver (never deleted). A file with any bad row changes
nothing unless `--partial` is given, in which case the good rows are applied and the bad ones reported.

Each person's id on each chat platform is kept in the identity table (bot.identities), found by the platform's
own lookup (Slack: handlers.slack.directory), so each lookup is made once.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot import identities
from storage.models import StaffMember, utcnow

log = logging.getLogger(__name__)

ROLES = ("director", "comms", "hr", "legal", "safeguarding", "ict", "admin")
COLUMNS = ("email", "name", "directorate", "service", "line_manager_email", "roles")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ROLE_NAMES = {"director": "Corporate Director", "comms": "Communications and Marketing", "hr": "HR",
              "legal": "Legal", "safeguarding": "Safeguarding", "ict": "ICT", "admin": "policybot admin"}


class StaffImportError(Exception):
    """The file cannot be read as a staff list at all (missing, wrong columns)."""


@dataclass
class RowError:
    line: int
    email: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    left: int = 0
    returned: int = 0
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False


@dataclass
class _Row:
    line: int
    email: str
    name: str
    directorate: str
    service: str
    manager: str | None
    roles: list[str]


def read_csv(path: Path | str, columns: tuple[str, ...], error: type[Exception]) -> csv.DictReader:
    """A CSV file's rows by lower-case column name; `error` (one line) when it is missing, unreadable or lacks
    a column."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise error(f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as problem:
        raise error(f"cannot read {path}: {problem}") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [column for column in columns if column not in header]
    if missing:
        raise error(f"the file needs the columns {','.join(columns)}; missing: {', '.join(missing)}")
    reader.fieldnames = header
    return reader


def _parse(reader: csv.DictReader) -> tuple[list[_Row], list[RowError], int]:
    rows: list[_Row] = []
    errors: list[RowError] = []
    count = 0
    for record in reader:
        number = reader.line_num

        def value(name: str, record=record) -> str:
            return (record.get(name) or "").strip()

        email = value("email").lower()
        if not any(value(column) for column in COLUMNS):
            continue  # a blank line
        count += 1
        if not EMAIL_RE.match(email):
            errors.append(RowError(number, email, f"invalid email {email!r}" if email else "email is empty"))
            continue
        if not value("name"):
            errors.append(RowError(number, email, f"name is empty for {email}"))
            continue
        manager = value("line_manager_email").lower() or None
        if manager is not None and not EMAIL_RE.match(manager):
            errors.append(RowError(number, email, f"invalid line manager email {manager!r}"))
            continue
        roles = [role.strip().lower() for role in value("roles").split(";") if role.strip()]
        unknown = [role for role in roles if role not in ROLES]
        if unknown:
            errors.append(RowError(number, email, f"unknown role {unknown[0]!r} (roles are {', '.join(ROLES)})"))
            continue
        rows.append(_Row(number, email, value("name")[:200], value("directorate")[:200], value("service")[:200],
                         manager, sorted(set(roles), key=ROLES.index)))
    return rows, errors, count


def _validate(rows: list[_Row], errors: list[RowError]) -> list[_Row]:
    """Duplicates, unknown managers and manager loops. Returns the rows that are good."""
    seen: dict[str, _Row] = {}
    duplicates: set[int] = set()
    for row in rows:
        if row.email in seen:
            errors.append(RowError(row.line, row.email, f"duplicate email {row.email} (first on line "
                                                        f"{seen[row.email].line})"))
            duplicates.add(row.line)
        else:
            seen[row.email] = row
    rejected_emails = {error.email for error in errors}
    good = {row.email: row for row in rows if row.line not in duplicates}
    changed = True
    while changed:  # a row whose manager was rejected is rejected too, until nothing changes
        changed = False
        for email, row in list(good.items()):
            if row.manager is None:
                continue
            reason = None
            if row.manager == email:
                reason = f"{email} is their own line manager"
            elif row.manager not in good:
                reason = (f"line manager {row.manager} has a bad row" if row.manager in rejected_emails
                          else f"unknown line manager {row.manager} (not in the file)")
            if reason:
                errors.append(RowError(row.line, email, reason))
                rejected_emails.add(email)
                del good[email]
                changed = True
    # Manager loops: follow each chain; a chain that comes back to a person is a loop.
    in_loop: set[str] = set()
    for start in list(good):
        path: list[str] = []
        current: str | None = start
        while current is not None and current in good and current not in path:
            path.append(current)
            current = good[current].manager
        if current is not None and current in path:
            in_loop.update(path[path.index(current):])
    for email in sorted(in_loop, key=lambda e: good[e].line):
        loop = [email]
        nxt = good[email].manager
        while nxt and nxt != email and len(loop) < 20:
            loop.append(nxt)
            nxt = good[nxt].manager
        errors.append(RowError(good[email].line, email, "manager loop: " + " → ".join(loop + [email])))
    for email in in_loop:
        del good[email]
    # Anyone whose chain now runs into a rejected row is rejected as well.
    changed = True
    while changed:
        changed = False
        for email, row in list(good.items()):
            if row.manager is not None and row.manager not in good:
                errors.append(RowError(row.line, email, f"line manager {row.manager} has a bad row"))
                del good[email]
                changed = True
    errors.sort(key=lambda error: error.line)
    return sorted(good.values(), key=lambda row: row.line)


def import_staff(engine: Engine, path: Path | str, *, partial: bool = False, clock=utcnow) -> ImportReport:
    rows, errors, count = _parse(read_csv(path, COLUMNS, StaffImportError))
    good = _validate(rows, errors)
    report = ImportReport(rows=count, errors=errors)
    if errors and not partial:
        return report
    if not good:
        if not errors:
            raise StaffImportError(f"{path} lists nobody; a staff import must list everyone (leavers are "
                                   "people missing from it)")
        return report
    now = clock()
    keep = {row.email for row in good} | {error.email for error in errors}
    with Session(engine) as session:
        existing = {person.email: person for person in session.exec(select(StaffMember)).all()}
        for row in good:
            values = {"name": row.name, "directorate": row.directorate, "service": row.service,
                      "line_manager_email": row.manager, "roles": ";".join(row.roles)}
            person = existing.get(row.email)
            if person is None:
                session.add(StaffMember(email=row.email, imported_at=now, **values))
                report.created += 1
                continue
            if not person.active:
                person.active, person.left_at = True, None
                report.returned += 1
            if any(getattr(person, key) != value for key, value in values.items()):
                for key, value in values.items():
                    setattr(person, key, value)
                report.updated += 1
            else:
                report.unchanged += 1
            person.imported_at = now
            session.add(person)
        for email, person in existing.items():
            if email not in keep and person.active:
                person.active, person.left_at = False, now
                session.add(person)
                report.left += 1
        session.commit()
    report.applied = True
    return report


# ----------------------------------------------------------------------------------------------- lookups

def by_email(session: Session, email: str) -> StaffMember | None:
    return session.exec(select(StaffMember).where(StaffMember.email == email.strip().lower())).first()


def by_user_id(session: Session, user_id: str, platform: str | None = None) -> StaffMember | None:
    """The directory entry of a chat platform user (see bot.identities)."""
    return identities.person(session, user_id, platform)


def manager_chain(session: Session, person: StaffMember, limit: int = 20) -> list[StaffMember]:
    """The person's line manager, their manager, and so on up (leavers included: callers skip them)."""
    chain: list[StaffMember] = []
    seen = {person.email}
    current = person
    while current.line_manager_email and len(chain) < limit:
        manager = by_email(session, current.line_manager_email)
        if manager is None or manager.email in seen:
            break
        chain.append(manager)
        seen.add(manager.email)
        current = manager
    return chain


def with_role(session: Session, role: str, directorate: str | None = None) -> list[StaffMember]:
    """Active people with `role` (the `roles` column is ";"-separated, so match whole names)."""
    query = select(StaffMember).where(StaffMember.active == True)  # noqa: E712 - SQL comparison
    if directorate is not None:
        query = query.where(StaffMember.directorate == directorate)
    people = session.exec(query.where(StaffMember.roles.contains(role)).order_by(StaffMember.email)).all()
    return [person for person in people if role in person.role_set]


def director_of(session: Session, directorate: str) -> StaffMember | None:
    directors = with_role(session, "director", directorate)
    return directors[0] if directors else None


def roles_of_user(session: Session, user_id: str, platform: str | None = None) -> set[str]:
    person = by_user_id(session, user_id, platform)
    return person.role_set if person is not None and person.active else set()


def all_staff(session: Session, *, active_only: bool = False) -> list[StaffMember]:
    query = select(StaffMember).order_by(StaffMember.email)
    if active_only:
        query = query.where(StaffMember.active == True)  # noqa: E712
    return list(session.exec(query).all())


def describe(session: Session, person: StaffMember) -> dict:
    chain = manager_chain(session, person)
    return {"email": person.email, "name": person.name, "directorate": person.directorate,
            "service": person.service, "roles": sorted(person.role_set, key=ROLES.index),
            "slack_user_id": identities.user_id(session, person.id, identities.SLACK),
            "slack_checked": identities.checked(session, person.id, identities.SLACK), "active": person.active,
            "left_at": person.left_at.isoformat() if person.left_at else None,
            "manager_chain": [{"email": m.email, "name": m.name, "active": m.active} for m in chain]}


def active_staff(engine) -> list[StaffMember]:
    with Session(engine, expire_on_commit=False) as session:
        return all_staff(session, active_only=True)


def describe_by_email(engine, email: str) -> dict | None:
    """`describe` of the person with this email, or None when nobody has it."""
    with Session(engine) as session:
        person = by_email(session, email)
        return describe(session, person) if person is not None else None
