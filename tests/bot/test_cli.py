"""The `policybot` command line on a fresh data folder: its entry point (`bot.cli:main`) run in the test's
process, as the installed script runs it (arguments, environment, stdin, stdout, stderr and exit code), and
the installed script itself as a real process where the process is what is tested."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

import pytest

from tests.conftest import DEV_QUESTIONS, KB_DEV_DOCS, KB_DEV_QUESTIONS, POLICY_FILE, ROOT

POLICYBOT = str(ROOT / ".venv" / "bin" / "policybot") if (ROOT / ".venv" / "bin" / "policybot").exists() \
    else shutil.which("policybot")


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run(*args, stdin: str | None = None, env: dict | None = None) -> Ran:
    """`policybot ARGS` through `bot.cli.main` in this process."""
    from click.testing import CliRunner

    from bot import cli
    from bot.settings import get_settings

    overrides = {"POLICYBOT_EMBEDDINGS": "none", **(env or {})}
    argv = sys.argv
    code = 0
    get_settings.cache_clear()
    try:
        with CliRunner().isolation(input=stdin, env=overrides) as (stdout, stderr, _):
            sys.argv = ["policybot", *args]
            try:
                cli.main()
            except SystemExit as done:
                code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
            sys.stdout.flush()
            sys.stderr.flush()
            out, err = stdout.getvalue().decode(), stderr.getvalue().decode()
    finally:
        sys.argv = argv
        get_settings.cache_clear()
    return Ran(code, out, err)


def run_process(*args, env: dict | None = None) -> Ran:
    """`policybot ARGS` as the installed script, a real process."""
    full_env = {**os.environ, "POLICYBOT_EMBEDDINGS": "none", **(env or {})}
    done = subprocess.run([POLICYBOT, *args], capture_output=True, text=True, env=full_env,
                          timeout=120)
    return Ran(done.returncode, done.stdout, done.stderr)


def test_ask_prints_the_answer_with_its_sources(tmp_path):
    result = run_process("ask", "Who has to approve a new council Facebook page?")
    assert result.returncode == 0, result.stderr
    assert "approval from the relevant Corporate Director" in result.stdout
    assert "Sources: Social Media Policy, para 19 · Principles and commitments" in result.stdout
    assert (tmp_path / "data" / "policybot.db").exists()


def test_ask_json_prints_one_object_in_the_documented_shape():
    result = run("ask", "--json", "could I get sued?")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["answered"] is True and answer["mode"] == "extractive"
    assert set(answer["citations"][0]) >= {"document", "section", "heading", "score"}
    assert answer["citations"][0]["section"] == "21"
    assert isinstance(answer["citations"][0]["score"], float)


def test_ask_json_reads_stdin_one_question_a_line_and_keeps_line_alignment():
    result = run("ask", "--json", "-", stdin="Who approves a new TikTok account?\n\nHow much sick pay do I get?\n")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 3
    assert lines[0]["answered"] and lines[0]["citations"][0]["section"] == "19"
    assert not lines[1]["answered"] and "Please type a question" in lines[1]["error"]
    assert not lines[2]["answered"] and lines[2]["citations"] == []


def test_eval_scores_the_policy_dev_set_from_the_project_copy():
    result = run("eval", str(DEV_QUESTIONS), "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["retrieval"] == "lexical" and figures["questions"] == 40
    assert figures["hit3"] >= 0.80, figures
    assert figures["declined_out_of_scope"] == figures["out_of_scope"] == 6


def test_eval_scores_a_multi_document_set_in_a_scratch_index(tmp_path):
    result = run("eval", str(KB_DEV_QUESTIONS), "--docs", str(KB_DEV_DOCS))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "two-document questions with both in the top 3" in out
    for title in ("Data Protection: Guidance for Staff", "Dignity at Work Policy", "Media Relations Protocol",
                  "Social Media Policy", "out of scope"):
        assert title in out
    assert not (tmp_path / "data" / "policybot.db").exists()  # the bot's own index is untouched


@pytest.mark.parametrize("question,message", [
    ("   ", "Please type a question"),
    ("x" * 20_000, "the limit is 2,000"),
])
def test_bad_questions_exit_non_zero_with_a_message(question, message):
    result = run("ask", question)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_control_characters_in_a_question_are_tolerated():
    result = run("ask", "--json", "who\x01 approves\x7f a new facebook page?")
    assert result.returncode == 0
    assert json.loads(result.stdout)["citations"][0]["section"] == "19"


def test_index_reports_bad_files_by_name_and_keeps_the_index(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(POLICY_FILE, docs / "policy.txt")
    first = run("index", str(docs))
    assert first.returncode == 0, first.stderr
    assert "1 added" in first.stdout
    (docs / "latin1.txt").write_bytes("Caf\xe9\n\n1. One.\n\n2. Two.".encode("latin-1"))
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    second = run("index", str(docs))
    assert second.returncode == 1
    assert "latin1.txt: not UTF-8" in second.stderr and "broken.pdf: cannot read this PDF" in second.stderr
    assert "1 unchanged, 2 failed" in second.stdout
    answer = run("ask", "--json", "Who approves a new Facebook page?")
    assert json.loads(answer.stdout)["citations"][0]["section"] == "19"


def test_index_of_an_empty_folder_is_an_error(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run("index", str(empty))
    assert result.returncode == 1
    assert "no documents to index" in result.stderr


def test_docs_lists_documents_and_retrieval(tmp_path):
    run("index")
    result = run("docs")
    assert result.returncode == 0
    assert "Social Media Policy" in result.stdout and "32" in result.stdout
    assert "Retrieval: lexical" in result.stdout


def test_extra_knowledge_folder_is_indexed_and_answered(tmp_path):
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "guidelines.md").write_text(
        "# Social Media Guidelines\n\n## Hashtags\n\nAlways add the #NottsCC hashtag to corporate posts so "
        "residents can find them.\n", encoding="utf-8")
    env = {"POLICYBOT_KNOWLEDGE_DIR": str(extra)}
    assert run("index", env=env).returncode == 0
    result = run("ask", "--json", "Which hashtag should our posts use?", env=env)
    answer = json.loads(result.stdout)
    assert answer["answered"]
    assert answer["citations"][0]["document"] == "Social Media Guidelines"
    assert answer["citations"][0]["section"] == "Hashtags"


def test_db_upgrade_reports_the_revision():
    result = run("db", "upgrade")
    assert result.returncode == 0
    assert "is at revision" in result.stdout


def test_questions_report_prints_csv_and_rejects_bad_dates(tmp_path):
    result = run("questions", "--since", "2000-01-01", "--csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("id,asked_at,surface")
    bad = run("questions", "--since", "last tuesday")
    assert bad.returncode == 2 and "--since must be a date" in bad.stderr


@pytest.mark.parametrize("mode,expected", [("lexical", "lexical"), ("hybrid", "hybrid")])
def test_eval_scores_a_question_file_in_either_mode(tmp_path, mode, expected):
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"q": "Who approves a new council TikTok account?", "expect": ["Social Media Policy|19"]}\n'
                         '{"q": "How much sick pay do I get?", "expect": "decline"}\n', encoding="utf-8")
    result = run("eval", str(questions), "--mode", mode, "--verbose", env={"POLICYBOT_EMBEDDINGS": None})
    assert result.returncode == 0, result.stderr
    assert f"Retrieval: {expected}" in result.stdout
    assert result.stdout.strip().endswith("hit@1 1.00; hit@3 1.00; in-scope answered 1/1; out-of-scope declined 1/1")


def test_eval_rejects_an_unknown_mode_and_a_bad_file(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n", encoding="utf-8")
    assert "--mode must be lexical or hybrid" in run("eval", str(bad), "--mode", "magic").stderr
    result = run("eval", str(bad))
    assert result.returncode == 2 and "bad.jsonl line 1: not a question line" in result.stderr


def test_serve_refuses_to_start_without_its_credentials():
    http = run_process("serve")
    assert http.returncode == 2
    assert "missing setting SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET" in http.stderr
    socket = run("serve", "--socket", env={"SLACK_BOT_TOKEN": "xoxb-1"})
    assert socket.returncode == 2 and "missing setting SLACK_APP_TOKEN" in socket.stderr
    # Teams alone needs no Slack settings, but Slack half set up beside it is refused, not served unverified.
    half = run("serve", env={"TEAMS_APP_ID": "00000000-0000-4000-8000-000000000001", "SLACK_BOT_TOKEN": "xoxb-1"})
    assert half.returncode == 2 and "missing setting SLACK_SIGNING_SECRET" in half.stderr


def test_jobs_lists_and_runs_the_outbox():
    listed = run("jobs")
    assert listed.returncode == 0 and "Next run" in listed.stdout
    for name in ("outbox", "report-reminders", "retention"):
        assert name in listed.stdout
    ran = run("jobs", "run", "outbox")
    assert ran.returncode == 0 and ran.stdout.strip() == "outbox: 0 sent, 0 to retry, 0 failed"
    unknown = run("jobs", "run", "nope")
    assert unknown.returncode == 2 and "no job named 'nope'" in unknown.stderr


def test_staff_import_reports_bad_rows_and_changes_nothing_then_shows_people(tmp_path):
    from tests.support.directory import HEADER, staff_csv

    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "boss@notts.gov.uk,Boss,Place,Office,,\n"
                   "a@notts.gov.uk,A,Place,Roads,ghost@notts.gov.uk,\n", encoding="utf-8")
    refused = run("staff", "import", str(bad))
    assert refused.returncode == 1
    assert "line 3: unknown line manager ghost@notts.gov.uk" in refused.stderr
    assert "nothing was changed" in refused.stderr
    assert run("staff", "show", "boss@notts.gov.uk").returncode == 1

    good = run("staff", "import", str(staff_csv(tmp_path / "staff.csv")))
    assert good.returncode == 0, good.stderr
    assert "12 rows: 12 added" in good.stdout
    shown = run("staff", "show", "SAM@notts.gov.uk")
    assert shown.returncode == 0
    lines = shown.stdout.splitlines()
    assert "Sam Staff <sam@notts.gov.uk> (active)" in lines[0]
    assert [line.strip() for line in lines if "↑" in line] == [
        "↑ Morgan Manager <mgr@notts.gov.uk>", "↑ Dana Director <dir.place@notts.gov.uk>",
        "↑ Chris Chief <ceo@notts.gov.uk>"]
    director = run("staff", "show", "dir.place@notts.gov.uk")
    assert "Roles: director (Corporate Director)" in director.stdout


def test_staff_show_prints_names_with_brackets_as_written(tmp_path):
    from tests.support.directory import HEADER

    path = tmp_path / "staff.csv"
    path.write_text(HEADER + "odd@notts.gov.uk,[bold]Pat[/] [red] Smith,Place,[Roads],,\n", encoding="utf-8")
    assert run("staff", "import", "--no-slack", str(path)).returncode == 0
    shown = run("staff", "show", "odd@notts.gov.uk")
    assert shown.returncode == 0, shown.stderr
    assert "[bold]Pat[/] [red] Smith <odd@notts.gov.uk>" in shown.stdout and "Service: [Roads]" in shown.stdout


def test_reports_lists_cases_as_csv(tmp_path):
    from bot.reports import ReportInput, submit
    from bot.settings import load_settings
    from storage.db import get_engine
    from storage.migrate import upgrade

    url = load_settings().resolved_database_url
    upgrade(url)
    submit(get_engine(url), ReportInput(kind="reputational", platform="Facebook", link=None,
                                        description="A fake council page is asking residents for bank details.",
                                        happened_on=None), reporter_user_id="U1")
    get_engine(url).dispose()
    listed = run("reports", "--csv")
    assert listed.returncode == 0, listed.stderr
    header, row = listed.stdout.strip().splitlines()
    assert header.startswith("reference,kind,urgent,status")
    assert row.startswith("SMR-") and ",reputational,,submitted," in row
    assert "bank details" not in listed.stdout  # the list carries no case details
    assert run("reports", "--open").returncode == 0


def test_accounts_exports_the_register_as_csv():
    from datetime import date

    from sqlmodel import Session

    from bot.accounts import search_key
    from bot.settings import load_settings
    from storage.db import get_engine
    from storage.migrate import upgrade
    from storage.models import RegisteredAccount

    url = load_settings().resolved_database_url
    upgrade(url)
    with Session(get_engine(url)) as session:
        account = RegisteredAccount(platform="Instagram", name="@NottsLibraries", handle="@nottslibraries",
                                    service="Libraries", directorate="Place", staff_user_ids="U1,U2",
                                    approval_reference="SMA-2026-0001", approved_by="UDIR",
                                    review_due=date(2027, 11, 27))
        account.search_key = search_key(account)
        session.add(account)
        session.commit()
    get_engine(url).dispose()
    exported = run("accounts", "--csv")
    assert exported.returncode == 0, exported.stderr
    header, row = exported.stdout.strip().splitlines()
    assert header.startswith("platform,name,handle,url,service,directorate,status")
    # A handle starts with "@", which a spreadsheet would read as a formula: it is written as text.
    assert row.startswith("Instagram,'@NottsLibraries,'@nottslibraries,,Libraries,Place,active,")
    assert row.endswith("SMA-2026-0001,UDIR,,2027-11-27")


def test_training_start_import_and_report(tmp_path):
    from tests.support.directory import staff_csv

    assert run("staff", "import", str(staff_csv(tmp_path / "staff.csv")), "--no-slack").returncode == 0
    bad_due = run("training", "start", "--name", "SM", "--url", "https://learning.notts.gov.uk/1", "--due", "soon")
    assert bad_due.returncode == 2 and "--due must be a date" in bad_due.stderr
    started = run("training", "start", "--name", "SM awareness", "--url", "https://learning.notts.gov.uk/1",
                  "--due", "2099-01-31", "--directorate", "Place")
    assert started.returncode == 0, started.stderr
    assert "5 people assigned" in started.stdout
    again = run("training", "start", "--name", "SM awareness", "--url", "https://learning.notts.gov.uk/1",
                "--due", "2099-01-31")
    assert again.returncode == 1 and "already a campaign" in again.stderr

    completions = tmp_path / "done.csv"
    completions.write_text("email,completed_at\nsam@notts.gov.uk,2026-11-20\nnobody@notts.gov.uk,2026-11-20\n",
                           encoding="utf-8")
    refused = run("training", "import", str(completions))
    assert refused.returncode == 1 and "line 3: nobody@notts.gov.uk is not in the staff directory" in refused.stderr
    assert "nothing was changed" in refused.stderr
    partial = run("training", "import", str(completions), "--partial")
    assert "1 completion(s) recorded" in partial.stdout

    report = run("training", "report", "--csv")
    assert report.returncode == 0, report.stderr
    rows = {tuple(line.split(",")[:2]): line.split(",") for line in report.stdout.strip().splitlines()[1:]}
    highways = rows[("Place", "Highways")]
    assert highways[2:7] == ["3", "3", "1", "0", "0.333"]  # staff, assigned, completed, exempt, rate
    assert rows[("Chief Executive's", "Office")][3] == "0"  # not covered by a Place campaign


def test_acknowledgement_is_started_by_hr_after_seeing_who_will_be_asked(tmp_path):
    import re

    from tests.support.directory import staff_csv

    assert run("staff", "import", str(staff_csv(tmp_path / "staff.csv")), "--no-slack").returncode == 0
    assert run("index").returncode == 0
    unknown = run("acknowledgement", "start", "Social Media Guidance")
    assert unknown.returncode == 1 and "No indexed document is called 'Social Media Guidance'" in unknown.stderr
    assert "Indexed: Social Media Policy" in unknown.stderr
    declined = run("acknowledgement", "start", "social media policy", stdin="n\n")
    assert declined.returncode == 1 and "Nothing was started." in declined.stdout
    count = re.search(r"(\d+) of (\d+) active staff have not acknowledged", declined.stdout)
    assert count and count.group(1) == count.group(2) and int(count.group(1)) > 0
    assert "not being asked to acknowledge any document" in run("acknowledgement", "list").stdout
    started = run("acknowledgement", "start", "Social Media Policy", "--yes")
    assert started.returncode == 0, started.stderr
    assert f"Started: {count.group(1)} people will be asked" in started.stdout
    listed = run("acknowledgement", "list")
    assert "Social Media Policy" in listed.stdout and "asking" in listed.stdout and f"0/{count.group(2)}" in listed.stdout
    again = run("acknowledgement", "start", "Social Media Policy", "--yes")
    assert again.returncode == 1 and "already being asked" in again.stderr
    changed = tmp_path / "v2" / "social-media-policy.txt"
    changed.parent.mkdir()
    changed.write_text(POLICY_FILE.read_text(encoding="utf-8").replace("Facebook, Twitter", "Facebook, X"),
                       encoding="utf-8")
    assert run("index", str(changed.parent)).returncode == 0
    docs = run("docs")
    assert 'New version waiting for acknowledgement: Social Media Policy' in docs.stdout, docs.stdout
    assert "paused" in run("acknowledgement", "list").stdout
    stopped = run("acknowledgement", "stop", "Social Media Policy")
    assert "no longer asked" in stopped.stdout
    assert "ended" in run("acknowledgement", "list").stdout


def test_answers_import_reports_bad_rows_then_lists_shows_exports_and_retires(tmp_path):
    faq = tmp_path / "faq.csv"
    faq.write_text('question,answer,source\n"Where do I claim mileage?","Through the HR self-service portal.",'
                   'HR guidance\n"","An answer with no question",\n"=HYPERLINK(1)","[b]Bold[/b] kept as text",\n',
                   encoding="utf-8")
    refused = run("answers", "import", str(faq))
    assert refused.returncode == 1 and "line 3: the question is empty" in refused.stderr
    assert "nothing was changed" in refused.stderr
    assert "0 saved answers" in run("answers", "list").stdout
    added = run("answers", "import", str(faq), "--partial")
    assert added.returncode == 0 and "2 saved answer(s) added, 1 bad row(s) skipped" in added.stdout
    listing = run("answers", "list").stdout
    assert "Where do I claim mileage?" in listing and "[b]Bold[/b]" in listing  # printed as written
    exported = run("answers", "export", "--csv").stdout
    assert "'=HYPERLINK(1)" in exported  # formulas neutralised for spreadsheets
    shown = run("answers", "show", "1")
    assert "Sources: HR guidance" in shown.stdout and "saved" in shown.stdout
    asked = run("ask", "--json", "where can I claim my mileage?")
    assert json.loads(asked.stdout)["citations"][0]["document"] == "Comms and Marketing answers"
    assert run("answers", "retire", "1", "--reason", "moved").returncode == 0
    again = run("answers", "retire", "1")
    assert again.returncode == 1 and "already retired" in again.stderr
    assert run("answers", "show", "99").returncode == 1
    docs = run("docs").stdout
    assert "Social Media Policy" in docs and "Comms and Marketing answers" in docs


def test_questions_gaps_groups_what_the_documents_lack(tmp_path):
    from bot.questions import answer_and_record
    from bot.runtime import Runtime
    from bot.settings import load_settings

    assert run("db", "upgrade").returncode == 0
    runtime = Runtime(load_settings(database_url=f"sqlite:///{tmp_path / 'data' / 'policybot.db'}",
                                    embeddings="none"))
    for question in ("How much sick pay do I get?", "What sick pay do agency staff get?",
                     "Where do I park my bike?"):
        answer_and_record(runtime.engine, runtime.answerer, question, surface="dm", user_id="U1")
    runtime.engine.dispose()
    result = run("questions", "--gaps", "--days", "7")
    assert result.returncode == 0, result.stderr
    assert "3 question(s) in 2 topic(s)" in result.stdout
    first = next(line for line in result.stdout.splitlines() if "sick" in line)
    assert "│ 2 " in first
    assert run("questions", "--gaps", "--days", "0").returncode != 0


def test_teams_package_writes_a_manifest_with_the_bot_its_commands_and_both_icons(tmp_path):
    import struct
    import zipfile

    app_id = "00000000-0000-4000-8000-00000000b07a"
    output = tmp_path / "teams.zip"
    result = run("teams", "package", "--domain", "policybot.notts.gov.uk", "--output", str(output),
                 env={"TEAMS_APP_ID": app_id})
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(output) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        sizes = {name: struct.unpack(">II", archive.read(name)[16:24]) for name in ("color.png", "outline.png")}
    assert sizes == {"color.png": (192, 192), "outline.png": (32, 32)}
    assert manifest["id"] == manifest["bots"][0]["botId"] == app_id
    assert manifest["manifestVersion"] == "1.19" and manifest["validDomains"] == ["policybot.notts.gov.uk"]
    commands = [c["title"] for c in manifest["bots"][0]["commandLists"][0]["commands"]]
    assert commands == ["help", "report", "request account", "accounts", "my training", "home"]
    (action,) = manifest["composeExtensions"][0]["commands"]
    assert action["context"] == ["message"] and action["type"] == "action" and action["fetchTask"] is True
    assert all(len(manifest["name"]["short"]) <= 30 for _ in [0]) and len(manifest["description"]["short"]) <= 80
    refused = run("teams", "package", "--domain", "policybot.notts.gov.uk", "--output", str(output),
                  env={"TEAMS_APP_ID": "not-a-guid"})
    assert refused.returncode == 2 and "GUID" in refused.stderr
    http = run("teams", "package", "--domain", "x.gov.uk", "--website", "http://x.gov.uk", "--output",
               str(output), env={"TEAMS_APP_ID": app_id})
    assert http.returncode == 2 and "https://" in http.stderr
