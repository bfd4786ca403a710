"""How long `policybot index` takes as a whole process, on a fresh scratch database each run.

    .venv/bin/python bench/indexing.py [--runs 3] [--embeddings local|none] [--code PATH]

Times the bundled policy alone and the policy with the kb-dev documents (a PDF, a Markdown file and a
Word file). `--code PATH` runs the same command from another checkout of the project (say, the last
release, with `git worktree add`), so a change can be compared with what it replaces in the same run.
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
from common import ROOT, policybot_of, write_results  # noqa: E402


def time_index(code: Path, folders: list[Path], embeddings: str) -> float:
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "POLICYBOT_DATA_DIR": scratch, "DATABASE_URL": f"sqlite:///{scratch}/p.db",
               "POLICYBOT_EMBEDDINGS": embeddings, "HF_HUB_OFFLINE": "1"}
        command = policybot_of(code, "index", *map(str, folders))
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True, cwd=scratch)
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--embeddings", default="local", choices=["local", "none"])
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose code to run")
    args = parser.parse_args()
    bundled = args.code / "knowledge" / "documents"
    kb_dev = ROOT / "knowledge" / "eval" / "kb-dev" / "docs"
    figures = {}
    for name, folders in (("policy", [bundled]), ("policy+kb-dev", [bundled, kb_dev])):
        times = [time_index(args.code, folders, args.embeddings) for _ in range(args.runs)]
        figures[name] = {"median_s": round(statistics.median(times), 2),
                         "runs_s": [round(t, 2) for t in times]}
        print(f"{name:<14} {args.embeddings:<6} median {statistics.median(times):.2f} s  runs "
              + ", ".join(f"{t:.2f}" for t in times))
    write_results(f"indexing_{args.embeddings}" + ("" if args.code == ROOT else "_other"), figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
