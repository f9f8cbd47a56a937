"""rules/text.py: control characters in typed text, and the names downloads go out under."""
from __future__ import annotations

import pytest

from rules import InvalidInput
from rules.text import (ascii_fallback, check_no_control_characters, control_characters, download_name,
                        replace_extension)
from rules.uploads import served_name


@pytest.mark.parametrize("text", ["张三\r\n", "a\tb", "x\x00", "\x1b[31m", "\x7f", "a\x85b", "行\u2028分"])
def test_one_line_refuses_every_control_character_and_line_separator(text):
    assert control_characters(text)
    with pytest.raises(InvalidInput, match="控制字符"):
        check_no_control_characters(text)


def test_a_text_area_keeps_tabs_and_line_breaks_only():
    assert check_no_control_characters("第一行\r\n\t第二行\u2028", multiline=True)
    for bad in ("\x00", "\x1b", "\x0b", "\x0c", "\x85"):
        with pytest.raises(InvalidInput, match="换行、制表符除外"):
            check_no_control_characters(f"第一行\n{bad}", multiline=True)


@pytest.mark.parametrize("text", ["张三", "O'Brien; Jr.", "x\"; filename*=UTF-8''evil.html", "零宽\u200b字符", ""])
def test_printable_text_passes(text):
    assert check_no_control_characters(text) == text


@pytest.mark.parametrize("name, expected", [
    ("专家信息表_张三.xlsx", "专家信息表_张三.xlsx"),
    ("专家信息表_x\"; filename*=UTF-8''evil.html; y=\".xlsx", "专家信息表_x_; filename_=UTF-8''evil.html; y=_.xlsx"),
    ("专家信息表_a\r\nSet-Cookie: x=1.xlsx", "专家信息表_aSet-Cookie_ x=1.xlsx"),
    ("invoice\u202egpj.pdf", "invoicegpj.pdf"),  # a right-to-left override would show "fdp.jpg"
    ("..\\..\\etc/passwd.pdf", "_.._etc_passwd.pdf"),
    ("\r\n.xlsx", "download.xlsx"),
    ("", "download"),
])
def test_a_download_name_keeps_its_extension_and_loses_what_a_header_or_file_system_cannot_take(name, expected):
    assert download_name(name) == expected


def test_a_long_download_name_is_cut_before_its_extension():
    name = download_name("专" * 400 + ".xlsx")
    assert len(name) == 150 and name.endswith(".xlsx")


@pytest.mark.parametrize("name, expected", [
    ("专家信息表_张三.xlsx", "download.xlsx"),
    ("Zhang San CV.pdf", "Zhang_San_CV.pdf"),
    ("x_; filename_=UTF-8''evil.html; y=_.xlsx", "x_filename_UTF-8_evil_html_y.xlsx"),
    ("Café.pdf", "Cafe.pdf"),
])
def test_the_ascii_fallback_is_a_plain_token(name, expected):
    assert ascii_fallback(name) == expected


@pytest.mark.parametrize("name, content_type, expected", [
    ("evil.html", "application/pdf", "evil.pdf"),
    ("照片.PDF", "image/png", "照片.png"),
    ("scan", "image/jpeg", "scan.jpg"),
    ("a.b.svg", "application/pdf", "a.b.pdf"),
    (".htaccess", "application/pdf", ".htaccess.pdf"),
])
def test_an_upload_is_served_with_the_extension_of_its_detected_type(name, content_type, expected):
    assert served_name(name, content_type) == expected
    assert replace_extension(name, ".x").endswith(".x")
