"""Tokenising for retrieval: lower case, straight quotes, English stop words removed, Snowball stems."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

_WORD_RE = re.compile(r"[a-z0-9]+")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})

# Function words and the filler of staff questions ("can I…", "is it ok to…"): they say nothing about
# which paragraph answers, so they neither score nor count as topic words.
STOPWORDS = frozenset("""
a about above after again against all am an and any are aren as at be because been before being below
between both but by can cannot could couldn d did didn do does doesn doing don down during each even
few for from further get gets getting got had hadn has hasn have haven having he her here hers herself him
himself his how i if in into is isn it its itself just ll m ma me might mightn more most must mustn my myself
need needn needs no nor not now o of off on once only or other our ours ourselves out over own re s same
shan she should shouldn so some such t than that that's the their theirs them themselves then there these
they this those through to too under until up ve very was wasn we were weren what when where which while
who whom why will with won would wouldn y you your yours yourself yourselves ok okay allowed allow
anyone anybody someone somebody something anything thing things really actually please thanks thank hi
hello hey also still ever every whether want wants wanted going go goes gonna wanna let lets like
maybe might much many lot lots way ways kind sort bit able
""".split())


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    return re.sub(r"'s\b", "", text)


def words(text: str) -> list[str]:
    """Lower-cased words without stop words (not stemmed)."""
    return [w for w in _WORD_RE.findall(normalise(text)) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def stem_all(tokens: list[str]) -> list[str]:
    return _stemmer().stemWords(tokens)


def tokens(text: str) -> list[str]:
    """Stemmed content words of `text`, in order, repeats kept (for indexing)."""
    return stem_all(words(text))
