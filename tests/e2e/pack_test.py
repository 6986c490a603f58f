#!/usr/bin/python3
"""Agenda packs end to end, read back from the PDF.

Run by ctest (tests/e2e/CMakeLists.txt). Renders the pack fixture
(tests/testdata/packs/audit-panel-2020-01-08.json) with `panelpaper pack`,
locally and through panelpaperd's RenderAgendaPack, in the PUBLIC and MEMBERS
editions and in duplex, and checks the PDF the way a reader would (pdftotext
per page, qpdf --json):
  * printed page numbers run continuously from the first page number, on every
    page, blank versos included; page labels equal them;
  * every "(Pages a - b)" on the agenda matches where that paper really starts
    and ends (found from the "AGENDA ITEM n" stamps on the pages);
  * each item has an outline entry pointing at its paper's first page; agenda
    links jump to the same pages;
  * the PUBLIC edition contains no text of the Part II paper's body; the
    MEMBERS edition has it, with OFFICIAL-SENSITIVE top and bottom of each page;
  * duplex: papers start on right-hand pages, blank versos say so;
  * tagged (PDF/UA-1), both editions in duplex: the front sheet is an H1
    "AGENDA" and TOCs whose entries link to the papers (withheld Part II
    entries readable text), each included paper a Sect whose first heading
    is its title; blank versos, stamps and repeated markings are not in the
    structure tree;
  * the server streams progress (items done / total) and then the same bytes.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import unittest

import service_test as st  # the Server helper and the Python stubs

ARGS = None
FIXTURE = "tests/testdata/packs/audit-panel-2020-01-08.json"


def run(*cmd, check=True):
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


def norm(text):
    return " ".join(text.split())


class PackPdf:
    """A rendered pack, read back."""

    def __init__(self, path):
        self.path = path
        info = run("pdfinfo", path).stdout
        self.pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
        self.texts = [run("pdftotext", "-layout", "-f", str(i), "-l", str(i), path, "-").stdout
                      for i in range(1, self.pages + 1)]
        self.json = json.loads(run("qpdf", "--json", path).stdout)
        self.page_objects = [p["object"] for p in self.json["pages"]]

    def lines(self, i):
        return [l.strip() for l in self.texts[i].split("\n") if l.strip()]

    def printed_number(self, i):
        """The footer's page number (a protective marking may sit below it)."""
        for l in reversed(self.lines(i)[-2:]):
            if l.isdigit():
                return l
        return ""

    def stamp(self, i):
        for l in self.lines(i)[:2]:
            m = re.search(r"AGENDA ITEM (\S+)", l)
            if m:
                return m.group(1)
        return None

    def obj(self, ref):
        return self.json["qpdf"][1]["obj:" + ref]["value"]

    def page_index(self, ref):
        return self.page_objects.index(ref)

    def outline(self):
        out = []

        def walk(entries, level):
            for e in entries:
                dest = e.get("dest") or []
                out.append((level, e["title"], self.page_index(dest[0]) if dest else None))
                walk(e.get("kids", []), level + 1)

        walk(self.json["outlines"], 0)
        return out

    def internal_links(self, page):
        """Target page indexes of the GoTo links on a page, in order."""
        targets = []
        annots = self.obj(self.page_objects[page]).get("/Annots", [])
        if isinstance(annots, str):
            annots = self.obj(annots)
        for ref in annots:
            a = self.obj(ref)
            dest = a.get("/Dest")
            if dest is None and "/A" in a:
                action = a["/A"] if isinstance(a["/A"], dict) else self.obj(a["/A"])
                dest = action.get("/D")
            if isinstance(dest, str):
                dest = self.obj(dest)
            if dest:
                targets.append(self.page_index(dest[0]))
        return targets


class PackTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(ARGS.source_dir, FIXTURE), encoding="utf-8") as f:
            cls.request = json.load(f)
        cls.first = cls.request.get("firstPageNumber", 1)
        cls.public = cls.render("public", {})
        cls.members = cls.render("members", {"edition": "MEMBERS"})
        cls.duplex = cls.render("duplex", {"edition": "MEMBERS", "duplex": True})
        cls.public_duplex = cls.render("public-duplex", {"duplex": True})

    @classmethod
    def render(cls, name, changes):
        req = dict(cls.request, **changes)
        manifest = os.path.join(ARGS.work_dir, name + ".json")
        with open(manifest, "w", encoding="utf-8") as f:
            json.dump(req, f)
        out = os.path.join(ARGS.work_dir, name + ".pdf")
        r = run(ARGS.cli, "pack", manifest, "-o", out)
        assert out in r.stdout, r.stdout
        return PackPdf(out)

    def items_with_papers(self, edition):
        return [it for it in self.request["items"] if "paper" in it and
                (it.get("part", "PART_I") != "PART_II" or edition == "MEMBERS")]

    @staticmethod
    def number(item):
        n = item["number"]
        return str(n["number"]) + n.get("subLetter", "")

    def paper_pages(self, pdf):
        """Item number -> (first, last) printed page, from the pages' stamps."""
        found = {}
        for i in range(pdf.pages):
            s = pdf.stamp(i)
            if s:
                first, _ = found.get(s, (self.first + i, 0))
                found[s] = (first, self.first + i)
        return found

    def test_page_numbers_run_continuously_and_labels_match(self):
        for pdf in (self.public, self.members, self.duplex):
            for i in range(pdf.pages):
                self.assertEqual(pdf.printed_number(i), str(self.first + i), f"{pdf.path} page {i + 1}")
            self.assertEqual(pdf.json["pagelabels"],
                             [{"index": 0, "label": {"/S": "/D", "/St": self.first}}])

    def test_agenda_ranges_match_where_papers_start_and_end(self):
        for pdf, edition in ((self.public, "PUBLIC"), (self.members, "MEMBERS"),
                             (self.duplex, "MEMBERS")):
            pages = self.paper_pages(pdf)
            expected = [self.number(it) for it in self.items_with_papers(edition)]
            self.assertEqual(sorted(pages), sorted(expected), pdf.path)
            # The front sheet: pages before the first paper.
            front = "\n".join(pdf.texts[i] for i in range(min(p[0] for p in pages.values()) - self.first))
            ranges = [(int(a), int(b)) for a, b in re.findall(r"\(Pages (\d+) \u2013 (\d+)\)", front)]
            in_agenda_order = sorted(pages.values())
            self.assertEqual(ranges, in_agenda_order, pdf.path)

    def test_reference_paper_is_item_7b_on_pages_169_to_175(self):
        # The real pack has 7b on pages 168-174; item 3's four-row actions
        # table now moves whole to the item's second page (a table of up to
        # six body rows that fits a page never splits: LAYOUT.md 14), so every
        # later item starts one page later.
        self.assertEqual(self.paper_pages(self.public)["7b"], (169, 175))

    def test_outline_points_at_each_papers_first_page(self):
        for pdf, edition in ((self.public, "PUBLIC"), (self.duplex, "MEMBERS")):
            pages = self.paper_pages(pdf)
            top = [(title, page) for level, title, page in pdf.outline() if level == 0]
            self.assertEqual(top[0][0], "Agenda")
            titles = [t for t, _ in top[1:]]
            for item in self.request["items"]:
                title = f"{self.number(item)}. {item['title']}"
                self.assertIn(title, titles, pdf.path)
                page = dict(top)[title]
                if self.number(item) in pages:
                    self.assertEqual(page, pages[self.number(item)][0] - self.first, title)
                else:
                    self.assertLess(page, pages and min(p[0] for p in pages.values()) - self.first)
            # The paper's own sections nest under its item.
            self.assertTrue(any(level == 1 and title == "1. Supporting information"
                                for level, title, _ in pdf.outline()))

    def test_agenda_links_jump_to_the_papers(self):
        for pdf, edition in ((self.public, "PUBLIC"), (self.duplex, "MEMBERS")):
            pages = self.paper_pages(pdf)
            front_pages = min(p[0] for p in pages.values()) - self.first
            targets = [t for i in range(front_pages) for t in pdf.internal_links(i)]
            self.assertEqual(targets, [p[0] - self.first for p in sorted(pages.values())], pdf.path)

    def test_public_edition_has_no_part_two_body_text(self):
        part_two = [it for it in self.request["items"] if it.get("part") == "PART_II"]
        self.assertEqual(len(part_two), 1)
        paper = part_two[0]["paper"]
        body = []

        def strings(o):
            if isinstance(o, dict):
                for k, v in o.items():
                    if k in ("text",):
                        body.append(v)
                    else:
                        strings(v)
            elif isinstance(o, list):
                for v in o:
                    strings(v)

        strings(paper["sections"])
        body = [b for b in body if len(b) > 25]
        self.assertGreater(len(body), 10)
        public = norm("\n".join(self.public.texts))
        members = norm("\n".join(self.members.texts))
        leaked = [b for b in body if norm(b)[:60] in public]
        self.assertEqual(leaked, [])
        self.assertTrue(any(norm(b)[:60] in members for b in body))
        # The public agenda still lists the item with its exemption.
        self.assertIn(part_two[0]["title"], public)
        self.assertIn("paragraph 7 of Part 1 of Schedule 12A", public)

    def test_members_edition_marks_part_two_pages_top_and_bottom(self):
        pages = self.paper_pages(self.members)
        number = self.number([it for it in self.request["items"] if it.get("part") == "PART_II"][0])
        first, last = pages[number]
        for p in range(first, last + 1):
            lines = self.members.lines(p - self.first)
            # Top line: the marking (baseline 14 mm), level with the agenda
            # item label (15 mm) at the right since LAYOUT.md §14.
            self.assertEqual(lines[0].split()[0], "OFFICIAL-SENSITIVE", p)
            self.assertIn("OFFICIAL-SENSITIVE", lines[-2:], p)
        # Part I papers carry no marking they didn't ask for.
        first7b, _ = pages["7b"]
        self.assertNotIn("OFFICIAL-SENSITIVE", self.members.texts[first7b - self.first])

    def test_duplex_papers_start_on_right_hand_pages(self):
        pages = self.paper_pages(self.duplex)
        for number, (first, _) in pages.items():
            self.assertEqual((first - self.first) % 2, 0, number)
        blanks = [i for i in range(self.duplex.pages)
                  if "This page is intentionally left blank" in self.duplex.texts[i]]
        self.assertTrue(blanks)
        for i in blanks:
            self.assertEqual(i % 2, 1)
            self.assertEqual(self.duplex.printed_number(i), str(self.first + i))

    def test_qpdf_check_passes(self):
        for pdf in (self.public, self.members, self.duplex):
            r = run("qpdf", "--check", pdf.path, check=False)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_tagged_structure_of_both_editions_in_duplex(self):
        for pdf, edition in ((self.public_duplex, "PUBLIC"), (self.duplex, "MEMBERS")):
            r = run("qpdf", "--check", pdf.path, check=False)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            tree = run("pdfinfo", "-struct-text", pdf.path).stdout
            lines = [l for l in tree.splitlines() if l.strip()]
            self.assertEqual(lines[0], "Document")
            top = [l.strip() for l in lines if re.match(r"^  [A-Z]", l)]
            self.assertEqual(top[0], "P (block)")  # the lockup
            self.assertEqual(top[1], "H1 (block)")
            self.assertEqual(tree.split("H1 (block)\n")[1].split("\n")[0].strip(), '"AGENDA"')
            included = self.items_with_papers(edition)
            self.assertEqual(top.count("Sect"), len(included), edition)
            toc_lines, in_toc = [], False
            for l in lines:
                if re.match(r"^  \S", l):
                    in_toc = l == "  TOC"
                elif in_toc:
                    toc_lines.append(l)
            self.assertEqual(toc_lines.count("      Link (inline)"), len(included), edition)
            self.assertEqual(toc_lines.count("    TOCI"), len(self.request["items"]), edition)
            for item in included:
                # The Sect's first heading is the paper's title.
                self.assertIn("H1 (block)\n      \"" + item["paper"]["title"], tree)
            self.assertNotIn("intentionally left blank", tree)
            self.assertNotIn("AGENDA ITEM", tree)
            part_two = [it for it in self.request["items"] if it.get("part") == "PART_II"]
            for item in part_two:
                self.assertIn(item["title"], tree)  # readable in both editions
            marking_lines = [l for l in lines if "OFFICIAL-SENSITIVE" in l]
            # Once per included Part II paper (its first page's top marking).
            self.assertEqual(len(marking_lines),
                             len([it for it in part_two if it in included]), edition)

    def test_server_streams_progress_then_the_same_pdf(self):
        server = st.Server("pack-server")
        try:
            from panelpaper.v1 import pack_pb2
            req = pack_pb2.RenderAgendaPackRequest()
            st.json_format.Parse(json.dumps(self.request), req)
            with server.insecure_channel() as ch:
                stub = st.service_grpc.PaperServiceStub(ch)
                progress, data, info, items = [], b"", None, None
                for chunk in stub.RenderAgendaPack(req, timeout=120):
                    if chunk.HasField("progress"):
                        self.assertIsNone(info, "progress after the PDF started")
                        progress.append((chunk.progress.items_done, chunk.progress.items_total))
                        continue
                    if chunk.HasField("info"):
                        info, items = chunk.info, list(chunk.items)
                    self.assertLessEqual(len(chunk.data), 1 << 20)
                    data += chunk.data
            n = len(self.request["items"])
            self.assertEqual(progress[-1], (n, n))
            self.assertEqual([d for d, _ in progress], list(range(1, n + 1)))
            with open(self.public.path, "rb") as f:
                self.assertEqual(data, f.read())
            self.assertEqual(info.page_count, self.public.pages)
            self.assertEqual(len(items), n)
            seven_b = [i for i in items if i.number == "7b"][0]
            self.assertEqual((seven_b.first_page, seven_b.last_page), (169, 175))
            # The CLI through the server writes the same bytes.
            out = os.path.join(ARGS.work_dir, "remote-pack.pdf")
            r = run(ARGS.cli, "pack", "--server", server.address,
                    os.path.join(ARGS.source_dir, FIXTURE), "-o", out)
            self.assertIn("item 7b: pages 169-175", r.stdout)
            with open(out, "rb") as f, open(self.public.path, "rb") as g:
                self.assertEqual(f.read(), g.read())
            # An invalid paper fails the whole pack, naming the item.
            bad = json.loads(json.dumps(self.request))
            bad["items"][3]["paper"]["sections"][1]["heading"] = ""
            bad_req = pack_pb2.RenderAgendaPackRequest()
            st.json_format.Parse(json.dumps(bad), bad_req)
            with server.insecure_channel() as ch:
                stub = st.service_grpc.PaperServiceStub(ch)
                with self.assertRaises(st.grpc.RpcError) as cm:
                    list(stub.RenderAgendaPack(bad_req, timeout=60))
            self.assertEqual(cm.exception.code(), st.grpc.StatusCode.INVALID_ARGUMENT)
            self.assertIn("items[3].paper.sections[1].heading", st.bad_request_fields(cm.exception))
        finally:
            self.assertEqual(server.stop(), 0)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--cli", required=True)
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--work-dir", required=True)
    ARGS, rest = parser.parse_known_args()
    os.makedirs(ARGS.work_dir, exist_ok=True)
    missing = [t for t in ("qpdf", "pdftotext", "pdfinfo") if shutil.which(t) is None]
    if missing:
        st.CI = os.environ.get("CI", "").lower() == "true"
        st.ARGS = ARGS
        st.skip_or_fail("missing tools: " + ", ".join(missing))
    st.ARGS = ARGS
    st.setup_stubs()
    unittest.main(argv=[sys.argv[0], "-v", *rest])


if __name__ == "__main__":
    main()
