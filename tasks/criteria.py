"""The PAR criteria tree of a ward and year: the default tree, edits and scores.

The default tree follows the eight components of the PAR Index (DOMAIN.md 5). Its criteria and
maximum scores are a reasonable starting point [L], not a province's official list: each province
publishes its own, which leaders import from Excel or edit here.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from parindex.models import Ward
from tasks.models import Component, Criterion

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


@transaction.atomic
def score(
    criterion: Criterion,
    *,
    by,
    self_score: Decimal | None,
    comment: str | None = None,
    appraised_score: Decimal | None | bool = False,
) -> Criterion:
    """Record the self-assessed score (and the appraised one when given; False leaves it).

    A criterion with sub-criteria takes its score from them, so it cannot be scored directly.
    """
    if (self_score is not None or appraised_score not in (False, None)) and has_children(criterion):
        raise ValidationError(
            _("Tiêu chí {code} có tiêu chí thành phần: hãy chấm điểm từng tiêu chí thành phần.").format(
                code=criterion.code
            )
        )
    check_score(criterion, self_score, _("Điểm tự đánh giá"))
    criterion.self_score = self_score
    if appraised_score is not False:
        check_score(criterion, appraised_score, _("Điểm thẩm định"))
        criterion.appraised_score = appraised_score
    if comment is not None:
        criterion.comment = comment
    return _save(criterion, by)


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
    """Add or edit a node of the tree (its structure, not its scores)."""
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
