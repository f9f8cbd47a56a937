"""Upload checks by content and the submission checklist."""
import pytest
from hypothesis import given, strategies as st

from rules import InvalidInput
from rules.completeness import REQUIRED_FIELDS, missing_for_submission
from rules.uploads import MAX_BYTES, check_upload

PDF, JPG, PNG = b"%PDF-1.7\n", b"\xff\xd8\xff\xe0JFIF", b"\x89PNG\r\n\x1a\nIHDR"


@pytest.mark.parametrize("head, content_type", [(PDF, "application/pdf"), (JPG, "image/jpeg"), (PNG, "image/png")])
def test_real_pdf_jpg_png_are_accepted_whatever_their_name(head, content_type):
    assert check_upload("证书.dat", head, 1000).content_type == content_type


@pytest.mark.parametrize("head, message", [
    (b"MZ\x90\x00", "只能上传"),  # a Windows .exe renamed .pdf
    (b"<html><script>", "只能上传"),
    (b"<?xml version='1.0'?><svg", "只能上传"),
    (b"GIF89a", "只能上传"),
])
def test_other_content_is_refused_even_named_pdf(head, message):
    with pytest.raises(InvalidInput, match=message):
        check_upload("证书.pdf", head, 1000)


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "C:\\temp\\a.pdf", "a/b.pdf", "..pdf"])
def test_a_path_in_the_name_is_refused(name):
    with pytest.raises(InvalidInput, match="路径"):
        check_upload(name, PDF, 1000)


def test_size_limit_is_ten_megabytes():
    assert check_upload("a.pdf", PDF, MAX_BYTES).extension == ".pdf"
    with pytest.raises(InvalidInput, match="10 MB"):
        check_upload("a.pdf", PDF, MAX_BYTES + 1)
    with pytest.raises(InvalidInput, match="空"):
        check_upload("a.pdf", PDF, 0)


@given(st.binary(min_size=1, max_size=64))
def test_anything_without_a_known_signature_is_refused(data):
    if any(data.startswith(m) for m in (PDF[:5], JPG[:3], PNG[:8])):
        return
    with pytest.raises(InvalidInput):
        check_upload("x.pdf", data, len(data))


FULL = {f: "x" for f in REQUIRED_FIELDS} | {"title_level": "senior", "title_name": "教授"}
ALL_FILES = {"title_certificate": True, "stamped_form": True}


def test_a_complete_open_application_misses_nothing():
    assert missing_for_submission(FULL, route="open", files=ALL_FILES) == []


@pytest.mark.parametrize("field", list(REQUIRED_FIELDS))
def test_each_required_field_is_named_when_missing(field):
    assert REQUIRED_FIELDS[field] in missing_for_submission(FULL | {field: ""}, route="open", files=ALL_FILES)


def test_files_required_by_route_and_claims():
    assert "单位盖章的专家信息表（上传）" in missing_for_submission(FULL, route="open", files={"title_certificate": True})
    assert missing_for_submission(FULL, route="invitation", files={"title_certificate": True}) == []
    assert "浙江省科技专家库专家资格证明（上传）" in missing_for_submission(FULL, route="provincial", files=ALL_FILES)
    assert "优先入库条件证明材料（上传）" in missing_for_submission(
        FULL | {"priority_categories": "academician"}, route="open", files=ALL_FILES)
    assert "职称证书（上传）" in missing_for_submission(FULL, route="open", files={"stamped_form": True})
    assert missing_for_submission(FULL | {"title_level": "none", "title_name": ""}, route="open",
                                  files={"stamped_form": True}) == []


@pytest.mark.parametrize("name", ["证书\r\n.pdf", "证书\t.pdf", "a\x1b.png"])
def test_an_upload_name_with_a_control_character_is_refused(name):
    with pytest.raises(InvalidInput, match="控制字符"):
        check_upload(name, PDF, 100)
