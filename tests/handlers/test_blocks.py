"""Block Kit builders and safe text: escaping, splitting at limits, citations; structured, redacted logs."""

from __future__ import annotations

import json
import logging

from bot.logging import JsonFormatter
from handlers.questions.blocks import answer_blocks, citation_line
from handlers.text import SECTION_LIMIT, escape, split_text
from knowledge.answer import Answer, Citation


def test_escape_only_touches_the_three_characters():
    assert escape("<!channel> & <@U1> *bold* _it_") == "&lt;!channel&gt; &amp; &lt;@U1&gt; *bold* _it_"


def test_long_text_is_split_under_the_section_limit_without_losing_words():
    text = "\n\n".join(f"Paragraph {i}: " + "word " * 400 for i in range(5))
    pieces = split_text(text)
    assert len(pieces) > 1 and all(len(piece) <= SECTION_LIMIT for piece in pieces)
    assert " ".join(pieces).split() == text.split()


def test_a_long_answer_becomes_several_sections():
    quote = "A sentence about social media. " * 300
    answer = Answer("q?", True, "x", citations=[Citation("Guidelines", "Images", "Images", 1.0, "Guidelines, Images",
                                                         quote, version="2.1")])
    blocks = answer_blocks(7, answer)
    sections = [b for b in blocks if b["type"] == "section"]
    assert len(sections) >= 4 and all(len(b["text"]["text"]) <= SECTION_LIMIT for b in sections)
    assert len(blocks) <= 50


def test_citation_line_names_document_paragraph_heading_and_version():
    citation = Citation("Social Media Policy", "19", "Principles and commitments", 1.0, "", "", version="3")
    assert citation_line(citation) == "Social Media Policy · para 19 · Principles and commitments · version 3"


def test_logs_are_json_and_never_carry_tokens_or_message_text():
    record = logging.LogRecord("policybot", logging.INFO, __file__, 1,
                               "posting with xoxb-123-456-abcdef and sk-abcdefghijklmnop", None, None)
    record.text = "my colleague posted something awful"
    record.channel = "C100"
    line = json.loads(JsonFormatter().format(record))
    assert "xoxb-" not in json.dumps(line) and "sk-abcdef" not in json.dumps(line)
    assert line["event"] == "posting with [redacted] and [redacted]"
    assert line["text"] == "[omitted]" and line["channel"] == "C100" and line["level"] == "INFO"


def test_account_request_texts_escape_what_the_requester_typed():
    from handlers.accounts.blocks import director_text, request_text
    from storage.models import AccountRequest

    request = AccountRequest(reference="SMA-2026-0001", platform="<!channel> X", handle="<!here>@Libraries",
                             service="Libraries", directorate="Place", purpose="p", audience="a", business_case="b",
                             named_staff="", monitoring="m", status="comms_review", requester_user_id="U1",
                             director_user_id="UDIR")
    for text in (request_text(request), director_text(request)):
        assert "<!channel>" not in text and "<!here>" not in text
        assert "&lt;!here&gt;@Libraries" in text
    assert director_text(request).startswith("<@UDIR>")  # the bot's own mention still works
