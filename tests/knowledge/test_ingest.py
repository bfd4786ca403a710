"""Reading documents into citable passages: the bundled PDF-extracted policy and every supported format."""

from __future__ import annotations

import re
import time

import pytest

from knowledge import ingest
from knowledge.ingest import IngestError, parse_file
from tests.conftest import POLICY_FILE, ROOT

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


# ------------------------------------------------------------------ the kb-dev documents: Markdown, PDF, Word

KB_DEV = ROOT / "knowledge" / "eval" / "kb-dev" / "docs"


@pytest.fixture(scope="module")
def guidance():
    return parse_file(KB_DEV / "data-protection-guidance.md")


@pytest.fixture(scope="module")
def protocol():
    return parse_file(KB_DEV / "media-relations-protocol.pdf")


@pytest.fixture(scope="module")
def dignity():
    return parse_file(KB_DEV / "dignity-at-work-policy.docx")


def _passage(document, section):
    return next(p for p in document.passages if p.section == section)


def test_markdown_guidance_is_cited_by_every_heading_with_its_parent_as_context(guidance):
    assert guidance.title == "Data Protection: Guidance for Staff" and guidance.structure == "headed"
    assert not guidance.numbered and guidance.warnings == []
    assert [(p.section, p.context) for p in guidance.passages] == [
        ("Introduction", ""), ("Why it matters", ""), ("Personal data", "Key terms"),
        ("Special category data", "Key terms"), ("The rules in practice", ""),
        ("Sharing within the Council", "Sharing personal data"),
        ("Sharing with partners and other organisations", "Sharing personal data"),
        ("Requests for information about individuals", "Sharing personal data"), ("Subject access requests", ""),
        ("Other rights", ""), ("Data breaches", ""), ("What to do straight away", "Data breaches"),
        ("Reporting to the Information Commissioner", "Data breaches"),
        ("Clear desk and clear screen", "Keeping information secure"),
        ("Email and messaging", "Keeping information secure"),
        ("Working from home and on the move", "Keeping information secure"),
        ("Photographs, video and recordings", ""),
        ("Keeping and disposing of records", ""), ("Privacy notices", ""), ("Starting something new", ""),
        ("Training and help", "")]
    assert all(p.kind == "section" and p.heading == (p.section if p.section != "Introduction" else "")
               for p in guidance.passages)
    assert guidance.label(_passage(guidance, "What to do straight away")) == \
        "Data Protection: Guidance for Staff, What to do straight away"


def test_markdown_metadata_line_gives_version_date_and_owner(guidance):
    assert guidance.version == "2.3"
    assert guidance.owner == "Information Governance team"
    assert guidance.effective_date.isoformat() == "2024-09-04"
    assert not any("Version" in p.text or "Last reviewed" in p.text for p in guidance.passages)


def test_markdown_numbered_steps_are_list_items_of_their_section(guidance):
    lines = _passage(guidance, "What to do straight away").text.splitlines()
    assert lines[0] == "If you think a breach has happened, or nearly happened, follow these steps:"
    assert lines[1].startswith("• 1. Contain it. Try to get the information back")
    assert [line[:5] for line in lines[1:6]] == ["• 1. ", "• 2. ", "• 3. ", "• 4. ", "• 5. "]
    assert lines[6].startswith("Staff are not disciplined for honest mistakes")  # the last step swallows nothing
    assert _passage(guidance, "Subject access requests").text.splitlines()[-1].startswith("Employees can also ask")


def test_markdown_guidance_loses_no_sentence(guidance):
    """Every body line of the file (list markers and emphasis aside) is in some passage; only the title,
    headings and the metadata line are not."""
    text = "\n".join(p.text for p in guidance.passages)
    source = (KB_DEV / "data-protection-guidance.md").read_text(encoding="utf-8").splitlines()
    body = [re.sub(r"^(?:- |\d+\. )", "", line).replace("**", "") for line in source
            if line.strip() and not line.startswith("#") and not line.startswith("**Owner:**")]
    assert len(body) > 50
    assert [line for line in body if line not in text] == []


