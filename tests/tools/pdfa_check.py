#!/usr/bin/python3
"""Our own PDF/A-2b and PDF/A-2a checks (veraPDF is not available on Debian 12).

  pdfa_check.py FILE.pdf        prints one line per failed rule; exit 0 if none

It parses the file's objects with `qpdf --json` (version 2, streams decoded
inline), the XMP packet as XML (xml.etree) and content streams with a small
tokenizer, never by grepping bytes.

Rules checked (ISO 19005-2 clause in brackets; with conformance A, the file
must also pass the level A rules listed after these):
  * file header %PDF-1.n with n <= 7 and a binary comment line [6.1.2]
  * nothing after the last %%EOF but one optional end-of-line [6.1.3]
  * qpdf --check finds no syntax or stream errors [6.1]
  * trailer /ID present, two 16-byte strings [6.1.3]; no /Encrypt [6.1.3]
  * no external streams (/F, /FFilter, /FDecodeParms) and no LZWDecode
    filter [6.1.7]
  * implementation limits: names <= 127 bytes, strings <= 32767 bytes,
    integers within 32 bits, at most 8,388,607 objects, q/Q nesting <= 28
    in content streams [6.1.13]
  * catalog /Perms holds only /UR3 or /DocMDP [6.1.12]; no /AcroForm /XFA
    and no /NeedsRendering true [6.9]
  * catalog /Metadata: a /Type /Metadata /Subtype /XML stream, not filtered;
    well-formed XML; the xpacket header without bytes/encoding attributes;
    pdfaid:part 2 and pdfaid:conformance B or A [6.6.2, 6.6.4]
  * XMP consistent with the document information dictionary: Title =
    dc:title, Author = dc:creator, Subject = dc:description, Keywords =
    pdf:Keywords, Creator = xmp:CreatorTool, Producer = pdf:Producer,
    CreationDate = xmp:CreateDate, ModDate = xmp:ModifyDate [6.6.3]
  * every XMP property outside the predefined schemas is described by a
    pdfaExtension schema; every extension schema has schema, namespaceURI and
    prefix, the prefix is the one the packet binds to that namespace, and
    every property has name, a known valueType, category internal/external
    and description; the extension-schema namespaces use their standard
    prefixes [6.6.2.3]
  * /OutputIntents with a GTS_PDFA1 intent whose DestOutputProfile is an ICC
    stream whose /N matches the profile's colour space, of device class
    'mntr' or 'prtr', ICC major version <= 4; several intents share one
    profile object [6.2.3]
  * device colours match the output intent: no CMYK operators (k, K) or
    DeviceCMYK colour spaces with an RGB intent, no RGB (rg, RG, DeviceRGB)
    with a CMYK intent [6.2.4.3]
  * every font embedded: TrueType fonts with /FontFile2, Type0 fonts with
    an embedded CIDFont [6.2.11.4]; CIDFontType2 fonts have /CIDToGIDMap
    [6.2.11.3.2]; non-symbolic TrueType fonts use WinAnsiEncoding or
    MacRomanEncoding, symbolic ones no /Encoding [6.2.11.6]
  * no transparency at all: no /SMask in graphics states or images, no /CA
    or /ca below 1 (annotations included), blend modes only Normal/Compatible,
    no transparency groups [6.4] — stricter than PDF/A-2, which allows
    transparency; we never write any
  * graphics states: no /TR, /TR2 other than /Default, no /HTO; rendering
    intents (/RI, /Intent, the ri operator) only the four standard ones
    [6.2.5, 6.2.6]; images: no /Interpolate true, /Alternates or /OPI; no
    PostScript XObjects or /PS in forms [6.2.8, 6.2.9]
  * annotations: only ISO 32000-1 types, not 3D, Sound, Screen or Movie
    [6.3.1]; printable (F has Print, not Hidden, Invisible, NoView or
    ToggleNoView) [6.3.2]; an appearance dictionary holds only /N, and every
    annotation but Popup and Link with a non-empty Rect has one [6.3.3]
  * actions: no Launch, Sound, Movie, ResetForm, ImportData, Hide,
    SetOCGState, Rendition, Trans, GoTo3DView or JavaScript; Named actions
    only NextPage, PrevPage, FirstPage, LastPage; no /JS, no /AA [6.5, 6.6.1]
  * no embedded files in the name tree [6.8] (stricter than PDF/A-2, which
    allows embedded PDF/A files)
Level A (only when the XMP says pdfaid:conformance A; veraPDF PDFA-2A rule ids):
  * catalog /MarkInfo with /Marked true [6.7.2.2-1]
  * catalog /StructTreeRoot [6.7.3.3-1]
  * every structure type is standard or role-mapped to one, without cycles,
    and no standard type is remapped [6.7.3.4-1, -2, -3]
  * catalog /Lang present (stricter than 6.7.4, which lets structure elements
    and marked content declare it; we always write it) and every /Lang in
    the catalog, structure elements and marked-content property lists a
    language tag [6.7.4-1]
  * every font maps its codes to Unicode (/ToUnicode, or a simple font with a
    standard encoding), every code a text operator shows is mapped, and none
    to U+0000, U+FEFF or U+FFFE [6.2.11.7.2-1, -2] (ua_check.py's reading)
  * the PDF/UA identification (pdfuaid) that our tagged files carry is
    declared as an extension schema, its property `part` as Integer [6.6.2.3]
  Level A rules not checked here: tagging itself (real content tagged,
  artifacts, reading order, structure semantics) — that is
  tests/tools/ua_check.py's job, which PDF/UA-1 makes stricter than PDF/A-2a —
  and Private Use Area characters needing /ActualText (6.2.11.7.3), which
  needs the glyphs each text operator uses.
Not checked: glyph-width consistency between /Widths and the font programs
(6.2.11.5), that font programs hold every glyph used (6.2.11.4.1), CMap and
ToUnicode details (6.2.11.3, ToUnicode only matters for level U/A), Default
colour spaces that would excuse an otherwise mismatched device colour
(6.2.4.3), halftone details (6.2.5), the XMP packet's full RDF grammar beyond
well-formedness and the properties' value types (6.6.2), hexadecimal-string
and cross-reference syntax qpdf silently repairs, and PDF/A rules for
features we never write (forms, optional content, 3D, signatures,
PostScript, JPEG2000, embedded files). Nor ISO 32000 rules that are not PDF/A
rules (e.g. FontDescriptor /CapHeight, which libharu omits for CID fonts).
"""
import base64
import io
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import ua_check  # the structure types, Unicode maps and content lexer, shared

NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
    "pdfaType": "http://www.aiim.org/pdfa/ns/type#",
    "pdfaField": "http://www.aiim.org/pdfa/ns/field#",
    "pdfuaid": "http://www.aiim.org/pdfua/ns/id/",
}
# The extension-schema namespaces and the prefixes PDF/A prescribes for them.
EXTENSION_PREFIXES = {NS[p]: p for p in
                      ("pdfaExtension", "pdfaSchema", "pdfaProperty", "pdfaType", "pdfaField")}
# XMP value types an extension property may name without defining it.
XMP_TYPES = {"Boolean", "Date", "Integer", "Real", "Text", "AgentName", "Choice", "GUID",
             "Lang Alt", "Locale", "MIMEType", "ProperName", "RenderingIntent", "URI", "URL",
             "XPath", "Rational", "RenderingIntent", "Thumbnail", "Dimensions", "ResourceRef",
             "ResourceEvent", "Version", "Job", "Font", "Colorant"}
RENDERING_INTENTS = {"/RelativeColorimetric", "/AbsoluteColorimetric", "/Perceptual", "/Saturation"}
FORBIDDEN_ACTIONS = {"/Launch", "/Sound", "/Movie", "/ResetForm", "/ImportData", "/Hide",
                     "/SetOCGState", "/Rendition", "/Trans", "/GoTo3DView", "/JavaScript"}
NAMED_ACTIONS = {"/NextPage", "/PrevPage", "/FirstPage", "/LastPage"}
ANNOTATION_TYPES = {"/Text", "/Link", "/FreeText", "/Line", "/Square", "/Circle", "/Polygon",
                    "/PolyLine", "/Highlight", "/Underline", "/Squiggly", "/StrikeOut", "/Stamp",
                    "/Caret", "/Ink", "/Popup", "/FileAttachment", "/Widget", "/PrinterMark",
                    "/TrapNet", "/Watermark", "/Redact"}
INT_MAX = 2**31 - 1
# Namespaces whose properties PDF/A predefines (no extension schema needed).
PREDEFINED = {NS["pdfaid"], NS["dc"], NS["pdf"], NS["xmp"], NS["pdfaExtension"],
              "http://ns.adobe.com/xap/1.0/mm/", "http://ns.adobe.com/xap/1.0/rights/"}


