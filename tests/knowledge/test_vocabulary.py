"""The staff-phrasing vocabulary: every entry matches its example and adds the documents' words; a
deployment's own file adds terms; a bad file is refused with a line naming it."""

from __future__ import annotations

import pytest

from knowledge import vocabulary
from knowledge.retrieval import KnowledgeIndex, PassageRecord
from knowledge.text import tokens

BUILTIN = vocabulary.terms_for()


def _record(text: str, section: str = "1", document: str = "Gifts and Hospitality Guidance") -> PassageRecord:
    return PassageRecord(id=abs(hash(section)) % 100_000, document_id=1, document=document, version=None, numbered=False,
                         section=section, heading=section, label=f"{document}, {section}", text=text,
                         checksum=section, kind="section")


def test_the_builtin_vocabulary_is_broad():
    assert len(BUILTIN) >= 80
    assert all(term.example for term in BUILTIN), "every entry needs an example"


@pytest.mark.parametrize("term", BUILTIN, ids=[term.say[0] for term in BUILTIN])
def test_each_entry_matches_its_example_and_searches_the_documents_words(term):
    assert term.matches(term.example), f"{term.say} does not match {term.example!r}"
    assert term.means in vocabulary.expand(term.example)
    weights = KnowledgeIndex([]).weighted_terms(term.example)
    assert set(tokens(term.means)) <= set(weights)


@pytest.mark.parametrize("question,word", [
    ("can i put pics of the team on the intranet", "photograph"),
    ("a journo from the local rag rang me", "journalist"),
    ("my boss says no", "manager"),
    ("is it ok to post this on fb", "facebook"),
    ("a supplier sent me a hamper", "gift"),
    ("a present from a grateful family", "gift"),
    ("a reporter rang my mobile", "contact"),
])
def test_everyday_words_reach_the_formal_ones(question, word):
    assert tokens(word)[0] in tokens(" ".join(vocabulary.expand(question)))


def test_words_inside_other_words_do_not_match():
    assert vocabulary.expand("the ferry timetable") == []  # no "fb", "ig" or "pic" hidden in longer words


def test_a_deployment_adds_its_own_terms_through_a_setting(tmp_path, monkeypatch):
    from bot.settings import load_settings
    from knowledge.search import build_index
    from storage.db import get_engine
    from storage.migrate import upgrade
    from storage.models import Document, Passage
    from sqlmodel import Session

    extra = tmp_path / "our-words.yml"
    extra.write_text("- say: [the hub, hub]\n  means: customer service centre\n  example: ring the hub\n",
                     encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'v.db'}"
    upgrade(url)
    engine = get_engine(url)
    with Session(engine) as session:
        document = Document(source_path="/x/contact.md", title="Contact Procedure", checksum="0" * 64)
        session.add(document)
        session.flush()
        session.add(Passage(document_id=document.id, ordinal=1, section="Phone lines", heading="Phone lines",
                            label="Contact Procedure, Phone lines", checksum="a" * 64,
                            text="The customer service centre answers calls from 8am to 6pm."))
        session.commit()
    settings = load_settings(database_url=url, embeddings="none", vocabulary_file=str(extra))
    index = build_index(engine, settings)
    assert any(term.means == "customer service centre" for term in index.terms)
    result = index.search("what time does the hub open")
    assert result.hits and result.hits[0].passage.section == "Phone lines"
    assert "custom" in index.weighted_terms("what time does the hub open")
    plain = KnowledgeIndex(index.passages)
    assert "custom" not in plain.weighted_terms("what time does the hub open")


@pytest.mark.parametrize("content,message", [
    ("- say: [fine]\n", "entry 1: 'means' must give"),
    ("- means: x\n", "entry 1: 'say' must list"),
    ("- say: ['(unclosed']\n  means: x\n", "is not a valid pattern"),
    ("say: x\n", "must be a list of entries"),
    ("- say: [a\n", "not a YAML file"),
])
def test_a_bad_vocabulary_file_is_refused_naming_the_setting(tmp_path, content, message):
    from bot.settings import SettingsError, load_settings

    path = tmp_path / "words.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError, match="POLICYBOT_VOCABULARY") as raised:
        load_settings(vocabulary_file=str(path))
    assert message in str(raised.value)


def test_a_missing_vocabulary_file_is_refused(tmp_path):
    from bot.settings import SettingsError, load_settings

    with pytest.raises(SettingsError, match="cannot read the vocabulary file"):
        load_settings(vocabulary_file=str(tmp_path / "nope.yml"))


TOPICS = vocabulary.topics_for()
UNRELATED = [_record("Staff must not accept gifts worth more than £25 from anyone who does business with the "
                     "council.", "Gifts"),
             _record("Declare any hospitality you accept in the register within 28 days.", "Hospitality")]


def test_topics_handled_elsewhere_cover_what_staff_ask_most():
    names = {topic.topic for topic in TOPICS}
    assert {"pay and payslips", "expenses and mileage", "pensions", "annual leave and working time",
            "sickness absence", "parking and getting to work", "IT equipment and support"} <= names
    assert all(topic.example and topic.ask for topic in TOPICS)


@pytest.mark.parametrize("topic", TOPICS, ids=[topic.topic for topic in TOPICS])
def test_each_topic_declines_its_example_when_no_passage_mentions_it(topic):
    assert topic.matches(topic.example), f"{topic.say} does not match {topic.example!r}"
    result = KnowledgeIndex(UNRELATED).search(topic.example)
    assert result.elsewhere is not None and not result.covered


def test_a_topic_is_answered_when_a_document_covers_it():
    index = KnowledgeIndex(UNRELATED + [_record("Claim mileage for business journeys in your own car through "
                                                "the expenses system.", "Mileage")])
    result = index.search("how do i claim mileage for a home visit")
    assert result.elsewhere is None and result.covered and result.hits[0].passage.section == "Mileage"


def test_a_deployment_adds_topics_of_its_own(tmp_path):
    extra = tmp_path / "ours.yml"
    extra.write_text("- topic: the staff lottery\n  say: [staff lottery, lottery]\n  ask: the Social Committee\n"
                     "  example: when is the lottery drawn\n", encoding="utf-8")
    topics = vocabulary.topics_for(str(extra))
    assert topics[-1].topic == "the staff lottery"
    assert KnowledgeIndex(UNRELATED, topics=topics).search("when is the staff lottery drawn").elsewhere.ask == \
        "the Social Committee"
    assert vocabulary.load_terms(extra) == ()  # a topic is not a staff-word term


def test_a_topic_without_where_to_ask_is_refused(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text("- topic: lottery\n  say: [lottery]\n", encoding="utf-8")
    with pytest.raises(vocabulary.VocabularyError, match="needs 'topic'.*and 'ask'"):
        vocabulary.load_file(path)
