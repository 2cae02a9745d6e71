"""Vietnamese legacy encodings of attribute text, decoded to Unicode NFC.

Departments still send DBF files typed with the legacy font encodings:

- **TCVN3** (TCVN 5712:1993 "VN3", the ABC fonts such as ``.VnTime``): one byte per
  letter; precomposed lower-case letters and the capitals Ă Â Ê Ô Ơ Ư Đ in 0xA1-0xFE.
  Capitals with a tone mark have no code (the ``.VnTimeH`` fonts draw the lower-case
  codes as capitals), so they are read as the lower-case letter.
- **VNI-Windows**: a base letter followed by a second byte for the marks (``a`` + ``ø``
  = à, ``a`` + ``ä`` = ậ); ơ, ư, đ and the i-vowels are single bytes. The bytes read as
  Windows-1252 characters, which the tables below are written in.
- **cp1258** (Windows Vietnamese): Python's codec, combining tone marks, then NFC.

No package on PyPI keeps these tables (checked for this project), so they are written
here from the published code tables and tested letter by letter
(``tests/imports/test_encodings.py``).
"""

from __future__ import annotations

import re
import unicodedata

from gis.errors import GISError

ENCODINGS = ("utf-8", "tcvn3", "vni", "cp1258")

# TCVN3 (VN3): byte -> letter.
TCVN3 = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}