def test_pdf_protocol_recovers_headings_run_into_the_paragraph_above(protocol):
    assert protocol.title == "Media Relations Protocol" and protocol.structure == "numbered"
    assert [p.section for p in protocol.passages] == [str(n) for n in range(1, 31)]
    headings = {p.section: p.heading for p in protocol.passages}
    assert [headings[s] for s in ("1", "4", "8", "12", "13", "17", "20", "23", "27", "29", "30")] == [
        "Introduction", "Who may speak to the media", "Handling media enquiries", "Handling media enquiries",
        "News releases and proactive publicity", "Councillors and the media", "The pre-election period",
        "Filming and photography on Council premises", "Crisis and emergency communications",
        "Freedom of Information requests from journalists", "Monitoring and review"]
    assert _passage(protocol, "12").text.endswith("(IPSO) or to Ofcom.")
    assert protocol.label(_passage(protocol, "13")) == "Media Relations Protocol, para 13"
    assert protocol.warnings == []


def test_pdf_protocol_drops_page_furniture_and_rejoins_paragraphs_across_pages(protocol):
    assert not any(re.search(r"Page \d+ of \d+", p.text) for p in protocol.passages)
    assert "must not be photographed or filmed in a way that identifies them" in _passage(protocol, "15").text
    assert _passage(protocol, "30").text.endswith("review this protocol every two years, or sooner if the law or "
                                                  "national guidance changes.")


def test_pdf_protocol_keeps_lettered_sub_points_on_their_own_lines(protocol):
    lines = _passage(protocol, "4").text.splitlines()
    assert lines == [
        "Only the following people may speak to the media for the Council:",
        "• (a) the Leader of the Council, and Cabinet Members on matters within their portfolios;",
        "• (b) the Chief Executive and Corporate Directors;",
        "• (c) officers the Press Office has agreed should give a particular interview or briefing, usually "
        "because of their specialist knowledge.",
        "No other employee may give an interview, a quote or a background briefing, whether named, anonymous or "
        "“off the record”, unless the Press Office has agreed to it beforehand."]
    assert sum(line.startswith("• (") for line in _passage(protocol, "21").text.splitlines()) == 5
    assert _passage(protocol, "11").text.splitlines()[-1].startswith("Where residents have taken their own story")


def test_pdf_protocol_metadata_lines_give_version_date_and_owner(protocol):
    assert protocol.version == "3.1"
    assert protocol.owner == "Communications and Marketing (Press Office)"
    assert protocol.effective_date.isoformat() == "2024-03-12"
    assert not any("Next review" in p.text or "Owner:" in p.text for p in protocol.passages)


def test_word_policy_is_cited_by_clause_under_its_section_heading(dignity):
    assert dignity.title == "Dignity at Work Policy" and dignity.structure == "clauses"
    sections = [p.section for p in dignity.passages]
    assert sections[:4] == ["1.1", "1.2", "1.3", "2.1"] and sections[-1] == "12.1" and len(sections) == 45
    assert all(p.kind == "clause" for p in dignity.passages)
    for section, heading in [("2.2", "Who and what this policy covers"),
                             ("3.2", "What is bullying and harassment"),
                             ("4.4", "Bullying and harassment online"), ("8.1", "Making a formal complaint")]:
        passage = _passage(dignity, section)
        assert passage.heading == heading and passage.context == ""
        assert dignity.label(passage) == f"Dignity at Work Policy, {section}"
    assert _passage(dignity, "3.2").text.startswith("Harassment is unwanted conduct related to a protected")
    assert max(len(p.text) for p in dignity.passages) < 700


def test_word_list_paragraphs_stay_with_their_clause(dignity):
    lines = _passage(dignity, "3.4").text.splitlines()
    assert lines[0] == "Examples of unacceptable behaviour include:"
    assert len(lines) == 8 and all(line.startswith("• ") for line in lines[1:])
    assert _passage(dignity, "3.5").text.startswith("Reasonable management is not bullying.")


def test_word_document_control_table_gives_version_date_and_owner(dignity):
    assert dignity.version == "4.0"
    assert dignity.owner == "HR Policy and Employee Relations"
    assert dignity.effective_date.isoformat() == "2024-12-11"  # agreed with the unions; "Review due" is not it
    assert not any("Review due" in p.text or "4.0" in p.text for p in dignity.passages)


# ------------------------------------------------------------------------------- small documents, per format

