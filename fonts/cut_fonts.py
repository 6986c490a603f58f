#!/usr/bin/python3
"""Cut the Liberation Sans faces down to the Windows-1252 repertoire.

Build-time step (run by fonts/CMakeLists.txt with Debian's python3-fonttools).
The cut faces hold only the ~230 glyphs of Windows-1252, no layout tables and
no hinting (only placeholder 'cvt ', 'fpgm' and 'prep' tables, see
add_placeholder_hinting_tables), so libharu embeds them with the cheap
single-byte WinAnsiEncoding (~17 KB per face instead of ~400 KB, and no 4 ms
UTF-8 CID set-up).

Licensing: a cut face is a Modified Version under the SIL OFL 1.1, and
"Liberation" and "Arimo" are Reserved Font Names, so the cut faces are renamed
"Panel Sans". The untouched originals stay in fonts/liberation/ and are used
for every character outside Windows-1252.

Reproducible: the same source faces give byte-identical cut faces on every
build and machine. fontTools would stamp head.modified with the time of the
save; the faces are loaded with recalcTimestamp=False and keep the source
face's head.modified (and head.created), so nothing depends on the clock or
on the build directory. fonts/fonts.sha256 holds the digests of the cut
faces and of every other file the renderer reads; a test
(tests/tools/fonts_test.py) cuts twice and checks both against it.

The CJK face. "Panel CJK" is Debian's Droid Sans Fallback
(fonts-droid-fallback, Apache-2.0; the non-"Full" file, which maps all
11,172 Hangul syllables) cut to the CJK ranges of CJK_RANGES, without layout
tables (vertical forms), hinting or the vertical metrics, and with its
composite glyphs decomposed (decompose_composite_glyphs): ~33,000 of its
~50,000 glyphs. It is renamed because "Droid" is a Google trademark (Apache-2.0
grants no trademark rights) and says in its name table that it is a modified
copy. The source file's digest is checked first (CJK_SOURCE_SHA256): another
Debian build of the face would change the cut, so it is refused by name
rather than found later by fonts_test.

usage: cut_fonts.py SRC_DIR OUT_DIR
       cut_fonts.py --cjk DROID_SANS_FALLBACK_TTF OUT_TTF
"""
import array
import hashlib
import os
import sys

from fontTools import subset
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable
from fontTools.ttLib.tables import ttProgram

FAMILY = "Panel Sans"
PS_FAMILY = "PanelSans"
STYLES = {  # source file suffix -> (subfamily name, PostScript suffix)
    "Regular": ("Regular", "Regular"),
    "Bold": ("Bold", "Bold"),
    "Italic": ("Italic", "Italic"),
    "BoldItalic": ("Bold Italic", "BoldItalic"),
}
# Windows-1252: ASCII, Latin-1 and the 27 characters at 0x80-0x9F.
UNICODES = (list(range(0x20, 0x7F)) + list(range(0xA0, 0x100)) + [
    0x20AC, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030,
    0x0160, 0x2039, 0x0152, 0x017D, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x017E, 0x0178])


CJK_FAMILY = "Panel CJK"
CJK_PS_NAME = "PanelCJK-Regular"
# fonts-droid-fallback 1:6.0.1r16-1.1 (Debian 12):
# /usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf
CJK_SOURCE_SHA256 = "56d3edfb377a8bc3c4b77f4476405c770173c0e31221ad7c77d0a8e1f3039a3e"
# What the CJK face keeps: the ranges the line breaker treats as CJK
# (renderers/text/line_breaker.cc) and the punctuation and fullwidth forms
# written with them.
CJK_RANGES = (
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3040, 0x309F),  # Hiragana
    (0x30A0, 0x30FF),  # Katakana
    (0x3100, 0x312F),  # Bopomofo
    (0x3130, 0x318F),  # Hangul compatibility jamo
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK unified ideographs extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # halfwidth and fullwidth forms
)


def add_placeholder_hinting_tables(font):
    """Gives the cut face one-entry 'cvt ', 'fpgm' and 'prep' tables.

    libharu's subsetter (HPDF_TTFontDef_SaveFontData) writes the 13 tables it
    requires into a memory stream of 4 KiB blocks and then seeks to each
    table's start to sum it; a missing table is written empty, and seeking to
    the very end of that stream fails when its size is an exact multiple of
    4096 (HPDF_MemStream_SeekFunc: HPDF_INVALID_OBJECT). Without hinting
    'prep' is the last table, so a subset whose size came to a multiple of
    4 KiB failed to save: an INTERNAL error for a valid paper, depending only
    on which characters it uses (found by tests/fuzz/render_request_fuzzer). Non-empty tables are
    never sought past their end. The programs are a single SVTCA[y] (no stack,
    no effect: the glyphs carry no instructions) and the cvt holds one 0.
    """
    for tag in ("fpgm", "prep"):
        table = newTable(tag)
        table.program = ttProgram.Program()
        table.program.fromBytecode(b"\x00")
        font[tag] = table
    cvt = newTable("cvt ")
    cvt.values = array.array("h", [0])
    font["cvt "] = cvt


