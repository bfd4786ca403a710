"""Shared by the benchmark scripts: percentiles and where results are written."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def write_results(name: str, figures: dict) -> None:
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / f"{name}.json").write_text(json.dumps(figures, indent=2) + "\n")


POLICYBOT = str(ROOT / ".venv" / "bin" / "policybot")


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def policybot_of(code: Path, *args: str) -> list[str]:
    """`policybot ARGS` run from the checkout at `code` (another checkout's code, compared in the same run)."""
    return [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(code)!r}); "
                                  "from bot.cli import main; sys.argv[0] = 'policybot'; main()", *args]


@contextlib.contextmanager
def serving(env: dict, port: int, timeout: float = 60, command: list[str] | None = None, poll: float = 0.1):
    """`policybot serve` (or `command`) with `env`, once /healthz answers (asked every `poll` seconds);
    stopped afterwards."""
    import http.client
    import subprocess
    import time

    server = subprocess.Popen(command or [POLICYBOT, "serve"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                probe.request("GET", "/healthz")
                if probe.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("policybot serve did not become healthy")
            time.sleep(poll)
        yield server
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextlib.contextmanager
def scratch_database(server_url: str):
    """A PostgreSQL database of the run's own on `server_url`'s server, dropped afterwards."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"policybot_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def on_database(run, args) -> int:
    """`run(args, url)` on SQLite (url None), or with --database-url in a scratch PostgreSQL database."""
    if getattr(args, "database_url", None):
        with scratch_database(args.database_url) as url:
            return run(args, url)
    return run(args, None)