class Pdf:
    def __init__(self, path):
        out = subprocess.run(["qpdf", "--json", "--json-stream-data=inline",
                              "--decode-level=generalized", path],
                             check=True, capture_output=True, text=True).stdout
        self.json = json.loads(out)
        self.objects = self.json["qpdf"][1]

    def resolve(self, value):
        while isinstance(value, str) and re.fullmatch(r"\d+ \d+ R", value):
            obj = self.objects.get("obj:" + value)
            if obj is None:
                return None
            value = obj.get("value", obj.get("stream"))
        return value

    def obj(self, ref):
        return self.objects.get("obj:" + ref)

    def stream(self, ref):
        o = self.obj(ref)
        return o.get("stream") if o else None


def pdf_string(v):
    if v is None:
        return None
    if isinstance(v, str) and v.startswith("u:"):
        return v[2:]
    if isinstance(v, str) and v.startswith("b:"):
        raw = bytes.fromhex(v[2:])
        if raw.startswith(b"\xfe\xff"):
            return raw[2:].decode("utf-16-be")
        return raw.decode("latin-1")
    return v


def pdf_date_to_xmp(d):
    """D:YYYYMMDDHHmmSSZ / +HH'mm' -> an ISO 8601 string XMP would carry."""
    m = re.fullmatch(r"D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(Z|[+-]\d{2}'\d{2}'?)?", d or "")
    if not m:
        return None
    y, mo, da, h, mi, s, tz = m.groups()
    tz = "Z" if tz in (None, "Z", "+00'00'", "+00'00") else tz[:3] + ":" + tz[4:6]
    return f"{y}-{mo}-{da}T{h}:{mi}:{s}{tz}"


def xmp_text(root, path):
    e = root.find(path, NS)
    return None if e is None else (e.text or "")