# VNI-Windows: the mark byte (as a Windows-1252 character) after a base vowel.
# Lower-case marks; the capital forms are the same letters in upper case.
_VNI_TONES = {"ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
_VNI_HAT = {"â": ("\u0302", ""), "á": ("\u0302", "\u0301"), "à": ("\u0302", "\u0300"),
            "å": ("\u0302", "\u0309"), "ã": ("\u0302", "\u0303"), "ä": ("\u0302", "\u0323")}
_VNI_BREVE = {"ê": ("\u0306", ""), "é": ("\u0306", "\u0301"), "è": ("\u0306", "\u0300"),
              "ú": ("\u0306", "\u0309"), "ü": ("\u0306", "\u0303"), "ë": ("\u0306", "\u0323")}
# single characters of VNI: ơ, ư, đ and the i/y letters that have their own code
_VNI_SINGLE = {"ô": "ơ", "ö": "ư", "ñ": "đ", "í": "í", "ì": "ì", "æ": "ỉ", "ó": "ĩ",
               "ò": "ị", "î": "ỵ"}


def _vni_pairs() -> dict[str, str]:
    out: dict[str, str] = {}

    def add(base: str, mark: str, letter: str) -> None:
        out[base + mark] = letter
        out[base.upper() + mark.upper()] = letter.upper()

    for base in "aeiouy":
        for mark, tone in _VNI_TONES.items():
            add(base, mark, unicodedata.normalize("NFC", base + tone))
    for base in "aeo":
        for mark, (hat, tone) in _VNI_HAT.items():
            add(base, mark, unicodedata.normalize("NFC", base + hat + tone))
    for mark, (breve, tone) in _VNI_BREVE.items():
        add("a", mark, unicodedata.normalize("NFC", "a" + breve + tone))
    for base, letter in (("ô", "ơ"), ("ö", "ư")):  # ơ and ư with a tone
        for mark, tone in _VNI_TONES.items():
            add(base, mark, unicodedata.normalize("NFC", letter + tone))
    for single, letter in _VNI_SINGLE.items():
        out.setdefault(single, letter)
        out.setdefault(single.upper(), letter.upper())
    return out


VNI = _vni_pairs()
_VNI_RE = re.compile("|".join(re.escape(k) for k in sorted(VNI, key=len, reverse=True)))
_TCVN3_TABLE = {b: c for b, c in TCVN3.items()}


def decode(raw: bytes, encoding: str) -> str:
    """``raw`` in ``encoding`` (one of :data:`ENCODINGS`) as Unicode NFC."""
    enc = encoding.lower().replace("_", "-")
    if enc in ("utf-8", "utf8"):
        text = raw.decode("utf-8")
    elif enc in ("tcvn3", "tcvn", "abc"):
        text = "".join(_TCVN3_TABLE.get(b) or chr(b) for b in raw)
    elif enc in ("vni", "vni-windows"):
        text = _VNI_RE.sub(lambda m: VNI[m.group(0)], raw.decode("cp1252", errors="replace"))
    elif enc in ("cp1258", "windows-1258"):
        text = raw.decode("cp1258")
    else:
        raise GISError(400, f"unknown encoding {encoding!r}; use one of {', '.join(ENCODINGS)}",
                       parameter="encoding")
    return unicodedata.normalize("NFC", text)


def redecode(text: str, encoding: str) -> str:
    """Text that GDAL read as Latin-1 (each byte one character) in ``encoding``."""
    return decode(text.encode("latin-1"), encoding)


_TONES = "\u0301\u0300\u0309\u0303\u0323"
_CLUSTERS = set("""a ă â e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iê iu oa oă oe oi oo ôi
ơi ua uâ uê ui uô uơ uy ưa ưi ưu ươ yê iêu oai oay oeo uây uôi uya uyê uyu ươi ươu yêu
""".split())
_SYLLABLE = re.compile(r"(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
                       r"([aăâeêioôơuưy]+)(ch|ng|nh|[cmnpt])?")


def _syllable(word: str) -> bool:
    """Is ``word`` (lower case, NFC) shaped like one Vietnamese syllable?"""
    nfd = unicodedata.normalize("NFD", word)
    tones = sum(ch in _TONES for ch in nfd)
    base = unicodedata.normalize("NFC", "".join(ch for ch in nfd if ch not in _TONES))
    m = _SYLLABLE.fullmatch(base)
    if not m or tones > 1:
        return False
    vowels = m.group(2)
    if m.group(1) in ("qu", "gi") and not vowels:
        return True
    return vowels in _CLUSTERS or (m.group(1) == "g" and vowels[:1] == "i"
                                   and vowels[1:] in _CLUSTERS)


def _plausible(text: str) -> int:
    """How Vietnamese ``text`` looks: non-ASCII words shaped like Vietnamese syllables
    score, other words and non-letter characters cost."""
    score = 0
    for word in re.findall(r"\w+", text.lower()):
        if not word.isascii():
            score += 2 if _syllable(word) else -2
    score -= sum(1 for ch in text if not ch.isascii() and not ch.isalpha())
    return score


def detect(samples: list[bytes]) -> str | None:
    """The encoding the byte strings are most clearly written in, or None when it is
    not clear (then ``--encoding`` decides). Pure ASCII and valid UTF-8 are UTF-8."""
    joined = b" ".join(samples)
    if joined.isascii():
        return "utf-8"
    try:
        joined.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    scores = {}
    for enc in ("tcvn3", "vni", "cp1258"):
        try:
            scores[enc] = _plausible(decode(joined, enc))
        except UnicodeDecodeError:
            continue
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    if not ranked or ranked[0][1] <= 0 or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def encode_tcvn3(text: str) -> bytes:
    """Unicode as TCVN3 bytes (for tests and for files handed back to TCVN3 users);
    capitals with a tone mark fall back to the lower-case letter, as the fonts have it."""
    back = {c: b for b, c in TCVN3.items()}
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        if ch in back:
            out.append(back[ch])
        elif ch.lower() in back and ch not in "ĂÂÊÔƠƯĐ":
            out.append(back[ch.lower()])
        else:
            out += ch.encode("latin-1")
    return bytes(out)


def encode_vni(text: str) -> bytes:
    """Unicode as VNI-Windows bytes."""
    back = {letter: code for code, letter in VNI.items()}
    return "".join(back.get(ch, ch) for ch in unicodedata.normalize("NFC", text)).encode("cp1252")


def encode_cp1258(text: str) -> bytes:
    """Unicode as Windows-1258: letters with a tone as the base letter and a combining mark."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            nfd = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in _TONES))
            out += (base + "".join(c for c in nfd if c in _TONES)).encode("cp1258")
    return bytes(out)
