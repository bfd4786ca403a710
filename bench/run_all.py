"""Run every benchmark with the README's settings and print the figures as Markdown table rows.

    make bench        (about 20 minutes on a 2-core machine: hybrid retrieval embeds 10,000 passages, and the
                      nudge run sends 4 × 20,000 messages to the stand-in)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
RUNS = [
    ["quality.py"],
    ["indexing.py"],
    ["startup.py"],
    ["retrieval.py", "--mode", "lexical"],
    ["retrieval.py", "--mode", "hybrid", "--runs", "10"],
    ["slack_latency.py", "--rounds", "10", "--mentions", "100"],
    ["reports.py"],
    ["accounts.py"],
    ["nudges.py"],
    ["teams_latency.py"],
    ["nudges.py", "--platform", "teams"],
]
if os.environ.get("POLICYBOT_TEST_DATABASE_URL"):  # the PostgreSQL server the tests use, when there is one
    RUNS.append(["reports.py", "--database-url", os.environ["POLICYBOT_TEST_DATABASE_URL"]])
    RUNS.append(["accounts.py", "--database-url", os.environ["POLICYBOT_TEST_DATABASE_URL"]])
    RUNS.append(["nudges.py", "--database-url", os.environ["POLICYBOT_TEST_DATABASE_URL"]])


def main() -> int:
    failed = 0
    for arguments in RUNS:
        result = subprocess.run([sys.executable, str(BENCH / arguments[0]), *arguments[1:]])
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
