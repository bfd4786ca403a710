"""Answer quality on the evaluation sets in knowledge/eval/, lexical and hybrid, in one run.

Each set is indexed beside the bundled Social Media Policy in a scratch SQLite database (the operator's
own index is untouched) and every question is answered in process:

* policy: the policy's own dev set, the policy alone;
* policy+kb-dev: the same questions with the kb-dev documents beside the policy (growing the knowledge
  base must not cost the policy's answers);
* kb-dev, and every other set under knowledge/eval/ with docs/ and questions.jsonl.

    .venv/bin/python bench/quality.py [--mode lexical|hybrid|both] [--set NAME ...] [--verbose]
    .venv/bin/python bench/quality.py --sweep semantic_weight=0.3,0.4,0.5,0.6 --sweep min_support=0.3,0.4
    .venv/bin/python bench/quality.py --saved-answers 200   # with 200 Comms saved answers beside the documents

`--sweep` scores every combination of the values given on every set and prints the mean figures, which
is how the weights and thresholds in `knowledge.retrieval.Tuning` were chosen: on all sets at once.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, write_results  # noqa: E402

EVAL = ROOT / "knowledge" / "eval"
BUNDLED = ROOT / "knowledge" / "documents"


def evaluation_sets() -> dict[str, tuple[list[Path], Path]]:
    sets = {"policy": ([BUNDLED], EVAL / "policy" / "questions.jsonl"),
            "policy+kb-dev": ([BUNDLED, EVAL / "kb-dev" / "docs"], EVAL / "policy" / "questions.jsonl")}
    for folder in sorted(EVAL.iterdir()):
        if (folder / "docs").is_dir() and (folder / "questions.jsonl").is_file():
            sets[folder.name] = ([BUNDLED, folder / "docs"], folder / "questions.jsonl")
    return sets


class CachingEmbedder:
    """Embeds each distinct text once per run, so a sweep does not re-embed the same questions."""

    def __init__(self, embedder):
        self.embedder = embedder
        self.name = embedder.name
        self._cache: dict[str, object] = {}

    def embed(self, texts):
        import numpy as np

        missing = [t for t in texts if t not in self._cache]
        if missing:
            for text, vector in zip(missing, self.embedder.embed(missing)):
                self._cache[text] = vector
        return np.vstack([self._cache[t] for t in texts])


FAQ_TOPICS = (
    "car parking permit", "expenses claim", "annual leave request", "flexi time", "IT password reset",
    "staff ID badge", "lone working", "mileage allowance", "payslip", "pension scheme", "first aid training",
    "fire drill", "desk booking", "Teams meeting recording", "email signature", "out of office message",
    "council logo and branding", "press release", "photography consent form", "event stall", "staff newsletter",
    "website page update", "freedom of information request", "customer complaint", "translation service",
    "accessible documents", "video captions", "QR codes on posters", "campaign hashtag",
    "paid adverts on Facebook", "working with influencers", "livestreaming a meeting", "council podcast",
    "stock images", "Canva account", "LinkedIn profile", "verified badge on X", "councillor's posts",
    "job adverts online", "consultation survey")
FAQ_FORMS = ("How do I arrange {t}?", "Who do I contact about {t}?", "Is there guidance on {t}?",
             "What is the process for {t}?", "Can I get help with {t}?")


def add_saved_answers(engine, count: int) -> None:
    """`count` Comms answers of the kind a council builds up (FAQ topics × phrasings), beside the documents."""
    from datetime import datetime, timezone

    from sqlmodel import Session

    from bot.saved_answers import save, sync_document

    at = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)
    with Session(engine) as session:
        for n in range(count):
            topic = FAQ_TOPICS[n % len(FAQ_TOPICS)]
            question = FAQ_FORMS[(n // len(FAQ_TOPICS)) % len(FAQ_FORMS)].format(t=topic)
            answer = (f"For {topic}, see the staff intranet page on {topic} or contact the team that runs it; "
                      f"Communications and Marketing can advise where it touches the council's public image.")
            save(session, question=question, answer=answer, passages=[], actor="bench", actor_name="Comms",
                 at=at, origin="import", sync=False)
        sync_document(session)
        session.commit()


def build(folders: list[Path], scratch: Path, embedder, saved: int = 0):
    from knowledge.embeddings import unit_vectors
    from knowledge.indexer import index_paths
    from knowledge.retrieval import HybridIndex, KnowledgeIndex, iter_units, load_passages
    from storage.db import get_engine
    from storage.migrate import upgrade

    url = f"sqlite:///{scratch / 'quality.db'}"
    upgrade(url)
    engine = get_engine(url)
    started = time.perf_counter()
    report = index_paths(engine, folders)
    for failure in report.failed:
        print(f"  not indexed: {failure.error}", file=sys.stderr)
    if saved:
        add_saved_answers(engine, saved)
    passages = load_passages(engine)
    lexical = KnowledgeIndex(passages)
    indexed = time.perf_counter() - started
    hybrid = None
    if embedder is not None:
        started = time.perf_counter()
        vectors, _ = unit_vectors(engine, embedder, list(iter_units(passages)))
        hybrid = HybridIndex(passages, embedder, vectors)
        indexed += time.perf_counter() - started
    return lexical, hybrid, indexed


def score(index, questions: Path, verbose: bool = False):
    from knowledge.answer import Answerer
    from knowledge.evaluation import evaluate_file

    report = evaluate_file(Answerer(index), questions)
    if verbose:
        for line in report.lines():
            print("   ", line.replace("\n", "\n    "))
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=["lexical", "hybrid", "both"], default="both")
    parser.add_argument("--set", action="append", dest="sets", help="only these sets (default: all)")
    parser.add_argument("--sweep", action="append", default=[], help="NAME=V1,V2,… (a Tuning field)")
    parser.add_argument("--verbose", action="store_true", help="print each miss")
    parser.add_argument("--saved-answers", type=int, default=0, metavar="N",
                        help="index N Comms saved answers beside the documents")
    parser.add_argument("--signals", action="store_true",
                        help="print the decline signals of every question (support, similarity)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from knowledge.embeddings import LocalEmbedder, semantic_available

    sets = evaluation_sets()
    chosen = {name: sets[name] for name in (args.sets or sets)}
    embedder = CachingEmbedder(LocalEmbedder()) if args.mode != "lexical" and semantic_available() else None
    modes = ["lexical", "hybrid"] if args.mode == "both" else [args.mode]
    if "hybrid" in modes and embedder is None:
        print("hybrid needs the semantic extra", file=sys.stderr)
        return 2
    indexes: dict[str, dict[str, object]] = {}
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch_root:
        built: dict[tuple, tuple] = {}
        for name, (folders, questions) in chosen.items():
            key = tuple(folders)
            if key not in built:
                scratch = Path(scratch_root) / str(len(built))
                scratch.mkdir()
                built[key] = build(folders, scratch, embedder if "hybrid" in modes else None, args.saved_answers)
            lexical, hybrid, seconds = built[key]
            indexes[name] = {"lexical": lexical, "hybrid": hybrid}
            timings[name] = seconds

        if args.sweep:
            return sweep(args.sweep, modes, chosen, indexes)
        if args.signals:
            return signals(modes, chosen, indexes)

        figures: dict[str, dict] = {}
        for mode in modes:
            for name, (_, questions) in chosen.items():
                print(f"== {name} ({mode})")
                report = score(indexes[name][mode], questions, args.verbose)
                print(f"   {report.summary()}")
                for line in report.table():
                    print(f"   {line}")
                figures[f"{name}/{mode}"] = report.to_json()
        write_results("quality" + (f"-saved{args.saved_answers}" if args.saved_answers else ""),
                      {"sets": figures, "index_seconds": timings, "saved_answers": args.saved_answers})
    return 0


def signals(modes: list[str], chosen: dict, indexes: dict) -> int:
    """The decline signals of each question, so thresholds can be read off their distributions."""
    from knowledge.answer import clean_question
    from knowledge.evaluation import load_cases

    for mode in modes:
        rows = []
        for set_name, (_, questions) in chosen.items():
            index = indexes[set_name][mode]
            for case in load_cases(questions):
                result = index.search(clean_question(case.question))
                cited = [{"document": h.passage.document, "section": h.passage.section,
                          "heading": h.passage.heading} for h in result.hits]
                right = case.expect is not None and any(e.matches(c) for e in case.expect for c in cited[:3])
                rows.append((case.expect is not None, right, result.support, result.semantic_score or 0.0,
                             set_name, case.question))
        print(f"== signals ({mode}): in-scope?, top-3 right?, support, similarity")
        for row in sorted(rows, key=lambda r: (r[0], r[2])):
            print(f"{'in ' if row[0] else 'OUT'} {'right' if row[1] else '     '} {row[2]:.2f} {row[3]:.2f} "
                  f"{row[4]:<14} {row[5][:90]}")
        groups = (("in scope", [r for r in rows if r[0]]), ("out of scope", [r for r in rows if not r[0]]))
        for label, subset in groups:
            if subset:
                support = sorted(r[2] for r in subset)
                similarity = sorted(r[3] for r in subset)
                q = lambda v, f: v[min(len(v) - 1, int(f * len(v)))]  # noqa: E731
                print(f"{label:<13} n={len(subset):>3} support p10 {q(support, .1):.2f} "
                      f"p50 {q(support, .5):.2f} "
                      f"p90 {q(support, .9):.2f} | similarity p10 {q(similarity, .1):.2f} "
                      f"p50 {q(similarity, .5):.2f} p90 {q(similarity, .9):.2f}")
    return 0


def sweep(specs: list[str], modes: list[str], chosen: dict, indexes: dict) -> int:
    grid: dict[str, list[float]] = {}
    for spec in specs:
        name, _, values = spec.partition("=")
        grid[name.strip()] = [float(v) for v in values.split(",") if v.strip()]
    names = list(grid)
    for mode in modes:
        print(f"== sweep ({mode}); per set: hit@1/hit@3/answered/in scope/declined/out of scope/"
              "two-document both found")
        for combination in itertools.product(*(grid[n] for n in names)):
            changes = dict(zip(names, combination))
            row = []
            hit3s, hit1s, declines = [], [], []
            for set_name, (_, questions) in chosen.items():
                index = indexes[set_name][mode].retuned(**changes)
                report = score(index, questions)
                hit1s.append(report.hit1)
                hit3s.append(report.hit3)
                out = len(report.out_of_scope)
                declines.append(report.declined_out_of_scope / out if out else 1.0)
                row.append(f"{set_name}:{report.hit1:.2f}/{report.hit3:.2f}/"
                           f"{report.answered_in_scope}/{len(report.in_scope)}/"
                           f"{report.declined_out_of_scope}/{out}/2d{report.two_document_both_found}")
            label = " ".join(f"{n}={v:g}" for n, v in changes.items())
            print(f"{label:<40} mean hit@1 {statistics.mean(hit1s):.3f} hit@3 {statistics.mean(hit3s):.3f} "
                  f"declined {statistics.mean(declines):.3f} | " + " ".join(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
