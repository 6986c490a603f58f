#!/usr/bin/python3
"""Our own PDF/UA-1 checks (veraPDF and PAC are not available on Debian 12).

  ua_check.py FILE.pdf            "ok" and exit 0, or one line per failure and exit 1
  ua_check.py --tree FILE.pdf     also print the structure tree (types, language,
                                  alternate text, pages, MCIDs, link targets and the
                                  text each element holds, in reading order)

It reads the file's objects through `qpdf --json` (version 2, streams decoded
inline), the XMP packet as XML, and every page's content with a real content
stream lexer (literal strings with escapes and nesting, hex strings, names with
#xx escapes, numbers, arrays, dictionaries, comments, inline images), never by
grepping bytes. Exit status 2 means the file could not be read at all.

Each failure line starts with the veraPDF PDF/UA-1 rule id (clause-test of
PDF_UA/PDFUA-1.xml in veraPDF/veraPDF-validation-profiles, commit 6f2a87f,
2025-08-21), or "ISO32000-<clause>" for a tagged-PDF rule of ISO 32000-1 that
PDF/UA-1 relies on without numbering it, then the Matterhorn Protocol 1.02
failure condition in brackets where one exists, then the object or page.
Only 01-*, 02-* and 06-001 were cross-checked against a published list of
the failure conditions here (the protocol's text is not available offline);
where unsure we give only the checkpoint, e.g. [31].

Rules checked
  File and catalog
    6.1-1    [-]       header %PDF-1.n
    6.2-1    [-]       catalog /MarkInfo with /Marked true
    7.1-4    [01-007]  /MarkInfo /Suspects not true
    7.1-8    [06-001]  catalog /Metadata stream
    5-1, 5-2 [06-002]  XMP has pdfuaid:part = 1; 5-3 bound to the prefix pdfuaid
    7.1-9    [06-003]  XMP has a non-empty dc:title
    7.1-10   [07-001, 07-002] /ViewerPreferences /DisplayDocTitle true
    7.1-11   [-]       catalog /StructTreeRoot
    7.2-34   [11-001]  catalog /Lang present (we require it on the catalog; it
                       also settles 7.2-2, 7.2-21..25, 7.2-30..33)
    7.2-29   [11-001]  every /Lang (catalog, structure elements, marked-content
                       property lists) is a language tag
    7.16-1   [26]      an encrypted file's /P permits assistive technology
    7.15-1   [25-001]  no XFA forms; 7.10-1, 7.10-2 [20-001..003] optional
                       content configurations named, without /AS; 7.11-1
                       [21-001] embedded file specifications have F and UF
  Content (every page's content streams, and forms they draw, tokenised)
    7.1-3    [01-005]  every painting operator (Tj TJ ' " S s f F f* B B* b b*
                       sh Do BI) lies in marked content with an MCID that the
                       structure tree references, or inside an /Artifact
    7.1-1    [01-003]  no Artifact inside tagged content
    7.1-2    [01-004]  no tagged content (an MCID) inside an Artifact
    ISO32000 14.6      BMC/BDC ... EMC balanced within each content stream and
                       nested properly with BT ... ET (BDC BT ... EMC ... ET is
                       invalid), never inside a path object; BT/ET balanced
    ISO32000 14.7.4.2  MCIDs unique on a page; every MCID in the content
                       referenced by exactly one structure element, and every
                       referenced MCID present in the content
    ISO32000 14.7.4.4  ParentTree consistent: each page with MCIDs has a unique
                       /StructParents whose ParentTree array maps each MCID to the
                       element that references it; each annotation in the tree
                       has a unique /StructParent whose entry is the element
                       holding its OBJR; ParentTreeNextKey above every key
  Structure tree
    7.1-12   [-]       every structure element has /P, and it is its parent
    7.1-5    [02-001]  non-standard types role-mapped to a standard type
    7.1-6    [02-003]  no circular role mapping
    7.1-7    [02-004]  standard types not remapped
    7.2-3, 7.2-16, 7.2-39, 7.2-11, 7.2-12, 7.2-13, 7.2-14 [09-004] Table kids:
                       TR/THead/TBody/TFoot, one Caption first or last, at most
                       one THead and TFoot, TBody when THead or TFoot
    7.2-4..7.2-9, 7.2-10, 7.2-36..7.2-38 [09-004] TR in Table/THead/TBody/TFoot,
                       THead/TBody/TFoot in Table, TH/TD in TR, TR holds only
                       TH/TD, THead/TBody/TFoot hold only TR
    7.2-41, 7.2-42     [15]     every row of a table spans the same number of
                       columns (RowSpan and ColSpan counted)
    7.5-1, 7.5-2       [15-003] every TH has a Table attribute /Scope (Row,
                       Column or Both) — stricter than PDF/UA, which accepts
                       Headers/IDs instead; we always write Scope
    7.2-17..7.2-20, 7.2-40 [09-005] LI in L, LBody in LI, L holds L/LI and a
                       first Caption, LI holds only Lbl/LBody
    7.2-26..7.2-28     [09-006] TOCI in TOC; TOC holds TOC/TOCI and a first Caption
    7.4.2-1  [14-002, 14-003] the first numbered heading is H1 and levels never
                       skip going down (H1 then H3)
    7.4.4-1  [14-006]  at most one H kid per element; 7.4.4-2/3 [14-007] not
                       both H and Hn
    7.3-1    [13-004]  Figure has Alt or ActualText; 7.7-1 [17] Formula too
    7.9-1, 7.9-2 [19-003, 19-004] Note has an /ID, unique among Notes
  Annotations
    7.18.1-1 [28-002]  annotations other than Widget, PrinterMark, Link, Popup
                       sit in an Annot element
    7.18.2-1 [28]      no TrapNet annotations
    7.18.3-1 [28-008, 28-009] a page with annotations has /Tabs /S
    7.18.5-1 [28-011]  every Link annotation is in a Link element (OBJR)
    7.18.5-2 [28-012]  every Link annotation has non-empty /Contents
    ISO32000 14.8.4.4.2 every Link element holds an OBJR to a Link annotation
                       of the page it names
    7.18.8-1 [28]      PrinterMark annotations not in the structure tree
  XObjects and fonts
    7.20-1   [30-001]  no reference XObjects
    7.21.4.1-1 [31] every font in the file is embedded (stricter: veraPDF
                       asks it of fonts used; Type3 and Type0 parents exempt,
                       their descendants are checked)
    7.21.3.2-1 [31] CIDFontType2 has /CIDToGIDMap
    7.21.6-2, 7.21.6-3 [31] non-symbolic TrueType fonts use
                       WinAnsi/MacRoman, symbolic ones have no /Encoding
    7.21.7-1 [31]      every font maps to Unicode: /ToUnicode, or a simple font
                       with a standard encoding, or an Adobe CJK collection; every
                       code a text operator shows is in its ToUnicode CMap
    7.21.7-2 [31]      no code a text operator shows maps to U+0000, U+FEFF or
                       U+FFFE (checked per code shown, as veraPDF does per glyph:
                       the painter's identity CMap maps unused codes to them)

Rules NOT checked, and why
  * 7.21.4.1-2 (glyphs present in the font program), 7.21.5-1 (widths match
    the font program), 7.21.6-1/-4 (TrueType cmap subtables), 7.21.4.2-1/-2
    (CharSet/CIDSet), 7.21.8-1 (.notdef): they need a font-program parser; our
    fonts are cut by fonts/cut_fonts.py and embedded by libharu, and poppler's
    pdffonts and qpdf read them in the e2e tests.
  * 7.21.3.1-1, 7.21.3.3-1..3 (CMaps other than Identity-H): we write none.
  * 7.2-15 (cells do not intersect) beyond the row-width check of 7.2-41/42.
  * 7.20-2 (a form XObject drawn from two structure elements): we write no
    forms; forms are tokenised for 7.1-3 but not checked for this.
  * 7.18.1-2, 7.18.1-3, 7.18.4-1/-2, 7.18.6.2-1/-2 (widgets, forms, media):
    we write none of these.
  * Everything Matterhorn marks as needing human judgement: reading order
    equals logical order (09-001), headings and tables and lists tagged as
    what they are (01-006, 09-002, 14-001, 15-001, 16-001..003), meaningful
    link text and alternate text (13-*, 28-012's wording), colour and contrast
    (04-*), headers and footers being artifacts rather than real content
    (18-001..003; we only prove that every painted item is one or the other),
    dc:title identifying the document (06-004), and language being *right*
    (11-* only checks that it is declared and well formed).
"""
import argparse
import base64
import io
import json
import os
import re
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET

