"""PAR appraisal rounds: self-assessment -> first appraisal by the city -> the ward's explanations
-> second appraisal -> final; who may move each step, what each step locks, "not applicable"
criteria leaving the maximum, totals per round, and the self-assessment report in Excel."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from openpyxl import load_workbook

from parindex.base.models import Role
from tasks import criteria
from tasks.models import Appraisal, AppraisalState, Component, Criterion, EvidenceStage
from tasks.queries import par_totals

D = Decimal
AT = datetime(2023, 11, 20, 3, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _december(monkeypatch, settings, tmp_path):
    monkeypatch.setattr("tasks.views.today", lambda: date(2023, 12, 1))
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def other_city_viewer(make_user, other_city):
    return make_user("xem_lagi", role=Role.CITY_VIEWER, city=other_city, full_name="Hồ Văn Lợi")


@pytest.fixture
def admin_without_city(make_user):
    return make_user("quantri_tinh", role=Role.ADMIN, full_name="Lý Thị Mai", is_staff=True)


@pytest.fixture
def small_tree(ward, chairperson, officer_tuphap, officer_datdai):
    """14 points: A (4) = A1 (2) + A2 (2); B (3); C (5); D (2) in two components."""

    def add(code, max_score, component=Component.DIRECTION, parent=None, responsible=officer_tuphap):
        return criteria.save_criterion(
            ward=ward, year=2023, by=chairperson, component=component, code=code, title="Tiêu chí " + code,
            max_score=D(max_score), parent=parent, responsible=responsible,
        )  # fmt: skip

    a = add("A", "4")
    add("A1", "2", parent=a)
    add("A2", "2", parent=a, responsible=officer_datdai)
    add("B", "3", responsible=officer_datdai)
    add("C", "5", component=Component.PROCEDURES)
    add("D", "2", component=Component.PROCEDURES)
    return {c.code: c for c in Criterion.objects.filter(ward=ward, year=2023)}


def get(ward, code) -> Criterion:
    return Criterion.objects.get(ward=ward, year=2023, code=code)


def state(ward) -> str:
    return Appraisal.objects.get(ward=ward, year=2023).state


SELF_SCORES = {"A1": "2", "A2": "1.5", "B": "3", "C": "4", "D": "2"}


def self_assess(ward, by, scores=SELF_SCORES, evidence=("A1", "A2", "B", "C", "D")):
    for code, value in scores.items():
        criteria.score(get(ward, code), by=by, self_score=D(value))
    for code in evidence:
        criteria.add_criterion_evidence(get(ward, code), by=by, city=False, note="Biên bản " + code)


def to_first(ward, chairperson):
    self_assess(ward, chairperson)
    criteria.submit(ward=ward, year=2023, by=chairperson, at=AT)


# First appraisal: A2 and C lower than the self score, B's evidence judged incomplete.
FIRST = {"A1": ("2", True), "A2": ("1", True), "B": ("3", False), "C": ("3", True), "D": ("2", True)}


def to_explanation(ward, chairperson, city_viewer):
    to_first(ward, chairperson)
    for code, (value, complete) in FIRST.items():
        criteria.appraise(get(ward, code), by=city_viewer, round=1, score=D(value), evidence_complete=complete,
                          comment="Nhận xét " + code)  # fmt: skip
    for extra in Criterion.objects.filter(ward=ward, code__startswith="X"):
        criteria.appraise(extra, by=city_viewer, round=1, score=extra.self_score, evidence_complete=True)
    criteria.finish_first_round(ward=ward, year=2023, by=city_viewer, at=AT)


def to_second(ward, chairperson, city_viewer):
    to_explanation(ward, chairperson, city_viewer)
    for code in ("A2", "B", "C"):
        criteria.explain(get(ward, code), by=chairperson, text="Giải trình " + code)
    criteria.submit_explanations(ward=ward, year=2023, by=chairperson, at=AT)


def to_final(ward, chairperson, city_viewer):
    to_second(ward, chairperson, city_viewer)
    criteria.appraise(get(ward, "C"), by=city_viewer, round=2, score=D("4.5"), comment="Đã bổ sung")
    criteria.finalize(ward=ward, year=2023, by=city_viewer, at=AT)


STAGES = {
    AppraisalState.SELF: lambda w, ch, cv: None,
    AppraisalState.FIRST: lambda w, ch, cv: to_first(w, ch),
    AppraisalState.EXPLANATION: to_explanation,
    AppraisalState.SECOND: to_second,
    AppraisalState.FINAL: to_final,
}


# -- the whole walk and its totals ---------------------------------------------------------------


def test_totals_per_component_and_overall_in_every_round(ward, small_tree, chairperson, city_viewer):
    to_final(ward, chairperson, city_viewer)
    totals = par_totals([ward.id], 2023)[ward.id]
    direction, procedures = totals.components[Component.DIRECTION], totals.components[Component.PROCEDURES]
    # A = min(2 + 1.5, 4) = 3.5 self, 2 + 1 = 3 first; B 3 / 3; second keeps the first where the
    # city did not score again.
    assert (direction.max_score, direction.self_score, direction.appraised_score) == (
        D("7"),
        D("6.5"),
        D("6"),
    )
    assert direction.second_score == direction.final_score == D("6")
    # C 4 self, 3 first, 4.5 second; D 2 / 2 / 2.
    assert (procedures.max_score, procedures.self_score, procedures.appraised_score) == (
        D("7"),
        D("6"),
        D("5"),
    )
    assert procedures.second_score == procedures.final_score == D("6.5")
    overall = totals.overall
    assert (overall.max_score, overall.self_score, overall.appraised_score) == (D("14"), D("12.5"), D("11"))
    assert overall.final_score == D("12.5")
    assert str(overall.self_ratio) == "89,3%"
    assert totals.state == AppraisalState.FINAL
    assert get(ward, "C").final_score == D("4.5") and get(ward, "A2").final_score == D("1")


def test_final_total_is_absent_until_the_city_finalizes(ward, small_tree, chairperson, city_viewer):
    to_second(ward, chairperson, city_viewer)
    overall = par_totals([ward.id], 2023)[ward.id].overall
    assert overall.second_score == D("11") and overall.final_score is None


def test_explanation_is_required_for_incomplete_evidence_and_lower_scores_only(
    ward, small_tree, chairperson, city_viewer
):
    to_explanation(ward, chairperson, city_viewer)
    assert {c.code for c in Criterion.objects.filter(ward=ward) if c.needs_explanation} == {"A2", "B", "C"}
    with pytest.raises(ValidationError) as exc:
        criteria.submit_explanations(ward=ward, year=2023, by=chairperson, at=AT)
    assert "A2, B, C" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        criteria.explain(get(ward, "A1"), by=chairperson, text="Không cần")
    assert "không cần giải trình" in str(exc.value)
    with pytest.raises(ValidationError):
        criteria.explain(get(ward, "B"), by=chairperson, text="   ")
    assert state(ward) == AppraisalState.EXPLANATION


def test_criterion_without_evidence_is_never_complete(ward, small_tree, chairperson, city_viewer):
    self_assess(ward, chairperson, evidence=("A1", "A2", "B", "C"))  # D has none
    criteria.submit(ward=ward, year=2023, by=chairperson, at=AT)
    d = criteria.appraise(get(ward, "D"), by=city_viewer, round=1, score=D("2"), evidence_complete=True)
    assert d.evidence_complete is False and d.needs_explanation


def test_submit_needs_every_applicable_criterion_scored(ward, small_tree, chairperson):
    criteria.score(get(ward, "A1"), by=chairperson, self_score=D("1"))
    criteria.set_not_applicable(get(ward, "D"), by=chairperson, value=True, reason="Phường không có chợ")
    with pytest.raises(ValidationError) as exc:
        criteria.submit(ward=ward, year=2023, by=chairperson, at=AT)
    assert "A2, B, C" in str(exc.value)
    assert not Appraisal.objects.filter(ward=ward, year=2023, state=AppraisalState.FIRST).exists()


def test_first_round_cannot_close_with_unappraised_criteria(ward, small_tree, chairperson, city_viewer):
    to_first(ward, chairperson)
    criteria.appraise(get(ward, "A1"), by=city_viewer, round=1, score=D("2"), evidence_complete=True)
    with pytest.raises(ValidationError) as exc:
        criteria.finish_first_round(ward=ward, year=2023, by=city_viewer, at=AT)
    assert "A2, B, C, D" in str(exc.value)
    assert state(ward) == AppraisalState.FIRST


def test_round_one_score_above_maximum_is_refused(ward, small_tree, chairperson, city_viewer):
    to_first(ward, chairperson)
    with pytest.raises(ValidationError) as exc:
        criteria.appraise(get(ward, "B"), by=city_viewer, round=1, score=D("3.5"), evidence_complete=True)
    assert "vượt điểm tối đa 3" in str(exc.value)
    assert get(ward, "B").appraised_score is None


# -- not applicable -------------------------------------------------------------------------------


def test_not_applicable_leaf_leaves_the_maximum(ward, small_tree, chairperson):
    criteria.set_not_applicable(get(ward, "D"), by=chairperson, value=True, reason="Phường không có chợ")
    criteria.score(get(ward, "C"), by=chairperson, self_score=D("5"))
    totals = par_totals([ward.id], 2023)[ward.id]
    assert totals.components[Component.PROCEDURES].max_score == D("5")
    assert totals.overall.max_score == D("12")
    assert str(totals.components[Component.PROCEDURES].self_ratio) == "100,0%"


def test_not_applicable_sub_criterion_lowers_its_parent_maximum(ward, small_tree, chairperson):
    criteria.set_not_applicable(get(ward, "A2"), by=chairperson, value=True, reason="Không phát sinh")
    criteria.score(get(ward, "A1"), by=chairperson, self_score=D("2"))
    direction = par_totals([ward.id], 2023)[ward.id].components[Component.DIRECTION]
    # A: min(4, 2) = 2, plus B 3.
    assert direction.max_score == D("5") and direction.self_score == D("2")


def test_not_applicable_needs_a_reason_clears_the_score_and_cannot_be_scored(ward, small_tree, chairperson):
    criteria.score(get(ward, "D"), by=chairperson, self_score=D("1"))
    with pytest.raises(ValidationError):
        criteria.set_not_applicable(get(ward, "D"), by=chairperson, value=True, reason=" ")
    assert not get(ward, "D").not_applicable
    criteria.set_not_applicable(get(ward, "D"), by=chairperson, value=True, reason="Không có chợ")
    assert get(ward, "D").self_score is None
    with pytest.raises(ValidationError):
        criteria.score(get(ward, "D"), by=chairperson, self_score=D("1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Criterion.objects.filter(ward=ward, code="D").update(self_score=D("1"))
    with pytest.raises(ValidationError):
        criteria.set_not_applicable(get(ward, "A"), by=chairperson, value=True, reason="Có thành phần")


# -- locks per state ------------------------------------------------------------------------------


def _ward_edits(ward, chairperson):
    return {
        "self score": lambda: criteria.score(get(ward, "B"), by=chairperson, self_score=D("1")),
        "not applicable": lambda: criteria.set_not_applicable(
            get(ward, "B"), by=chairperson, value=True, reason="x"
        ),  # fmt: skip
        "tree": lambda: criteria.save_criterion(
            ward=ward,
            year=2023,
            by=chairperson,
            component=Component.DIRECTION,
            code="E",
            title="Mới",
            max_score=D("1"),
        ),  # fmt: skip
        "report": lambda: criteria.save_report_notes(
            ward=ward, year=2023, by=chairperson, difficulties="x", proposals="y"
        ),  # fmt: skip
        "evidence": lambda: criteria.add_criterion_evidence(
            get(ward, "A1"), by=chairperson, city=False, note="Muộn"
        ),  # fmt: skip
    }


@pytest.mark.parametrize(
    "stage", [AppraisalState.FIRST, AppraisalState.EXPLANATION, AppraisalState.SECOND, AppraisalState.FINAL]
)
def test_ward_cannot_change_its_self_assessment_after_submission(
    ward, small_tree, chairperson, city_viewer, stage
):
    STAGES[stage](ward, chairperson, city_viewer)
    before = {c.code: (c.self_score, c.not_applicable) for c in Criterion.objects.filter(ward=ward)}
    n_criteria = Criterion.objects.filter(ward=ward).count()
    for name, edit in _ward_edits(ward, chairperson).items():
        with pytest.raises(ValidationError) as exc:
            edit()
        assert "đang ở bước" in str(exc.value), name
    assert {c.code: (c.self_score, c.not_applicable) for c in Criterion.objects.filter(ward=ward)} == before
    assert Criterion.objects.filter(ward=ward).count() == n_criteria


def test_explanation_evidence_only_for_criteria_that_need_it(ward, small_tree, chairperson, city_viewer):
    to_explanation(ward, chairperson, city_viewer)
    with pytest.raises(ValidationError):
        criteria.add_criterion_evidence(get(ward, "A1"), by=chairperson, city=False, note="Không cần")
    added = criteria.add_criterion_evidence(
        get(ward, "B"), by=chairperson, city=False, note="Bổ sung biên bản"
    )
    assert added.stage == EvidenceStage.EXPLANATION


@pytest.mark.parametrize("stage", [AppraisalState.SELF, AppraisalState.EXPLANATION, AppraisalState.FINAL])
def test_city_cannot_appraise_outside_its_rounds(ward, small_tree, chairperson, city_viewer, stage):
    if stage == AppraisalState.SELF:
        self_assess(ward, chairperson)
    else:
        STAGES[stage](ward, chairperson, city_viewer)
    before = {c.code: (c.appraised_score, c.second_score) for c in Criterion.objects.filter(ward=ward)}
    for round in (1, 2):
        with pytest.raises(ValidationError) as exc:
            criteria.appraise(
                get(ward, "B"), by=city_viewer, round=round, score=D("1"), evidence_complete=True
            )
        assert "đang ở bước" in str(exc.value)
    with pytest.raises(ValidationError):
        criteria.add_criterion_evidence(get(ward, "B"), by=city_viewer, city=True, note="Biên bản thẩm định")
    assert {
        c.code: (c.appraised_score, c.second_score) for c in Criterion.objects.filter(ward=ward)
    } == before


def test_final_locks_every_move(ward, small_tree, chairperson, city_viewer):
    to_final(ward, chairperson, city_viewer)
    moves = [criteria.submit, criteria.finish_first_round, criteria.submit_explanations, criteria.finalize]
    for move in moves:
        with pytest.raises(ValidationError):
            move(ward=ward, year=2023, by=city_viewer, at=AT)
    with pytest.raises(ValidationError):
        criteria.explain(get(ward, "B"), by=chairperson, text="Sửa giải trình")
    assert get(ward, "B").explanation == "Giải trình B"
    assert state(ward) == AppraisalState.FINAL


def test_each_move_is_recorded_with_its_author(ward, small_tree, chairperson, city_viewer):
    to_final(ward, chairperson, city_viewer)
    appraisal = Appraisal.objects.get(ward=ward, year=2023)
    moves = [(h.state, h.history_user) for h in appraisal.history.order_by("history_date", "history_id")]
    assert moves == [
        (AppraisalState.FIRST, chairperson),
        (AppraisalState.EXPLANATION, city_viewer),
        (AppraisalState.SECOND, chairperson),
        (AppraisalState.FINAL, city_viewer),
    ]
    c = get(ward, "C")
    authors = [(h.appraised_score, h.second_score, h.history_user) for h in c.history.order_by("history_id")]
    assert (D("3"), None, city_viewer) in authors and (D("3"), D("4.5"), city_viewer) in authors
    assert appraisal.submitted_at == appraisal.finalized_at == AT


# -- roles, through the screens ----------------------------------------------------------------------

MOVE_OF = {
    AppraisalState.SELF: "submit",
    AppraisalState.FIRST: "finish_first",
    AppraisalState.EXPLANATION: "submit_explanations",
    AppraisalState.SECOND: "finalize",
}
NEXT = {
    AppraisalState.SELF: AppraisalState.FIRST,
    AppraisalState.FIRST: AppraisalState.EXPLANATION,
    AppraisalState.EXPLANATION: AppraisalState.SECOND,
    AppraisalState.SECOND: AppraisalState.FINAL,
}
WARD_MOVES = {AppraisalState.SELF, AppraisalState.EXPLANATION}


def _ready(ward, chairperson, city_viewer, stage):
    """The round at ``stage`` with everything done that its move needs."""
    if stage == AppraisalState.SELF:
        self_assess(ward, chairperson)
    elif stage == AppraisalState.FIRST:
        to_first(ward, chairperson)
        for code, (value, complete) in FIRST.items():
            criteria.appraise(
                get(ward, code), by=city_viewer, round=1, score=D(value), evidence_complete=complete
            )
    elif stage == AppraisalState.EXPLANATION:
        to_explanation(ward, chairperson, city_viewer)
        for code in ("A2", "B", "C"):
            criteria.explain(get(ward, code), by=chairperson, text="Giải trình")
    else:
        to_second(ward, chairperson, city_viewer)


@pytest.mark.parametrize("stage", list(MOVE_OF))
@pytest.mark.parametrize(
    "actor",
    [
        "chairperson",
        "officer_tuphap",
        "city_viewer",
        "administrator",
        "other_city_viewer",
        "admin_without_city",
    ],
)
def test_each_move_allowed_or_refused_by_role(client, request, ward, small_tree, chairperson, city_viewer, stage,
                                              actor):  # fmt: skip
    _ready(ward, chairperson, city_viewer, stage)
    user = request.getfixturevalue(actor)
    allowed = actor == "chairperson" if stage in WARD_MOVES else actor in ("city_viewer", "administrator")
    client.force_login(user)
    url = reverse("tasks:criteria_move") + "?ward=" + ward.code
    response = client.post(url, {"year": "2023", "action": MOVE_OF[stage]})
    current = Appraisal.objects.filter(ward=ward, year=2023).values_list("state", flat=True).first()
    if allowed:
        assert response.status_code == 302
        assert current == NEXT[stage]
    else:
        # Another city's viewer cannot even see the ward: ?ward= falls back to a ward of their own
        # city, where there is no round to move.
        assert response.status_code in (403, 404)
        assert (current or AppraisalState.SELF) == stage


def test_move_out_of_order_is_refused_with_a_message(client, ward, small_tree, chairperson, city_viewer):
    self_assess(ward, chairperson)
    client.force_login(city_viewer)
    response = client.post(
        reverse("tasks:criteria_move") + "?ward=BH", {"year": "2023", "action": "finalize"}, follow=True
    )
    assert "Không thể chốt kết quả" in response.content.decode()
    assert not Appraisal.objects.filter(ward=ward, state=AppraisalState.FINAL).exists()
    bogus = client.post(reverse("tasks:criteria_move") + "?ward=BH", {"year": "2023", "action": "drop"})
    assert bogus.status_code == 302


def test_officer_self_scores_own_criterion_but_cannot_submit(client, ward, small_tree, officer_tuphap):
    client.force_login(officer_tuphap)
    ok = client.post(reverse("tasks:criterion_detail", args=[get(ward, "A1").pk]), {"self_score": "1.5"})
    assert ok.status_code == 302 and get(ward, "A1").self_score == D("1.5")
    other = client.post(reverse("tasks:criterion_detail", args=[get(ward, "B").pk]), {"self_score": "1"})
    assert other.status_code == 403 and get(ward, "B").self_score is None


def test_ward_post_after_submission_is_refused_and_changes_nothing(client, ward, small_tree, chairperson):
    to_first(ward, chairperson)
    client.force_login(chairperson)
    response = client.post(reverse("tasks:criterion_detail", args=[get(ward, "B").pk]), {"self_score": "1"})
    assert response.status_code == 400
    assert "đang ở bước" in response.content.decode()
    assert get(ward, "B").self_score == D("3")


def test_city_appraises_through_the_screen_with_a_file(client, ward, small_tree, chairperson, city_viewer):
    to_first(ward, chairperson)
    client.force_login(city_viewer)
    url = reverse("tasks:criterion_detail", args=[get(ward, "C").pk])
    page = client.get(url)
    assert "Thẩm định" in page.content.decode() and page.context["kind"] == "appraise"
    upload = SimpleUploadedFile("Biên bản thẩm định.pdf", PDF, content_type="application/pdf")
    response = client.post(url, {"score": "3", "comment": "Thiếu quyết định", "evidence_complete": "on",
                                 "file": upload})  # fmt: skip
    assert response.status_code == 302
    c = get(ward, "C")
    assert (c.appraised_score, c.first_comment, c.evidence_complete) == (D("3"), "Thiếu quyết định", True)
    file = c.evidence.get(stage=EvidenceStage.FIRST)
    assert file.original_name == "Biên bản thẩm định.pdf" and file.added_by == city_viewer
    too_high = client.post(url, {"score": "9", "evidence_complete": "on"})
    assert too_high.status_code == 400 and get(ward, "C").appraised_score == D("3")


def test_city_of_another_city_and_ward_leaders_cannot_appraise(
    client, ward, small_tree, chairperson, city_viewer, other_city_viewer, admin_without_city
):
    to_first(ward, chairperson)
    url = reverse("tasks:criterion_detail", args=[get(ward, "C").pk])
    client.force_login(other_city_viewer)
    assert client.post(url, {"score": "1", "evidence_complete": "on"}).status_code == 404
    client.force_login(admin_without_city)
    assert client.post(url, {"score": "1", "evidence_complete": "on"}).status_code == 403
    client.force_login(chairperson)
    assert client.post(url, {"score": "1"}).status_code == 400  # the ward's self form, now locked
    assert get(ward, "C").appraised_score is None


def test_ward_explains_through_the_screen(client, ward, small_tree, chairperson, city_viewer):
    to_explanation(ward, chairperson, city_viewer)
    client.force_login(chairperson)
    url = reverse("tasks:criterion_detail", args=[get(ward, "B").pk])
    assert client.get(url).context["form_open"]
    response = client.post(url, {"explanation": "Đã bổ sung biên bản kiểm tra", "note": "Biên bản số 5"})
    assert response.status_code == 302
    b = get(ward, "B")
    assert b.explanation == "Đã bổ sung biên bản kiểm tra"
    assert b.evidence.filter(stage=EvidenceStage.EXPLANATION).count() == 1
    assert not client.get(reverse("tasks:criterion_detail", args=[get(ward, "A1").pk])).context["form_open"]


def test_report_notes_written_by_leaders_while_self_assessing(client, ward, small_tree, chairperson,
                                                              officer_tuphap):  # fmt: skip
    url = reverse("tasks:criteria_report") + "?year=2023"
    client.force_login(officer_tuphap)
    assert client.post(url, {"difficulties": "x", "proposals": "y"}).status_code == 403
    client.force_login(chairperson)
    assert (
        client.post(url, {"difficulties": "Thiếu máy scan", "proposals": "Cấp kinh phí"}).status_code == 302
    )
    appraisal = Appraisal.objects.get(ward=ward, year=2023)
    assert (appraisal.difficulties, appraisal.proposals) == ("Thiếu máy scan", "Cấp kinh phí")


# -- the report in Excel --------------------------------------------------------------------------------


def test_report_exports_summary_explanations_and_proposals(
    client, ward, small_tree, chairperson, city_viewer
):
    criteria.save_report_notes(ward=ward, year=2023, by=chairperson, difficulties="=Thiếu máy scan",
                               proposals="Cấp kinh phí số hóa")  # fmt: skip
    to_final(ward, chairperson, city_viewer)
    client.force_login(city_viewer)
    response = client.get(reverse("tasks:criteria_report"), {"year": "2023", "ward": "BH", "export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "BÁO CÁO TỰ ĐÁNH GIÁ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2023"
    assert rows[1][0] == "Phường Bình Hưng"
    direction = next(r for r in rows if r[1] == str(Component.DIRECTION.label))
    assert direction[2:7] == [7, 6.5, 6, 6, 6]
    procedures = next(r for r in rows if r[1] == str(Component.PROCEDURES.label))
    assert procedures[2:7] == [7, 6, 5, 6.5, 6.5]
    total = next(r for r in rows if r[1] == "Tổng cộng")
    assert total[2:7] == [14, 12.5, 11, 12.5, 12.5]
    explained = {r[0]: r for r in rows if r[0] in ("A2", "B", "C")}
    assert explained["C"][2:7] == [4, 3, 4.5, "Nhận xét C", "Giải trình C"]
    assert explained["B"][6] == "Giải trình B"
    difficulties = rows[next(i for i, r in enumerate(rows) if r[0] == "IV. Khó khăn, vướng mắc") + 1][0]
    assert difficulties == "=Thiếu máy scan"  # text, not a formula
    stored = next(cell for row in sheet.iter_rows() for cell in row if cell.value == "=Thiếu máy scan")
    assert stored.data_type == "s"
    assert "Cấp kinh phí số hóa" in [r[0] for r in rows]


def test_report_page_prints_the_same_figures(client, ward, small_tree, chairperson, city_viewer):
    to_second(ward, chairperson, city_viewer)
    client.force_login(chairperson)
    response = client.get(reverse("tasks:criteria_report"), {"year": "2023"})
    body = response.content.decode()
    assert response.context["report"].totals.overall.second_score == D("11")
    assert [c.code for c in response.context["report"].explained] == ["A2", "B", "C"]
    assert "Giải trình C" in body and "par-report" in body


# -- query counts --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [0, 15])
def test_round_pages_queries_do_not_grow(client, ward, small_tree, chairperson, city_viewer,
                                         django_assert_max_num_queries, extra):  # fmt: skip
    for i in range(extra):
        criteria.save_criterion(ward=ward, year=2023, by=chairperson, component=Component.DIGITAL,
                                code="X{}".format(i), title="Thêm {}".format(i), max_score=D("1"))  # fmt: skip
        criteria.score(get(ward, "X{}".format(i)), by=chairperson, self_score=D("1"))
        criteria.add_criterion_evidence(get(ward, "X{}".format(i)), by=chairperson, city=False, note="n")
    to_second(ward, chairperson, city_viewer)
    client.force_login(city_viewer)
    # session, user, membership, the city's ward ids, the ward (?ward=), criteria with evidence
    # counts, totals this year and last year (the round's state inside), the ward switcher's
    # wards, session save (savepoint, update, release): 12.
    with django_assert_max_num_queries(12):
        page = client.get(reverse("tasks:criteria"), {"year": "2023", "ward": "BH"})
    assert page.status_code == 200 and page.context["next_move"] == "finalize"
    # session, user, membership, ward ids, the ward, the round, totals, report criteria, the
    # round's history, the ward switcher, session save (3): 13; the export renders no page: 11.
    with django_assert_max_num_queries(13):
        report = client.get(reverse("tasks:criteria_report"), {"year": "2023", "ward": "BH"})
    assert report.status_code == 200
    with django_assert_max_num_queries(11):
        export = client.get(
            reverse("tasks:criteria_report"), {"year": "2023", "ward": "BH", "export": "xlsx"}
        )
    assert export.status_code == 200
    url = reverse("tasks:criterion_detail", args=[get(ward, "C").pk])
    # session, user, membership, ward ids, the criterion with its ward, the round, has children,
    # evidence, history, the ward switcher, children, tasks, session save (3): 15.
    with django_assert_max_num_queries(15):
        detail = client.get(url)
    assert detail.status_code == 200


def test_tree_edit_screen_works_while_self_assessing_and_is_locked_after(
    client, ward, small_tree, chairperson
):
    client.force_login(chairperson)
    url = reverse("tasks:criterion_edit", args=[get(ward, "B").pk])
    data = {"component": Component.DIRECTION, "code": "B", "title": "Tiêu chí B sửa", "max_score": "3"}
    assert client.get(url).status_code == 200
    assert client.post(url, data).status_code == 302 and get(ward, "B").title == "Tiêu chí B sửa"
    to_first(ward, chairperson)
    response = client.post(url, {**data, "title": "Sửa sau khi nộp"})
    assert "đang ở bước" in response.content.decode()
    assert get(ward, "B").title == "Tiêu chí B sửa"
    assert not client.get(reverse("tasks:criterion_detail", args=[get(ward, "B").pk])).context["can_manage"]


# -- the Django admin keeps the rounds' locks ----------------------------------------------------


def _admin_post(client, url, criterion, **changes):
    data = {"ward": criterion.ward_id, "year": criterion.year, "component": criterion.component,
            "parent": criterion.parent_id or "", "code": criterion.code, "title": criterion.title,
            "position": criterion.position, "max_score": str(criterion.max_score),
            "responsible": criterion.responsible_id or ""}  # fmt: skip
    data.update(changes)
    return client.post(url, data)


def test_admin_never_edits_scores_and_edits_the_tree_only_while_self_assessing(
    client, ward, small_tree, chairperson, city_viewer, administrator
):
    criteria.score(get(ward, "B"), by=chairperson, self_score=D("2"))
    client.force_login(administrator)
    b = get(ward, "B")
    url = reverse("admin:tasks_criterion_change", args=[b.pk])
    response = _admin_post(client, url, b, title="Tiêu chí B sửa", self_score="3", appraised_score="3",
                           not_applicable="on")  # fmt: skip
    assert response.status_code == 302
    b.refresh_from_db()
    assert (b.title, b.self_score, b.appraised_score, b.not_applicable) == (
        "Tiêu chí B sửa",
        D("2"),
        None,
        False,
    )

    to_first(ward, chairperson)
    before = {c.pk: (c.title, c.max_score, c.self_score) for c in Criterion.objects.filter(ward=ward)}
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # read only
    assert _admin_post(client, url, b, title="Sửa sau khi nộp", max_score="9").status_code == 403
    assert (
        client.post(reverse("admin:tasks_criterion_delete", args=[b.pk]), {"post": "yes"}).status_code == 403
    )
    bulk = client.post(reverse("admin:tasks_criterion_changelist"),
                       {"action": "delete_selected", "_selected_action": [b.pk], "post": "yes"})  # fmt: skip
    assert bulk.status_code == 403
    added = _admin_post(client, reverse("admin:tasks_criterion_add"), b, code="Z", parent="")
    assert added.status_code == 200 and "bộ tiêu chí bị khóa" in added.content.decode()
    version = b.history.order_by("history_date").first().history_id
    revert = client.post(reverse("admin:tasks_criterion_simple_history", args=[b.pk, version]),
                         {"title": "cũ", "max_score": "3"})  # fmt: skip
    assert revert.status_code == 403
    assert {c.pk: (c.title, c.max_score, c.self_score) for c in Criterion.objects.filter(ward=ward)} == before


def test_admin_changes_a_criterions_evidence_only_in_its_own_stage(
    client, ward, small_tree, chairperson, city_viewer, administrator
):
    to_first(ward, chairperson)
    ward_file = get(ward, "C").evidence.get(stage=EvidenceStage.SELF)
    city_note = criteria.add_criterion_evidence(
        get(ward, "C"), by=city_viewer, city=True, note="Biên bản thẩm định"
    )
    client.force_login(administrator)
    delete = "admin:tasks_evidence_delete"
    assert client.post(reverse(delete, args=[ward_file.pk]), {"post": "yes"}).status_code == 403
    change = client.post(reverse("admin:tasks_evidence_change", args=[ward_file.pk]),
                         {"ward": ward.pk, "criterion": ward_file.criterion_id, "kind": "note", "stage": "self",
                          "note": "Sửa lén", "added_by": chairperson.pk})  # fmt: skip
    assert change.status_code == 403
    assert (
        client.post(reverse(delete, args=[city_note.pk]), {"post": "yes"}).status_code == 302
    )  # round 1's own
    ward_file.refresh_from_db()
    assert ward_file.note == "Biên bản C"
    added = client.post(reverse("admin:tasks_evidence_add"),
                        {"ward": ward.pk, "criterion": ward_file.criterion_id, "kind": "note", "stage": "self",
                         "note": "Bổ sung muộn", "added_by": chairperson.pk})  # fmt: skip
    assert added.status_code == 200 and "đã bị khóa" in added.content.decode()
    assert not get(ward, "C").evidence.filter(note="Bổ sung muộn").exists()
