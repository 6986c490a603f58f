#!/usr/bin/python3
"""Our own PDF/A-2b checks (veraPDF is not available on Debian 12).

  pdfa_check.py FILE.pdf        prints one line per failed rule; exit 0 if none

It parses the file's objects with `qpdf --json` (version 2, streams decoded
inline) and the XMP packet as XML (xml.etree), never by grepping bytes.

Rules checked (ISO 19005-2 clause in brackets):
  * file header %PDF-1.n with n <= 7 and a binary comment line [6.1.2]
  * qpdf --check finds no syntax or stream errors [6.1]
  * trailer /ID present, two 16-byte strings [6.1.3]; no /Encrypt [6.1.3]
  * catalog /Metadata: a /Type /Metadata /Subtype /XML stream, not filtered;
    well-formed XML; pdfaid:part 2 and pdfaid:conformance B [6.6.2, 6.6.4]
  * XMP consistent with the document information dictionary: Title =
    dc:title, Author = dc:creator, Subject = dc:description, Keywords =
    pdf:Keywords, Creator = xmp:CreatorTool, Producer = pdf:Producer,
    CreationDate = xmp:CreateDate, ModDate = xmp:ModifyDate [6.6.3]
  * every XMP property outside the predefined schemas is described by a
    pdfaExtension schema [6.6.2.3]
  * /OutputIntents with a GTS_PDFA1 intent whose DestOutputProfile is an ICC
    stream with /N 3 for an RGB profile (header 'acsp', colour space 'RGB ')
    [6.2.3]
  * every font embedded: TrueType fonts with /FontFile2, Type0 fonts with
    an embedded CIDFont [6.2.11.4]
  * no transparency: no /SMask in graphics states or images, no /CA or /ca
    below 1, blend modes only Normal/Compatible, no transparency groups [6.4]
  * every annotation printable (F has the Print bit, not Hidden/Invisible/
    NoView) [6.3.2]; no /JavaScript, /Launch actions or /AA [6.5, 6.6.1]
  * no embedded files in the name tree [6.8]
Not checked: glyph-width consistency between /Widths and the font programs
(6.2.11.5), CMap and ToUnicode details (6.2.11.3, level U/A only), colour
spaces of individual content operators beyond the output intent (6.2.4), the
XMP packet's full RDF grammar beyond well-formedness, and PDF/A rules for
features we never write (images, forms, optional content, 3D, signatures).
"""
import base64
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

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
}
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


