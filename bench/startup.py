"""How long `policybot serve` takes to answer /healthz, with the semantic extra, on an indexed data folder.

    .venv/bin/python bench/startup.py [--runs 3] [--code PATH]

Each run starts `policybot serve` (Slack configured, the Web API a local stand-in) on a data folder whose
policy and embeddings are already indexed, and times it from the process starting to /healthz answering 200
(migrations checked, index loaded, the embedding model loaded for questions). `--code PATH` runs another
checkout of the project (say, the last release, with `git worktree add`) alternately with this one, so a
change is compared with what it replaces in the same run.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, free_port, write_results  # noqa: E402

from tests.support.slack_api import FakeSlack  # noqa: E402
from tests.support.slack_requests import SIGNING_SECRET  # noqa: E402


def command(code: Path, *args: str) -> list[str]:
    return [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(code)!r}); "
                                  "from bot.cli import main; sys.argv[0] = 'policybot'; main()", *args]


def time_start(code: Path, env: dict, port: int, timeout: float = 120) -> float:
    started = time.perf_counter()
    server = subprocess.Popen(command(code, "serve"), env={**env, "POLICYBOT_PORT": str(port)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                probe.request("GET", "/healthz")
                if probe.getresponse().status == 200:
                    return time.perf_counter() - started
            except OSError:
                pass
            if time.perf_counter() - started > timeout:
                raise RuntimeError("policybot serve did not become healthy")
            time.sleep(0.02)
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--code", type=Path, default=None, help="another checkout to time alternately")
    args = parser.parse_args()
    codes = {"this": ROOT, **({"other": args.code.resolve()} if args.code else {})}
    times: dict[str, list[float]] = {name: [] for name in codes}
    with FakeSlack() as fake:
        folders = {}
        with tempfile.TemporaryDirectory() as scratch:
            for name, code in codes.items():
                folders[name] = Path(scratch) / name
                folders[name].mkdir()
                env = {**os.environ, "POLICYBOT_DATA_DIR": str(folders[name]), "POLICYBOT_EMBEDDINGS": "local",
                       "HF_HUB_OFFLINE": "1", "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                       "SLACK_API_URL": fake.base_url}
                subprocess.run(command(code, "index"), env=env, check=True, capture_output=True)
                folders[name] = env
            for _ in range(args.runs):
                for name, code in codes.items():
                    times[name].append(time_start(code, folders[name], free_port()))
    figures = {name: {"median_s": round(statistics.median(t), 2), "runs_s": [round(x, 2) for x in t]}
               for name, t in times.items()}
    for name, t in times.items():
        print(f"{name:<6} {codes[name]}  median {statistics.median(t):.2f} s  runs " + ", ".join(f"{x:.2f}" for x in t))
    write_results("startup_local", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
