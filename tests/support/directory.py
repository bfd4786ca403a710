"""A small council for tests: a staff CSV and the matching Slack users in the stand-in Web API."""

from __future__ import annotations

from pathlib import Path

# email, name, directorate, service, line manager, roles, Slack user id
PEOPLE = [
    ("ceo@notts.gov.uk", "Chris Chief", "Chief Executive's", "Office", "", "", "UCEO"),
    ("dir.place@notts.gov.uk", "Dana Director", "Place", "Directorate", "ceo@notts.gov.uk", "director", "UDIR"),
    ("mgr@notts.gov.uk", "Morgan Manager", "Place", "Highways", "dir.place@notts.gov.uk", "", "UMGR"),
    ("sam@notts.gov.uk", "Sam Staff", "Place", "Highways", "mgr@notts.gov.uk", "", "USAM"),
    ("alex@notts.gov.uk", "Alex Colleague", "Place", "Highways", "mgr@notts.gov.uk", "", "UALEX"),
    ("casey@notts.gov.uk", "Casey Comms", "Chief Executive's", "Communications and Marketing", "ceo@notts.gov.uk",
     "comms", "UCOMMS"),
    ("harper@notts.gov.uk", "Harper HR", "Chief Executive's", "HR", "ceo@notts.gov.uk", "hr", "UHR"),
    ("lee@notts.gov.uk", "Lee Legal", "Chief Executive's", "Legal", "ceo@notts.gov.uk", "legal", "ULEGAL"),
    ("sid@notts.gov.uk", "Sid Safeguarding", "People", "Safeguarding", "ceo@notts.gov.uk", "safeguarding", "USAFE"),
    ("ian@notts.gov.uk", "Ian ICT", "Chief Executive's", "ICT", "ceo@notts.gov.uk", "ict", "UICT"),
    ("ada@notts.gov.uk", "Ada Admin", "Chief Executive's", "ICT", "ceo@notts.gov.uk", "admin", "UADMIN"),
    ("olly@notts.gov.uk", "Olly Other", "Place", "Libraries", "dir.place@notts.gov.uk", "", "UOTHER"),
]
HEADER = "email,name,directorate,service,line_manager_email,roles\n"


def staff_csv(path: Path, people=PEOPLE) -> Path:
    path.write_text(HEADER + "".join(",".join(person[:6]) + "\n" for person in people), encoding="utf-8")
    return path


def load_council(engine, fake_slack, folder: Path) -> None:
    from bot.staff import import_staff

    report = import_staff(engine, staff_csv(folder / "staff.csv"))
    assert report.applied and not report.errors
    for email, name, *_, user_id in PEOPLE:
        fake_slack.set_user(user_id, email, name)
