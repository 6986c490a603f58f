#!/usr/bin/python3
"""End-to-end checks of the reference paper, rendered by the real CLI.

Run by ctest (tests/e2e/CMakeLists.txt) as:
  reference_pdf_test.py --cli build/bin/panelpaper --source-dir . --work-dir DIR

It renders tests/testdata/requests/met-governance-2020-01-08.json with
`panelpaper render` and checks the PDF the way a reader would, with poppler
and qpdf (never by comparing PDF bytes with a stored file):
  * qpdf --check passes; every font is embedded and subset (pdffonts);
  * 6-8 A4 pages; document information as requested; no clock dates;
  * every sentence of the reference text (tests/testdata/reference/) is in
    the fixture and in the PDF's text (pdftotext), and the headings come in
    order; running header "AGENDA ITEM 7b" and pack page numbers 168, 169, ...
    on every page; page labels equal the printed numbers; the outline lists
    the sections; the contact email is a mailto link;
  * the same request rendered twice gives byte-identical files;
  * the golden structure file (tests/golden/reference.structure.txt) matches:
    set PP_UPDATE_GOLDENS=1 to rewrite it after an intended layout change;
  * the tagged PDF (PDF/UA-1) as poppler reads it: the golden of
    `pdfinfo -struct-text` (tests/golden/reference.struct-text.txt, rewritten
    with PP_UPDATE_GOLDENS=1 too) shows the title H1, the Report Summary and
    sections H2, numbered paragraphs P, lists L/LI/Lbl/LBody, the improvement
    table with TH column headers and the status words in TD, links as Link,
    and no page furniture; the catalog, pages, annotations and XMP carry the
    entries PDF/UA-1 needs.
When a tool is missing the test is skipped (exit 77) — except under CI=true,
where it fails.
"""
import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import unittest

ARGS = None
FIXTURE = "tests/testdata/requests/met-governance-2020-01-08.json"
REFERENCE = "tests/testdata/reference/met-governance-improvement-plans-2020-01-08.txt"
GOLDEN = "tests/golden/reference.structure.txt"
STRUCT_GOLDEN = "tests/golden/reference.struct-text.txt"
TOOLS = ("qpdf", "pdftotext", "pdffonts", "pdfinfo")


def run(*cmd, check=True):
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


def norm(text):
    return " ".join(text.split())


def reference_sentences(path):
    """The reference text's sentences, with the extraction artefacts of
    LAYOUT.md §13 removed: blank lines, the stray page number, the misplaced
    running header, displaced status words, list prefixes and labels that the
    renderer prints itself, and the two sentences split around displaced
    cells re-joined."""
    lines = open(path, encoding="utf-8").read().split("\n")
    artefacts = {"", "170", "AGENDA ITEM 7b", "progress", "good progress"}
    kept = []
    for number, line in enumerate(lines, 1):
        t = line.strip()
        if t in artefacts:
            continue
        t = re.sub(r"^- ", "", t)
        t = re.sub(r"^(?:[a-z]\.|\d+\.\d+\.) ", "", t)
        if number > 37 and re.match(r"^\d+\. [A-Z][a-z]", t):
            t = re.sub(r"^\d+\. ", "", t)
        t = re.sub(r"^(Lead|Aim|Main Issue|Monitoring|Report by): ", "", t)
        kept.append((number, t.replace("*", "")))
    # Lines 175 and 195 continue the sentences of lines 173 and 183.
    rejoin = {175: 173, 195: 183}
    joined = []
    for number, t in kept:
        if number in rejoin:
            k = next(i for i, (n, _) in enumerate(joined) if n == rejoin[number])
            joined[k] = (joined[k][0], joined[k][1] + " " + t)
        else:
            joined.append((number, t))
    split = re.compile(r"(?<=[.?!])\s+(?=[A-Z'\"(]|IA\d)|\s+(?=IA\d+(?:-\d+)? [A-Z])")
    out = []
    for number, t in joined:
        out += [(number, s.strip()) for s in split.split(t) if s.strip()]
    return out


