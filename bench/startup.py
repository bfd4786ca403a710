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
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, free_port, policybot_of, serving, write_results  # noqa: E402

from tests.support.slack_api import FakeSlack  # noqa: E402
from tests.support.slack_requests import SIGNING_SECRET  # noqa: E402


def time_start(code: Path, env: dict, port: int) -> float:
    started = time.perf_counter()
    with serving({**env, "POLICYBOT_PORT": str(port)}, port, timeout=120, command=policybot_of(code, "serve"),
                 poll=0.02):
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--code", type=Path, default=None, help="another checkout to time alternately")
    args = parser.parse_args()
    codes = {"this": ROOT, **({"other": args.code.resolve()} if args.code else {})}
    times: dict[str, list[float]] = {name: [] for name in codes}
    with FakeSlack() as fake, tempfile.TemporaryDirectory() as scratch:
        envs = {}
        for name, code in codes.items():
            data = Path(scratch) / name
            data.mkdir()
            envs[name] = {**os.environ, "POLICYBOT_DATA_DIR": str(data), "POLICYBOT_EMBEDDINGS": "local",
                          "HF_HUB_OFFLINE": "1", "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                          "SLACK_API_URL": fake.base_url}
            subprocess.run(policybot_of(code, "index"), env=envs[name], check=True, capture_output=True)
        for _ in range(args.runs):
            for name, code in codes.items():
                times[name].append(time_start(code, envs[name], free_port()))
    figures = {name: {"median_s": round(statistics.median(t), 2), "runs_s": [round(x, 2) for x in t]}
               for name, t in times.items()}
    for name, t in times.items():
        print(f"{name:<6} {codes[name]}  median {statistics.median(t):.2f} s  runs " + ", ".join(f"{x:.2f}" for x in t))
    write_results("startup_local", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
