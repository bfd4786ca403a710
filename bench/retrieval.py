"""Retrieval and `policybot ask` figures.

* In-process retrieval on the bundled policy plus N synthetic passages (default 10,000): p50/p95/p99 of
  `index.search` over the dev questions (at least 500 timed queries), and of the whole answer path.
* `policybot ask` as a whole process (p50/p95 of wall time), on an indexed data folder.

    .venv/bin/python bench/retrieval.py [--mode lexical|hybrid] [--passages 10000] [--runs 15] [--policybot PATH]

`ask` without the semantic extra is timed with a policybot installed without it (`make demo`'s .venv):
SciPy, which the extra brings in, makes bm25s import scipy.sparse.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, percentile, write_results  # noqa: E402
DEV = ROOT / "knowledge" / "eval" / "policy" / "questions.jsonl"

WORDS = """council service resident customer highways pothole gritting bin collection recycling waste library
school admissions transport parking permit planning application licence budget invoice procurement contract
supplier payroll pension leave absence sickness overtime mileage expenses claim timesheet rota shift training
induction appraisal capability grievance disciplinary complaint freedom information request data protection
retention archive records laptop password account network printer helpdesk ticket software licence upgrade
adult social care assessment carer provider placement safeguarding referral child family foster adoption
youth centre volunteer community grant funding bid report committee cabinet member ward councillor meeting
agenda minutes decision scrutiny audit risk register insurance claim legal property building maintenance
cleaning catering fleet vehicle depot emergency flood resilience registrar birth death marriage ceremony
trading standards environmental health noise food hygiene inspection licence taxi premises alcohol event
""".split()
HEADINGS = ["Purpose", "Scope", "Responsibilities", "Procedure", "Eligibility", "How to apply", "Records",
            "Monitoring", "Exceptions", "Contacts"]



def add_synthetic(engine, count: int, seed: int = 7) -> None:
    from sqlmodel import Session

    from storage.models import Document, Passage

    rng = random.Random(seed)
    per_document = 40
    with Session(engine) as session:
        for doc_number in range(0, count, per_document):
            title = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} procedure {doc_number // per_document}"
            document = Document(source_path=f"/synthetic/{doc_number}.txt", title=title, checksum="0" * 64,
                                passage_count=min(per_document, count - doc_number))
            session.add(document)
            session.flush()
            for ordinal in range(1, document.passage_count + 1):
                sentences = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))).capitalize() + "."
                             for _ in range(rng.randint(3, 7))]
                text = " ".join(sentences)
                if rng.random() < 0.3:
                    text += "\n" + "\n".join("• " + " ".join(rng.choice(WORDS) for _ in range(6))
                                             for _ in range(rng.randint(2, 5)))
                session.add(Passage(document_id=document.id, ordinal=ordinal, section=str(ordinal),
                                    heading=rng.choice(HEADINGS), label=f"{title}, para {ordinal}", text=text,
                                    checksum=hashlib.sha256(text.encode()).hexdigest()))
        session.commit()


def in_process(mode: str, passages: int) -> dict:
    from bot.settings import load_settings
    from knowledge.answer import Answerer
    from knowledge.indexer import index_paths
    from knowledge.search import build_index
    from storage.db import get_engine
    from storage.migrate import upgrade

    questions = [json.loads(line)["q"] for line in DEV.read_text().splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        upgrade(url)
        engine = get_engine(url)
        index_paths(engine, [ROOT / "knowledge" / "documents"])
        add_synthetic(engine, passages)
        settings = load_settings(database_url=url, embeddings="none" if mode == "lexical" else None)
        started = time.perf_counter()
        index = build_index(engine, settings)
        build_seconds = time.perf_counter() - started
        if hasattr(index, "warm"):
            index.warm()  # as `policybot serve` does at start-up
        gc.collect()
        gc.freeze()  # as `policybot serve` does once the index is loaded
        for question in questions[:20]:
            index.search(question)
        search_times: list[float] = []
        while len(search_times) < 500:
            for question in questions:
                started = time.perf_counter()
                index.search(question, k=3)
                search_times.append(time.perf_counter() - started)
        answerer = Answerer(index)
        answer_times: list[float] = []
        for _ in range(5):
            for question in questions:
                started = time.perf_counter()
                answerer.answer(question)
                answer_times.append(time.perf_counter() - started)
        engine.dispose()
    return {"mode": index.retrieval_mode, "passages": len(index), "build_s": round(build_seconds, 2),
            "queries": len(search_times),
            "search_p50_ms": round(percentile(search_times, 50) * 1000, 2),
            "search_p95_ms": round(percentile(search_times, 95) * 1000, 2),
            "search_p99_ms": round(percentile(search_times, 99) * 1000, 2),
            "answer_p95_ms": round(percentile(answer_times, 95) * 1000, 2)}


def whole_process(mode: str, runs: int, policybot: str) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "POLICYBOT_DATA_DIR": folder, "POLICYBOT_EMBEDDINGS": "none" if mode == "lexical"
               else "local"}
        subprocess.run([policybot, "index"], env=env, check=True, capture_output=True)
        times: list[float] = []
        for run in range(runs + 2):
            started = time.perf_counter()
            subprocess.run([policybot, "ask", "Who has to approve a new council Facebook page?"], env=env,
                           check=True, capture_output=True)
            if run >= 2:
                times.append(time.perf_counter() - started)
        stdin = "".join(json.loads(line)["q"] + "\n" for line in DEV.read_text().splitlines() if line.strip())
        started = time.perf_counter()
        subprocess.run([policybot, "ask", "--json", "-"], input=stdin, env=env, check=True, capture_output=True,
                       text=True)
        batch = time.perf_counter() - started
    count = len([line for line in stdin.splitlines() if line.strip()])
    return {"ask_runs": runs, "ask_p50_s": round(statistics.median(times), 2),
            "ask_p95_s": round(percentile(times, 95), 2), "ask_max_s": round(max(times), 2),
            "batch_questions": count, "batch_total_s": round(batch, 2)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["lexical", "hybrid"], default="lexical")
    parser.add_argument("--passages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--policybot", default=str(ROOT / ".venv" / "bin" / "policybot"),
                        help="the policybot to time as a whole process (e.g. one installed without the extra)")
    args = parser.parse_args()
    figures = in_process(args.mode, args.passages) | whole_process(args.mode, args.runs, args.policybot)
    write_results(f"retrieval_{args.mode}", figures)
    print(f"| Retrieval ({figures['mode']}), policy + {args.passages:,} synthetic passages "
          f"({figures['passages']:,} in all), {figures['queries']} queries | p50 {figures['search_p50_ms']} ms, "
          f"p95 {figures['search_p95_ms']} ms, p99 {figures['search_p99_ms']} ms (whole answer p95 "
          f"{figures['answer_p95_ms']} ms); index built in {figures['build_s']} s |")
    print(f"| `policybot ask` as a whole process ({figures['mode']}, {args.runs} runs) | p50 {figures['ask_p50_s']} s, "
          f"p95 {figures['ask_p95_s']} s, max {figures['ask_max_s']} s |")
    print(f"| `policybot ask --json -`, {figures['batch_questions']} dev questions in one process | "
          f"{figures['batch_total_s']} s in all |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