def _pdf(path, pages, header=None):
    """A PDF with one text line per entry (as pypdf reads them: no blank lines), a running header if given,
    and a "Page N of M" footer on every page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    for number, lines in enumerate(pages, start=1):
        if header:
            pdf.drawString(60, 820, header)
        for row, line in enumerate(lines):
            pdf.drawString(60, 800 - 16 * row, line)
        pdf.drawString(280, 40, f"Page {number} of {len(pages)}")
        pdf.showPage()
    pdf.save()
    return path


def test_pdf_running_headers_run_in_headings_and_sub_points(tmp_path):
    path = _pdf(tmp_path / "lone-working.pdf", [
        ["Lone Working Procedure",
         "Version 1.2 | Owner: Health and Safety Team",
         "Approved by the Corporate Leadership Team on 3 February 2025",
         "Purpose",
         "1. This procedure sets out how staff who work alone stay safe when visiting residents in their",
         "homes or working in Council buildings outside normal office hours.",
         "2. Managers must make sure that every lone worker has been trained before they start.",
         "Before a visit",
         "3. Before any home visit you must:",
         "(a) check the visit record for any warning markers;",
         "(b) tell a colleague where you are going and when you expect to be back;",
         "(c) carry a charged mobile phone.",
         "If there is a warning marker, a second member of staff must go with you."],
        ["4. Record the visit in the lone working app before you leave the office, including the",
         "address and the time you expect to finish.",
         "During a visit",
         "5. Leave straight away if you feel unsafe. Your safety matters more than finishing the visit."],
        ["After a visit",
         "6. Check in with your colleague as soon as the visit ends."]], header="Nottshire County Council")
    document = parse_file(path)
    assert document.title == "Lone Working Procedure" and document.structure == "numbered"
    assert (document.version, document.owner, document.effective_date.isoformat()) == (
        "1.2", "Health and Safety Team", "2025-02-03")
    assert [(p.section, p.heading) for p in document.passages] == [
        ("1", "Purpose"), ("2", "Purpose"), ("3", "Before a visit"), ("4", "Before a visit"),
        ("5", "During a visit"), ("6", "After a visit")]
    assert _passage(document, "3").text.splitlines() == [
        "Before any home visit you must:", "• (a) check the visit record for any warning markers;",
        "• (b) tell a colleague where you are going and when you expect to be back;",
        "• (c) carry a charged mobile phone.",
        "If there is a warning marker, a second member of staff must go with you."]
    assert _passage(document, "4").text.endswith("including the address and the time you expect to finish.")
    assert not any("Nottshire County Council" in p.text or "Page" in p.text for p in document.passages)


def test_pdf_headings_before_body_text_make_sections(tmp_path):
    path = _pdf(tmp_path / "home-working.pdf", [[
        "Home Working Guidance",
        "Last reviewed: 4 June 2025",
        "Why it matters",
        "The Council holds information about almost everyone in the county, from social care records to",
        "Blue Badge applications. Careless handling can cause distress.",
        "Equipment",
        "Use your Council laptop for all work.",
        "Report a lost laptop at once."]])
    document = parse_file(path)
    assert document.structure == "headed" and document.effective_date.isoformat() == "2025-06-04"
    assert [(p.section, p.text) for p in document.passages] == [
        ("Why it matters", "The Council holds information about almost everyone in the county, from social care "
                           "records to Blue Badge applications. Careless handling can cause distress."),
        ("Equipment", "Use your Council laptop for all work.\nReport a lost laptop at once.")]


def _word(path, build):
    import docx

    document = docx.Document()
    build(document)
    document.save(str(path))
    return path


def _table(document, rows):
    table = document.add_table(rows=0, cols=len(rows[0]))
    for values in rows:
        for cell, value in zip(table.add_row().cells, values):
            cell.text = value


def test_word_clauses_tables_lists_and_bad_structure(tmp_path):
    def build(word):
        word.add_paragraph("Expenses Policy", style="Title")
        _table(word, [("Document control", ""), ("Version", "2.0"), ("Effective date", "1 April 2025"),
                      ("Owner", "Finance"), ("Review date", "1 April 2027")])
        word.add_heading("1. Scope", level=1)
        word.add_paragraph("This policy covers every employee.")
        word.add_paragraph("1.1\tIt applies to travel and subsistence.")
        word.add_heading("2. Mileage", level=1)
        word.add_paragraph("2.1 Mileage is paid at these rates:")
        _table(word, [("Vehicle", "Rate"), ("Car", "45p"), ("Motorcycle", "24p")])
        word.add_paragraph("2.2 Claims must be made within three months.")
        word.add_paragraph("Use the online form", style="List Bullet")
        word.add_paragraph("2.2 Late claims need a director's approval.")
        word.add_heading("3. Meals", level=1)
        word.add_heading("3.1 Breakfast", level=2)
        word.add_paragraph("Breakfast is paid when you leave home before 6am.")
        word.add_heading("4. Appendices", level=1)

    document = parse_file(_word(tmp_path / "expenses.docx", build))
    assert document.title == "Expenses Policy" and document.structure == "clauses"
    assert (document.version, document.owner, document.effective_date.isoformat()) == (
        "2.0", "Finance", "2025-04-01")
    assert [(p.section, p.kind, p.heading, p.context) for p in document.passages] == [
        ("1", "section", "Scope", ""), ("1.1", "clause", "Scope", ""), ("2.1", "clause", "Mileage", ""),
        ("2.2", "clause", "Mileage", ""), ("2.2 (2)", "clause", "Mileage", ""),
        ("3.1", "section", "Breakfast", "Meals")]
    assert _passage(document, "1").text == "This policy covers every employee."
    assert _passage(document, "2.1").text.splitlines() == [
        "Mileage is paid at these rates:", "Vehicle | Rate", "Car | 45p", "Motorcycle | 24p"]
    assert _passage(document, "2.2").text == "Claims must be made within three months.\n• Use the online form"
    assert document.label(_passage(document, "2.2 (2)")) == "Expenses Policy, 2.2 (2)"
    assert document.warnings == ["section '4. Appendices' has no text under its heading: skipped",
                                 "clause '2.2' appears 2 times: the repeats are cited as '2.2 (2)'"]
    assert not any("Finance" in p.text or "Review date" in p.text for p in document.passages)


def test_a_table_only_word_file_is_indexed_as_its_rows(tmp_path):
    document = parse_file(_word(tmp_path / "pay-bands.docx", lambda word: _table(
        word, [("Grade", "Salary"), ("Band 1", "£22,000"), ("Band 2", "£25,000")])))
    assert document.structure == "plain" and document.title == "Pay bands"
    assert [(p.section, p.kind, p.text) for p in document.passages] == [
        ("Paragraph 1", "chunk", "Grade | Salary\nBand 1 | £22,000\nBand 2 | £25,000")]
    with pytest.raises(IngestError, match=r"blank\.docx: no text found"):
        parse_file(_word(tmp_path / "blank.docx", lambda word: _table(word, [("", "")])))


def test_markdown_front_matter_tables_nested_lists_and_empty_sections(tmp_path):
    path = tmp_path / "hybrid.md"
    path.write_text("---\ntitle: Hybrid Working Guide\nversion: \"1.1\"\nowner: HR\neffective: 2025-01-06\n---\n"
                    "Read this before you book.\n\n## Empty one\n\n## Where to work\n\n"
                    "| Day | Place |\n|---|---|\n| Monday | Office |\n\n"
                    "1. Book a desk\n   in the app.\n2. Bring your badge\n   - and your laptop\n\n"
                    "Closing line.\n", encoding="utf-8")
    document = parse_file(path)
    assert (document.title, document.version, document.owner, document.effective_date.isoformat()) == (
        "Hybrid Working Guide", "1.1", "HR", "2025-01-06")
    assert [(p.section, p.heading) for p in document.passages] == [
        ("Introduction", ""), ("Where to work", "Where to work")]
    assert document.passages[0].text == "Read this before you book."
    assert document.passages[1].text.splitlines() == [
        "Day | Place", "Monday | Office", "• 1. Book a desk in the app.", "• 2. Bring your badge",
        "• and your laptop", "Closing line."]
    assert document.warnings == ["section 'Empty one' has no text under its heading: skipped"]


def test_html_drops_page_chrome_and_reads_lists_tables_and_loose_text(tmp_path):
    path = tmp_path / "parking.html"
    path.write_text(
        "<html><head><title>Parking FAQ</title><style>p{color:red}</style></head><body>"
        "<nav><a href='/'>Home</a></nav><header><p>Site header</p></header><main><h1>Parking FAQ</h1>"
        "<p><strong>Version:</strong> 1.4</p><h2>Permits</h2><p>Apply on the <a href='/p'>intranet</a>.</p>"
        "<ol><li>Fill in the form</li><li>Wait for approval</li></ol><ul><li>Permits last a year</li></ul>"
        "<table><tr><th>Site</th><th>Spaces</th></tr><tr><td>County Hall</td><td>120</td></tr></table>"
        "<aside>Related links</aside><form><input name='q'><button>Search</button></form>"
        "<h2>Visitors</h2><div>Visitors park in bay <b>C</b>.</div></main><footer>Copyright</footer>"
        "<script>var tracking = 1;</script></body></html>", encoding="utf-8")
    document = parse_file(path)
    assert document.title == "Parking FAQ" and document.version == "1.4"
    assert [(p.section, p.text) for p in document.passages] == [
        ("Permits", "Apply on the intranet.\n• 1. Fill in the form\n• 2. Wait for approval\n"
                    "• Permits last a year\nSite | Spaces\nCounty Hall | 120"),
        ("Visitors", "Visitors park in bay C.")]


def test_a_document_without_structure_is_indexed_by_paragraph_with_a_warning(tmp_path):
    path = tmp_path / "car-park-notes.txt"
    path.write_text("We met on Tuesday to talk about the car park. Everyone agreed that the barrier is broken.\n\n"
                    "The facilities team will fix it next week. Until then, please park on the street.\n",
                    encoding="utf-8")
    document = parse_file(path)
    assert document.structure == "plain"
    assert [(document.label(p), p.kind) for p in document.passages] == [
        ("Car park notes, Paragraph 1", "chunk"), ("Car park notes, Paragraph 2", "chunk")]
    assert document.warnings == ['no headings or numbered paragraphs found: indexed as 2 paragraphs '
                                 '(cited as "Paragraph 1" …)']


def test_plain_text_numbered_lists_under_headings_are_not_paragraph_numbering(tmp_path):
    path = tmp_path / "breach.txt"
    path.write_text("Breach Guide\n\nOwner: Information Governance · Version: 2.0\n\nIntroduction\n\n"
                    "A breach is any loss of personal data. Report every breach.\n\nWhat to do\n\n"
                    "If you find a breach, follow these steps:\n1. Contain it.\n2. Report it.\n"
                    "3. Tell your manager.\nStaff are not disciplined for honest mistakes.\n\nReporting\n\n"
                    "The officer decides whether to report it. Remember:\n1. Report within 72 hours.\n"
                    "2. Keep records.\n",
                    encoding="utf-8")
    document = parse_file(path)
    assert document.structure == "headed"
    assert (document.version, document.owner) == ("2.0", "Information Governance")
    assert [p.section for p in document.passages] == ["Introduction", "What to do", "Reporting"]
    assert _passage(document, "What to do").text.splitlines() == [
        "If you find a breach, follow these steps:", "• 1. Contain it.", "• 2. Report it.",
        "• 3. Tell your manager.", "Staff are not disciplined for honest mistakes."]
    assert _passage(document, "Reporting").text.splitlines()[1:] == [
        "• 1. Report within 72 hours.", "• 2. Keep records."]


def test_plain_text_clauses_take_their_numbered_heading_lines_as_headings(tmp_path):
    path = tmp_path / "dignity.txt"
    path.write_text("Dignity Policy\n\n1. Introduction\n1.1 The Council wants a workplace where everyone is "
                    "treated with respect.\n1.2 This policy explains what bullying is.\n2. Scope\n"
                    "2.1 It applies to all staff.\n", encoding="utf-8")
    document = parse_file(path)
    assert document.structure == "clauses"
    assert [(p.section, p.heading, p.text) for p in document.passages] == [
        ("1.1", "Introduction", "The Council wants a workplace where everyone is treated with respect."),
        ("1.2", "Introduction", "This policy explains what bullying is."),
        ("2.1", "Scope", "It applies to all staff.")]


def test_a_file_with_only_headings_is_refused(tmp_path):
    path = tmp_path / "outline.md"
    path.write_text("# Travel Policy\n\n## Trains\n\n## Planes\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"outline\.md: no text found to index, only headings"):
        parse_file(path)


def test_over_long_headings_and_versions_are_not_taken_as_such(tmp_path):
    path = tmp_path / "long.md"
    long_heading = "Why " + "this matters very much " * 15
    path.write_text(f"# Long\n\nVersion: {'9' * 120}\n\n## {long_heading}\n\n## Short\n\nText.\n",
                    encoding="utf-8")
    document = parse_file(path)
    assert document.version is None
    assert [p.section for p in document.passages] == ["Introduction", "Short"]
    assert document.passages[0].text == long_heading.strip()  # 348 characters once stripped
    assert document.warnings[0] == "version is longer than 100 characters: ignored"
    assert document.warnings[1].startswith("a heading of 348 characters is over the 300-character limit")


def test_sections_are_capped_at_100_characters(tmp_path):
    path = tmp_path / "caps.html"
    heading = "Arrangements " * 20
    path.write_text(f"<h1>Caps</h1><h2>{heading}</h2><p>Body.</p>", encoding="utf-8")
    passage = parse_file(path).passages[0]
    assert len(passage.section) <= 100 and passage.section.endswith("…") and passage.heading == heading.strip()


def test_files_over_the_size_limits_are_refused_naming_the_limit(tmp_path, monkeypatch):
    big = tmp_path / "huge.pdf"
    with big.open("wb") as handle:
        handle.truncate(21 * 1024 * 1024)
    with pytest.raises(IngestError, match=r"huge\.pdf: 21\.0 MB is over the 20 MB limit"):
        parse_file(big)
    wordy = tmp_path / "wordy.txt"
    wordy.write_text("Policy\n\n" + "x" * 2_000_000, encoding="utf-8")
    with pytest.raises(IngestError, match=r"wordy\.txt: more than 2,000,000 characters of text"):
        parse_file(wordy)
    monkeypatch.setattr(ingest, "MAX_TEXT_CHARS", 100)  # the PDF and Word readers check as they read
    pdf = _pdf(tmp_path / "long.pdf", [["A line of text that is long enough to count."]] * 3)
    with pytest.raises(IngestError, match=r"long\.pdf: more than 100 characters"):
        parse_file(pdf)
    word = _word(tmp_path / "long.docx", lambda w: [w.add_paragraph("A line of text that is long enough.")
                                                    for _ in range(4)])
    with pytest.raises(IngestError, match=r"long\.docx: more than 100 characters"):
        parse_file(word)


def test_the_plain_text_reader_is_linear_in_the_text_length(tmp_path):
    """One 1.9 million character paragraph: seconds at most (joining it line by line was quadratic: minutes)."""
    path = tmp_path / "one-paragraph.txt"
    line = "the council will review this arrangement every year and report to the committee on it"
    path.write_text("Big Policy\n\n" + "\n".join([line] * 22_000) + ".\n", encoding="utf-8")
    started = time.perf_counter()
    document = parse_file(path)
    assert time.perf_counter() - started < 10
    assert len(document.passages[0].text) > 1_800_000


def test_an_intranet_page_is_titled_by_its_heading_and_its_chrome_is_dropped(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("<html><head><title>Lone Working | Staff Hub</title></head><body>"
                    "<div id='cookie-banner'><p>We use cookies on the Staff Hub.</p></div>"
                    "<ol class='breadcrumbs'><li>Home</li><li>Safety</li></ol>"
                    "<main><h1>Lone Working</h1><h2>Home visits</h2><p>Tell your buddy before each visit.</p>"
                    "</main></body></html>", encoding="utf-8")
    document = parse_file(path)
    assert document.title == "Lone Working"
    assert [p.section for p in document.passages] == ["Home visits"]
    assert all("cookies" not in p.text and "Home" != p.text for p in document.passages)


def test_a_pdf_title_line_under_the_council_name_is_the_title(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "recruitment.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setTitle("Recruitment Procedure")
    y = 800
    for line in ["Shireton County Council", "Recruitment Procedure", "Shortlisting",
                 "1. The panel shortlists against the person specification.",
                 "2. At least two people shortlist each post.", "3. Scores are kept for six months."]:
        pdf.drawString(60, y, line)
        y -= 18
    pdf.showPage()
    pdf.save()
    document = parse_file(path)
    assert document.title == "Recruitment Procedure"
    assert [p.section for p in document.passages] == ["1", "2", "3"]
    assert document.passages[0].heading == "Shortlisting"
    assert all("Shireton" not in p.text for p in document.passages)


def test_a_word_file_whose_xml_unpacks_too_large_is_refused_unread(tmp_path):
    import zipfile

    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>" + " " * (101 * 1024 * 1024) + "</w:document>")
    assert path.stat().st_size < 1024 * 1024  # small on disk
    with pytest.raises(IngestError, match=r"bomb\.docx: its text unpacks to 101 MB, over the 100 MB limit"):
        parse_file(path)
