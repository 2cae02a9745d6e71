"""TCVN3, VNI-Windows and cp1258 attribute text decoded to Unicode NFC."""

from __future__ import annotations

import unicodedata

import pytest

from gis.errors import GISError
from gis.imports.encodings import (
    decode,
    detect,
    encode_cp1258,
    encode_tcvn3,
    encode_vni,
)

NAMES = ["Cái Răng", "Ô Môn", "Thốt Nốt", "Cần Thơ", "Phong Điền", "Bình Thủy", "Ninh Kiều",
         "Vĩnh Thạnh", "Cờ Đỏ", "Thới Lai"]


def test_published_code_points():
    # TCVN3 (VN3) bytes and VNI-Windows sequences as the code tables give them
    assert encode_tcvn3("Cái Răng") == b"C\xb8i R\xa8ng"
    assert encode_tcvn3("Ô Môn") == b"\xa4 M\xabn"
    assert encode_tcvn3("Thốt Nốt") == b"Th\xe8t N\xe8t"
    assert decode(b"\xa7\xb5 N\xbdng", "tcvn3") == "Đà Nẵng"
    assert decode(b"Vi\xd6t Nam", "tcvn3") == "Việt Nam"
    assert decode("Caùi Raêng".encode("cp1252"), "vni") == "Cái Răng"
    assert decode("OÂ Moân".encode("cp1252"), "vni") == "Ô Môn"
    assert decode("Thoát Noát".encode("cp1252"), "vni") == "Thốt Nốt"
    assert decode("Ñaø Naüng".encode("cp1252"), "vni") == "Đà Nẵng"
    assert decode("Caàn Thô".encode("cp1252"), "vni") == "Cần Thơ"


@pytest.mark.parametrize("encode,name", [(encode_tcvn3, "tcvn3"), (encode_vni, "vni"),
                                         (encode_cp1258, "cp1258")])
def test_each_encoding_decodes_to_nfc_and_is_detected(encode, name):
    raw = [encode(n) for n in NAMES]
    for n, r in zip(NAMES, raw, strict=True):
        text = decode(r, name)
        assert text == n and unicodedata.is_normalized("NFC", text)
    assert detect(raw) == name


def test_every_vietnamese_letter_survives_tcvn3_and_vni():
    letters = "aàảãáạăằẳẵắặâầẩẫấậeèẻẽéẹêềểễếệiìỉĩíịoòỏõóọôồổỗốộơờởỡớợuùủũúụưừửữứựyỳỷỹýỵđ"
    assert decode(encode_tcvn3(letters), "tcvn3") == letters
    assert decode(encode_vni(letters), "vni") == letters
    assert decode(encode_vni(letters.upper()), "vni") == letters.upper()
    assert decode(encode_cp1258(letters.upper()), "cp1258") == letters.upper()


def test_utf8_and_ascii_are_utf8_and_an_unclear_text_is_not_guessed():
    assert detect(["Cái Răng".encode()]) == "utf-8"
    assert detect([b"Phong Dien"]) == "utf-8"
    assert detect([encode_tcvn3("Thốt Nốt")]) is None  # one word reads in several
    with pytest.raises(GISError):
        decode(b"x", "viqr")
