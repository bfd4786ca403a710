"""Block Kit builders and safe text: escaping, splitting at limits, citations; structured, redacted logs."""

from __future__ import annotations

import json
import logging

from bot.logging import JsonFormatter
from bot.question_messages import citation_line
from handlers.slack.questions.blocks import answer_blocks
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
    from bot.account_messages import director_message, request_message
    from handlers.slack.render import render
    from storage.models import AccountRequest

    request = AccountRequest(reference="SMA-2026-0001", platform="<!channel> X", handle="<!here>@Libraries",
                             service="Libraries", directorate="Place", purpose="p", audience="a", business_case="b",
                             named_staff="", monitoring="m", status="comms_review", requester_user_id="U1",
                             director_user_id="UDIR")
    for message in (request_message(request, [], None), director_message(request)):
        text, blocks = render(message)
        everything = text + json.dumps(blocks)
        assert "<!channel>" not in everything and "<!here>" not in everything
        assert "&lt;!here&gt;@Libraries" in everything
    assert render(director_message(request))[1][0]["text"]["text"].startswith("<@UDIR>")  # the bot's own mention


def _texts(blocks: list[dict]) -> list[str]:
    found = []
    for block in blocks:
        if block.get("text", {}).get("text"):
            found.append(block["text"]["text"])
        found += [element["text"] for element in block.get("elements", []) if isinstance(element.get("text"), str)]
    return found


def test_escapes_are_never_cut_in_half():
    from handlers.text import clip, split_text

    assert clip("<" * 10, 9) == "&lt;&lt;…"
    pieces = split_text("&lt;" * 1000, 3000)
    assert all(len(p) <= 3000 for p in pieces) and "".join(pieces) == "&lt;" * 1000
    assert clip("short & sweet", 100) == "short &amp; sweet"


def test_a_question_of_1990_angle_brackets_fits_its_answer_message():
    from handlers.slack.questions.blocks import answer_blocks, looking_up_blocks
    from knowledge.answer import Answer

    answer = Answer(question="<" * 1990, answered=False, answer="The documents don't cover that.")
    for blocks in (answer_blocks(1, answer), looking_up_blocks("<" * 1990)):
        assert all(len(text) <= 3000 for text in _texts(blocks))
        assert "<<" not in "".join(_texts(blocks))


def test_a_case_with_a_very_long_link_and_involved_text_fits_its_message():
    from datetime import datetime, timezone

    from bot.report_messages import case_message
    from handlers.slack.render import render
    from storage.models import Report

    link = "https://www.facebook.com/groups/1/posts/2?" + "&a=1" * 180 + "x" * (1846 - 42 - 720)
    report = Report(reference="SMR-2026-0001", kind="misuse", status="open", platform="Facebook", link=link,
                    description="d" * 2000, involved_text="someone, " * 53 + "x" * 3, reporter_user_id="U1",
                    created_at=datetime(2026, 11, 27, 15, 0, tzinfo=timezone.utc))
    assert len(report.link) == 1846 and len(report.involved_text) == 480
    blocks = render(case_message(report, show_reporter=True, assigned=["your line manager"],
                                 events=[(report.created_at, "U1", "submitted", "x" * 400)] * 20))[1]
    assert all(len(text) <= 3000 for text in _texts(blocks))


def test_long_reasons_and_questions_fit_the_account_messages():
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    from bot.account_messages import question, request_message
    from handlers.slack.accounts.blocks import answer_modal
    from handlers.slack.render import render
    from storage.models import AccountRequest

    long = "<&>" * 1000  # 3,000 characters typed, 12,000 once escaped
    request = AccountRequest(reference="SMA-2026-0001", platform="X", handle="@h", service="s", directorate="Place",
                             purpose=long, business_case=long, staff_user_ids="U1,U2", monitoring_hours="m",
                             status="declined", requester_user_id="U1", decision_reason=long, info_question=long,
                             created_at=datetime(2026, 11, 27, 15, 0, tzinfo=timezone.utc))
    for blocks in (render(request_message(request, [], None, ZoneInfo("Europe/London")))[1],
                   render(question(request, "U2", long, answerable=True))[1], answer_modal(request)["blocks"]):
        assert all(len(text) <= 3000 for text in _texts(blocks))


def test_more_directorates_than_a_select_can_hold_are_typed_and_checked():
    from bot.accounts import RequestInput, validate
    from handlers.slack.accounts.blocks import request_modal

    many = [f"Directorate {n:03d}" for n in range(152)]
    block = next(b for b in request_modal(many)["blocks"] if b.get("block_id") == "directorate")
    assert block["element"]["type"] == "plain_text_input"
    few = next(b for b in request_modal(many[:3])["blocks"] if b.get("block_id") == "directorate")
    assert few["element"]["type"] == "static_select" and len(few["element"]["options"]) == 3

    def request(directorate):
        return RequestInput(platform="Instagram", handle="@x", service="Libraries", directorate=directorate,
                            purpose="p", business_case="b", staff_user_ids=["U1", "U2"], monitoring_hours="m",
                            training_confirmed=True)

    typed = request("directorate 151")
    assert "directorate" not in validate(typed, many) and typed.directorate == "Directorate 151"
    assert "as the staff directory names it" in validate(request("Nowhere"), many)["directorate"]


def test_the_training_form_takes_a_typed_directorate_when_there_are_too_many_to_list():
    from handlers.slack.training.blocks import start_modal

    many = [f"Directorate {n:03d}" for n in range(152)]
    block = next(b for b in start_modal(many)["blocks"] if b.get("block_id") == "directorate")
    assert block["element"]["type"] == "plain_text_input" and block["optional"] is True
    few = next(b for b in start_modal(many[:5])["blocks"] if b.get("block_id") == "directorate")
    assert [o["value"] for o in few["element"]["options"]][:2] == ["*", "Directorate 000"]