def walk(value):
    """Every primitive in a qpdf JSON value (dict keys included)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v)
    else:
        yield value


def dicts(value):
    """`value` if it is a dictionary, and every dictionary nested in it."""
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from dicts(v)
    elif isinstance(value, list):
        for v in value:
            yield from dicts(v)


DELIMITERS = b"()<>[]{}/%"
WHITESPACE = b"\x00\t\n\x0c\r "


def content_tokens(data):
    """(kind, token) for a content stream: kind is 'op', 'name', 'num',
    'str' or 'other'. Strings, comments and inline image data are skipped
    over correctly; nothing else is interpreted."""
    i, n = 0, len(data)
    while i < n:
        c = data[i]
        if c in WHITESPACE:
            i += 1
        elif c == ord("%"):
            while i < n and data[i] not in b"\r\n":
                i += 1
        elif c == ord("("):
            depth, i = 1, i + 1
            while i < n and depth:
                if data[i] == ord("\\"):
                    i += 2
                    continue
                depth += {ord("("): 1, ord(")"): -1}.get(data[i], 0)
                i += 1
            yield "str", None
        elif data[i:i + 2] in (b"<<", b">>"):
            i += 2
            yield "other", None
        elif c == ord("<"):
            end = data.find(b">", i)
            i = n if end < 0 else end + 1
            yield "str", None
        elif c in b"[]{}":
            i += 1
            yield "other", None
        elif c == ord("/"):
            j = i + 1
            while j < n and data[j] not in WHITESPACE and data[j] not in DELIMITERS:
                j += 1
            yield "name", data[i:j].decode("latin-1")
            i = j
        else:
            j = i
            while j < n and data[j] not in WHITESPACE and data[j] not in DELIMITERS:
                j += 1
            if j == i:  # a stray delimiter such as ')'
                i += 1
                continue
            tok = data[i:j].decode("latin-1")
            i = j
            if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", tok):
                yield "num", tok
            elif tok == "ID":  # inline image data runs to whitespace + EI
                m = re.compile(rb"\sEI(?=[\s]|$)").search(data, i + 1)
                i = n if m is None else m.end()
                yield "op", "EI"
            else:
                yield "op", tok


def icc_space(icc):
    return {b"RGB ": "RGB", b"CMYK": "CMYK", b"GRAY": "GRAY"}.get(icc[16:20])


def check(path):
    failures = []
    fail = failures.append
    raw = open(path, "rb").read()
    if not re.match(rb"%PDF-1\.[0-7]\r?\n", raw):
        fail("6.1.2 header must be %PDF-1.0 to %PDF-1.7")
    second = raw.split(b"\n", 2)[1] if raw.count(b"\n") > 1 else b""
    if not (second.startswith(b"%") and sum(b >= 128 for b in second[1:5]) >= 4):
        fail("6.1.2 second line must be a comment with at least four bytes >= 128")
    eof = raw.rfind(b"%%EOF")
    if eof < 0 or raw[eof + 5:] not in (b"", b"\n", b"\r\n", b"\r"):
        fail("6.1.3 no data may follow the last %%EOF but one end-of-line marker")
    r = subprocess.run(["qpdf", "--check", path], capture_output=True, text=True)
    if r.returncode != 0:
        fail("6.1 qpdf --check: " + (r.stdout + r.stderr).strip().splitlines()[-1])

    pdf = Pdf(path)
    trailer = pdf.objects["trailer"]["value"]
    ids = pdf.resolve(trailer.get("/ID"))
    if not (isinstance(ids, list) and len(ids) == 2 and
            all(isinstance(i, str) and i.startswith("b:") and len(i) == 34 for i in ids)):
        fail("6.1.3 trailer /ID must hold two 16-byte strings")
    if "/Encrypt" in trailer:
        fail("6.1.3 no encryption allowed")
    root = pdf.resolve(trailer["/Root"])
    info = pdf.resolve(trailer.get("/Info")) or {}

    # Catalog.
    perms = pdf.resolve(root.get("/Perms"))
    if isinstance(perms, dict) and set(perms) - {"/UR3", "/DocMDP"}:
        fail("6.1.12 /Perms may hold only /UR3 and /DocMDP")
    acroform = pdf.resolve(root.get("/AcroForm"))
    if isinstance(acroform, dict) and "/XFA" in acroform:
        fail("6.9 /AcroForm must not contain /XFA")
    if root.get("/NeedsRendering") is True:
        fail("6.9 /NeedsRendering must not be true")

    # XMP metadata.
    meta_ref = root.get("/Metadata")
    meta = pdf.stream(meta_ref) if isinstance(meta_ref, str) else None
    xmp = None
    data = b""
    if meta is None:
        fail("6.6.2 catalog /Metadata stream missing")
    else:
        d = meta["dict"]
        if d.get("/Type") != "/Metadata" or d.get("/Subtype") != "/XML":
            fail("6.6.2 metadata stream needs /Type /Metadata /Subtype /XML")
        if "/Filter" in d:
            fail("6.6.2 metadata stream must not be filtered")
        data = base64.b64decode(meta.get("data", ""))
        header = re.match(rb"\s*<\?xpacket\b([^?]*)\?>", data)
        if header is None:
            fail("6.6.2 XMP must start with an xpacket header")
        elif re.search(rb"\b(bytes|encoding)\s*=", header.group(1)):
            fail("6.6.2 the xpacket header must not use the bytes or encoding attributes")
        try:
            xmp = ET.fromstring(data.decode("utf-8"))
        except (ET.ParseError, UnicodeDecodeError) as e:
            fail(f"6.6.2 XMP is not well-formed XML: {e}")
    if xmp is not None:
        check_xmp(xmp, data, info, fail)
        if xmp_text(xmp, ".//rdf:Description/pdfaid:conformance") == "A":
            check_level_a(path, pdf, root, xmp, fail)

    # Output intents.
    spaces, profiles = set(), set()
    for intent in pdf.resolve(root.get("/OutputIntents")) or []:
        intent = pdf.resolve(intent)
        if not isinstance(intent, dict):
            continue
        ref = intent.get("/DestOutputProfile")
        if ref is not None:
            profiles.add(ref)
        if intent.get("/S") != "/GTS_PDFA1":
            continue
        prof = pdf.stream(ref or "")
        if prof is None:
            continue
        icc = base64.b64decode(prof.get("data", ""))
        space = icc_space(icc)
        n = {"RGB": 3, "CMYK": 4, "GRAY": 1}.get(space)
        if icc[36:40] != b"acsp" or n is None or prof["dict"].get("/N") != n:
            fail("6.2.3 the output intent's ICC profile is not an RGB, CMYK or Gray profile "
                 "with a matching /N")
            continue
        if icc[12:16] not in (b"mntr", b"prtr"):
            fail(f"6.2.3 output intent ICC profile class {icc[12:16]!r} (must be mntr or prtr)")
        if icc[8] > 4:
            fail(f"6.2.3 output intent ICC profile version {icc[8]} (at most 4)")
        spaces.add(space)
    if not spaces:
        fail("6.2.3 no GTS_PDFA1 output intent with an ICC profile")
    if len(profiles) > 1:
        fail("6.2.3 output intents with different DestOutputProfile objects")
    intent_space = next(iter(spaces)) if len(spaces) == 1 else None

    # Objects.
    if len(pdf.objects) - 1 > 8388607:
        fail("6.1.13 more than 8,388,607 indirect objects")
    contents = set()
    for key, o in pdf.objects.items():
        if not key.startswith("obj:"):
            continue
        for v in walk(o.get("value") if "value" in o else o.get("stream", {}).get("dict")):
            if isinstance(v, str) and v.startswith("/") and len(v.encode("utf-8")) - 1 > 127:
                fail(f"6.1.13 {key} has a name longer than 127 bytes")
            elif isinstance(v, str) and v.startswith("b:") and (len(v) - 2) // 2 > 32767:
                fail(f"6.1.13 {key} has a string longer than 32767 bytes")
            elif isinstance(v, str) and v.startswith("u:") and len(v[2:].encode("utf-16-be")) > 32767:
                fail(f"6.1.13 {key} has a string longer than 32767 bytes")
            elif isinstance(v, int) and not isinstance(v, bool) and not -INT_MAX - 1 <= v <= INT_MAX:
                fail(f"6.1.13 {key} has an integer beyond 32 bits")
        top = o.get("value") if "value" in o else o.get("stream", {}).get("dict")
        if not isinstance(top, dict):
            continue
        d = top
        if "stream" in o:
            if any(k in d for k in ("/F", "/FFilter", "/FDecodeParms")):
                fail(f"6.1.7 {key} is an external stream")
            filters = d.get("/Filter")
            if filters == "/LZWDecode" or (isinstance(filters, list) and "/LZWDecode" in filters):
                fail(f"6.1.7 {key} uses LZWDecode")
        t, st = d.get("/Type"), d.get("/Subtype")
        if t == "/Page":
            c = d.get("/Contents")
            if isinstance(c, str) and pdf.stream(c) is None:
                c = pdf.resolve(c)  # a reference to an array of streams
            for ref in (c if isinstance(c, list) else [c]):
                if isinstance(ref, str):
                    contents.add(ref)
        if st == "/Form" and "stream" in o:
            contents.add(key[4:])
        # The object's dictionary and every dictionary nested in it (inline
        # actions, graphics states, resources, ...).
        for d in dicts(top):
            check_fonts(pdf, key, d, fail)
            check_graphics(pdf, key, d, intent_space, fail)
            check_annotation(key, d, fail)
            if d.get("/S") in FORBIDDEN_ACTIONS or "/JS" in d:
                fail(f"6.6.1 {key} has a forbidden action {d.get('/S')}")
            if d.get("/S") == "/Named" and d.get("/N") not in NAMED_ACTIONS:
                fail(f"6.6.1 {key} has a forbidden named action {d.get('/N')}")
            if "/AA" in d:
                fail(f"6.6.2 {key} has additional actions (/AA)")
    for ref in sorted(contents):
        check_content(pdf, ref, intent_space, fail)
    names = pdf.resolve(root.get("/Names")) or {}
    if "/EmbeddedFiles" in names:
        fail("6.8 embedded files are not allowed in PDF/A-2b")
    return failures


def check_xmp(xmp, data, info, fail):
    desc = ".//rdf:Description/"
    if xmp_text(xmp, desc + "pdfaid:part") != "2":
        fail("6.6.4 pdfaid:part must be 2")
    if xmp_text(xmp, desc + "pdfaid:conformance") not in ("A", "B"):
        fail("6.6.4 pdfaid:conformance must be A or B")
    pairs = [
        ("/Title", desc + "dc:title/rdf:Alt/rdf:li"),
        ("/Author", desc + "dc:creator/rdf:Seq/rdf:li"),
        ("/Subject", desc + "dc:description/rdf:Alt/rdf:li"),
        ("/Keywords", desc + "pdf:Keywords"),
        ("/Creator", desc + "xmp:CreatorTool"),
        ("/Producer", desc + "pdf:Producer"),
    ]
    for key, xpath in pairs:
        a, b = pdf_string(info.get(key)), xmp_text(xmp, xpath)
        if a != b and not (a is None and b in (None, "")):
            fail(f"6.6.3 Info {key} {a!r} differs from XMP {b!r}")
    for key, xpath in (("/CreationDate", desc + "xmp:CreateDate"),
                       ("/ModDate", desc + "xmp:ModifyDate")):
        a, b = pdf_string(info.get(key)), xmp_text(xmp, xpath)
        if (a is None) != (b is None) or (a is not None and pdf_date_to_xmp(a) != b):
            fail(f"6.6.3 Info {key} {a!r} differs from XMP {b!r}")

    # Which prefixes the packet binds to which namespaces.
    bound = {}
    for _, (prefix, uri) in ET.iterparse(io.BytesIO(data), events=("start-ns",)):
        bound.setdefault(uri, set()).add(prefix)
    for uri, prefix in EXTENSION_PREFIXES.items():
        if uri in bound and bound[uri] != {prefix}:
            fail(f"6.6.2.3 namespace {uri} must use the prefix {prefix}, not {sorted(bound[uri])}")

    # Extension schemas: complete, and describing every custom property.
    declared = {}
    for schema in xmp.iterfind(".//pdfaExtension:schemas/rdf:Bag/rdf:li", NS):
        uri = xmp_text(schema, "pdfaSchema:namespaceURI")
        prefix = xmp_text(schema, "pdfaSchema:prefix")
        if not xmp_text(schema, "pdfaSchema:schema") or not uri or not prefix:
            fail("6.6.2.3 an extension schema lacks schema, namespaceURI or prefix")
            continue
        if uri in bound and prefix not in bound[uri]:
            fail(f"6.6.2.3 extension schema prefix {prefix} is not the packet's prefix for {uri}")
        types = {xmp_text(t, "pdfaType:type")
                 for t in schema.iterfind("pdfaSchema:valueType/rdf:Seq/rdf:li", NS)}
        names = set()
        for prop in schema.iterfind("pdfaSchema:property/rdf:Seq/rdf:li", NS):
            name = xmp_text(prop, "pdfaProperty:name")
            value_type = xmp_text(prop, "pdfaProperty:valueType") or ""
            base = re.sub(r"^(Bag|Seq|Alt) ", "", value_type)
            if not name or not xmp_text(prop, "pdfaProperty:description"):
                fail(f"6.6.2.3 extension property {name!r} lacks a name or description")
            if base not in XMP_TYPES and base not in types:
                fail(f"6.6.2.3 extension property {name!r} has an unknown valueType {value_type!r}")
            if xmp_text(prop, "pdfaProperty:category") not in ("internal", "external"):
                fail(f"6.6.2.3 extension property {name!r} needs category internal or external")
            names.add(name)
        declared[uri] = names
    for d in xmp.iterfind(".//rdf:Description", NS):
        for prop in d:
            uri, _, name = prop.tag[1:].partition("}")
            if uri in PREDEFINED:
                continue
            if name not in declared.get(uri, set()):
                fail(f"6.6.2.3 XMP property {{{uri}}}{name} has no extension schema")


def check_level_a(path, pdf, root, xmp, fail):
    """ISO 19005-2 level A: the logical structure, language and Unicode."""
    # Unicode maps: ua_check's reading of the fonts and of the codes each text
    # operator shows (PDF/UA-1 7.21.7 is the same rule as 6.2.11.7.2).
    for f in ua_check.Checker(path).run():
        rule, _, rest = f.partition(" ")
        if rule in ("7.21.7-1", "7.21.7-2"):
            fail(f"6.2.11.7.2-{rule[-1]} level A: {rest.split('] ', 1)[-1]}")
    mark = pdf.resolve(root.get("/MarkInfo"))
    if not isinstance(mark, dict) or mark.get("/Marked") is not True:
        fail("6.7.2.2-1 level A: catalog /MarkInfo /Marked must be true")
    tree = pdf.resolve(root.get("/StructTreeRoot"))
    if not isinstance(tree, dict):
        fail("6.7.3.3-1 level A: catalog /StructTreeRoot missing")
        tree = {}
    rolemap = {k[1:]: v[1:] for k, v in (pdf.resolve(tree.get("/RoleMap")) or {}).items()
               if isinstance(v, str) and v.startswith("/")}
    for k, v in sorted(rolemap.items()):
        if k in ua_check.STANDARD_TYPES:
            fail(f"6.7.3.4-3 level A: standard structure type {k} is remapped to {v}")
    lang = ua_check.text(pdf.resolve(root.get("/Lang")))
    if lang is None:
        fail("6.7.4-1 level A: catalog /Lang missing (the document's language)")
    elif not ua_check.LANG_TAG.fullmatch(lang):
        fail(f"6.7.4-1 level A: catalog /Lang {lang!r} is not a language tag")
    types = {}
    for key, o in pdf.objects.items():
        d = o.get("value") if "value" in o else o.get("stream", {}).get("dict")
        if not key.startswith("obj:") or not isinstance(d, dict):
            continue
        if d.get("/Type") == "/StructElem" or ("/S" in d and "/P" in d and "/Type" not in d):
            if isinstance(d.get("/S"), str):
                types.setdefault(d["/S"][1:], key[4:])
            elang = ua_check.text(pdf.resolve(d.get("/Lang")))
            if "/Lang" in d and not ua_check.LANG_TAG.fullmatch(elang or ""):
                fail(f"6.7.4-1 level A: structure element {key[4:]} /Lang {elang!r} is not a "
                     "language tag")
        if d.get("/Type") == "/Page":
            for ref in as_refs(pdf, d.get("/Contents")):
                check_property_list_langs(pdf, ref, d, fail)
    for t, where in sorted(types.items()):
        seen = [t]
        while seen[-1] not in ua_check.STANDARD_TYPES:
            nxt = rolemap.get(seen[-1])
            if nxt is None:
                fail(f"6.7.3.4-1 level A: structure type {t} ({where}) is not role-mapped to a "
                     "standard type")
                break
            if nxt in seen:
                fail(f"6.7.3.4-2 level A: circular role mapping {' -> '.join(seen + [nxt])}")
                break
            seen.append(nxt)
    # The PDF/UA identification is an extension schema like pprec.
    if xmp.find(".//rdf:Description/pdfuaid:part", NS) is not None:
        for schema in xmp.iterfind(".//pdfaExtension:schemas/rdf:Bag/rdf:li", NS):
            if xmp_text(schema, "pdfaSchema:namespaceURI") == NS["pdfuaid"]:
                props = {xmp_text(p, "pdfaProperty:name"): xmp_text(p, "pdfaProperty:valueType")
                         for p in schema.iterfind("pdfaSchema:property/rdf:Seq/rdf:li", NS)}
                if props.get("part") != "Integer":
                    fail("6.6.2.3 level A: the pdfuaid extension schema must describe `part` "
                         f"as Integer, not {props.get('part')!r}")
                break
        else:
            fail("6.6.2.3 level A: pdfuaid:part is used but pdfuaid is not declared as an "
                 "extension schema")


def as_refs(pdf, contents):
    if isinstance(contents, str) and pdf.stream(contents) is None:
        contents = pdf.resolve(contents)
    return [c for c in (contents if isinstance(contents, list) else [contents])
            if isinstance(c, str)]


def check_property_list_langs(pdf, ref, page, fail):
    s = pdf.stream(ref)
    if s is None or "data" not in s:
        return
    try:
        for op, args in ua_check.Lexer(base64.b64decode(s["data"])).operations():
            if op == "BDC" and len(args) > 1 and isinstance(args[1], dict) and "Lang" in args[1]:
                lang = args[1]["Lang"]
                lang = lang.decode("latin-1") if isinstance(lang, bytes) else str(lang)
                if not ua_check.LANG_TAG.fullmatch(lang):
                    fail(f"6.7.4-1 level A: {ref}: marked-content /Lang {lang!r} is not a "
                         "language tag")
    except ua_check.LexError as e:
        fail(f"6.7.4-1 level A: {ref}: content stream does not parse: {e}")


def check_fonts(pdf, key, d, fail):
    t, st = d.get("/Type"), d.get("/Subtype")
    if t != "/Font":
        return
    if st in ("/TrueType", "/Type1", "/MMType1", "/CIDFontType2", "/CIDFontType0"):
        fd = pdf.resolve(d.get("/FontDescriptor"))
        if not fd or not any(k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            fail(f"6.2.11.4 font {d.get('/BaseFont')} is not embedded")
        if st == "/TrueType" and isinstance(fd, dict):
            symbolic = bool(fd.get("/Flags", 0) & 4)
            enc = pdf.resolve(d.get("/Encoding"))
            base = enc.get("/BaseEncoding") if isinstance(enc, dict) else enc
            if symbolic and enc is not None:
                fail(f"6.2.11.6 symbolic TrueType font {d.get('/BaseFont')} has an /Encoding")
            if not symbolic and base not in ("/WinAnsiEncoding", "/MacRomanEncoding"):
                fail(f"6.2.11.6 non-symbolic TrueType font {d.get('/BaseFont')} must use "
                     f"WinAnsiEncoding or MacRomanEncoding, not {base}")
    if st == "/CIDFontType2" and "/CIDToGIDMap" not in d:
        fail(f"6.2.11.3.2 CIDFontType2 font {d.get('/BaseFont')} has no /CIDToGIDMap")
    if st == "/Type0":
        desc = pdf.resolve(d.get("/DescendantFonts")) or []
        if not desc:
            fail(f"6.2.11.4 Type0 font {d.get('/BaseFont')} has no descendant")


def check_graphics(pdf, key, d, intent_space, fail):
    st = d.get("/Subtype")
    # These keys mean the same wherever they appear (graphics states need no
    # /Type, so they are not recognised by it).
    if d.get("/SMask") not in (None, "/None"):
        fail(f"6.4 {key} uses a soft mask")
    if d.get("/BM") not in (None, "/Normal", "/Compatible"):
        fail(f"6.4 {key} uses blend mode {d.get('/BM')}")
    if "/TR" in d:
        fail(f"6.2.5 {key} has a transfer function (/TR)")
    if d.get("/TR2", "/Default") != "/Default":
        fail(f"6.2.5 {key} has /TR2 other than /Default")
    if "/HTO" in d:
        fail(f"6.2.5 {key} has /HTO")
    for k in ("/CA", "/ca"):
        if k in d and isinstance(d[k], (int, float)) and d[k] < 1:
            fail(f"6.4 {key} has {k} {d[k]}")
    for k in ("/RI", "/Intent"):
        if k in d and d[k] not in RENDERING_INTENTS:
            fail(f"6.2.6 {key} has the rendering intent {d[k]}")
    group = pdf.resolve(d.get("/Group"))
    if isinstance(group, dict) and group.get("/S") == "/Transparency":
        fail(f"6.4 {key} has a transparency group")
    if st == "/Image":
        if d.get("/Interpolate") is True:
            fail(f"6.2.8 image {key} has /Interpolate true")
        for k in ("/Alternates", "/OPI"):
            if k in d:
                fail(f"6.2.8 image {key} has {k}")
    if st == "/PS" or (st == "/Form" and ("/PS" in d or "/OPI" in d or d.get("/Subtype2") == "/PS")):
        fail(f"6.2.9 {key} is or contains PostScript")
    cs = d.get("/ColorSpace")
    device = [cs] + (cs if isinstance(cs, list) else []) + \
        (list(cs.values()) if isinstance(cs, dict) else [])
    for v in device:
        if v == "/DeviceCMYK" and intent_space == "RGB":
            fail(f"6.2.4.3 {key} uses DeviceCMYK with an RGB output intent")
        if v == "/DeviceRGB" and intent_space == "CMYK":
            fail(f"6.2.4.3 {key} uses DeviceRGB with a CMYK output intent")


def check_annotation(key, d, fail):
    st = d.get("/Subtype")
    if not (d.get("/Type") == "/Annot" or (st in ANNOTATION_TYPES and "/Rect" in d)):
        return
    if st not in ANNOTATION_TYPES:
        fail(f"6.3.1 annotation {key} has the type {st} (not allowed)")
    flags = d.get("/F", 0)
    if st != "/Popup" and (not flags & 4 or flags & (1 | 2 | 32 | 256)):
        fail(f"6.3.2 annotation {key} is not printable (F={flags})")
    ap = d.get("/AP")
    if isinstance(ap, dict) and set(ap) != {"/N"}:
        fail(f"6.3.3 annotation {key}: its appearance dictionary must hold only /N")
    rect = d.get("/Rect") or [0, 0, 0, 0]
    empty = len(rect) == 4 and (rect[0] == rect[2] or rect[1] == rect[3])
    if ap is None and st not in ("/Popup", "/Link") and not empty:
        fail(f"6.3.3 annotation {key} ({st}) has no appearance dictionary")


def check_content(pdf, ref, intent_space, fail):
    s = pdf.stream(ref)
    if s is None or "data" not in s:
        return
    data = base64.b64decode(s["data"])
    depth, last_name = 0, None
    for kind, tok in content_tokens(data):
        if kind == "name":
            last_name = tok
        if kind == "op":
            if tok == "q":
                depth += 1
                if depth > 28:
                    fail(f"6.1.13 {ref}: q nested deeper than 28")
                    depth = -10**9  # report once
            elif tok == "Q":
                depth -= 1
            elif tok in ("k", "K") and intent_space == "RGB":
                fail(f"6.2.4.3 {ref}: CMYK colour ({tok}) with an RGB output intent")
            elif tok in ("rg", "RG") and intent_space == "CMYK":
                fail(f"6.2.4.3 {ref}: RGB colour ({tok}) with a CMYK output intent")
            elif tok in ("cs", "CS") and last_name == "/DeviceCMYK" and intent_space == "RGB":
                fail(f"6.2.4.3 {ref}: DeviceCMYK colour space with an RGB output intent")
            elif tok == "ri" and last_name not in RENDERING_INTENTS:
                fail(f"6.2.6 {ref}: rendering intent {last_name}")
            last_name = None


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    failures = check(sys.argv[1])
    for f in failures:
        print(f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