def fixture_strings(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from fixture_strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from fixture_strings(v)
    elif isinstance(obj, str):
        yield obj


class ReferencePdf(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        src = ARGS.source_dir
        cls.fixture = os.path.join(src, FIXTURE)
        cls.request = json.load(open(cls.fixture, encoding="utf-8"))
        os.makedirs(ARGS.work_dir, exist_ok=True)
        cls.pdf = os.path.join(ARGS.work_dir, "reference.pdf")
        cls.pdf2 = os.path.join(ARGS.work_dir, "reference-again.pdf")
        r = run(ARGS.cli, "render", cls.fixture, "-o", cls.pdf)
        assert cls.pdf in r.stdout, r.stdout
        run(ARGS.cli, "render", cls.fixture, "-o", cls.pdf2)
        cls.info = dict(
            (k.strip(), v.strip())
            for k, v in (l.split(":", 1) for l in run("pdfinfo", cls.pdf).stdout.splitlines() if ":" in l))
        cls.pages = int(cls.info["Pages"])
        cls.page_texts = [
            run("pdftotext", "-f", str(i), "-l", str(i), cls.pdf, "-").stdout
            for i in range(1, cls.pages + 1)
        ]
        cls.qpdf = json.loads(run("qpdf", "--json", cls.pdf).stdout)

    def body_text(self):
        """The PDF's text without page furniture: the running header, the page
        number, and the table header rows and "(continued)" bands repeated on
        continuation pages."""
        furniture = {"AGENDA ITEM 7b", "Improvement area and actions", "Progress", "Status",
                     "Priority (continued)", "Standard (continued)"}
        out = []
        for i, text in enumerate(self.page_texts):
            lines = [l for l in text.replace("\f", "").split("\n") if l.strip()]
            lines = [l for l in lines if l.strip() not in furniture and l.strip() != str(168 + i)]
            out.append("\n".join(lines))
        return "\n".join(out)

    def test_qpdf_check_passes(self):
        r = run("qpdf", "--check", self.pdf, check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_every_font_embedded_and_subset(self):
        rows = run("pdffonts", self.pdf).stdout.splitlines()[2:]
        self.assertTrue(rows)
        for row in rows:
            cols = row.split()
            # name type... emb sub uni object gen: emb/sub are the 5th/4th from the end.
            self.assertEqual(cols[-5], "yes", row)  # emb
            self.assertEqual(cols[-4], "yes", row)  # sub
            self.assertRegex(cols[0], r"^[A-Z]{6}\+", row)

    def test_pages_and_document_info(self):
        self.assertGreaterEqual(self.pages, 6)
        self.assertLessEqual(self.pages, 8)
        self.assertIn("595.276 x 841.89", self.info["Page size"])
        meta = self.request["paper"]["metadata"]
        self.assertEqual(self.info["Title"], meta["title"])
        self.assertEqual(self.info["Author"], meta["author"])
        self.assertEqual(self.info["Subject"], meta["subject"])
        self.assertEqual(self.info["Creator"], meta["creator"])
        self.assertTrue(self.info["Producer"].startswith("panelpaper "))
        self.assertIn("2019", self.info["CreationDate"])

    def test_running_header_and_pack_page_numbers(self):
        for i, text in enumerate(self.page_texts):
            lines = [l.strip() for l in text.split("\n") if l.strip()]
            self.assertEqual(lines[0], "AGENDA ITEM 7b", f"page {i + 1}")
            self.assertEqual(lines[-1], str(168 + i), f"page {i + 1}")

    def test_every_reference_sentence_is_in_the_fixture(self):
        # What the renderer composes from fields: the fixed headings, the
        # panel line with the formatted date, and the contact line.
        paper = self.request["paper"]
        contact = paper["sections"][5]["blocks"][0]["contactDetails"]["contacts"][0]
        composed = ["Report Summary", "Overall Summary of the Purpose of the Report",
                    "Key Considerations for the Panel", "Interdependencies/Cross Cutting Issues",
                    "Recommendations", paper["panelName"] + " Wednesday 8 January 2020",
                    f"{contact['role']}: {contact['name']}, {contact['unit']} {contact['email']}"]
        text = norm("\n".join(list(fixture_strings(self.request)) + composed))
        missing = [(n, s) for n, s in reference_sentences(os.path.join(ARGS.source_dir, REFERENCE))
                   if norm(s) not in text]
        self.assertEqual(missing, [])

    def test_every_reference_sentence_is_in_the_pdf_text(self):
        text = norm(self.body_text())
        sentences = reference_sentences(os.path.join(ARGS.source_dir, REFERENCE))
        self.assertGreater(len(sentences), 150)
        missing = [(n, s) for n, s in sentences if norm(s) not in text]
        self.assertEqual(missing, [])
        # ...and in the reference's order.
        pos = 0
        for n, s in sentences:
            k = text.find(norm(s), pos)
            self.assertGreaterEqual(k, 0, f"line {n} out of order: {s[:60]}")
            pos = k

    def test_headings_in_order(self):
        text = norm(self.body_text())
        headings = ["MPS-MOPAC JOINT AUDIT PANEL", "Wednesday 8 January 2020",
                    "Met Governance Improvement Plans 2018/21",
                    "Report by: The Chief of Corporate Services", "Report Summary",
                    "Overall Summary of the Purpose of the Report",
                    "Key Considerations for the Panel", "Interdependencies/Cross Cutting Issues",
                    "Recommendations", "Supporting information", "AGS 2019/20",
                    "Improvement Areas 2019/20", "Equality and Diversity Impact",
                    "Financial Implications", "Legal Implications", "Risk Implications",
                    "Contact Details"]
        pos = 0
        for h in headings:
            k = text.find(h, pos)
            self.assertGreaterEqual(k, 0, f"heading missing or out of order: {h}")
            pos = k

    def test_labels_numbering_and_statuses(self):
        text = norm(self.body_text())
        for label in ["1.1.", "1.8.", "a. Note good progress", "b. Note ongoing work"]:
            self.assertIn(label, text)
        lines = self.body_text().split("\n")
        for n in range(1, 7):  # section numbers (pdftotext puts them on lines of their own)
            self.assertIn(f"{n}.", lines)
        # Every area shows its status word.
        for group in self.request["paper"]["sections"][0]["blocks"][-1]["improvementTable"]["groups"]:
            for area in group["areas"]:
                self.assertIn(area["status"], text)

    def obj(self, ref):
        """An object's value from qpdf's JSON (version 2)."""
        return self.qpdf["qpdf"][1]["obj:" + ref]["value"]

    def test_page_labels_equal_printed_numbers(self):
        self.assertEqual(self.qpdf["pagelabels"], [{"index": 0, "label": {"/S": "/D", "/St": 168}}])
        for i, page in enumerate(self.qpdf["pages"]):
            self.assertEqual(page["label"], {"/S": "/D", "/St": 168 + i})

    def test_outline_lists_the_sections(self):
        titles = [o["title"] for o in self.qpdf["outlines"]]
        self.assertEqual(titles, ["Report Summary", "1. Supporting information",
                                  "2. Equality and Diversity Impact", "3. Financial Implications",
                                  "4. Legal Implications", "5. Risk Implications",
                                  "6. Contact Details"])
        kids = [k["title"] for k in self.qpdf["outlines"][1]["kids"]]
        self.assertEqual(kids, ["AGS 2019/20", "Improvement Areas 2019/20"])

    def test_contact_email_is_a_mailto_link(self):
        uris = []
        for page in self.qpdf["pages"]:
            annots = self.obj(page["object"]).get("/Annots", [])
            if isinstance(annots, str):
                annots = self.obj(annots)
            for ref in annots:
                a = self.obj(ref)
                self.assertEqual(a["/Subtype"], "/Link")
                self.assertEqual(a["/Border"], [0, 0, 0])
                action = a["/A"] if isinstance(a["/A"], dict) else self.obj(a["/A"])
                uris.append(action.get("/URI", ""))
        self.assertIn("u:mailto:paul.w.clarke@met.pnn.police.uk", uris)

    def test_same_request_same_bytes(self):
        with open(self.pdf, "rb") as a, open(self.pdf2, "rb") as b:
            self.assertEqual(a.read(), b.read())

    def test_golden_structure(self):
        lines = [f"pages {self.pages}"]
        lines += ["font " + " ".join(row.split()[:-2])
                  for row in run("pdffonts", self.pdf).stdout.splitlines()[2:]]
        for i, text in enumerate(self.page_texts):
            body = [l.strip() for l in text.split("\n") if l.strip()]
            lines.append(f"page {i + 1}: {len(body)} lines; first: {body[1] if len(body) > 1 else ''}")
            lines.append(f"page {i + 1}: last body line: {body[-2] if len(body) > 1 else ''}")
        actual = "\n".join(lines) + "\n"
        golden = os.path.join(ARGS.source_dir, GOLDEN)
        if os.environ.get("PP_UPDATE_GOLDENS") == "1":
            os.makedirs(os.path.dirname(golden), exist_ok=True)
            open(golden, "w", encoding="utf-8").write(actual)
        expected = open(golden, encoding="utf-8").read()
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                            "golden", "actual"))
        self.assertEqual(diff, "", "layout changed; if intended, rerun with PP_UPDATE_GOLDENS=1\n" + diff)


class TaggedReferencePdf(unittest.TestCase):
    """The reference paper's logical structure, read back by poppler."""

    @classmethod
    def setUpClass(cls):
        os.makedirs(ARGS.work_dir, exist_ok=True)
        cls.pdf = os.path.join(ARGS.work_dir, "reference-tagged.pdf")
        run(ARGS.cli, "render", os.path.join(ARGS.source_dir, FIXTURE), "-o", cls.pdf)
        cls.tree = run("pdfinfo", "-struct-text", cls.pdf).stdout
        cls.qpdf = json.loads(run("qpdf", "--json", cls.pdf).stdout)

    def elements(self):
        """(depth, type, text) per element, the text its own lines joined."""
        out = []
        for line in self.tree.splitlines():
            depth = (len(line) - len(line.lstrip(" "))) // 2
            t = line.strip()
            m = re.match(r"^([A-Za-z0-9]+)(?: \((?:block|inline)\))?:?$", t)
            if m:
                out.append([depth, m.group(1), ""])
            elif t.startswith('"') and out:
                out[-1][2] += t[1:-1]
        return out

    def test_golden_struct_text(self):
        golden = os.path.join(ARGS.source_dir, STRUCT_GOLDEN)
        if os.environ.get("PP_UPDATE_GOLDENS") == "1":
            os.makedirs(os.path.dirname(golden), exist_ok=True)
            open(golden, "w", encoding="utf-8").write(self.tree)
        expected = open(golden, encoding="utf-8").read()
        diff = "".join(difflib.unified_diff(expected.splitlines(True), self.tree.splitlines(True),
                                            "golden", "actual"))
        self.assertEqual(diff, "", "structure changed; if intended, rerun with PP_UPDATE_GOLDENS=1\n"
                         + diff)

    def test_headings(self):
        heads = [(t, x) for _, t, x in self.elements() if t in ("H1", "H2", "H3")]
        self.assertEqual(heads[0], ("H1", "Met Governance Improvement Plans 2018/21"))
        self.assertEqual(heads[1], ("H2", "Report Summary"))
        self.assertIn(("H3", "Recommendations"), heads)
        sections = [x for t, x in heads if t == "H2"][1:]
        self.assertEqual(sections, ["1. Supporting information", "2. Equality and Diversity Impact",
                                    "3. Financial Implications", "4. Legal Implications",
                                    "5. Risk Implications", "6. Contact Details"])
        self.assertEqual(self.elements()[0][:2], [0, "Document"])

    def test_numbered_paragraphs_are_p_and_continued_ones_stay_one(self):
        paras = [x for _, t, x in self.elements() if t == "P"]
        for n in ["1.1. ", "1.8. "]:
            self.assertEqual(len([p for p in paras if p.startswith(n)]), 1, n)
        # "4. Legal Implications" has a paragraph running over a page break:
        # one P with the text of both pages.
        self.assertTrue(any("(\"The Guidance\")" in p and p.startswith("In order that MOPAC")
                            for p in paras))

    def test_lists(self):
        els = self.elements()
        types = [t for _, t, _ in els]
        self.assertIn("L", types)
        labels = [x for _, t, x in els if t == "Lbl"]
        self.assertIn("a.", labels)
        self.assertIn("b.", labels)
        self.assertIn("\u2022", labels)
        for i, (d, t, _) in enumerate(els):
            if t == "LI":
                kids = [k for dd, k, _ in els[i + 1:i + 3] if dd == d + 1]
                self.assertEqual(kids, ["Lbl", "LBody"])

    def test_improvement_table(self):
        els = self.elements()
        table = next(i for i, e in enumerate(els) if e[1] == "Table")
        depth = els[table][0]
        end = next((i for i in range(table + 1, len(els)) if els[i][0] <= depth), len(els))
        cells = els[table + 1:end]
        ths = [x for _, t, x in cells if t == "TH"]
        self.assertEqual(ths[:3], ["Improvement area and actions", "Progress", "Status"])
        self.assertIn("/Scope /Column", self.tree)
        tds = [x for _, t, x in cells if t == "TD"]
        groups = self.request()["paper"]["sections"][0]["blocks"][-1]["improvementTable"]["groups"]
        for g in groups:
            self.assertIn(g["name"], ths)  # group bands: row headers
            for a in g["areas"]:
                self.assertIn(a["status"], tds)
        # The repeated header rows and "(continued)" bands are not in the tree.
        self.assertEqual(ths.count("Status"), 1)
        self.assertFalse([x for x in ths + tds if "(continued)" in x])

    def request(self):
        with open(os.path.join(ARGS.source_dir, FIXTURE), encoding="utf-8") as f:
            return json.load(f)

    def test_links_and_no_furniture(self):
        els = self.elements()
        links = [x for _, t, x in els if t == "Link"]
        self.assertEqual(links, ["paul.w.clarke@met.pnn.police.uk"])
        self.assertIn("Object ", self.tree.split("Link (inline)")[1].split("\n")[2])
        text = " ".join(x for _, _, x in els)
        self.assertNotIn("AGENDA ITEM", text)
        for n in range(168, 176):
            self.assertNotIn(f'"{n}"', self.tree)

    def obj(self, ref):
        return self.qpdf["qpdf"][1]["obj:" + ref]["value"]

    def test_catalog_pages_annotations_and_xmp(self):
        objs = self.qpdf["qpdf"][1]
        trailer = objs["trailer"]["value"]
        cat = self.obj(trailer["/Root"])
        self.assertEqual(cat["/MarkInfo"], {"/Marked": True})
        self.assertEqual(cat["/Lang"], "u:en-GB")
        prefs = cat["/ViewerPreferences"]
        self.assertEqual(prefs, {"/DisplayDocTitle": True})
        root = self.obj(cat["/StructTreeRoot"])
        self.assertIn("/ParentTree", root)
        pages = self.qpdf["pages"]
        for i, page in enumerate(pages):
            p = self.obj(page["object"])
            self.assertEqual(p["/StructParents"], i)
            if p.get("/Annots"):
                self.assertEqual(p["/Tabs"], "/S")
                for ref in p["/Annots"]:
                    a = self.obj(ref)
                    self.assertIn("/StructParent", a)
                    self.assertTrue(a["/Contents"].startswith("u:"))
        meta = objs["obj:" + cat["/Metadata"]]
        xmp = run("qpdf", "--show-object=" + cat["/Metadata"].split()[0], "--raw-stream-data",
                  self.pdf).stdout
        self.assertIn("<pdfuaid:part>1</pdfuaid:part>", xmp)
        self.assertIn("Met Governance Improvement Plans 2018/21", xmp)
        self.assertIn("stream", meta)


class CliErrors(unittest.TestCase):
    def write(self, name, text):
        path = os.path.join(ARGS.work_dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def test_every_violation_printed_with_its_field_path(self):
        req = self.write("invalid.json", json.dumps({"paper": {
            "meetingDate": "2020-02-30",
            "agendaItem": {"number": 7, "subLetter": "B"},
            "sections": [{"heading": "", "blocks": [{"paragraph": {"runs": [{"text": "x\u05d0"}]}}]}],
        }}))
        r = run(ARGS.cli, "render", req, "-o", os.path.join(ARGS.work_dir, "x.pdf"), check=False)
        self.assertEqual(r.returncode, 1)
        for path in ["paper.panel_name", "paper.title", "paper.meeting_date",
                     "paper.agenda_item.sub_letter", "paper.sections[0].heading",
                     "paper.sections[0].blocks[0].paragraph.runs[0].text"]:
            self.assertIn(path + ":", r.stderr)
        self.assertIn("U+05D0", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(ARGS.work_dir, "x.pdf")))

    def test_syntax_error_stops_at_the_first(self):
        req = self.write("broken.json", '{"paper": {"title": "x",, }')
        r = run(ARGS.cli, "render", req, "-o", os.path.join(ARGS.work_dir, "y.pdf"), check=False)
        self.assertEqual(r.returncode, 1)
        # One error, with its position (tests/e2e/cli_test.py checks more).
        self.assertEqual(r.stderr.count("broken.json:"), 1, r.stderr)
        self.assertIn("broken.json:1:25: expected a field name", r.stderr)

    def test_textproto_request(self):
        req = self.write("small.textproto", """
paper {
  panel_name: "AUDIT PANEL" meeting_date: "2017-12-19" title: "A small paper"
  agenda_item { number: 7 }
  sections { heading: "Supporting Information" numbered_paragraphs: true
    blocks { paragraph { runs { text: "Hello, panel." } } } }
}""")
        out = os.path.join(ARGS.work_dir, "small.pdf")
        run(ARGS.cli, "render", req, "-o", out)
        text = run("pdftotext", out, "-").stdout
        self.assertIn("AGENDA ITEM 7", text)
        self.assertIn("Tuesday 19 December 2017", text)
        self.assertIn("1.1.", text)


# A word wider than the body, with soft hyphens at "|".
LONG_WORD = ("Donau|dampf|schiff|fahrts|elektrizit\u00e4ten|haupt|betriebs|werk|bau|unter|"
             "beamten|gesellschaft|s|vorstands|vorsitzenden|stell|vertreter")


class PastedText(unittest.TestCase):
    """Issue 11 items 5 and 7: text pasted from Word renders, every bad
    character of a field is reported at once, the text layer keeps words
    apart at soft line ends, bullets by level."""

    def render(self, name, paper):
        path = os.path.join(ARGS.work_dir, name + ".json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"paper": paper}, f)
        out = os.path.join(ARGS.work_dir, name + ".pdf")
        return run(ARGS.cli, "render", path, "-o", out, check=False), out

    @staticmethod
    def paper(runs_text, **extra):
        def item(text, sub=None):
            d = {"runs": [{"text": text}]}
            if sub:
                d["sublist"] = {"style": "BULLET", "items": sub}
            return d
        nested = [item("Level one", [item("Level two", [item("Level three", [item("Level four")])])])]
        paper = {"panelName": "AUDIT\tPANEL", "meetingDate": "2020-01-08",
                 "title": "Pasted\r\ntitle", "protectiveMarking": "OFFICIAL_SENSITIVE",
                 "sections": [{"heading": "Heading\twith a tab", "blocks": [
                     {"paragraph": {"runs": [{"text": runs_text}]}},
                     {"list": {"style": "BULLET", "items": nested}}]}]}
        paper.update(extra)
        return paper

    def test_pasted_paragraph_renders_with_the_expected_words(self):
        text = ("Pasted\tfrom Word:\r\nthe panel noted 10\u00a0km and 5\u202fkg\rof "
                "road\u2028works.\ufeff " +
                " ".join(["Counter\u00adintelligence pro\u00adfessional\u00adism"] * 14) +
                " and " + LONG_WORD.replace("|", "\u00ad") + " end.")
        r, out = self.render("pasted", self.paper(text))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(run("qpdf", "--check", out, check=False).returncode, 0)
        lines = [l.strip() for l in run("pdftotext", out, "-").stdout.split("\n")]
        self.assertIn("AUDIT PANEL", lines)
        self.assertIn("Pasted title", lines)
        self.assertIn("Heading with a tab", lines)
        # TAB -> space, CR LF / CR / U+2028 -> line breaks, no-break spaces kept.
        self.assertIn("Pasted from Word:", lines)
        # (pdftotext gives U+00A0 as a plain space)
        self.assertIn("the panel noted 10 km and 5 kg", lines)
        self.assertIn("of road", lines)
        body = run("pdftotext", out, "-").stdout
        # Soft hyphens: drawn as "-" only at a line end (poppler rejoins those
        # words); none is drawn inside a line, and every word reads whole.
        words = norm(body.replace("-\n", "")).split()
        self.assertEqual(words.count("Counterintelligence"), 14, body)
        self.assertEqual(words.count("professionalism"), 14, body)
        # A word wider than the line breaks at its soft hyphens, with "-".
        self.assertIn(LONG_WORD.replace("|", ""), words, body)
        # (poppler rejoins a hyphenated line end except in -layout mode)
        layout = run("pdftotext", "-layout", out, "-").stdout
        self.assertRegex(layout, r"(%s)-\n" % "|".join(LONG_WORD.split("|")[:-1]), layout)
        for l in lines:  # no visible soft hyphen mid-line
            if l != "OFFICIAL-SENSITIVE":
                self.assertFalse(re.search(r"-\S", l), l)
        # No fallback face for U+202F: only Panel Sans faces are embedded.
        fonts = run("pdffonts", out).stdout
        self.assertNotIn("Liberation", fonts)
        self.assertNotIn("DejaVu", fonts)

    def test_bullets_by_level_and_circle_without_a_fallback_face(self):
        r, out = self.render("bullets", self.paper("Lists:"))
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = [l.strip() for l in run("pdftotext", "-layout", out, "-").stdout.split("\n")]
        self.assertIn("\u2022   Level one", lines)
        self.assertIn("\u2013 Level two", lines)
        self.assertIn("Level three", lines)       # the circle is a drawing, not text
        self.assertIn("\u2022 Level four", lines)
        self.assertNotIn("DejaVu", run("pdffonts", out).stdout)

    def test_soft_line_end_carries_a_space_in_the_text_layer(self):
        text = " ".join(["alpha beta gamma delta epsilon zeta eta theta"] * 6) + "\nlast line"
        r, out = self.render("softend", self.paper(text))
        self.assertEqual(r.returncode, 0, r.stderr)
        qdf = os.path.join(ARGS.work_dir, "softend.qdf.pdf")
        run("qpdf", "--qdf", "--object-streams=disable", out, qdf)
        with open(qdf, "rb") as f:
            shown = re.findall(rb"\((.*?)\) Tj", f.read())
        para = [t for t in shown if t.startswith((b"alpha", b"beta", b"gamma", b"delta",
                                                  b"epsilon", b"zeta", b"eta", b"theta"))]
        self.assertGreaterEqual(len(para), 3)
        # Every line ends in a space, the one ending at "\n" too (it reads as
        # a new word after it); the paragraph's last line does not.
        self.assertTrue(all(t.endswith(b" ") for t in para), para)
        self.assertIn(b"last line", shown)

    def test_three_bad_characters_give_one_violation_naming_all(self):
        text = "Shalom \u05e9\u05e9, smile \U0001F600 and Cafe\u0301 \u00e9"
        r, out = self.render("bad", self.paper(text))
        self.assertEqual(r.returncode, 1)
        field = "paper.sections[0].blocks[0].paragraph.runs[0].text"
        lines = [l.strip() for l in r.stderr.splitlines() if field in l]
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertIn("U+05E9 \u00d72 (Hebrew, right to left)", lines[0])
        self.assertIn("U+1F600 (outside the Basic Multilingual Plane", lines[0])
        self.assertIn("U+0301 (combining diacritical mark", lines[0])
        self.assertFalse(os.path.exists(out))


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--work-dir", required=True)
    ARGS, rest = parser.parse_known_args()
    os.makedirs(ARGS.work_dir, exist_ok=True)
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        msg = "missing tools: " + ", ".join(missing) + " (apt-get install poppler-utils qpdf)"
        if os.environ.get("CI") == "true":
            print("FAIL: " + msg)
            return 1
        print("SKIP: " + msg)
        return 77
    result = unittest.main(argv=[sys.argv[0]] + rest, exit=False, verbosity=2).result
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