def cut(src, dst, style):
    # recalcTimestamp=False: save() keeps head.modified as loaded (the
    # source face's) instead of writing the current time.
    font = TTFont(src, recalcTimestamp=False)
    modified, created = font["head"].modified, font["head"].created
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.glyph_names = False
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.drop_tables += ["GDEF", "GPOS", "GSUB", "gasp", "FFTM", "kern", "DSIG"]
    options.notdef_outline = True
    sub = subset.Subsetter(options)
    sub.populate(unicodes=UNICODES)
    sub.subset(font)
    add_placeholder_hinting_tables(font)
    subfamily, ps_style = STYLES[style]
    name = font["name"]
    full = FAMILY if subfamily == "Regular" else f"{FAMILY} {subfamily}"
    ps = f"{PS_FAMILY}-{ps_style}"
    version = name.getDebugName(5) or ""
    for rec in list(name.names):
        if rec.nameID in (1, 16):
            name.setName(FAMILY, rec.nameID, rec.platformID, rec.platEncID, rec.langID)
        elif rec.nameID in (2, 17):
            name.setName(subfamily, rec.nameID, rec.platformID, rec.platEncID, rec.langID)
        elif rec.nameID == 3:
            name.setName(f"{ps};{version};Windows-1252 cut of Liberation Sans",
                         3, rec.platformID, rec.platEncID, rec.langID)
        elif rec.nameID == 4:
            name.setName(full, 4, rec.platformID, rec.platEncID, rec.langID)
        elif rec.nameID == 6:
            name.setName(ps, 6, rec.platformID, rec.platEncID, rec.langID)
    font["head"].modified = modified
    font["head"].created = created
    font.save(dst)


def decompose_composite_glyphs(font):
    """Replaces every composite glyph by a simple glyph of its outlines.

    Droid Sans Fallback builds ~31,000 of its CJK glyphs (all of Hangul, many
    ideographs) from components. libharu's subsetter keeps only the glyphs a
    document's text uses, not their components: a composite was embedded
    without its outlines and printed blank (the text layer was still right).
    """
    glyf = font["glyf"]
    glyph_set = font.getGlyphSet()
    for name in font.getGlyphOrder():
        if glyf[name].isComposite():
            recording = DecomposingRecordingPen(glyph_set)
            glyph_set[name].draw(recording)
            pen = TTGlyphPen(None)
            recording.replay(pen)
            glyf[name] = pen.glyph()


def cut_cjk(src, dst):
    with open(src, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if digest != CJK_SOURCE_SHA256:
        sys.exit(f"{src}: sha256 {digest}, expected {CJK_SOURCE_SHA256} "
                 "(Debian 12's fonts-droid-fallback 1:6.0.1r16-1.1); "
                 "update CJK_SOURCE_SHA256 and fonts/fonts.sha256 on purpose")
    font = TTFont(src, recalcTimestamp=False)
    modified, created = font["head"].modified, font["head"].created
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.glyph_names = False
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.drop_tables += ["GDEF", "GPOS", "GSUB", "gasp", "vhea", "vmtx", "DSIG"]
    options.notdef_outline = True
    unicodes = [cp for first, last in CJK_RANGES for cp in range(first, last + 1)]
    sub = subset.Subsetter(options)
    sub.populate(unicodes=unicodes)
    sub.subset(font)
    decompose_composite_glyphs(font)
    # Again: the components the composites used are now unreferenced.
    sub = subset.Subsetter(options)
    sub.populate(unicodes=unicodes)
    sub.subset(font)
    add_placeholder_hinting_tables(font)
    name = font["name"]
    version = name.getDebugName(5) or ""
    for rec in list(name.names):
        if rec.nameID in (1, 4, 16):
            name.setName(CJK_FAMILY, rec.nameID, rec.platformID, rec.platEncID, rec.langID)
        elif rec.nameID == 3:
            name.setName(f"{CJK_PS_NAME};{version};CJK cut of Droid Sans Fallback",
                         3, rec.platformID, rec.platEncID, rec.langID)
        elif rec.nameID == 6:
            name.setName(CJK_PS_NAME, 6, rec.platformID, rec.platEncID, rec.langID)
    font["head"].modified = modified
    font["head"].created = created
    font.save(dst)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--cjk":
        os.makedirs(os.path.dirname(os.path.abspath(sys.argv[3])), exist_ok=True)
        cut_cjk(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src_dir, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    for style in STYLES:
        cut(os.path.join(src_dir, f"LiberationSans-{style}.ttf"),
            os.path.join(out_dir, f"PanelSans-{style}.ttf"), style)


if __name__ == "__main__":
    main()
