"""The PAR criteria tree of a ward and year: the default tree, edits and scores.

The default tree follows the eight components of the PAR Index (DOMAIN.md 5). Its criteria and
maximum scores are a reasonable starting point [L], not a province's official list: each province
publishes its own, which leaders import from Excel or edit here.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from parindex.base.models import Ward
from tasks import plans
from tasks.models import Appraisal, AppraisalState, Component, Criterion, EvidenceStage

D = Decimal

# (code, title, max score, [(code, title, max score), ...]) per component, 100 points in all.
DEFAULT_TREE: dict[str, list[tuple[str, str, str, list[tuple[str, str, str]]]]] = {
    Component.DIRECTION: [
        (
            "1.1",
            N_("Kế hoạch cải cách hành chính năm"),
            "3",
            [
                ("1.1.1", N_("Ban hành kế hoạch CCHC năm đúng thời hạn"), "1"),
                ("1.1.2", N_("Mức độ hoàn thành kế hoạch CCHC năm"), "2"),
            ],
        ),
        (
            "1.2",
            N_("Báo cáo cải cách hành chính"),
            "2",
            [
                ("1.2.1", N_("Đầy đủ số lượng báo cáo định kỳ"), "1"),
                ("1.2.2", N_("Báo cáo gửi đúng thời hạn"), "1"),
            ],
        ),
        ("1.3", N_("Kiểm tra công tác cải cách hành chính"), "2", []),
        (
            "1.4",
            N_("Tuyên truyền cải cách hành chính"),
            "3",
            [
                ("1.4.1", N_("Ban hành kế hoạch tuyên truyền CCHC"), "1"),
                ("1.4.2", N_("Mức độ thực hiện kế hoạch tuyên truyền"), "2"),
            ],
        ),
        ("1.5", N_("Sáng kiến, giải pháp mới trong cải cách hành chính"), "2", []),
    ],
    Component.INSTITUTIONS: [
        ("2.1", N_("Ban hành văn bản quy phạm pháp luật thuộc thẩm quyền"), "3", []),
        (
            "2.2",
            N_("Rà soát, hệ thống hóa văn bản quy phạm pháp luật"),
            "3",
            [
                ("2.2.1", N_("Ban hành kế hoạch rà soát văn bản"), "1"),
                ("2.2.2", N_("Xử lý kết quả rà soát"), "2"),
            ],
        ),
        ("2.3", N_("Theo dõi tình hình thi hành pháp luật"), "2", []),
    ],
    Component.PROCEDURES: [
        (
            "3.1",
            N_("Công khai thủ tục hành chính"),
            "4",
            [
                ("3.1.1", N_("Niêm yết đầy đủ thủ tục hành chính tại Bộ phận Một cửa"), "2"),
                ("3.1.2", N_("Công khai tiến độ, kết quả giải quyết hồ sơ"), "2"),
            ],
        ),
        (
            "3.2",
            N_("Kết quả giải quyết hồ sơ thủ tục hành chính"),
            "6",
            [
                ("3.2.1", N_("Tỷ lệ hồ sơ giải quyết trước và đúng hạn"), "4"),
                ("3.2.2", N_("Xin lỗi người dân khi giải quyết quá hạn"), "2"),
            ],
        ),
        ("3.3", N_("Tiếp nhận, xử lý phản ánh, kiến nghị về thủ tục hành chính"), "4", []),
    ],
    Component.ORGANISATION: [
        ("4.1", N_("Thực hiện quy định về vị trí việc làm và biên chế"), "4", []),
        ("4.2", N_("Thực hiện quy chế làm việc của UBND phường"), "4", []),
    ],
    Component.CIVIL_SERVICE: [
        ("5.1", N_("Bố trí công chức theo vị trí việc làm"), "3", []),
        ("5.2", N_("Đánh giá, xếp loại công chức"), "3", []),
        (
            "5.3",
            N_("Kỷ luật, kỷ cương hành chính"),
            "4",
            [
                ("5.3.1", N_("Không có công chức bị kỷ luật"), "2"),
                ("5.3.2", N_("Chấp hành giờ làm việc, văn hóa công vụ"), "2"),
            ],
        ),
    ],
    Component.PUBLIC_FINANCE: [
        ("6.1", N_("Thực hiện dự toán ngân sách được giao"), "4", []),
        ("6.2", N_("Công khai ngân sách theo quy định"), "2", []),
        ("6.3", N_("Thực hiện kiến nghị của thanh tra, kiểm toán"), "2", []),
    ],
    Component.DIGITAL: [
        (
            "7.1",
            N_("Sử dụng văn bản điện tử"),
            "4",
            [
                ("7.1.1", N_("Tỷ lệ văn bản trao đổi dưới dạng điện tử"), "2"),
                ("7.1.2", N_("Sử dụng chữ ký số"), "2"),
            ],
        ),
        (
            "7.2",
            N_("Dịch vụ công trực tuyến"),
            "6",
            [
                ("7.2.1", N_("Tỷ lệ hồ sơ nộp trực tuyến"), "3"),
                ("7.2.2", N_("Tỷ lệ thanh toán phí, lệ phí trực tuyến"), "3"),
            ],
        ),
        ("7.3", N_("Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính"), "6", []),
    ],
    Component.IMPACT: [
        (
            "8.1",
            N_("Sự hài lòng của người dân, tổ chức"),
            "12",
            [
                ("8.1.1", N_("Hài lòng về tiếp cận dịch vụ"), "4"),
                ("8.1.2", N_("Hài lòng về công chức giải quyết"), "4"),
                ("8.1.3", N_("Hài lòng về kết quả giải quyết"), "4"),
            ],
        ),
        (
            "8.2",
            N_("Tác động đến phát triển kinh tế - xã hội của phường"),
            "12",
            [
                ("8.2.1", N_("Thực hiện chỉ tiêu thu ngân sách"), "4"),
                ("8.2.2", N_("Thực hiện các chỉ tiêu phát triển kinh tế - xã hội"), "8"),
            ],
        ),
    ],
}


def _save(criterion: Criterion, by) -> Criterion:
    criterion._history_user = by
    criterion.full_clean()
    criterion.save()
    return criterion


@transaction.atomic
def create_default_tree(*, ward: Ward, year: int, by=None, officials: list | tuple = ()) -> list[Criterion]:
    """The default tree for ``ward`` and ``year``; each criterion's responsible official is taken
    in turn from ``officials`` (sub-criteria inherit their criterion's)."""
    Ward.objects.lock(ward)
    if Criterion.objects.filter(ward=ward, year=year).exists():
        raise ValidationError(_("Phường đã có bộ tiêu chí năm {year}.").format(year=year))
    created: list[Criterion] = []
    position = 0
    for component, criteria in DEFAULT_TREE.items():
        for code, title, max_score, subs in criteria:
            position += 1
            responsible = officials[position % len(officials)] if officials else None
            parent = _save(
                Criterion(
                    ward=ward,
                    year=year,
                    component=component,
                    code=code,
                    title=_(title),
                    max_score=D(max_score),
                    position=position,
                    responsible=responsible,
                ),
                by,
            )
            created.append(parent)
            for sub_code, sub_title, sub_max in subs:
                position += 1
                created.append(
                    _save(
                        Criterion(
                            ward=ward,
                            year=year,
                            component=component,
                            parent=parent,
                            code=sub_code,
                            title=_(sub_title),
                            max_score=D(sub_max),
                            position=position,
                            responsible=responsible,
                        ),
                        by,
                    )
                )
    return created


def check_score(criterion: Criterion, value: Decimal | None, label: str) -> None:
    if value is None:
        return
    if value < 0:
        raise ValidationError(
            _("{label} của tiêu chí {code} không được âm (đã nhập {value}).").format(
                label=label, code=criterion.code, value=value
            )
        )
    if value > criterion.max_score:
        raise ValidationError(
            _("{label} của tiêu chí {code} là {value}, vượt điểm tối đa {max}.").format(
                label=label, code=criterion.code, value=value, max=criterion.max_score
            )
        )


def has_children(criterion: Criterion) -> bool:
    return criterion.children.exists()


def get_appraisal(ward: Ward, year: int) -> Appraisal:
    """The assessment round of ``ward`` and ``year``; an unsaved one in self-assessment if none yet."""
    found = Appraisal.objects.filter(ward=ward, year=year).first()
    return found or Appraisal(ward=ward, year=year, state=AppraisalState.SELF)


def _locked_appraisal(ward_id: int, year: int) -> Appraisal:
    """The round row, locked for the transaction so two moves cannot both start from one state."""
    appraisal = Appraisal.objects.select_for_update().filter(ward_id=ward_id, year=year).first()
    if appraisal is None:
        appraisal = Appraisal(ward_id=ward_id, year=year, state=AppraisalState.SELF)
    return appraisal


def _need_state(appraisal: Appraisal, *states: str, doing: str) -> None:
    if appraisal.state not in states:
        raise ValidationError(
            _('Không thể {doing}: đợt đánh giá năm {year} đang ở bước "{state}".').format(
                doing=doing, year=appraisal.year, state=appraisal.get_state_display()
            )
        )


def _need_leaf(criterion: Criterion) -> None:
    if has_children(criterion):
        raise ValidationError(
            _("Tiêu chí {code} có tiêu chí thành phần: hãy chấm điểm từng tiêu chí thành phần.").format(
                code=criterion.code
            )
        )


def _need_applicable(criterion: Criterion) -> None:
    if criterion.not_applicable:
        raise ValidationError(
            _("Tiêu chí {code} được đánh dấu không áp dụng: không chấm điểm.").format(code=criterion.code)
        )


def _move(appraisal: Appraisal, state: str, stamp: str, *, by, at) -> Appraisal:
    appraisal.state = state
    setattr(appraisal, stamp, at)
    appraisal._history_user = by
    appraisal.full_clean()
    appraisal.save()
    return appraisal


def _leaves(ward_id: int, year: int) -> list[Criterion]:
    return list(
        Criterion.objects.filter(ward_id=ward_id, year=year, not_applicable=False)
        .exclude(Exists(Criterion.objects.filter(parent=OuterRef("pk"))))
        .order_by("position", "code")
    )


def _codes(criteria: list[Criterion]) -> str:
    return ", ".join(c.code for c in criteria)


@transaction.atomic
def score(criterion: Criterion, *, by, self_score: Decimal | None, comment: str | None = None) -> Criterion:
    """Record the ward's self-assessed score, only while the ward is assessing itself.

    A criterion with sub-criteria takes its score from them, so it cannot be scored directly.
    """
    _need_state(_locked_appraisal(criterion.ward_id, criterion.year), AppraisalState.SELF,
                doing=_("sửa điểm tự đánh giá"))  # fmt: skip
    if self_score is not None:
        _need_leaf(criterion)
        _need_applicable(criterion)
    check_score(criterion, self_score, _("Điểm tự đánh giá"))
    criterion.self_score = self_score
    if comment is not None:
        criterion.comment = comment
    return _save(criterion, by)


@transaction.atomic
def set_not_applicable(criterion: Criterion, *, by, value: bool, reason: str = "") -> Criterion:
    """Mark a criterion as not applying to the ward (it leaves the maximum), or undo that."""
    _need_state(_locked_appraisal(criterion.ward_id, criterion.year), AppraisalState.SELF,
                doing=_("đánh dấu tiêu chí không áp dụng"))  # fmt: skip
    _need_leaf(criterion)
    reason = reason.strip()
    if value and not reason:
        raise ValidationError(
            {
                "not_applicable_reason": _("Nhập lý do tiêu chí {code} không áp dụng.").format(
                    code=criterion.code
                )
            }
        )
    criterion.not_applicable = value
    criterion.not_applicable_reason = reason if value else ""
    if value:
        criterion.self_score = None
    return _save(criterion, by)


@transaction.atomic
def save_report_notes(*, ward: Ward, year: int, by, difficulties: str, proposals: str) -> Appraisal:
    """The report's difficulties and proposals: written with the self-assessment, locked after."""
    appraisal = _locked_appraisal(ward.id, year)
    _need_state(appraisal, AppraisalState.SELF, doing=_("sửa khó khăn, đề xuất"))
    appraisal.difficulties = difficulties.strip()
    appraisal.proposals = proposals.strip()
    appraisal._history_user = by
    appraisal.full_clean()
    appraisal.save()
    return appraisal


@transaction.atomic
def submit(*, ward: Ward, year: int, by, at: datetime) -> Appraisal:
    """The ward submits its self-assessment: every applicable criterion must be scored."""
    appraisal = _locked_appraisal(ward.id, year)
    _need_state(appraisal, AppraisalState.SELF, doing=_("nộp tự đánh giá"))
    leaves = _leaves(ward.id, year)
    if not leaves:
        raise ValidationError(_("Chưa có tiêu chí nào để nộp."))
    missing = [c for c in leaves if c.self_score is None]
    if missing:
        raise ValidationError(
            _("Chưa chấm điểm tự đánh giá các tiêu chí: {codes}.").format(codes=_codes(missing))
        )
    return _move(appraisal, AppraisalState.FIRST, "submitted_at", by=by, at=at)


ROUND_STATES = {1: AppraisalState.FIRST, 2: AppraisalState.SECOND}


@transaction.atomic
def appraise(
    criterion: Criterion,
    *,
    by,
    round: int,
    score: Decimal | None,
    comment: str = "",
    evidence_complete: bool | None = None,
) -> Criterion:
    """The city's score and comment on one criterion in round 1 or 2.

    Round 1 also judges whether the evidence is complete (a criterion with no evidence never is).
    In round 2 an empty score keeps the first appraisal.
    """
    appraisal = _locked_appraisal(criterion.ward_id, criterion.year)
    _need_state(appraisal, ROUND_STATES[round], doing=_("thẩm định lần {n}").format(n=round))
    _need_leaf(criterion)
    _need_applicable(criterion)
    comment = comment.strip()
    if round == 1:
        if score is None:
            raise ValidationError(
                {"score": _("Nhập điểm thẩm định tiêu chí {code}.").format(code=criterion.code)}
            )
        check_score(criterion, score, _("Điểm thẩm định"))
        has_evidence = criterion.evidence.filter(stage=EvidenceStage.SELF).exists()
        criterion.appraised_score = score
        criterion.first_comment = comment
        criterion.evidence_complete = bool(evidence_complete) and has_evidence
    else:
        check_score(criterion, score, _("Điểm thẩm định lần 2"))
        criterion.second_score = score
        criterion.second_comment = comment
    return _save(criterion, by)


@transaction.atomic
def finish_first_round(*, ward: Ward, year: int, by, at: datetime) -> Appraisal:
    """The city closes the first appraisal; the ward then explains what needs it."""
    appraisal = _locked_appraisal(ward.id, year)
    _need_state(appraisal, AppraisalState.FIRST, doing=_("kết thúc thẩm định lần 1"))
    missing = [c for c in _leaves(ward.id, year) if c.appraised_score is None]
    if missing:
        raise ValidationError(_("Chưa thẩm định các tiêu chí: {codes}.").format(codes=_codes(missing)))
    return _move(appraisal, AppraisalState.EXPLANATION, "first_done_at", by=by, at=at)


@transaction.atomic
def explain(criterion: Criterion, *, by, text: str) -> Criterion:
    """The ward's explanation (giải trình) of a criterion the first appraisal questioned."""
    _need_state(_locked_appraisal(criterion.ward_id, criterion.year), AppraisalState.EXPLANATION,
                doing=_("giải trình"))  # fmt: skip
    if not criterion.needs_explanation:
        raise ValidationError(
            _("Tiêu chí {code} không cần giải trình: minh chứng đầy đủ và điểm thẩm định không thấp hơn "
              "điểm tự đánh giá.").format(code=criterion.code)
        )  # fmt: skip
    text = text.strip()
    if not text:
        raise ValidationError(
            {"explanation": _("Nhập nội dung giải trình tiêu chí {code}.").format(code=criterion.code)}
        )
    criterion.explanation = text
    return _save(criterion, by)


@transaction.atomic
def submit_explanations(*, ward: Ward, year: int, by, at: datetime) -> Appraisal:
    """The ward sends its explanations: every criterion that needs one must have one."""
    appraisal = _locked_appraisal(ward.id, year)
    _need_state(appraisal, AppraisalState.EXPLANATION, doing=_("nộp giải trình"))
    missing = [c for c in _leaves(ward.id, year) if c.needs_explanation and not c.explanation.strip()]
    if missing:
        raise ValidationError(_("Chưa giải trình các tiêu chí: {codes}.").format(codes=_codes(missing)))
    return _move(appraisal, AppraisalState.SECOND, "explained_at", by=by, at=at)


@transaction.atomic
def finalize(*, ward: Ward, year: int, by, at: datetime) -> Appraisal:
    """The city fixes the result: nothing of the year's assessment changes after this."""
    appraisal = _locked_appraisal(ward.id, year)
    _need_state(appraisal, AppraisalState.SECOND, doing=_("chốt kết quả"))
    return _move(appraisal, AppraisalState.FINAL, "finalized_at", by=by, at=at)


def evidence_stage(criterion: Criterion, appraisal: Appraisal, *, city: bool) -> str | None:
    """The stage new evidence from the ward (or the city) would belong to now; None when locked."""
    if city:
        return {AppraisalState.FIRST: EvidenceStage.FIRST, AppraisalState.SECOND: EvidenceStage.SECOND}.get(
            appraisal.state
        )
    if appraisal.state == AppraisalState.SELF:
        return EvidenceStage.SELF
    if appraisal.state == AppraisalState.EXPLANATION and criterion.needs_explanation:
        return EvidenceStage.EXPLANATION
    return None


@transaction.atomic
def save_criterion(
    *,
    ward: Ward,
    year: int,
    by,
    criterion: Criterion | None = None,
    component: str,
    code: str,
    title: str,
    max_score: Decimal,
    parent: Criterion | None = None,
    responsible=None,
    position: int | None = None,
) -> Criterion:
    """Add or edit a node of the tree (its structure, not its scores), only during self-assessment."""
    _need_state(_locked_appraisal(ward.id, year), AppraisalState.SELF, doing=_("sửa bộ tiêu chí"))
    if max_score < 0:
        raise ValidationError({"max_score": _("Điểm tối đa không được âm.")})
    if parent is not None and (
        parent.parent_id is not None or parent.ward_id != ward.id or parent.year != year
    ):
        raise ValidationError({"parent": _("Tiêu chí cha phải là một tiêu chí (cấp 1) của cùng năm.")})
    if criterion is None:
        criterion = Criterion(ward=ward, year=year)
        if position is None:
            position = Criterion.objects.filter(ward=ward, year=year).count() + 1
    for value, label in (
        (criterion.self_score, _("Điểm tự đánh giá")),
        (criterion.appraised_score, _("Điểm thẩm định")),
    ):
        if value is not None and value > max_score:
            raise ValidationError(
                {
                    "max_score": _("{label} đã nhập ({value}) lớn hơn điểm tối đa mới {max}.").format(
                        label=label, value=value, max=max_score
                    )
                }
            )
    criterion.component = parent.component if parent is not None else component
    criterion.code = code
    criterion.title = title
    criterion.max_score = max_score
    criterion.parent = parent
    criterion.responsible = responsible
    if position is not None:
        criterion.position = position
    return _save(criterion, by)


@transaction.atomic
def add_criterion_evidence(criterion: Criterion, *, by, city: bool, file=None, url: str = "", note: str = ""):
    """Evidence of the ward (self-assessment, explanation) or a file of the city's appraisal."""
    appraisal = _locked_appraisal(criterion.ward_id, criterion.year)
    stage = evidence_stage(criterion, appraisal, city=city)
    if stage is None:
        raise ValidationError(
            _('Không thể thêm minh chứng: đợt đánh giá năm {year} đang ở bước "{state}".').format(
                year=appraisal.year, state=appraisal.get_state_display()
            )
        )
    return plans.add_evidence(by=by, criterion=criterion, file=file, url=url, note=note, stage=stage)


# -- what the rounds lock, for screens that do not go through the moves above (the Django admin) --

EVIDENCE_STAGE_STATES = {
    EvidenceStage.SELF: AppraisalState.SELF,
    EvidenceStage.FIRST: AppraisalState.FIRST,
    EvidenceStage.EXPLANATION: AppraisalState.EXPLANATION,
    EvidenceStage.SECOND: AppraisalState.SECOND,
}


def round_state(ward_id: int, year: int) -> str:
    return (
        Appraisal.objects.filter(ward_id=ward_id, year=year).values_list("state", flat=True).first()
        or AppraisalState.SELF
    )


def tree_locked(ward_id: int, year: int) -> bool:
    """The criteria of the year (structure and scores) change only during self-assessment."""
    return round_state(ward_id, year) != AppraisalState.SELF


def evidence_locked(*, ward_id: int, year: int, stage: str) -> bool:
    """A criterion's evidence of one stage is added, changed or removed only in that stage."""
    return round_state(ward_id, year) != EVIDENCE_STAGE_STATES.get(stage)