STANDARD_TYPES = {
    "Document", "Part", "Art", "Sect", "Div", "BlockQuote", "Caption", "TOC", "TOCI",
    "Index", "NonStruct", "Private", "P", "H", "H1", "H2", "H3", "H4", "H5", "H6",
    "L", "LI", "Lbl", "LBody", "Table", "TR", "TH", "TD", "THead", "TBody", "TFoot",
    "Span", "Quote", "Note", "Reference", "BibEntry", "Code", "Link", "Annot",
    "Ruby", "RB", "RT", "RP", "Warichu", "WT", "WP", "Figure", "Formula", "Form",
}
TEXT_SHOW = {"Tj", "TJ", "'", '"'}
PATH_PAINT = {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*"}
PATH_BUILD = {"m", "l", "c", "v", "y", "h", "re"}
LANG_TAG = re.compile(r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*")
XMP_NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdfuaid": "http://www.aiim.org/pdfua/ns/id/",
}
CJK_COLLECTIONS = {"Adobe-GB1", "Adobe-CNS1", "Adobe-Japan1", "Adobe-Korea1"}
REF = re.compile(r"\d+ \d+ R")


# ---- reading the file through qpdf ------------------------------------------------

class Pdf:
    def __init__(self, path):
        r = subprocess.run(["qpdf", "--json", "--json-stream-data=inline",
                            "--decode-level=generalized", path], capture_output=True)
        if r.returncode not in (0, 3):  # 3: warnings, the JSON is still there
            raise ValueError(r.stderr.decode("utf-8", "replace").strip() or "qpdf failed")
        self.json = json.loads(r.stdout)
        self.objects = self.json["qpdf"][1]

    def entry(self, ref):
        return self.objects.get("obj:" + ref) if isinstance(ref, str) else None

    def get(self, value):
        """A value with references followed (a stream gives its dictionary)."""
        seen = 0
        while isinstance(value, str) and REF.fullmatch(value) and seen < 64:
            o = self.entry(value)
            if o is None:
                return None
            value = o["value"] if "value" in o else o["stream"]["dict"]
            seen += 1
        return value

    def dict(self, value):
        """get(value) if that is a dictionary, else an empty one."""
        v = self.get(value)
        return v if isinstance(v, dict) else {}

    def stream_data(self, ref):
        o = self.entry(ref)
        if not o or "stream" not in o or "data" not in o["stream"]:
            return None
        return base64.b64decode(o["stream"]["data"])


def text(v):
    """A qpdf JSON string as Python text (None for anything else)."""
    if isinstance(v, str) and v.startswith("u:"):
        return v[2:]
    if isinstance(v, str) and v.startswith("b:"):
        raw = bytes.fromhex(v[2:])
        if raw.startswith(b"\xfe\xff"):
            return raw[2:].decode("utf-16-be", "replace")
        return raw.decode("latin-1")
    return None


def name(v):
    return v[1:] if isinstance(v, str) and v.startswith("/") else None


def is_ref(v):
    return isinstance(v, str) and REF.fullmatch(v) is not None


def as_list(v):
    return v if isinstance(v, list) else ([] if v is None else [v])


# ---- the content stream lexer ---------------------------------------------------

WHITESPACE = b"\x00\t\n\x0c\r "
DELIMITERS = b"()<>[]{}/%"
NUMBER = re.compile(rb"[+-]?(\d+\.?\d*|\.\d+)")
ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b",
           ord("f"): b"\f", ord("("): b"(", ord(")"): b")", ord("\\"): b"\\"}


class Name(str):
    """A PDF name in a content stream (without the slash)."""


class Op(str):
    """An operator keyword."""


class LexError(Exception):
    pass


class Lexer:
    """ISO 32000-1 §7.2-7.3 tokens of a content stream, and §8.9.7 inline images."""

    def __init__(self, data):
        self.data, self.i, self.n = data, 0, len(data)

    def skip_space(self):
        d = self.data
        while self.i < self.n:
            c = d[self.i]
            if c in WHITESPACE:
                self.i += 1
            elif c == 0x25:  # % comment to end of line
                while self.i < self.n and d[self.i] not in b"\r\n":
                    self.i += 1
            else:
                return

    def token(self):
        """The next token: a number, Name, bytes (a string), Op, or one of the
        punctuation strings '[', ']', '<<', '>>'; None at the end."""
        self.skip_space()
        if self.i >= self.n:
            return None
        d, c = self.data, self.data[self.i]
        if c == 0x28:  # (
            return self.literal_string()
        if d.startswith(b"<<", self.i):
            self.i += 2
            return "<<"
        if d.startswith(b">>", self.i):
            self.i += 2
            return ">>"
        if c == 0x3C:  # <
            end = d.find(b">", self.i)
            if end < 0:
                raise LexError(f"unterminated hex string at byte {self.i}")
            hexdigits = re.sub(rb"[\x00\t\n\x0c\r ]", b"", d[self.i + 1:end])
            if not re.fullmatch(rb"[0-9A-Fa-f]*", hexdigits):
                raise LexError(f"bad hex string at byte {self.i}")
            self.i = end + 1
            if len(hexdigits) % 2:
                hexdigits += b"0"
            return bytes.fromhex(hexdigits.decode())
        if c in b"[]":
            self.i += 1
            return chr(c)
        if c in b"{})>":
            raise LexError(f"unexpected {chr(c)!r} at byte {self.i}")
        start = self.i
        if c == 0x2F:  # /
            self.i += 1
        while self.i < self.n and d[self.i] not in WHITESPACE and d[self.i] not in DELIMITERS:
            self.i += 1
        word = d[start:self.i]
        if c == 0x2F:
            return Name(re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]),
                               word[1:]).decode("latin-1"))
        if NUMBER.fullmatch(word):
            return float(word) if b"." in word else int(word)
        return Op(word.decode("latin-1"))

    def literal_string(self):
        d, out, depth = self.data, bytearray(), 0
        self.i += 1
        while self.i < self.n:
            c = d[self.i]
            if c == 0x5C:  # backslash
                self.i += 1
                if self.i >= self.n:
                    break
                e = d[self.i]
                if e in ESCAPES:
                    out += ESCAPES[e]
                    self.i += 1
                elif 0x30 <= e <= 0x37:
                    m = re.match(rb"[0-7]{1,3}", d[self.i:self.i + 3])
                    out.append(int(m.group(), 8) & 0xFF)
                    self.i += len(m.group())
                elif e == 0x0D:  # line continuation
                    self.i += 2 if d[self.i + 1:self.i + 2] == b"\n" else 1
                elif e == 0x0A:
                    self.i += 1
                else:  # an unknown escape: the backslash is ignored
                    out.append(e)
                    self.i += 1
                continue
            if c == 0x28:
                depth += 1
            elif c == 0x29:
                if depth == 0:
                    self.i += 1
                    return bytes(out)
                depth -= 1
            out.append(c)
            self.i += 1
        raise LexError("unterminated literal string")

    def operand(self, tok):
        """Complete an operand that starts with `tok` (arrays and dictionaries)."""
        if tok == "[":
            items = []
            while True:
                t = self.token()
                if t is None:
                    raise LexError("unterminated array")
                if t == "]":
                    return items
                items.append(self.operand(t))
        if tok == "<<":
            d = {}
            while True:
                k = self.token()
                if k is None:
                    raise LexError("unterminated dictionary")
                if k == ">>":
                    return d
                if not isinstance(k, Name):
                    raise LexError(f"dictionary key {k!r} is not a name")
                v = self.token()
                if v is None:
                    raise LexError("unterminated dictionary")
                d[str(k)] = self.operand(v)
        if isinstance(tok, Op) and tok in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[tok]
        if tok in ("]", ">>"):
            raise LexError(f"unbalanced {tok}")
        return tok

    def inline_image(self):
        """After BI: the image dictionary up to ID, the data and EI."""
        params = {}
        while True:
            k = self.token()
            if k is None:
                raise LexError("inline image without ID")
            if k == "ID":
                break
            if not isinstance(k, Name):
                raise LexError(f"inline image key {k!r} is not a name")
            params[str(k)] = self.operand(self.token())
        self.i += 1  # the single white-space byte after ID
        size = inline_image_size(params)
        d = self.data
        if size is not None:
            end = self.i + size
            m = re.compile(rb"[\x00\t\n\x0c\r ]*EI(?=[\x00\t\n\x0c\r ]|$)").match(d, end)
            if m:
                self.i = m.end()
                return params
        m = re.compile(rb"[\x00\t\n\x0c\r ]EI(?=[\x00\t\n\x0c\r /\[<(]|$)").search(d, self.i)
        if not m:
            raise LexError("inline image without EI")
        self.i = m.end()
        return params

    def operations(self):
        """(operator, operands) in order; BI gives ('BI', [dictionary])."""
        operands = []
        while True:
            tok = self.token()
            if tok is None:
                if operands:
                    raise LexError("operands without an operator at the end")
                return
            if isinstance(tok, Op) and tok not in ("true", "false", "null"):
                if tok == "BI":
                    yield "BI", [self.inline_image()]
                else:
                    yield str(tok), operands
                operands = []
            else:
                operands.append(self.operand(tok))


