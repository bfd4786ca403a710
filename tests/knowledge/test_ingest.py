"""Reading documents into citable passages: the bundled PDF-extracted policy and every supported format."""

from __future__ import annotations

import pytest

from knowledge.ingest import IngestError, parse_file
from tests.conftest import POLICY_FILE

HEADINGS = {
    "Purpose": ["1"],
    "Introduction": ["2", "3", "4", "5", "6"],
    "Context": ["7", "8", "9"],
    "Scope of this policy": ["10", "11", "12"],
    "Principles and commitments": [str(n) for n in range(13, 22)],
    "Key actions to meet the commitments set out in the policy": [str(n) for n in range(22, 33)],
}


@pytest.fixture(scope="module")
def policy():
    return parse_file(POLICY_FILE)


def test_policy_has_its_title_and_32_numbered_paragraphs(policy):
    assert policy.title == "Social Media Policy"
    assert policy.numbered
    assert [p.section for p in policy.passages] == [str(n) for n in range(1, 33)]
    assert policy.label(policy.passages[18]) == "Social Media Policy, para 19"


def test_each_paragraph_carries_the_heading_above_it(policy):
    by_section = {p.section: p.heading for p in policy.passages}
    for heading, sections in HEADINGS.items():
        for section in sections:
            assert by_section[section] == heading, section


@pytest.mark.parametrize("section,count", [("1", 3), ("7", 6), ("9", 9), ("10", 3), ("11", 3), ("31", 3),
                                           ("19", 0), ("22", 0)])
def test_bullets_are_recovered_whole(policy, section, count):
    passage = next(p for p in policy.passages if p.section == section)
    assert sum(line.startswith("• ") for line in passage.text.splitlines()) == count


def test_sentences_and_bullets_split_by_page_breaks_are_rejoined(policy):
    text = {p.section: p.text for p in policy.passages}
    assert "• Further the Council’s strategic vision, including promotion of key campaigns, projects and events" \
        in text["9"]
    assert "through the use of images or personal data" in text["7"]
    assert "social engineering attacks (sometimes known as ‘phishing’)" in text["7"]
    assert "commitments and key actions set out below. This policy informs" in text["8"]
    assert text["28"].startswith("The Council’s Communication and Marketing service will maintain a register of "
                                 "all authorised social media accounts.")
    assert "Contributions include, but are not limited to, text, photographs and video." in text["10"]
    assert all("  " not in p.text and not p.text.endswith(" ") for p in policy.passages)


def test_curly_quotes_are_kept_as_written(policy):
    assert "Council’s" in policy.passages[0].text


def test_markdown_headings_become_sections(tmp_path):
    path = tmp_path / "guidelines.md"
    path.write_text("# Social Media Guidelines\n\nVersion: 2.1\n\n## Using images\n\nAsk **consent** before "
                    "posting photos of people.\n\n- Never post children without written consent\n- Blur faces\n\n"
                    "## Replying to the public\n\nReply within one working day.\n", encoding="utf-8")
    document = parse_file(path)
    assert document.title == "Social Media Guidelines"
    assert document.version == "2.1"
    assert not document.numbered
    assert [p.section for p in document.passages] == ["Using images", "Replying to the public"]
    assert document.passages[0].text.splitlines() == [
        "Ask consent before posting photos of people.", "• Never post children without written consent",
        "• Blur faces"]
    assert document.label(document.passages[1]) == "Social Media Guidelines, Replying to the public"


def test_html_is_read_by_headings_and_list_items(tmp_path):
    path = tmp_path / "faq.html"
    path.write_text("<html><head><title>Comms FAQ</title><script>alert(1)</script></head><body>"
                    "<h1>Comms FAQ</h1><h2>Hashtags</h2><p>Use the council &amp; campaign hashtags.</p>"
                    "<ul><li>#NottsCC</li><li>#LoveNotts</li></ul><h2>Press</h2><p>Refer journalists to the "
                    "press office.</p></body></html>", encoding="utf-8")
    document = parse_file(path)
    assert document.title == "Comms FAQ"
    assert [p.section for p in document.passages] == ["Hashtags", "Press"]
    assert "Use the council & campaign hashtags.\n• #NottsCC\n• #LoveNotts" == document.passages[0].text
    assert "alert" not in document.passages[0].text


def test_word_documents_use_their_heading_styles(tmp_path):
    import docx

    word = docx.Document()
    word.add_heading("Streaming Media Procedure", level=0)
    word.add_paragraph("Effective date: 1 April 2025")
    word.add_heading("Watching training videos", level=1)
    word.add_paragraph("Staff may watch training videos on YouTube during work time.")
    word.add_paragraph("Use headphones", style="List Bullet")
    path = tmp_path / "streaming.docx"
    word.save(str(path))
    document = parse_file(path)
    assert document.title == "Streaming Media Procedure"
    assert document.effective_date is not None and document.effective_date.isoformat() == "2025-04-01"
    passage = next(p for p in document.passages if p.section == "Watching training videos")
    assert passage.text == "Staff may watch training videos on YouTube during work time.\n• Use headphones"


def test_pdfs_with_numbered_paragraphs_are_cited_by_paragraph(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "photo-consent.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    lines = ["Photography Consent Procedure", "", "Purpose", "",
             "1. This procedure explains when written consent is needed.", "",
             "2. Consent is needed before any photograph of a child is", "published on social media.", "",
             "3. Consent forms are kept for two years."]
    y = 800
    for line in lines:
        pdf.drawString(60, y, line)
        y -= 18
    pdf.showPage()
    pdf.save()
    document = parse_file(path)
    assert document.title == "Photography Consent Procedure"
    assert [p.section for p in document.passages] == ["1", "2", "3"]
    assert document.passages[1].text == "Consent is needed before any photograph of a child is published on social media."
    assert document.passages[0].heading == "Purpose"


def test_non_utf8_text_is_refused_by_name(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Caf\xe9 policy\n\n1. Something.".encode("latin-1"))
    with pytest.raises(IngestError, match=r"latin1\.txt: not UTF-8"):
        parse_file(path)


def test_corrupt_pdf_is_refused_by_name(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\n this is not really a pdf \x00\x01")
    with pytest.raises(IngestError, match=r"broken\.pdf: cannot read this PDF"):
        parse_file(path)


def test_empty_and_unsupported_files_are_refused(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n\n", encoding="utf-8")
    with pytest.raises(IngestError, match="empty.txt: no text found"):
        parse_file(empty)
    other = tmp_path / "sheet.xlsx"
    other.write_bytes(b"PK")
    with pytest.raises(IngestError, match="unsupported file type .xlsx"):
        parse_file(other)
