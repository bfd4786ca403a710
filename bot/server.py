"""Serving the bot: HTTP (Starlette under uvicorn) for Slack and, with TEAMS_APP_ID, Teams; or Slack's Socket Mode.

HTTP: `POST /slack/events` takes events, slash commands and interactivity; `GET /healthz` reports whether
the database answers and the knowledge index is loaded. Bolt's dispatch runs in a worker thread so one
slow request never holds up the acknowledgement of another.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time

from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

log = logging.getLogger(__name__)


def health(services) -> tuple[bool, dict]:
    from sqlalchemy import text

    from knowledge.embeddings import retrieval_description

    report: dict = {"database": "unknown", "index": "unknown"}
    ok = True
    try:
        with services.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        report["database"] = "ok"
    except Exception as error:  # reported, not raised: this is the health check
        ok = False
        report["database"] = f"error: {type(error).__name__}"
    try:
        passages = len(services.runtime.index)
        report["index"] = "ok" if passages else "empty"
        report["passages"] = passages
        ok = ok and passages > 0
    except Exception as error:
        ok = False
        report["index"] = f"error: {type(error).__name__}"
    report["retrieval"] = retrieval_description(services.settings)
    report["status"] = "ok" if ok else "unavailable"
    return ok, report


HEALTH_TIMEOUT_S = 2.0
# Slack waits 3 s for an answer. A request the bot cannot answer by then (a database that holds its
# connections without answering) gets 503, so Slack retries the event later; the retry is deduplicated
# against the first delivery if that one finishes after all, so nothing is lost or handled twice.
ACK_DEADLINE_S = 2.5

# Slack's largest payloads (a modal's view_submission with every field filled) are tens of kilobytes.
MAX_BODY_BYTES = 1024 * 1024


async def _read_capped(request: Request, limit: int) -> bytes | None:
    """The request body, or None once it is longer than `limit` (read no further than that)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _signed_by_slack(verifier, body: bytes, headers) -> bool:
    """Slack's signature checked before anything reads the body: a malformed timestamp, a body that is not
    UTF-8 or a bad signature is simply not signed."""
    try:
        return verifier.is_valid(body=body.decode("utf-8"), timestamp=headers.get("x-slack-request-timestamp"),
                                 signature=headers.get("x-slack-signature"))
    except (ValueError, TypeError):  # int("abc") for the timestamp, or bytes that are not UTF-8
        return False


def create_web_app(services, bolt_app) -> Starlette:
    from slack_sdk.signature import SignatureVerifier

    verifier = SignatureVerifier(services.settings.slack_signing_secret) if services.settings.slack_signing_secret \
        else None

    async def slack_events(request: Request) -> Response:
        services.acknowledging(+1)
        try:
            body = await _read_capped(request, MAX_BODY_BYTES)
            if body is None:
                return JSONResponse({"error": "request body too large"}, status_code=413)
            if not _signed_by_slack(verifier, body, request.headers):
                return JSONResponse({"error": "invalid request"}, status_code=401)
            started = time.perf_counter()
            try:
                bolt_response = await asyncio.wait_for(
                    run_in_threadpool(bolt_app.dispatch, to_bolt_request(request, body)), timeout=ACK_DEADLINE_S)
            except asyncio.TimeoutError:
                log.error("slack request not answered within the deadline; Slack will retry it",
                          extra={"seconds": ACK_DEADLINE_S, "retry": request.headers.get("x-slack-retry-num")})
                return JSONResponse({"error": "temporarily unavailable, retry later"}, status_code=503)
        finally:
            services.acknowledging(-1)
        log.debug("slack request handled", extra={"status": bolt_response.status,
                                                  "ms": round((time.perf_counter() - started) * 1000, 1)})
        return to_starlette_response(bolt_response)

    async def healthz(request: Request) -> Response:
        # A database that stops answering makes the check fail fast, not hang with it.
        try:
            ok, report = await asyncio.wait_for(run_in_threadpool(health, services), timeout=HEALTH_TIMEOUT_S)
        except asyncio.TimeoutError:
            return JSONResponse({"status": "unavailable", "database": f"no answer within {HEALTH_TIMEOUT_S:g} s"},
                                status_code=503)
        return JSONResponse(report, status_code=200 if ok else 503)

    routes = [Route("/healthz", healthz, methods=["GET"])]
    if bolt_app is not None and services.settings.slack_signing_secret:
        # Slack only when it is configured: without a signing secret no request could be verified.
        routes.append(Route("/slack/events", slack_events, methods=["POST"]))
    if services.settings.teams_enabled:  # Teams at /api/messages, in the same process, database and outbox
        from handlers.teams.app import TeamsSurface

        routes.append(Route("/api/messages", TeamsSurface(services).endpoint, methods=["POST"]))
    return Starlette(routes=routes)


def prepare(services) -> None:
    """Migrate, index what is new, load the index and learn the bot's identity before serving."""
    from knowledge.embeddings import refresh_embeddings
    from knowledge.indexer import index_paths

    report = index_paths(services.engine, services.settings.knowledge_dirs, prune=True)
    for failure in report.failed:
        log.warning("document not indexed", extra={"error": failure.error})
    refresh_embeddings(services.engine, services.settings)
    index = services.runtime.index
    if hasattr(index, "warm"):
        index.warm()
    services.identify_bot()
    # The index and everything loaded so far live as long as the process: keep them out of the garbage
    # collector's full passes, which would otherwise pause request handling for tens of milliseconds.
    gc.collect()
    gc.freeze()


def serve_http(services, host: str, port: int) -> None:
    import sys

    import uvicorn

    # Hand the interpreter between threads every millisecond (default 5 ms), so a request thread with an
    # acknowledgement to send is never kept waiting long behind a thread that is answering a question.
    sys.setswitchinterval(0.001)

    from handlers.slack.app import create_app

    from bot.scheduler import build_scheduler

    prepare(services)
    slack_on = bool(services.settings.slack_bot_token and services.settings.slack_signing_secret)
    web_app = create_web_app(services, create_app(services) if slack_on else None)
    scheduler = build_scheduler(services)
    scheduler.start()
    try:
        uvicorn.run(web_app, host=host, port=port, log_level="info", access_log=False, proxy_headers=True)
    finally:
        scheduler.shutdown(wait=False)
        services.close()  # answers and posts already under way finish before the process ends


def serve_socket(services) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from handlers.slack.app import create_app

    if not services.settings.slack_app_token:
        raise RuntimeError("Socket Mode needs SLACK_APP_TOKEN (an app-level token with connections:write)")
    from bot.scheduler import build_scheduler

    prepare(services)
    scheduler = build_scheduler(services)
    scheduler.start()
    try:
        SocketModeHandler(create_app(services), services.settings.slack_app_token).start()
    finally:
        scheduler.shutdown(wait=False)
