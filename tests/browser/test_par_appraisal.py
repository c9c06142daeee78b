"""A PAR criterion through both appraisal rounds: the ward self-scores it with evidence and
submits, the city scores it lower with a file, the ward explains, the city appraises again and
fixes the result."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tasks import criteria
from tasks.models import Component, Criterion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
AT = datetime(2023, 11, 20, 3, 0, tzinfo=UTC)


def _pdf(name: str) -> list[dict]:
    return [{"name": name, "mimeType": "application/pdf", "buffer": PDF}]


def _save(page) -> None:
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_load_state()


def _move(page) -> None:
    page.get_by_test_id("next-move").click()
    page.wait_for_load_state()


def test_criterion_walks_through_both_appraisal_rounds(
    page, login, settings, tmp_path, ward, chairperson, officer_tuphap, city_viewer
):
    settings.MEDIA_ROOT = tmp_path / "media"
    for code, title, max_score in (
        ("3.1", "Công khai thủ tục hành chính", "4"),
        ("3.2", "Xin lỗi khi quá hạn", "2"),
    ):
        criteria.save_criterion(ward=ward, year=2023, by=chairperson, component=Component.PROCEDURES, code=code,
                                title=title, max_score=Decimal(max_score), responsible=officer_tuphap)  # fmt: skip
    other = Criterion.objects.get(ward=ward, code="3.2")
    criteria.score(other, by=chairperson, self_score=Decimal("2"))
    criteria.add_criterion_evidence(other, by=chairperson, city=False, note="Thư xin lỗi số 3")

    # The ward: self score with evidence, then submit.
    login("chutich")
    page.goto(page.base_url + "/tasks/criteria/?year=2023")
    page.get_by_test_id("criterion-3.1").get_by_role("link").click()
    page.fill("#id_self_score", "4")
    page.set_input_files("#id_file", files=_pdf("Ảnh niêm yết.pdf"))
    _save(page)
    assert page.get_by_test_id("self-score").inner_text() == "4"
    page.goto(page.base_url + "/tasks/criteria/?year=2023")
    assert page.get_by_test_id("criteria-total").inner_text() == "6"
    _move(page)
    assert page.get_by_test_id("appraisal-state-label").inner_text() == "Thẩm định lần 1"

    # The city: first appraisal, lower than the self score, with its own file.
    page.context.clear_cookies()
    login("thanhpho")
    page.goto(page.base_url + "/tasks/criteria/?year=2023&ward=BH")
    page.get_by_test_id("criterion-3.1").get_by_role("link").click()
    page.fill("#id_score", "3")
    page.fill("#id_comment", "Chưa niêm yết thủ tục lĩnh vực đất đai")
    page.set_input_files("#id_file", files=_pdf("Biên bản kiểm tra.pdf"))
    _save(page)
    assert page.get_by_test_id("first-score").inner_text() == "3"
    assert page.get_by_role("link", name="Biên bản kiểm tra.pdf").is_visible()
    criteria.appraise(other, by=city_viewer, round=1, score=Decimal("2"), evidence_complete=True)
    page.goto(page.base_url + "/tasks/criteria/?year=2023&ward=BH")
    assert page.get_by_test_id("criteria-first").inner_text() == "5"
    _move(page)
    assert page.get_by_test_id("appraisal-state-label").inner_text() == "Giải trình"

    # The ward explains the lower score.
    page.context.clear_cookies()
    login("chutich")
    page.goto(page.base_url + "/tasks/criteria/?year=2023")
    assert "3.1" in page.get_by_test_id("to-explain").inner_text()
    page.get_by_test_id("to-explain").get_by_role("link").click()
    page.fill("#id_explanation", "Đã niêm yết bổ sung 12 thủ tục đất đai ngày 25/11/2023")
    page.set_input_files("#id_file", files=_pdf("Ảnh niêm yết bổ sung.pdf"))
    _save(page)
    assert "12 thủ tục đất đai" in page.get_by_test_id("explanation").inner_text()
    page.goto(page.base_url + "/tasks/criteria/?year=2023")
    _move(page)
    assert page.get_by_test_id("appraisal-state-label").inner_text() == "Thẩm định lần 2"

    # The city: second appraisal, then the result is fixed.
    page.context.clear_cookies()
    login("thanhpho")
    page.goto(page.base_url + "/tasks/criteria/?year=2023&ward=BH")
    page.get_by_test_id("criterion-3.1").get_by_role("link").click()
    page.fill("#id_score", "3.5")
    page.fill("#id_comment", "Đã khắc phục")
    _save(page)
    assert page.get_by_test_id("second-score").inner_text() == "3,50"
    page.goto(page.base_url + "/tasks/criteria/?year=2023&ward=BH")
    _move(page)
    assert page.get_by_test_id("appraisal-state-label").inner_text() == "Kết quả cuối cùng"
    assert page.get_by_test_id("criteria-final").inner_text() == "5,50"
    assert page.get_by_test_id("next-move").count() == 0

    # The report shows the explanation; the result is locked for the ward.
    page.get_by_role("link", name="Báo cáo tự đánh giá").click()
    assert "12 thủ tục đất đai" in page.get_by_test_id("report-explanations").inner_text()
    with page.expect_download() as download:
        page.get_by_test_id("report-xlsx").click()
    assert download.value.suggested_filename == "bao-cao-tu-danh-gia-cchc-BH-2023.xlsx"
    rows = [
        [c.value for c in r]
        for r in load_workbook(io.BytesIO(download.value.path().read_bytes())).active.iter_rows()
    ]
    procedures = next(r for r in rows if r[1] == str(Component.PROCEDURES.label))
    assert procedures[2:7] == [6, 6, 5, 5.5, 5.5]  # max, self, round 1, round 2, final
    explained = next(r for r in rows if r[0] == "3.1")
    assert explained[2:5] == [4, 3, 3.5] and "12 thủ tục đất đai" in explained[6]
    page.context.clear_cookies()
    login("chutich")
    page.goto(page.base_url + "/tasks/criteria/?year=2023")
    page.get_by_test_id("criterion-3.1").get_by_role("link").click()
    assert page.get_by_role("button", name="Lưu").count() == 0
    assert page.get_by_test_id("final-score").inner_text() == "3,50"