def check(path):
    failures = []
    fail = failures.append
    raw = open(path, "rb").read()
    if not re.match(rb"%PDF-1\.[0-7]\r?\n", raw):
        fail("6.1.2 header must be %PDF-1.0 to %PDF-1.7")
    second = raw.split(b"\n", 2)[1] if raw.count(b"\n") > 1 else b""
    if not (second.startswith(b"%") and sum(b >= 128 for b in second[1:5]) >= 4):
        fail("6.1.2 second line must be a comment with at least four bytes >= 128")
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

    # XMP metadata.
    meta_ref = root.get("/Metadata")
    meta = pdf.stream(meta_ref) if isinstance(meta_ref, str) else None
    xmp = None
    if meta is None:
        fail("6.6.2 catalog /Metadata stream missing")
    else:
        d = meta["dict"]
        if d.get("/Type") != "/Metadata" or d.get("/Subtype") != "/XML":
            fail("6.6.2 metadata stream needs /Type /Metadata /Subtype /XML")
        if "/Filter" in d:
            fail("6.6.2 metadata stream must not be filtered")
        data = base64.b64decode(meta.get("data", ""))
        try:
            xmp = ET.fromstring(data.decode("utf-8"))
        except (ET.ParseError, UnicodeDecodeError) as e:
            fail(f"6.6.2 XMP is not well-formed XML: {e}")
    if xmp is not None:
        desc = ".//rdf:Description/"
        if xmp_text(xmp, desc + "pdfaid:part") != "2":
            fail("6.6.4 pdfaid:part must be 2")
        if xmp_text(xmp, desc + "pdfaid:conformance") != "B":
            fail("6.6.4 pdfaid:conformance must be B")
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
        # Extension schemas for non-predefined properties.
        declared = {}
        for schema in xmp.iterfind(".//pdfaExtension:schemas/rdf:Bag/rdf:li", NS):
            uri = xmp_text(schema, "pdfaSchema:namespaceURI")
            names = {xmp_text(p, "pdfaProperty:name")
                     for p in schema.iterfind("pdfaSchema:property/rdf:Seq/rdf:li", NS)}
            declared[uri] = names
        for d in xmp.iterfind(".//rdf:Description", NS):
            for prop in d:
                uri, _, name = prop.tag[1:].partition("}")
                if uri in PREDEFINED:
                    continue
                if name not in declared.get(uri, set()):
                    fail(f"6.6.2.3 XMP property {{{uri}}}{name} has no extension schema")

    # Output intent.
    ok = False
    for intent in pdf.resolve(root.get("/OutputIntents")) or []:
        intent = pdf.resolve(intent)
        if intent.get("/S") != "/GTS_PDFA1":
            continue
        prof = pdf.stream(intent.get("/DestOutputProfile", ""))
        if prof is None:
            continue
        icc = base64.b64decode(prof.get("data", ""))
        if prof["dict"].get("/N") == 3 and icc[36:40] == b"acsp" and icc[16:20] == b"RGB ":
            ok = True
    if not ok:
        fail("6.2.3 no GTS_PDFA1 output intent with an RGB ICC profile (/N 3)")

    # Objects: fonts, transparency, annotations, actions.
    for key, o in pdf.objects.items():
        if not key.startswith("obj:"):
            continue
        d = o.get("value") if "value" in o else o.get("stream", {}).get("dict")
        if not isinstance(d, dict):
            continue
        t, st = d.get("/Type"), d.get("/Subtype")
        if t == "/Font" and st in ("/TrueType", "/Type1", "/MMType1", "/CIDFontType2",
                                   "/CIDFontType0"):
            fd = pdf.resolve(d.get("/FontDescriptor"))
            if not fd or not any(k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                fail(f"6.2.11.4 font {d.get('/BaseFont')} is not embedded")
        if t == "/Font" and st == "/Type0":
            desc = pdf.resolve(d.get("/DescendantFonts")) or []
            if not desc:
                fail(f"6.2.11.4 Type0 font {d.get('/BaseFont')} has no descendant")
        if t == "/ExtGState" or "/SMask" in d:
            if d.get("/SMask") not in (None, "/None"):
                fail(f"6.4 {key} uses a soft mask")
            for k in ("/CA", "/ca"):
                if k in d and d[k] < 1:
                    fail(f"6.4 {key} has {k} {d[k]}")
            if d.get("/BM") not in (None, "/Normal", "/Compatible"):
                fail(f"6.4 {key} uses blend mode {d.get('/BM')}")
        group = pdf.resolve(d.get("/Group"))
        if isinstance(group, dict) and group.get("/S") == "/Transparency":
            fail(f"6.4 {key} has a transparency group")
        if t == "/Annot" or st in ("/Link", "/Text", "/Widget"):
            flags = d.get("/F", 0)
            if not flags & 4 or flags & (1 | 2 | 32):
                fail(f"6.3.2 annotation {key} is not printable (F={flags})")
        if d.get("/S") in ("/JavaScript", "/Launch") or "/JS" in d:
            fail(f"6.6.1 {key} has a forbidden action {d.get('/S')}")
        if "/AA" in d:
            fail(f"6.6.2 {key} has additional actions (/AA)")
    names = pdf.resolve(root.get("/Names")) or {}
    if "/EmbeddedFiles" in names:
        fail("6.8 embedded files are not allowed in PDF/A-2b")
    return failures


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    failures = check(sys.argv[1])
    for f in failures:
        print(f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
