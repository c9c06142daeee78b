# ruff: noqa: F811  (fixtures imported from test_indicators)
"""Issue 14's defects, each as a person meets it in the browser (Chromium, 1366x768 unless said)."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlparse

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from dossiers import workflow
from dossiers.demo import load_catalogue_documents
from dossiers.models import Dossier
from parindex.analytics.targets import create_default_targets
from tasks import plans
from tasks.models import Component, TaskStatus
from tests.dossiers_fixtures import *  # noqa: F403
from tests.dossiers_fixtures import at
from tests.test_indicators import fields_, scenario  # noqa: F401
from tests.test_reports_scenario import *  # noqa: F403

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIETNAMESE = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.IGNORECASE
)
SVG_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
# Every coordinate-like attribute of an SVG's descendants, polyline points split into numbers.
SVG_COORDINATES = """(selector) => {
  const out = [];
  for (const el of document.querySelectorAll(selector + ' *')) {
    for (const a of ['x', 'y', 'x1', 'x2', 'y1', 'y2', 'cx', 'cy', 'r', 'width', 'height']) {
      const v = el.getAttribute(a);
      if (v !== null) out.push(v);
    }
    const p = el.getAttribute('points');
    if (p) out.push(...p.trim().split(/[ ,]+/));
  }
  return out;
}"""


def _switch_to_english(page) -> None:
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()


def test_register_export_is_a_real_download_of_the_filtered_rows(
    page, login, officer_datdai, make_dossier, business, birth, tmp_path
):
    kept = make_dossier(birth, at(2024, 3, 5, 9), name="Trần Thị Bình")
    dropped = make_dossier(business, at(2024, 3, 4, 9), name="Nguyễn Văn An")
    login("diachinh")
    page.goto(page.base_url + "/dossiers/")
    page.fill("#id_q", "Bình")  # htmx swaps the rows
    # expect() polls from Python: a string predicate would be eval()ed in the page, which the CSP blocks.
    expect(page.locator("[data-testid=dossier-table] tbody tr")).to_have_count(1)
    height = page.evaluate("document.documentElement.scrollHeight")
    with page.expect_download() as download:
        page.get_by_test_id("export-xlsx").click()
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    codes = [row[0] for row in load_workbook(target).active.iter_rows(min_row=2, values_only=True)]
    assert codes == [kept.code] and dropped.code not in codes
    # The page is untouched: no workbook bytes swapped into the table.
    assert page.evaluate("document.documentElement.scrollHeight") == height
    assert "PK" not in page.get_by_test_id("dossier-table").inner_text()


def _plan_2023(ward, chairperson, officer):
    """Four tasks: two due by 31/05 (done), one due in September (done early), one due 31/12."""
    plan = plans.create_plan(ward=ward, year=2023, by=chairperson)
    rows = [
        ("01", date(2023, 3, 31), date(2023, 3, 20)),
        ("02", date(2023, 4, 28), date(2023, 4, 25)),
        ("03", date(2023, 9, 29), date(2023, 5, 20)),
        ("04", date(2023, 12, 29), None),
    ]
    for code, due, done in rows:
        task = plans.save_task(
            plan=plan,
            by=chairperson,
            code=code,
            title="Nhiệm vụ {}".format(code),
            component=Component.PROCEDURES,
            due_date=due,
            lead=officer,
        )
        if done:
            plans.set_status(task, status=TaskStatus.DONE, by=chairperson, on=done)
    return plan


def test_charts_write_machine_numbers_in_vietnamese_and_english(
    page, login, chairperson, officer_datdai, ward, make_dossier, business
):
    _plan_2023(ward, chairperson, officer_datdai)
    for day in (5, 6, 7):
        d = make_dossier(business, at(2024, 1, day, 9))
        workflow.resolve(d, by=officer_datdai, at=at(2024, 1, day, 15))
    make_dossier(business, at(2024, 2, 5, 9))
    login("chutich")
    for language in ("vi", "en"):
        if language == "en":
            _switch_to_english(page)
        page.goto(page.base_url + "/tasks/progress/?year=2023")
        values = page.evaluate(SVG_COORDINATES, "[data-testid=month-chart]")
        assert len(values) > 40 and [v for v in values if not SVG_NUMBER.match(v)] == []
        # grid lines drawn at distinct heights, month labels T1..T12 under the axis
        ys = page.eval_on_selector_all(
            "[data-testid=month-chart] line", "els => els.map(e => e.getAttribute('y1'))"
        )
        assert len(set(ys)) == 3
        labels = page.eval_on_selector_all(
            "[data-testid=month-chart] > text", "els => els.map(e => e.textContent)"
        )
        assert [t for t in labels if t.startswith("T")] == ["T{}".format(i) for i in range(1, 13)]

        page.goto(page.base_url + "/dashboard/?kind=custom&from=2024-01-01&to=2024-02-29")
        values = page.evaluate(SVG_COORDINATES, "[data-testid=trend-chart] svg")
        assert len(values) > 10 and [v for v in values if not SVG_NUMBER.match(v)] == []


def test_city_viewer_lands_on_the_ward_comparison_and_opens_each_ward(
    page, login, city_viewer, ward, other_ward
):
    login("thanhpho")
    assert urlparse(page.url).path == "/dashboard/city/"
    assert page.get_by_test_id("nav-city").get_attribute("aria-current") == "page"
    assert page.get_by_test_id("ward-row-" + ward.code).is_visible()
    page.get_by_test_id("ward-row-" + other_ward.code).get_by_role("link", name=other_ward.name).click()
    page.wait_for_url("**/dashboard/?**")
    assert page.get_by_role("heading", name="Bảng điều khiển: " + other_ward.name).is_visible()
    # the menu still leads back to the comparison
    page.get_by_test_id("nav-city").click()
    page.wait_for_url("**/dashboard/city/")


def test_plan_at_75_percent_against_100_is_on_track_not_met(
    page, login, chairperson, officer_datdai, ward, city
):
    create_default_targets(city=city, year=2023)
    _plan_2023(ward, chairperson, officer_datdai)
    login("chutich")
    page.goto(page.base_url + "/dashboard/?kind=custom&from=2023-01-01&to=2023-05-31")
    card = page.get_by_test_id("kpi-tasks_done_rate")
    assert card.locator(".kpi-value").inner_text() == "75,0%"
    assert card.get_by_test_id("status").inner_text() == "Đúng tiến độ"
    assert (
        card.get_by_test_id("needed").inner_text()
        == "2 nhiệm vụ đến hạn đến nay, 3 đã xong; còn 1 nhiệm vụ đến 31/12"
    )


def test_rating_is_offered_only_once_a_result_exists(page, login, officer_datdai, make_dossier, business):
    d = make_dossier(business, at(2024, 3, 4, 9))
    login("diachinh")
    page.goto(page.base_url + "/dossiers/{}/".format(d.pk))
    assert page.locator("details[data-move=resolve]").count() == 1
    assert page.locator("details[data-move=rate]").count() == 0
    assert page.get_by_test_id("rating-section").count() == 0
    page.locator("details[data-move=resolve] summary").click()
    page.get_by_test_id("do-resolve").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("dossier-status").inner_text() == "Đã có kết quả"
    assert page.locator("details[data-move=rate]").count() == 1
    assert page.get_by_test_id("rating-section").is_visible()


def test_a5_forms_keep_the_national_header_on_one_line(page, login, officer_datdai, make_dossier, business):
    d = make_dossier(business, at(2024, 3, 4, 9))
    login("diachinh")
    # A5 is 148 mm wide; 12 mm margins leave 124 mm, 469 CSS pixels.
    page.set_viewport_size({"width": 469, "height": 700})
    page.emulate_media(media="print")
    for number in ("01", "05"):
        page.goto(page.base_url + "/dossiers/{}/print/{}/".format(d.pk, number))
        for selector in (".header .nation", ".header .motto"):
            rects = page.evaluate(
                "s => [...document.querySelector(s).getClientRects()].map(r => r.right)", selector
            )
            assert len(rects) == 1, (number, selector)
            assert rects[0] <= 469


def test_english_leaves_no_vietnamese_in_tabs_moves_history_and_print_titles(
    page, login, officer_datdai, make_dossier, business
):
    d = make_dossier(business, at(2024, 3, 4, 9))
    workflow.start(d, by=officer_datdai, at=at(2024, 3, 4, 10))
    login("diachinh")
    page.goto(page.base_url + "/dossiers/")
    _switch_to_english(page)
    tabs = page.locator("nav.worklists a").all_inner_texts()
    assert len(tabs) >= 8 and [t for t in tabs if VIETNAMESE.search(t)] == []
    page.goto(page.base_url + "/dossiers/{}/".format(d.pk))
    moves = page.locator("details[data-move] summary").all_inner_texts()
    assert moves and [m for m in moves if VIETNAMESE.search(m)] == []
    actions = page.locator("section.history td:nth-child(3) em").all_inner_texts()
    assert "Start processing" in actions and [a for a in actions if VIETNAMESE.search(a)] == []
    people = page.locator("section.history td:nth-child(2)").all_inner_texts()
    assert set(people) == {"Lê Văn Minh"}  # names, not logins
    page.goto(page.base_url + "/dossiers/{}/print/01/".format(d.pk))
    assert page.get_by_test_id("print-title").inner_text().upper() == "RECEIPT AND APPOINTMENT SLIP"
    assert page.locator("html").get_attribute("lang") == "en"


def test_admin_is_in_vietnamese_including_history_and_login_records(page, login, administrator, ward):
    administrator.is_superuser = True
    administrator.save()
    login("quantri")
    page.goto(page.base_url + "/admin/")
    content = page.locator("#content").inner_text()
    assert "Lần đăng nhập" in content and "Access" not in content
    page.goto(page.base_url + "/admin/parindex/ward/{}/history/".format(ward.pk))
    heading = page.locator("#content h1").inner_text()
    assert heading.startswith("Lịch sử thay đổi") and "history" not in heading.lower()


def test_report_names_the_chosen_preparer_and_the_chairperson_and_prints_on_a4(
    page, login, chairperson, officer_tuphap, march, ward, tmp_path
):
    login("chutich")
    page.goto(page.base_url + "/reports/?ward={}&from=2023-03-01&to=2023-03-31".format(ward.code))
    page.select_option("#r-preparer", str(officer_tuphap.pk))
    with page.expect_download() as download:
        page.get_by_test_id("download-report").click()
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    book = load_workbook(target)
    bieu06 = book["Biểu 06"]
    last = [c.value for c in bieu06[bieu06.max_row]]
    assert (last[1], last[8]) == ("Nguyễn Thị Lan", "Trần Văn Hùng")
    for name in ("Chỉ số", "Hồ sơ trễ hạn", "Sổ theo dõi", "Nhiệm vụ", "Nhân sự"):
        ws = book[name]
        setup = ws.page_setup
        assert (setup.paperSize, setup.orientation, setup.fitToWidth, setup.fitToHeight) == (
            9,
            "landscape",
            1,
            0,
        )
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$3:$3", name
        # the wrapped header row is tall enough for its longest label
        assert ws.row_dimensions[3].height and ws.row_dimensions[3].height >= 30, name


def test_officer_home_counts_match_the_worklists_they_open(
    page, login, officer_datdai, make_dossier, business, land_office
):
    # Fixed dates in 2024: judged today, the open ones are overdue, whatever today is.
    make_dossier(business, at(2024, 3, 4, 9))
    make_dossier(business, at(2024, 3, 5, 9))
    waiting = make_dossier(business, at(2024, 3, 6, 9))
    workflow.request_supplement(waiting, by=officer_datdai, at=at(2024, 3, 6, 10), items="Bản sao CCCD")
    away = make_dossier(business, at(2024, 3, 6, 9))
    workflow.send_to_agency(
        away, agency=land_office, by=officer_datdai, at=at(2024, 3, 6, 11), due_date=date(2024, 3, 12)
    )
    login("diachinh")
    page.goto(page.base_url + "/")
    cards = page.get_by_test_id("home-worklists").locator("a[data-worklist]")
    expected = {
        cards.nth(i).get_attribute("data-worklist"): int(cards.nth(i).locator(".big-number").inner_text())
        for i in range(cards.count())
    }
    assert expected["mine"] == 4 and expected["supplement"] == 1 and expected["at_agency"] == 1
    # The inbox of online submissions is a list of its own (tests/browser/test_online_acceptance.py).
    page.goto(page.base_url + "/")
    page.locator("[data-testid=home-worklists] a[data-worklist=online]").click()
    page.wait_for_url("**/dossiers/online/")
    assert page.get_by_test_id("inbox-count").inner_text() == str(expected.pop("online")) == "0"
    for key, count in expected.items():
        page.goto(page.base_url + "/")
        page.locator("[data-testid=home-worklists] a[data-worklist={}]".format(key)).click()
        page.wait_for_url("**/dossiers/?list={}".format(key))
        active = page.get_by_test_id("worklists").locator("a[aria-current=page]")
        assert active.get_attribute("data-worklist") == key
        assert active.locator(".count").inner_text() == str(count)
        rows = page.get_by_test_id("dossier-table").locator("tbody tr td a")
        assert rows.count() == count, key
    # The register keeps the last list for the session.
    page.goto(page.base_url + "/dossiers/")
    assert (
        page.get_by_test_id("worklists").locator("a[aria-current=page]").get_attribute("data-worklist") == key
    )


def test_chairperson_headline_numbers_agree_with_the_bieu06_table_and_link_to_dossiers(
    page, login, chairperson, scenario
):
    login("chutich")
    page.goto(page.base_url + "/dashboard/?kind=month&year=2024&month=3")
    total = page.get_by_test_id("bieu06-total").locator("td")
    column = {c: total.nth(i).inner_text() for i, c in enumerate(["3", "4", "5a", "5b", "6", "7", "8", "9", "10", "11", "12", "13"])}  # fmt: skip
    headline = page.get_by_test_id("headline")

    def number(bucket: str) -> str:
        return headline.locator("a[data-bucket={}]".format(bucket)).inner_text()

    for bucket, col in [("received", "3"), ("carried_over", "6"), ("received_online", "4"), ("resolved", "7"),
                        ("resolved_before", "8"), ("resolved_on_time", "9"), ("resolved_late", "10"),
                        ("in_progress", "11"), ("in_progress_within", "12"), ("in_progress_overdue", "13")]:  # fmt: skip
        assert number(bucket) == column[col], bucket
    assert int(number("received_new")) == int(column["3"]) - int(column["6"])
    # the table's header says what each official column number means
    header = page.get_by_test_id("bieu06").locator("thead tr").nth(1).locator("th")
    assert header.nth(0).inner_text().split() == ["Tổng", "số", "(3)"]
    assert header.nth(6).inner_text().replace("\n", " ") == "Trước hạn (8)"
    # a headline figure opens exactly its dossiers
    expected = int(number("in_progress"))
    headline.locator("a[data-bucket=in_progress]").click()
    page.wait_for_url("**/dossiers/?**bucket=in_progress**")
    assert page.get_by_test_id("dossier-table").locator("tbody tr td a").count() == expected


def test_dossier_page_offers_allowed_moves_likely_first_in_a_compact_layout(
    page, login, officer_datdai, make_dossier, business
):
    fresh = make_dossier(business, at(2024, 3, 4, 9))
    late = make_dossier(business, at(2024, 3, 4, 9))
    workflow.start(late, by=officer_datdai, at=at(2024, 3, 4, 10))
    login("diachinh")
    page.goto(page.base_url + "/dossiers/{}/".format(fresh.pk))
    moves = page.locator("details[data-move]")
    names = [moves.nth(i).get_attribute("data-move") for i in range(moves.count())]
    assert names[0] == "start" and names[-3:] == ["reject_at_reception", "withdraw", "stop"]
    assert "rate" not in names and "return_result" not in names
    # two label/value pairs per row on a desktop screen, one on a phone
    tracks = "getComputedStyle(document.querySelector('dl.facts')).gridTemplateColumns.split(' ').length"
    assert page.evaluate(tracks) == 4
    assert page.locator("ol.timeline li").first.inner_text().endswith("Lê Văn Minh")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate(tracks) == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # in progress and long overdue: resolving comes first, and an apology letter is offered
    page.goto(page.base_url + "/dossiers/{}/".format(late.pk))
    first = page.locator("details[data-move]").first
    assert first.get_attribute("data-move") == "resolve"
    assert page.locator("details[data-move=issue_apology]").count() == 1


MAIN_PAGES = [
    "/",
    "/dossiers/",
    "/dossiers/new/",
    "/dossiers/{pk}/",
    "/tasks/?year=2023",
    "/tasks/progress/?year=2023",
    "/tasks/criteria/?year=2023",
    "/staffing/",
    "/dashboard/?kind=custom&from=2023-01-01&to=2023-05-31",
    "/reports/?ward={ward}&from=2023-01-01&to=2023-05-31",
]
# pages whose heading is data (the plan's own title, written in Vietnamese when it was made)
DATA_HEADINGS = {"/tasks/?year=2023"}
DANGLING_DESCRIBEDBY = """() => [...document.querySelectorAll('[aria-describedby]')]
  .flatMap(el => el.getAttribute('aria-describedby').split(/\\s+/))
  .filter(id => id && !document.getElementById(id))"""


@pytest.mark.parametrize("language", ["vi", "en"])
def test_main_pages_in_both_languages_on_desktop_and_phone(
    page, login, language, chairperson, officer_datdai, ward, make_dossier, business
):
    _plan_2023(ward, chairperson, officer_datdai)
    d = make_dossier(business, at(2023, 3, 6, 9))
    login("chutich")
    if language == "en":
        _switch_to_english(page)
    for width, height in ((1366, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        for path in MAIN_PAGES:
            url = page.base_url + path.format(pk=d.pk, ward=ward.code)
            response = page.goto(url)
            assert response.status == 200, path
            assert page.locator("html").get_attribute("lang") == language
            assert page.evaluate(DANGLING_DESCRIBEDBY) == [], path
            # nothing wider than the screen but the tables' own scrolling boxes
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (path, width)
            header = page.locator("header.topbar").bounding_box()
            assert header["height"] <= (60 if width > 700 else 110), (path, width)
            if language == "en" and path not in DATA_HEADINGS:
                heading = page.locator("h1").first.inner_text().replace(ward.name, "").replace(d.code, "")
                menu = page.locator("nav.mainnav").inner_text()
                assert not VIETNAMESE.search(heading + menu), (path, heading)


def test_officer_logs_a_dossier_by_keyboard_sees_fee_and_due_then_the_receipt_prints(
    page, login, officer_tuphap, birth
):
    load_catalogue_documents()
    # record print dialogs instead of opening them, in the page and in its frames
    page.add_init_script("window.print = () => { window.top.__printed = (window.top.__printed || 0) + 1; };")
    login("tuphap")
    page.goto(page.base_url + "/dossiers/new/")
    assert page.evaluate("document.activeElement.id") == "id_procedure"
    page.keyboard.type("khai sinh")  # words, not the exact suggestion
    page.keyboard.press("Tab")
    preview = page.get_by_test_id("receipt-preview")
    preview.wait_for()
    assert "1.001193 - Đăng ký khai sinh" in preview.inner_text()
    due = page.get_by_test_id("preview-due").inner_text()
    for _i in range(40):
        if page.evaluate("document.activeElement.id") == "id_applicant_name":
            break
        page.keyboard.press("Tab")
    page.keyboard.type("Trần Thị Bình")
    # on through the form: tick the catalogue's required papers, then press the saving button
    checklist = page.get_by_test_id("checklist")
    assert checklist.locator("input[type=checkbox]").count() == 4
    ticked = 0
    for _i in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "(() => { const e = document.activeElement; return [e.type, e.dataset.required || '', e.textContent]; })()"
        )
        if focused[0] == "checkbox" and focused[1] == "1":
            page.keyboard.press("Space")
            ticked += 1
        elif focused[0] == "submit" and "Tiếp nhận" in focused[2]:
            page.keyboard.press("Enter")
            break
    assert ticked == 3
    page.wait_for_url(re.compile(r"/dossiers/\d+/$"))
    dossier = Dossier.objects.get()
    assert (dossier.procedure, dossier.applicant_name) == (birth, "Trần Thị Bình")
    assert dossier.documents.splitlines()[1] == "Giấy chứng sinh (bản chính, 1)"
    assert timezone.localtime(dossier.due_at).strftime("%H:%M %d/%m/%Y") == due
    for _i in range(100):  # polled from Python (the CSP blocks eval()ed predicates)
        if page.evaluate("window.__printed") == 1:
            break
        page.wait_for_timeout(100)
    assert page.evaluate("window.__printed") == 1
    assert page.get_by_test_id("print-frame").get_attribute("src").endswith("/print/01/?autoprint=1")
