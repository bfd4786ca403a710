"""How staff say it, and how council documents say it.

Staff ask "a journo rang me", documents say "if a journalist contacts you". The terms in
`knowledge/vocabulary.yml` map everyday words about work, the council and online life onto the formal
words documents use; a question that uses one is searched with those words as well as its own (at a
lower weight). A deployment adds its own terms with `POLICYBOT_VOCABULARY`, a YAML file in the same
format. No term names one document's answer: they describe the language, so they hold for any documents.

`knowledge/elsewhere.yml` lists topics staff ask about that policies and guidance rarely cover (pay,
leave, parking, IT equipment…) and where to ask instead; retrieval declines a question on such a topic
when none of the passages it finds mentions the topic (see `knowledge.retrieval`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

BUILTIN_FILE = Path(__file__).resolve().parent / "vocabulary.yml"
ELSEWHERE_FILE = Path(__file__).resolve().parent / "elsewhere.yml"
MAX_TERMS = 5000


class VocabularyError(ValueError):
    """A vocabulary file cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Term:
    say: tuple[str, ...]
    means: str
    example: str
    pattern: re.Pattern[str]

    def matches(self, text: str) -> bool:
        return self.pattern.search(text) is not None


def _compile(say: list[str], where: str) -> re.Pattern[str]:
    for phrase in say:
        try:
            re.compile(phrase)
        except re.error as error:
            raise VocabularyError(f"{where}: {phrase!r} is not a valid pattern ({error})") from None
    alternatives = "|".join(sorted(say, key=len, reverse=True))
    return re.compile(rf"(?<![\w'])(?:{alternatives})(?![\w])", re.IGNORECASE)


@dataclass(frozen=True)
class Topic:
    """Something staff ask about that the documents usually don't cover, and where to ask instead."""

    topic: str
    ask: str
    say: tuple[str, ...]
    example: str
    pattern: re.Pattern[str]

    def matches(self, text: str) -> bool:
        return self.pattern.search(text) is not None


def load_terms(path: Path) -> tuple[Term, ...]:
    """The staff-word terms of a vocabulary file."""
    return tuple(entry for entry in load_file(path) if isinstance(entry, Term))


def load_topics(path: Path) -> tuple[Topic, ...]:
    """The elsewhere topics of a vocabulary file."""
    return tuple(entry for entry in load_file(path) if isinstance(entry, Topic))


@lru_cache(maxsize=16)
def load_file(path: Path) -> tuple[Term | Topic, ...]:
    """Read a vocabulary file: entries with `means` are staff words, entries with `topic` and `ask` are
    topics handled elsewhere. Every problem is reported as one line naming the file and entry."""
    import yaml

    try:
        # libyaml's loader where PyYAML has it (ten times faster; every process reads the vocabulary).
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except OSError as error:
        raise VocabularyError(f"{path}: cannot read the vocabulary file ({error.strerror or error})") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise VocabularyError(f"{path}: not a YAML file ({str(error).splitlines()[0]})") from None
    if data is None:
        return ()
    if not isinstance(data, list):
        raise VocabularyError(f"{path}: must be a list of entries with say, means and example")
    if len(data) > MAX_TERMS:
        raise VocabularyError(f"{path}: {len(data)} entries; at most {MAX_TERMS}")
    terms: list[Term | Topic] = []
    for number, entry in enumerate(data, start=1):
        where = f"{Path(path).name}, entry {number}"
        if not isinstance(entry, dict):
            raise VocabularyError(f"{where}: must be a mapping with say, means and example")
        say, means, example = entry.get("say"), entry.get("means"), entry.get("example", "")
        if isinstance(say, str):
            say = [say]
        if not isinstance(say, list) or not say or not all(isinstance(s, str) and s.strip() for s in say):
            raise VocabularyError(f"{where}: 'say' must list the words staff use")
        say = [s.strip() for s in say]
        if "topic" in entry or "ask" in entry:
            topic, ask = entry.get("topic"), entry.get("ask")
            if not isinstance(topic, str) or not topic.strip() or not isinstance(ask, str) or not ask.strip():
                raise VocabularyError(f"{where}: a topic needs 'topic' (what it is) and 'ask' (where to ask)")
            terms.append(Topic(topic.strip(), ask.strip(), tuple(say), str(example or ""), _compile(say, where)))
            continue
        if not isinstance(means, str) or not means.strip():
            raise VocabularyError(f"{where}: 'means' must give the documents' words")
        terms.append(Term(tuple(say), means.strip(), str(example or ""), _compile(say, where)))
    return tuple(terms)


@lru_cache(maxsize=8)
def terms_for(extra: str | None = None) -> tuple[Term, ...]:
    """The built-in terms, followed by a deployment's own file when one is configured."""
    builtin = load_terms(BUILTIN_FILE)
    return builtin + (load_terms(Path(extra)) if extra else ())


@lru_cache(maxsize=8)
def topics_for(extra: str | None = None) -> tuple[Topic, ...]:
    """The built-in topics handled elsewhere, followed by a deployment's own."""
    return load_topics(ELSEWHERE_FILE) + (load_topics(Path(extra)) if extra else ())


def expand(question: str, terms: tuple[Term, ...] | None = None) -> list[str]:
    """The documents' words for the staff words in `question`, one string per matching term."""
    return [term.means for term in (terms if terms is not None else terms_for()) if term.matches(question)]


def spans(question: str, terms: tuple[Term, ...] | None = None) -> list[tuple[int, int, str]]:
    """Where each term matches in `question`, with the words it stands for."""
    found = []
    for term in terms if terms is not None else terms_for():
        for match in term.pattern.finditer(question):
            found.append((match.start(), match.end(), term.means))
    return found
