"""The staff directory import: upsert by email, leavers marked, every bad row reported with its line and
reason, nothing changed by a bad file unless --partial; on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.staff import by_email, director_of, import_staff, manager_chain, with_role
from storage.models import StaffMember
from tests.support.directory import HEADER, PEOPLE, staff_csv


def people(engine) -> dict[str, StaffMember]:
    with Session(engine) as session:
        return {p.email: p for p in session.exec(select(StaffMember)).all()}


def test_import_creates_everyone_with_roles_and_chains(engine, tmp_path):
    report = import_staff(engine, staff_csv(tmp_path / "staff.csv"))
    assert (report.rows, report.created, report.errors, report.applied) == (len(PEOPLE), len(PEOPLE), [], True)
    with Session(engine) as session:
        sam = by_email(session, "SAM@notts.gov.uk")
        assert [m.email for m in manager_chain(session, sam)] == ["mgr@notts.gov.uk", "dir.place@notts.gov.uk",
                                                                 "ceo@notts.gov.uk"]
        assert director_of(session, "Place").email == "dir.place@notts.gov.uk"
        assert [p.email for p in with_role(session, "comms")] == ["casey@notts.gov.uk"]


def test_a_later_import_updates_and_marks_leavers_without_deleting(engine, tmp_path):
    import_staff(engine, staff_csv(tmp_path / "staff.csv"))
    changed = [p for p in PEOPLE if p[0] != "alex@notts.gov.uk"]
    changed = [(p[0], "Samantha Staff", *p[2:]) if p[0] == "sam@notts.gov.uk" else p for p in changed]
    report = import_staff(engine, staff_csv(tmp_path / "second.csv", changed))
    assert (report.updated, report.left, report.created) == (1, 1, 0)
    rows = people(engine)
    assert rows["alex@notts.gov.uk"].active is False and rows["alex@notts.gov.uk"].left_at is not None
    assert rows["sam@notts.gov.uk"].name == "Samantha Staff"
    again = import_staff(engine, staff_csv(tmp_path / "third.csv"))  # Alex is back
    assert again.returned == 1 and people(engine)["alex@notts.gov.uk"].active is True


def test_every_bad_row_is_reported_with_its_line_and_nothing_changes(engine, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER +
                    "boss@notts.gov.uk,Boss,Place,Office,,\n"                          # line 2: fine
                    "a@notts.gov.uk,A,Place,Roads,nobody@notts.gov.uk,\n"              # 3: unknown manager
                    "b@notts.gov.uk,B,Place,Roads,boss@notts.gov.uk,wizard\n"          # 4: unknown role
                    "boss@notts.gov.uk,Boss Again,Place,Office,,\n"                    # 5: duplicate
                    "c@notts.gov.uk,C,Place,Roads,d@notts.gov.uk,\n"                   # 6: loop c → d → c
                    "d@notts.gov.uk,D,Place,Roads,c@notts.gov.uk,\n"                   # 7: loop
                    "not-an-email,E,Place,Roads,,\n",                                  # 8: bad email
                    encoding="utf-8")
    report = import_staff(engine, path)
    reasons = {error.line: error.reason for error in report.errors}
    assert set(reasons) == {3, 4, 5, 6, 7, 8}
    assert "unknown line manager nobody@notts.gov.uk" in reasons[3]
    assert "unknown role 'wizard'" in reasons[4]
    assert "duplicate email boss@notts.gov.uk (first on line 2)" in reasons[5]
    assert "manager loop" in reasons[6] and "manager loop" in reasons[7]
    assert "invalid email" in reasons[8]
    assert report.applied is False and people(engine) == {}

    partial = import_staff(engine, path, partial=True)
    assert partial.applied and partial.created == 1 and set(people(engine)) == {"boss@notts.gov.uk"}


def test_partial_import_does_not_mark_people_on_bad_rows_as_leavers(engine, tmp_path):
    import_staff(engine, staff_csv(tmp_path / "staff.csv"))
    broken = [(p[0], p[1], p[2], p[3], p[4], "astronaut", p[6]) if p[0] == "olly@notts.gov.uk" else p for p in PEOPLE]
    report = import_staff(engine, staff_csv(tmp_path / "broken.csv", broken), partial=True)
    assert len(report.errors) == 1 and report.left == 0
    assert people(engine)["olly@notts.gov.uk"].active is True


def test_a_file_without_the_columns_is_refused(engine, tmp_path):
    import pytest

    from bot.staff import StaffImportError

    path = tmp_path / "wrong.csv"
    path.write_text("mail,fullname\nx@y.z,X\n", encoding="utf-8")
    with pytest.raises(StaffImportError, match="missing: email, name"):
        import_staff(engine, path)