def inline_image_size(p):
    """Bytes of an unfiltered inline image, or None when it cannot be known."""
    if p.get("F", p.get("Filter")) not in (None, []):
        return None
    w, h = p.get("W", p.get("Width")), p.get("H", p.get("Height"))
    if not isinstance(w, int) or not isinstance(h, int):
        return None
    if p.get("IM", p.get("ImageMask")) is True:
        bpc, comps = 1, 1
    else:
        bpc = p.get("BPC", p.get("BitsPerComponent"))
        cs = p.get("CS", p.get("ColorSpace"))
        comps = {"G": 1, "DeviceGray": 1, "RGB": 3, "DeviceRGB": 3, "CMYK": 4,
                 "DeviceCMYK": 4}.get(cs if isinstance(cs, str) else "")
        if isinstance(cs, list) and cs and cs[0] in ("I", "Indexed"):
            comps = 1
        if not isinstance(bpc, int) or comps is None:
            return None
    return h * ((w * comps * bpc + 7) // 8)


# ---- fonts: Unicode mapping for the tree print and 7.21.7 -----------------------------

def parse_to_unicode(data):
    """(code byte length, {code: str}, failures) from a ToUnicode CMap."""
    problems, mapping, width = [], {}, 1
    try:
        ops = list(Lexer(data).operations())
    except LexError as e:
        return 1, {}, [f"ToUnicode CMap does not parse: {e}"]
    section, pending = None, []
    for op, args in ops:
        if op in ("begincodespacerange", "beginbfchar", "beginbfrange"):
            section, pending = op, []
            continue
        if op in ("endcodespacerange", "endbfchar", "endbfrange"):
            vals = pending + list(args)
            if op == "endcodespacerange" and vals and isinstance(vals[0], bytes):
                width = len(vals[0])
            elif op == "endbfchar":
                for src, dst in zip(vals[0::2], vals[1::2]):
                    if isinstance(src, bytes) and isinstance(dst, bytes):
                        mapping[int.from_bytes(src, "big")] = dst.decode("utf-16-be", "replace")
            elif op == "endbfrange":
                for lo, hi, dst in zip(vals[0::3], vals[1::3], vals[2::3]):
                    if not (isinstance(lo, bytes) and isinstance(hi, bytes)):
                        continue
                    a, b = int.from_bytes(lo, "big"), int.from_bytes(hi, "big")
                    for k, code in enumerate(range(a, min(b, a + 65535) + 1)):
                        if isinstance(dst, list):
                            if k < len(dst) and isinstance(dst[k], bytes):
                                mapping[code] = dst[k].decode("utf-16-be", "replace")
                        elif isinstance(dst, bytes) and dst:
                            v = int.from_bytes(dst, "big") + k
                            mapping[code] = v.to_bytes(len(dst), "big").decode("utf-16-be",
                                                                                 "replace")
            section = None
            continue
        if section:
            pending.extend(args)
    return width, mapping, problems


class Font:
    """A font as text operators use it: codes to Unicode through /ToUnicode
    (or, for a simple font without one, its single-byte encoding)."""

    def __init__(self, pdf, ref, d):
        self.ref = ref
        self.simple = name(d.get("/Subtype")) != "Type0"
        self.width, self.map = (1 if self.simple else 2), None
        tu = d.get("/ToUnicode")
        if isinstance(tu, str) and pdf.stream_data(tu) is not None:
            self.width, self.map, _ = parse_to_unicode(pdf.stream_data(tu))
        self.unmapped, self.invalid = set(), set()  # codes used that fail 7.21.7-1 / -2

    def decode(self, s):
        if self.map is None:
            return s.decode("cp1252", "replace") if self.simple else ""
        w, out = self.width, []
        for i in range(0, len(s) - w + 1, w):
            code = int.from_bytes(s[i:i + w], "big")
            u = self.map.get(code)
            if u is None:
                self.unmapped.add(code)
            elif not u or any(ch in "\x00\ufeff\ufffe" for ch in u):
                self.invalid.add(code)
            else:
                out.append(u)
        return "".join(out)


# ---- the checker --------------------------------------------------------------

class Checker:
    def __init__(self, path):
        self.path = path
        self.failures = []
        self.pdf = Pdf(path)
        trailer = self.pdf.objects["trailer"]["value"]
        self.trailer = trailer
        self.root = self.pdf.dict(trailer.get("/Root"))
        self.pages = self.page_list()
        self.page_number = {ref: i + 1 for i, ref in enumerate(self.pages)}
        self.content_mcids = {}   # page ref -> {mcid: count}
        self.mcid_text = {}       # (page ref, mcid) -> text
        self.fonts = {}           # font ref -> Font, as text operators used them

    def fail(self, rule, matterhorn, where, message):
        tag = f"[{matterhorn}] " if matterhorn else ""
        self.failures.append(f"{rule} {tag}{where}: {message}")

    def page_list(self):
        out, seen = [], set()

        def walk(ref):
            if ref in seen or not isinstance(ref, str):
                return
            seen.add(ref)
            d = self.pdf.dict(ref)
            if d.get("/Type") == "/Pages" or "/Kids" in d:
                for k in as_list(d.get("/Kids")):
                    walk(k)
            else:
                out.append(ref)
        walk(self.root.get("/Pages"))
        return out

    def where_page(self, ref):
        return f"page {self.page_number.get(ref, '?')} ({ref})"

    # -- catalog, metadata, document-level ------------------------------------------

    def check_document(self):
        with open(self.path, "rb") as f:
            raw = f.read(16)
        if not re.match(rb"%PDF-1\.\d", raw):
            self.fail("6.1-1", None, "file", "header is not %PDF-1.n")
        root, pdf = self.root, self.pdf
        mark = pdf.get(root.get("/MarkInfo"))
        if not isinstance(mark, dict) or mark.get("/Marked") is not True:
            self.fail("6.2-1", None, "catalog", "/MarkInfo /Marked is not true")
        if isinstance(mark, dict) and mark.get("/Suspects") is True:
            self.fail("7.1-4", "01-007", "catalog", "/MarkInfo /Suspects is true")
        vp = pdf.get(root.get("/ViewerPreferences"))
        if not isinstance(vp, dict) or vp.get("/DisplayDocTitle") is not True:
            self.fail("7.1-10", "07-001", "catalog",
                      "/ViewerPreferences /DisplayDocTitle is not true")
        lang = text(pdf.get(root.get("/Lang")))
        if lang is None:
            self.fail("7.2-34", "11-001", "catalog", "no /Lang: the document's language is not "
                      "declared")
        else:
            self.check_lang(lang, "catalog")
        if "/StructTreeRoot" not in root:
            self.fail("7.1-11", None, "catalog", "no /StructTreeRoot: the file is not tagged")
        acro = pdf.get(root.get("/AcroForm"))
        if isinstance(acro, dict) and "/XFA" in acro:
            self.fail("7.15-1", "25-001", "catalog", "/AcroForm has /XFA")
        ocp = pdf.get(root.get("/OCProperties"))
        if isinstance(ocp, dict):
            for i, cfg in enumerate([ocp.get("/D")] + as_list(pdf.get(ocp.get("/Configs")))):
                cfg = pdf.get(cfg)
                if not isinstance(cfg, dict):
                    continue
                if not text(pdf.get(cfg.get("/Name"))):
                    self.fail("7.10-1", "20-001", f"optional content configuration {i}",
                              "no /Name")
                if "/AS" in cfg:
                    self.fail("7.10-2", "20-003", f"optional content configuration {i}",
                              "has /AS")
        enc = pdf.json.get("encrypt", {})
        if enc.get("encrypted"):  # qpdf decrypts; it reports the permissions here
            p = enc.get("parameters", {}).get("P")
            if not isinstance(p, int) or not p & 512:
                self.fail("7.16-1", "26-001/26-002", "trailer /Encrypt",
                          "/P does not permit content extraction for accessibility (bit 10)")
        self.check_xmp()

    def check_lang(self, lang, where):
        if not LANG_TAG.fullmatch(lang or ""):
            self.fail("7.2-29", "11-001", where, f"/Lang {lang!r} is not a language tag")

    def check_xmp(self):
        ref = self.root.get("/Metadata")
        data = self.pdf.stream_data(ref)
        if data is None:
            self.fail("7.1-8", "06-001", "catalog", "no /Metadata stream")
            return
        try:
            xmp = ET.fromstring(data.decode("utf-8"))
        except (ET.ParseError, UnicodeDecodeError) as e:
            self.fail("7.1-8", "06-001", f"metadata {ref}", f"XMP is not well-formed XML: {e}")
            return
        parts = []
        for d in xmp.iter("{%s}Description" % XMP_NS["rdf"]):
            parts += [e.text for e in d.iterfind("pdfuaid:part", XMP_NS)]
            v = d.get("{%s}part" % XMP_NS["pdfuaid"])
            if v is not None:
                parts.append(v)
        if not parts:
            self.fail("5-1", "06-002", f"metadata {ref}", "no pdfuaid:part (PDF/UA identification)")
        elif [p.strip() for p in parts if p] != ["1"]:
            self.fail("5-2", "06-002", f"metadata {ref}", f"pdfuaid:part is {parts} instead of 1")
        for _, (prefix, uri) in ET.iterparse(io.BytesIO(data), events=("start-ns",)):
            if uri == XMP_NS["pdfuaid"] and prefix != "pdfuaid":
                self.fail("5-3", "06-002", f"metadata {ref}",
                          f"the PDF/UA namespace has the prefix {prefix!r}, not pdfuaid")
        titles = [e.text for e in xmp.iterfind(".//dc:title/rdf:Alt/rdf:li", XMP_NS)]
        if not any(t and t.strip() for t in titles):
            self.fail("7.1-9", "06-003", f"metadata {ref}", "no non-empty dc:title")

    # -- objects: fonts, XObjects, embedded files -------------------------------------

    def check_objects(self):
        pdf = self.pdf
        for key, o in pdf.objects.items():
            if not key.startswith("obj:"):
                continue
            d = o["value"] if "value" in o else o["stream"]["dict"]
            if not isinstance(d, dict):
                continue
            ref = key[4:]
            if d.get("/Subtype") == "/Form" and "/Ref" in d:
                self.fail("7.20-1", "30-001", f"form XObject {ref}", "is a reference XObject")
            if d.get("/Type") == "/Filespec" and "/EF" in d:
                if not text(d.get("/F")) or not text(d.get("/UF")):
                    self.fail("7.11-1", "21-001", f"file specification {ref}",
                              "an embedded file needs non-empty /F and /UF")
            if d.get("/Type") == "/Font":
                self.check_font(ref, d)

    def check_font(self, ref, d):
        pdf = self.pdf
        st = name(d.get("/Subtype"))
        where = f"font {ref} {name(d.get('/BaseFont'))}"
        if st in ("TrueType", "Type1", "MMType1", "CIDFontType0", "CIDFontType2"):
            fd = pdf.get(d.get("/FontDescriptor"))
            if not isinstance(fd, dict) or not any(
                    k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                self.fail("7.21.4.1-1", "31", where, "the font program is not embedded")
        if st == "CIDFontType2" and "/CIDToGIDMap" not in d:
            self.fail("7.21.3.2-1", "31", where, "CIDFontType2 without /CIDToGIDMap")
        if st in ("CIDFontType0", "CIDFontType2"):
            return  # their Unicode mapping belongs to the Type0 parent
        fd = pdf.dict(d.get("/FontDescriptor"))
        symbolic = bool(isinstance(fd, dict) and fd.get("/Flags", 0) & 4)
        enc = pdf.get(d.get("/Encoding"))
        base = enc.get("/BaseEncoding") if isinstance(enc, dict) else enc
        if st == "TrueType":
            if symbolic and enc is not None:
                self.fail("7.21.6-3", "31", where, "symbolic TrueType font has /Encoding")
            if not symbolic and base not in ("/WinAnsiEncoding", "/MacRomanEncoding"):
                self.fail("7.21.6-2", "31", where,
                          f"non-symbolic TrueType font has encoding {base}")
        tu = d.get("/ToUnicode")
        if tu is not None:
            data = pdf.stream_data(tu)
            if data is None:
                self.fail("7.21.7-1", "31", where, "/ToUnicode is not a stream")
            else:
                for p in parse_to_unicode(data)[2]:
                    self.fail("7.21.7-1", "31", where, p)
            return  # the codes text operators use are checked with the content
        if st == "Type3":
            return
        if st == "Type0":
            desc = [pdf.get(x) for x in as_list(pdf.get(d.get("/DescendantFonts")))]
            info = pdf.get(desc[0].get("/CIDSystemInfo")) if desc and isinstance(desc[0],
                                                                                  dict) else None
            ordering = None
            if isinstance(info, dict):
                ordering = f"{text(info.get('/Registry'))}-{text(info.get('/Ordering'))}"
            if ordering not in CJK_COLLECTIONS:
                self.fail("7.21.7-1", "31", where,
                          "Type0 font without /ToUnicode: its text cannot be mapped to Unicode")
            return
        if symbolic or base not in ("/WinAnsiEncoding", "/MacRomanEncoding",
                                    "/MacExpertEncoding", "/StandardEncoding") and not (
                                        st in ("Type1", "MMType1") and base is None):
            self.fail("7.21.7-1", "31", where,
                      "no /ToUnicode and no standard encoding: text cannot be mapped to Unicode")

    # -- content streams -----------------------------------------------------------

    def check_pages(self):
        for ref in self.pages:
            page = self.pdf.dict(ref)
            res = self.resources(ref)
            self.content_mcids[ref] = {}
            st = ContentState(self, ref)
            contents = page.get("/Contents")
            streams = []
            if isinstance(contents, str) and self.pdf.stream_data(contents) is None:
                contents = self.pdf.get(contents)
            for c in as_list(contents):
                if self.pdf.stream_data(c) is not None:
                    streams.append(c)
            for c in streams:
                self.run_stream(st, c, res, self.where_page(ref) + f" content {c}")
            st.finish(self.where_page(ref))
            annots = [a for a in as_list(self.pdf.get(page.get("/Annots")))]
            if annots and page.get("/Tabs") != "/S":
                self.fail("7.18.3-1", "28-008" if "/Tabs" not in page else "28-009",
                          self.where_page(ref),
                          f"has {len(annots)} annotation(s) but /Tabs is "
                          f"{page.get('/Tabs', 'missing')}, not /S")

    def resources(self, page_ref):
        """A page's resources, inherited from its ancestors if need be."""
        d, hops = self.pdf.get(page_ref), 0
        while isinstance(d, dict) and hops < 64:
            if "/Resources" in d:
                return self.pdf.dict(d["/Resources"])
            d, hops = self.pdf.get(d.get("/Parent")), hops + 1
        return {}

    def run_stream(self, st, ref, res, where, form_depth=0):
        data = self.pdf.stream_data(ref)
        start_depth = st.mc_depth()
        try:
            for op, args in Lexer(data).operations():
                st.op(op, args, res, where, form_depth)
        except LexError as e:
            self.fail("ISO32000-7.8.2", None, where, f"content stream does not parse: {e}")
        if st.mc_depth() != start_depth:
            self.fail("ISO32000-14.6", None, where,
                      "marked-content sequences (BMC/BDC ... EMC) do not balance within the "
                      "content stream")
            st.reset_mc(start_depth)

    # -- the structure tree ----------------------------------------------------------

    def check_structure(self):
        pdf = self.pdf
        root_ref = self.root.get("/StructTreeRoot")
        root = pdf.get(root_ref)
        self.elements = {}        # ref -> Element
        self.order = []           # elements in document (reading) order
        self.mcid_refs = {}       # (page, mcid) -> [element refs]
        self.objr = {}            # annotation ref -> [element refs]
        self.note_ids = {}        # Note /ID -> element refs
        if not isinstance(root, dict):
            return
        self.rolemap = {name(k): name(v) for k, v in pdf.dict(root.get("/RoleMap")).items()}
        for k in self.rolemap:
            if k in STANDARD_TYPES:
                self.fail("7.1-7", "02-004", "RoleMap", f"standard type {k} is remapped to "
                          f"{self.rolemap[k]}")
        self.root_kids = []
        for kid in as_list(root.get("/K")):
            if isinstance(kid, str) and REF.fullmatch(kid):
                self.root_kids.append(kid)
                self.walk(kid, root_ref, None, set())
            else:
                self.fail("ISO32000-14.7.2", None, "StructTreeRoot", f"kid {kid!r} is not a "
                          "structure element reference")
        for e in self.order:
            self.check_element(e)
        self.check_headings()
        self.check_parent_tree(root)
        for note_id, refs in self.note_ids.items():
            if len(refs) > 1:
                self.fail("7.9-2", "19-004", f"structure element {refs[1]}",
                          f"Note /ID {note_id!r} is also the ID of {refs[0]}")

    def walk(self, ref, parent, page, path):
        pdf = self.pdf
        d = pdf.get(ref)
        where = f"structure element {ref}"
        if ref in path:
            self.fail("ISO32000-14.7.2", None, where, "the structure tree has a cycle")
            return
        if ref in self.elements:
            self.fail("ISO32000-14.7.2", None, where, "appears twice in the structure tree")
            return
        if not isinstance(d, dict) or "/S" not in d:
            self.fail("ISO32000-14.7.2", None, where, "is not a structure element (no /S)")
            return
        e = Element(ref, d, parent)
        self.elements[ref] = e
        self.order.append(e)
        e.std = self.standard_type(e.type, where)
        if "/P" not in d:
            self.fail("7.1-12", None, where, f"{e.type} has no /P (parent)")
        elif d["/P"] != parent:
            self.fail("7.1-12", None, where, f"{e.type} has /P {d['/P']}, but its parent is "
                      f"{parent}")
        page = self.page_ref(d, page, where)
        for kid in as_list(d.get("/K")):
            if isinstance(kid, int):
                e.kids.append(("mcid", page, kid))
                self.add_mcid(page, kid, ref, where)
                continue
            kd = pdf.get(kid)
            if isinstance(kd, dict) and kd.get("/Type") == "/MCR":
                pg = self.page_ref(kd, page, where)
                if "/Stm" in kd:
                    e.kids.append(("stm", kd.get("/Stm"), kd.get("/MCID")))
                    self.add_mcid(kd.get("/Stm"), kd.get("/MCID"), ref, where)
                else:
                    e.kids.append(("mcid", pg, kd.get("/MCID")))
                    self.add_mcid(pg, kd.get("/MCID"), ref, where)
            elif isinstance(kd, dict) and kd.get("/Type") == "/OBJR":
                obj = kd.get("/Obj")
                if not is_ref(obj):
                    self.fail("ISO32000-14.7.4.3", None, where,
                              f"OBJR /Obj {obj!r} is not an object reference")
                    continue
                e.kids.append(("objr", self.page_ref(kd, page, where), obj))
                self.objr.setdefault(obj, []).append(ref)
            elif isinstance(kid, str) and REF.fullmatch(kid):
                e.kids.append(("elem", kid))
                self.walk(kid, ref, page, path | {ref})
                if kid in self.elements:
                    e.children.append(self.elements[kid])
            else:
                self.fail("ISO32000-14.7.2", None, where, f"kid {kid!r} is neither an MCID, an "
                          "MCR, an OBJR nor an indirect structure element")
        lang = text(pdf.get(d.get("/Lang")))
        if "/Lang" in d:
            self.check_lang(lang, where)

    def page_ref(self, d, inherited, where):
        """A /Pg entry (or the inherited page) as a page reference."""
        if "/Pg" not in d:
            return inherited
        if is_ref(d["/Pg"]) and d["/Pg"] in self.page_number:
            return d["/Pg"]
        self.fail("ISO32000-14.7.2", None, where, f"/Pg {d['/Pg']!r} is not a page of the "
                  "document")
        return None

    def add_mcid(self, page, mcid, ref, where):
        if isinstance(mcid, bool) or not isinstance(mcid, int) or not is_ref(page):
            self.fail("ISO32000-14.7.4.2", None, where,
                      f"marked-content reference without a page or an integer MCID ({mcid!r})")
            return
        self.mcid_refs.setdefault((page, mcid), []).append(ref)

    def standard_type(self, t, where):
        seen = []
        while t not in STANDARD_TYPES:
            if t in seen:
                self.fail("7.1-6", "02-003", where, "circular role mapping " +
                          " -> ".join(seen + [t]))
                return None
            seen.append(t)
            if t not in self.rolemap:
                self.fail("7.1-5", "02-001", where, f"non-standard type {seen[0]} is not mapped "
                          "to a standard type")
                return None
            t = self.rolemap[t]
        return t

    def check_element(self, e):
        where = f"structure element {e.ref} ({e.type})"
        kids = [c.std for c in e.children if c.std]  # unmapped kids fail 7.1-5
        parent = self.elements.get(e.parent)
        ptype = parent.std if parent else None
        s = e.std
        d = e.d

        def only(allowed, rule, mh):
            bad = sorted({k for k in kids if k not in allowed})
            if bad:
                self.fail(rule, mh, where, f"{s} may hold only {'/'.join(sorted(allowed))}, "
                          f"not {', '.join(map(str, bad))}")
        if s == "Table":
            only({"TR", "THead", "TBody", "TFoot", "Caption"}, "7.2-3", "09-004")
            caps = [i for i, k in enumerate(kids) if k == "Caption"]
            if len(caps) > 1:
                self.fail("7.2-39", "09-004", where, "Table has more than one Caption")
            elif caps and caps[0] not in (0, len(kids) - 1):
                self.fail("7.2-16", "09-004", where, "Table's Caption is not its first or last kid")
            if kids.count("THead") > 1:
                self.fail("7.2-11", "09-004", where, "Table has more than one THead")
            if kids.count("TFoot") > 1:
                self.fail("7.2-12", "09-004", where, "Table has more than one TFoot")
            if "TFoot" in kids and "TBody" not in kids:
                self.fail("7.2-13", "09-004", where, "Table has a TFoot but no TBody")
            if "THead" in kids and "TBody" not in kids:
                self.fail("7.2-14", "09-004", where, "Table has a THead but no TBody")
            self.check_table_grid(e, where)
        elif s == "TR":
            if ptype not in ("Table", "THead", "TBody", "TFoot"):
                self.fail("7.2-4", "09-004", where, f"TR is in {ptype}, not in "
                          "Table/THead/TBody/TFoot")
            only({"TH", "TD"}, "7.2-10", "09-004")
        elif s in ("THead", "TBody", "TFoot"):
            if ptype != "Table":
                self.fail({"THead": "7.2-5", "TBody": "7.2-6", "TFoot": "7.2-7"}[s], "09-004",
                          where, f"{s} is in {ptype}, not in Table")
            only({"TR"}, {"THead": "7.2-36", "TBody": "7.2-37", "TFoot": "7.2-38"}[s], "09-004")
        elif s in ("TH", "TD"):
            if ptype != "TR":
                self.fail("7.2-8" if s == "TH" else "7.2-9", "09-004", where,
                          f"{s} is in {ptype}, not in TR")
            if s == "TH":
                scope = table_attr(self.pdf, d, "/Scope")
                if scope not in ("/Row", "/Column", "/Both"):
                    self.fail("7.5-1", "15-003", where,
                              f"TH has no Table attribute /Scope Row/Column/Both ({scope})")
        elif s == "L":
            only({"L", "LI", "Caption"}, "7.2-19", "09-005")
            if "Caption" in kids and (kids.count("Caption") > 1 or kids[0] != "Caption"):
                self.fail("7.2-40", "09-005", where, "L's Caption is not its only first kid")
        elif s == "LI":
            if ptype != "L":
                self.fail("7.2-17", "09-005", where, f"LI is in {ptype}, not in L")
            only({"Lbl", "LBody"}, "7.2-20", "09-005")
        elif s == "LBody":
            if ptype != "LI":
                self.fail("7.2-18", "09-005", where, f"LBody is in {ptype}, not in LI")
        elif s == "TOC":
            only({"TOC", "TOCI", "Caption"}, "7.2-27", "09-006")
            if "Caption" in kids and (kids.count("Caption") > 1 or kids[0] != "Caption"):
                self.fail("7.2-28", "09-006", where, "TOC's Caption is not its only first kid")
        elif s == "TOCI":
            if ptype != "TOC":
                self.fail("7.2-26", "09-006", where, f"TOCI is in {ptype}, not in TOC")
        elif s in ("Figure", "Formula"):
            alt = text(self.pdf.get(d.get("/Alt")))
            if not alt and not text(self.pdf.get(d.get("/ActualText"))):
                self.fail("7.3-1" if s == "Figure" else "7.7-1",
                          "13-004" if s == "Figure" else "17", where,
                          f"{s} has neither /Alt nor /ActualText")
        elif s == "Note":
            note_id = text(self.pdf.get(d.get("/ID")))
            if not note_id:
                self.fail("7.9-1", "19-003", where, "Note has no /ID")
            else:
                self.note_ids.setdefault(note_id, []).append(e.ref)
        elif s == "Link":
            objrs = [k for k in e.kids if k[0] == "objr"]
            if not any(self.pdf.dict(k[2]).get("/Subtype") == "/Link" for k in objrs):
                self.fail("ISO32000-14.8.4.4.2", "28-011", where,
                          "Link element holds no OBJR to a Link annotation")
            for _, pg, obj in objrs:
                page = self.pdf.dict(pg)
                if obj not in as_list(self.pdf.get(page.get("/Annots"))):
                    self.fail("ISO32000-14.7.4.3", None, where,
                              f"OBJR to {obj} names {self.where_page(pg)}, whose /Annots does "
                              "not hold it")
        if kids.count("H") > 1:
            self.fail("7.4.4-1", "14-006", where, f"{e.type} has {kids.count('H')} H kids")

    def check_table_grid(self, table, where):
        rows = []
        for c in table.children:
            if c.std == "TR":
                rows.append(c)
            elif c.std in ("THead", "TBody", "TFoot"):
                rows += [r for r in c.children if r.std == "TR"]
        carry, widths = {}, []
        for row in rows:
            occupied = {col for col, left in carry.items() if left > 0}
            carry = {col: left - 1 for col, left in carry.items() if left > 1}
            col = 0
            for cell in row.children:
                if cell.std not in ("TH", "TD"):
                    continue
                while col in occupied:
                    col += 1
                cs = table_attr(self.pdf, cell.d, "/ColSpan")
                rs = table_attr(self.pdf, cell.d, "/RowSpan")
                cs = cs if isinstance(cs, int) and cs > 0 else 1
                rs = rs if isinstance(rs, int) and rs > 0 else 1
                for k in range(col, col + cs):
                    occupied.add(k)
                    if rs > 1:
                        carry[k] = rs - 1
                col += cs
            widths.append(len(occupied))
        if len(set(widths)) > 1:
            self.fail("7.2-42", "15", where,
                      f"rows span different numbers of columns: {widths}")

    def check_headings(self):
        prev, first = None, True
        uses_h = any(e.std == "H" for e in self.order)
        uses_hn = [e for e in self.order if e.std and re.fullmatch(r"H[1-6]", e.std)]
        if uses_h and uses_hn:
            self.fail("7.4.4-2", "14-007", f"structure element {uses_hn[0].ref}",
                      "the document uses both H and H1-H6")
        for e in uses_hn:
            level = int(e.std[1])
            where = f"structure element {e.ref} ({e.type})"
            if first and level != 1:
                self.fail("7.4.2-1", "14-002", where, f"the first heading is H{level}, not H1")
            elif prev is not None and level > prev + 1:
                self.fail("7.4.2-1", "14-003", where,
                          f"heading level skips from H{prev} to H{level}")
            first, prev = False, level

    def check_mcids(self):
        for page, mcids in self.content_mcids.items():
            for mcid, count in sorted(mcids.items()):
                refs = self.mcid_refs.get((page, mcid), [])
                if count > 1:
                    self.fail("ISO32000-14.7.4.2", None, self.where_page(page),
                              f"MCID {mcid} is used by {count} marked-content sequences")
                if not refs:
                    self.fail("7.1-3", "01-005", self.where_page(page),
                              f"MCID {mcid} is marked in the content but no structure element "
                              "references it")
                elif len(refs) > 1:
                    self.fail("ISO32000-14.7.4.2", None, self.where_page(page),
                              f"MCID {mcid} is referenced by {len(refs)} structure elements "
                              f"({', '.join(refs)})")
        for (page, mcid), refs in sorted(self.mcid_refs.items(), key=str):
            if page in self.content_mcids:
                if mcid not in self.content_mcids[page]:
                    self.fail("ISO32000-14.7.4.2", None, f"structure element {refs[0]}",
                              f"references MCID {mcid} on {self.where_page(page)}, which the "
                              "page's content does not mark")
            elif mcid not in self.stream_mcids.get(page, set()):
                self.fail("ISO32000-14.7.4.2", None, f"structure element {refs[0]}",
                          f"references MCID {mcid} in {page}, which no page or drawn form "
                          "marks")

    def parent_tree(self, root):
        """{key: value} of the ParentTree number tree, with failures."""
        out = {}

        def walk(node, depth):
            node = self.pdf.get(node)
            if not isinstance(node, dict) or depth > 32:
                self.fail("ISO32000-14.7.4.4", None, "ParentTree", "malformed number tree node")
                return
            nums = as_list(self.pdf.get(node.get("/Nums")))
            for k, v in zip(nums[0::2], nums[1::2]):
                if not isinstance(k, int) or isinstance(k, bool):
                    self.fail("ISO32000-14.7.4.4", None, "ParentTree", f"key {k!r} is not an "
                              "integer")
                    continue
                if k in out:
                    self.fail("ISO32000-14.7.4.4", None, "ParentTree", f"key {k} appears twice")
                out[k] = v
            for kid in as_list(self.pdf.get(node.get("/Kids"))):
                walk(kid, depth + 1)
        if "/ParentTree" not in root:
            self.fail("ISO32000-14.7.4.4", None, "StructTreeRoot", "no /ParentTree")
            return None
        walk(root["/ParentTree"], 0)
        return out

    def check_parent_tree(self, root):
        tree = self.parent_tree(root)
        if tree is None:
            return
        nxt = root.get("/ParentTreeNextKey")
        keys = [k for k in tree if isinstance(k, int)]
        if isinstance(nxt, int) and keys and nxt <= max(keys):
            self.fail("ISO32000-14.7.4.4", None, "StructTreeRoot",
                      f"/ParentTreeNextKey {nxt} is not above every ParentTree key")
        used = {}
        for page in self.pages:
            pd = self.pdf.dict(page)
            mcids = self.content_mcids.get(page, {})
            key = pd.get("/StructParents")
            if key is not None and (not isinstance(key, int) or isinstance(key, bool)):
                self.fail("ISO32000-14.7.4.4", None, self.where_page(page),
                          f"/StructParents {key!r} is not an integer")
                continue
            if key is None:
                if mcids:
                    self.fail("ISO32000-14.7.4.4", None, self.where_page(page),
                              "has marked content with MCIDs but no /StructParents")
                continue
            used.setdefault(key, []).append(self.where_page(page))
            arr = self.pdf.get(tree.get(key))
            if not isinstance(arr, list):
                self.fail("ISO32000-14.7.4.4", None, self.where_page(page),
                          f"/StructParents {key} has no array in the ParentTree")
                continue
            for mcid in sorted(mcids):
                refs = self.mcid_refs.get((page, mcid), [])
                got = arr[mcid] if 0 <= mcid < len(arr) else None
                if refs and got not in refs:
                    self.fail("ISO32000-14.7.4.4", None, self.where_page(page),
                              f"ParentTree[{key}][{mcid}] is {got}, but MCID {mcid} belongs to "
                              f"{refs[0]}")
        for annot, refs in self.objr.items():
            ad = self.pdf.get(annot)
            if not isinstance(ad, dict):
                self.fail("ISO32000-14.7.4.3", None, f"structure element {refs[0]}",
                          f"OBJR to {annot}, which does not exist")
                continue
            key = ad.get("/StructParent")
            where = f"annotation {annot}"
            if key is not None and (not isinstance(key, int) or isinstance(key, bool)):
                self.fail("ISO32000-14.7.4.4", None, where, f"/StructParent {key!r} is not an "
                          "integer")
                continue
            if key is None:
                self.fail("ISO32000-14.7.4.4", None, where,
                          "is in the structure tree but has no /StructParent")
                continue
            used.setdefault(key, []).append(where)
            if tree.get(key) not in refs:
                self.fail("ISO32000-14.7.4.4", None, where,
                          f"ParentTree[{key}] is {tree.get(key)}, not its element {refs[0]}")
        for key, users in used.items():
            if len(users) > 1:
                self.fail("ISO32000-14.7.4.4", None, "ParentTree",
                          f"key {key} is used by {', '.join(users)}")

    def check_annotations(self):
        for page in self.pages:
            pd = self.pdf.dict(page)
            for annot in as_list(self.pdf.get(pd.get("/Annots"))):
                ad = self.pdf.get(annot)
                if not isinstance(ad, dict):
                    continue
                st = name(ad.get("/Subtype"))
                where = f"{st} annotation {annot} on {self.where_page(page)}"
                holders = [self.elements[r].std for r in
                           (self.objr.get(annot, []) if is_ref(annot) else [])
                           if r in self.elements]
                if st == "TrapNet":
                    self.fail("7.18.2-1", "28", where, "TrapNet annotations are not allowed")
                elif st == "Link":
                    if "Link" not in holders:
                        self.fail("7.18.5-1", "28-011", where,
                                  "is not in a Link structure element (no OBJR to it)")
                    if not text(self.pdf.get(ad.get("/Contents"))):
                        self.fail("7.18.5-2", "28-012", where, "has no /Contents (alternate "
                                  "description)")
                elif st == "PrinterMark":
                    if holders:
                        self.fail("7.18.8-1", "28", where, "is in the structure tree")
                elif st not in ("Widget", "Popup") and "Annot" not in holders:
                    self.fail("7.18.1-1", "28-002", where, "is not in an Annot structure element")

    # -- the run --------------------------------------------------------------------

    def run(self):
        self.stream_mcids = {}
        self.check_document()
        self.check_objects()
        self.check_pages()
        self.check_structure()
        self.check_mcids()
        self.check_annotations()
        self.check_glyphs()
        return self.failures

    def check_glyphs(self):
        """7.21.7: the codes text operators really show map to valid Unicode
        (an identity ToUnicode may map unused codes to U+0000 or U+FEFF)."""
        for ref, font in self.fonts.items():
            if font is None:
                continue
            where = f"font {ref}"
            if font.unmapped:
                codes = ", ".join(f"{c:#06x}" for c in sorted(font.unmapped)[:5])
                self.fail("7.21.7-1", "31", where, f"{len(font.unmapped)} code(s) shown but not "
                          f"mapped by its /ToUnicode ({codes})")
            if font.invalid:
                codes = ", ".join(f"{c:#06x}" for c in sorted(font.invalid)[:5])
                self.fail("7.21.7-2", "31", where, f"{len(font.invalid)} code(s) shown map to "
                          f"U+0000, U+FEFF, U+FFFE or nothing ({codes})")

    def tree(self):
        lines = []

        def show(e, depth):
            bits = [e.type if e.type == e.std else f"{e.type}->{e.std}"]
            for k in ("/Lang", "/Alt", "/ActualText", "/T", "/ID"):
                v = text(self.pdf.get(e.d.get(k)))
                if v is not None:
                    bits.append(f"{k[1:]}={v!r}")
            scope = table_attr(self.pdf, e.d, "/Scope")
            if scope:
                bits.append(f"Scope={scope[1:]}")
            for k in ("/ColSpan", "/RowSpan"):
                v = table_attr(self.pdf, e.d, k)
                if v:
                    bits.append(f"{k[1:]}={v}")
            lines.append("  " * depth + " ".join(bits))
            for kid in e.kids:
                if kid[0] == "mcid":
                    t = self.mcid_text.get((kid[1], kid[2]), "")
                    lines.append("  " * (depth + 1) +
                                 f"[p{self.page_number.get(kid[1], '?')} mcid {kid[2]}] {t!r}")
                elif kid[0] == "objr":
                    ad = self.pdf.dict(kid[2])
                    a = self.pdf.dict(ad.get("/A"))
                    lines.append("  " * (depth + 1) + f"[{name(ad.get('/Subtype'))} {kid[2]} "
                                 f"Contents={text(self.pdf.get(ad.get('/Contents')))!r} "
                                 f"URI={text(self.pdf.get(a.get('/URI')))!r}]")
                elif kid[0] == "elem" and kid[1] in self.elements:
                    show(self.elements[kid[1]], depth + 1)
        for r in getattr(self, "root_kids", []):
            if r in self.elements:
                show(self.elements[r], 0)
        return "\n".join(lines)


class Element:
    def __init__(self, ref, d, parent):
        self.ref, self.d, self.parent = ref, d, parent
        self.type = name(d.get("/S")) or str(d.get("/S"))
        self.std = None
        # ("mcid", page, n), ("objr", page, obj), ("elem", ref) or ("stm", form, n)
        self.kids = []
        self.children = []   # Element kids in order


def table_attr(pdf, d, key):
    """A Table-owner attribute of a structure element (/A dict or array)."""
    for a in as_list(pdf.get(d.get("/A"))):
        a = pdf.get(a)
        if isinstance(a, dict) and a.get("/O") == "/Table" and key in a:
            return pdf.get(a[key])
    return None


class ContentState:
    """The marked-content, text-object and path state while a page's content
    is tokenised; records MCIDs and checks every painting operator."""

    def __init__(self, checker, page):
        self.c, self.page = checker, page
        self.stack = []          # frames: ("BT",) or ("MC", tag, mcid, artifact)
        self.path_open = False
        self.untagged = []       # (where, operator) of painting outside real content/artifacts
        self.font = None
        self.forms = []          # the form XObjects being drawn, innermost last

    def mc_depth(self):
        return sum(1 for f in self.stack if f[0] == "MC")

    def reset_mc(self, depth):
        while self.mc_depth() > depth:
            for i in range(len(self.stack) - 1, -1, -1):
                if self.stack[i][0] == "MC":
                    del self.stack[i]
                    break

    def context(self):
        """('artifact', None), ('real', mcid) or (None, None) for the innermost frames."""
        for f in reversed(self.stack):
            if f[0] == "MC" and f[3]:
                return "artifact", None
            if f[0] == "MC" and f[2] is not None:
                return "real", f[2]
        return None, None

    def op(self, op, args, res, where, form_depth):
        c = self.c
        if op in ("BMC", "BDC"):
            if self.path_open:
                c.fail("ISO32000-14.6", None, where, f"{op} inside a path object")
            tag = args[0] if args and isinstance(args[0], Name) else None
            props = args[1] if op == "BDC" and len(args) > 1 else None
            if isinstance(props, Name):
                props = c.pdf.get(c.pdf.dict(res.get("/Properties")).get("/" + props))
                props = json_to_content(props)
            props = props if isinstance(props, dict) else {}
            mcid = props.get("MCID") if isinstance(props.get("MCID"), int) else None
            artifact = tag == "Artifact"
            kind, _ = self.context()
            if artifact and any(f[0] == "MC" and f[2] is not None for f in self.stack):
                c.fail("7.1-1", "01-003", where, "Artifact inside tagged content")
            if mcid is not None and kind == "artifact":
                c.fail("7.1-2", "01-004", where, f"tagged content (MCID {mcid}) inside an Artifact")
            if "Lang" in props:
                lang = props["Lang"]
                c.check_lang(lang.decode("latin-1") if isinstance(lang, bytes) else str(lang),
                             where + f" {tag} property list")
            if mcid is not None:
                if self.forms:
                    c.stream_mcids.setdefault(self.forms[-1], set()).add(mcid)
                else:
                    mc = c.content_mcids[self.page]
                    mc[mcid] = mc.get(mcid, 0) + 1
            self.stack.append(("MC", tag, mcid, artifact))
        elif op == "EMC":
            if self.path_open:
                c.fail("ISO32000-14.6", None, where, "EMC inside a path object")
            if not self.stack:
                c.fail("ISO32000-14.6", None, where, "EMC without a BMC/BDC")
            elif self.stack[-1][0] != "MC":
                c.fail("ISO32000-14.6", None, where,
                       "EMC closes a marked-content sequence that began outside the open "
                       "BT ... ET text object (BDC BT ... EMC ... ET)")
                self.reset_mc(self.mc_depth() - 1)
            else:
                self.stack.pop()
        elif op == "BT":
            if any(f[0] == "BT" for f in self.stack):
                c.fail("ISO32000-9.4", None, where, "BT inside a text object")
            self.stack.append(("BT",))
        elif op == "ET":
            if not self.stack or self.stack[-1][0] != "BT":
                if any(f[0] == "BT" for f in self.stack):
                    c.fail("ISO32000-14.6", None, where,
                           "ET closes a text object while a marked-content sequence begun "
                           "inside it is still open (BT BDC ... ET ... EMC)")
                    while self.stack and self.stack[-1][0] != "BT":
                        self.stack.pop()
                    self.stack.pop()
                else:
                    c.fail("ISO32000-9.4", None, where, "ET without BT")
            else:
                self.stack.pop()
        elif op in PATH_BUILD:
            self.path_open = True
        elif op == "n":
            self.path_open = False
        elif op == "Tf" and args and isinstance(args[0], Name):
            fonts = c.pdf.dict(res.get("/Font"))
            ref = fonts.get("/" + args[0])
            if ref not in c.fonts:
                fd = c.pdf.get(ref)
                c.fonts[ref] = Font(c.pdf, ref, fd) if isinstance(fd, dict) else None
            self.font = c.fonts[ref]
        elif op in ("Td", "TD", "T*", "Tm") and self.context()[0] == "real":
            self.add_text(" ")
        if op in PATH_PAINT:
            self.path_open = False
        if op in TEXT_SHOW or op in PATH_PAINT or op in ("sh", "BI"):
            self.painted(op, where)
            if op in TEXT_SHOW:
                self.show(op, args)
        elif op == "Do" and args and isinstance(args[0], Name):
            xobjs = c.pdf.dict(res.get("/XObject"))
            ref = xobjs.get("/" + args[0])
            xd = c.pdf.get(ref)
            if isinstance(xd, dict) and xd.get("/Subtype") == "/Form" and form_depth < 8:
                fres = c.pdf.dict(xd.get("/Resources")) or res
                saved, self.stack = self.stack, list(self.stack)
                self.forms.append(ref)
                c.run_stream(self, ref, fres, f"form {ref} drawn on " + where, form_depth + 1)
                self.forms.pop()
                self.stack = saved
            else:
                self.painted("Do", where)

    def painted(self, op, where):
        kind, _ = self.context()
        if kind is None:
            self.untagged.append((where, op))

    def show(self, op, args):
        if self.font is None:
            return
        parts = []
        for a in args:
            if isinstance(a, bytes):
                parts.append(self.font.decode(a))
            elif isinstance(a, list):
                for x in a:
                    if isinstance(x, bytes):
                        parts.append(self.font.decode(x))
                    elif isinstance(x, (int, float)) and x < -200:
                        parts.append(" ")
        if self.context()[0] == "real":
            self.add_text("".join(parts))

    def add_text(self, s):
        mcid = self.context()[1]
        key = (self.page, mcid)
        cur = self.c.mcid_text.get(key, "")
        if s == " " and (not cur or cur.endswith(" ")):
            return
        self.c.mcid_text[key] = cur + s

    def finish(self, where):
        if any(f[0] == "BT" for f in self.stack):
            self.c.fail("ISO32000-9.4", None, where, "a text object (BT) is never closed")
        if self.untagged:
            ops = {}
            for w, op in self.untagged:
                ops[op] = ops.get(op, 0) + 1
            summary = ", ".join(f"{n} {op}" for op, n in sorted(ops.items()))
            self.c.fail("7.1-3", "01-005", where,
                        f"{len(self.untagged)} painting operator(s) neither in tagged content nor "
                        f"in an Artifact ({summary})")


def json_to_content(v):
    """A qpdf JSON property-list dictionary in the lexer's form."""
    if isinstance(v, dict):
        return {k[1:]: json_to_content(x) for k, x in v.items()}
    if isinstance(v, str) and v.startswith("/"):
        return Name(v[1:])
    if isinstance(v, str) and (v.startswith("u:") or v.startswith("b:")):
        return (text(v) or "").encode("latin-1", "replace")
    return v


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdf")
    ap.add_argument("--tree", action="store_true", help="print the structure tree")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `--tree | head` ends quietly
    if not os.path.isfile(args.pdf):  # a FIFO or device would block qpdf forever
        print(f"error: {args.pdf}: not a regular file", file=sys.stderr)
        return 2
    try:
        checker = Checker(args.pdf)
        failures = checker.run()
    except (OSError, ValueError, KeyError) as e:
        print(f"error: {args.pdf}: {e}", file=sys.stderr)
        return 2
    if args.tree:
        print(checker.tree())
    for f in failures:
        print(f)
    if not failures:
        print("ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
