"""Demo data for the reform plan and the criteria tree, built through the functions the UI uses.

``load_demo_plan`` reproduces the user's story (DOMAIN.md 0): 56 tasks in the year's plan, 42 done
by the end of May (75%). The history rows are real: each status change goes through
``plans.set_status`` with the official who made it, dated the day the task was completed.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from parindex.base.models import Ward
from parindex.base.periods import local_zone
from tasks import criteria, plans
from tasks.models import Component, Criterion, Plan, TaskStatus

# Seven typical tasks of a ward's CCHC plan per component, in the order of the plan's sections.
DEMO_TITLES: dict[str, list[str]] = {
    Component.DIRECTION: [
        N_("Ban hành Kế hoạch cải cách hành chính năm {year}"),
        N_("Ban hành Kế hoạch tuyên truyền cải cách hành chính năm {year}"),
        N_("Xây dựng báo cáo cải cách hành chính quý I"),
        N_("Xây dựng báo cáo cải cách hành chính 6 tháng đầu năm"),
        N_("Xây dựng báo cáo cải cách hành chính 9 tháng"),
        N_("Xây dựng báo cáo cải cách hành chính năm {year}"),
        N_("Kiểm tra công tác cải cách hành chính tại Bộ phận Một cửa"),
    ],
    Component.INSTITUTIONS: [
        N_("Rà soát văn bản quy phạm pháp luật do HĐND, UBND phường ban hành"),
        N_("Ban hành kế hoạch theo dõi tình hình thi hành pháp luật"),
        N_("Cập nhật danh mục văn bản hết hiệu lực, ngưng hiệu lực"),
        N_("Phổ biến văn bản pháp luật mới cho cán bộ, công chức"),
        N_("Tự kiểm tra văn bản do UBND phường ban hành"),
        N_("Báo cáo kết quả rà soát, hệ thống hóa văn bản"),
        N_("Lấy ý kiến Nhân dân đối với dự thảo văn bản của phường"),
    ],
    Component.PROCEDURES: [
        N_("Niêm yết công khai thủ tục hành chính tại Bộ phận Một cửa"),
        N_("Cập nhật bảng niêm yết khi có quyết định công bố thủ tục hành chính mới"),
        N_("Rà soát, đề xuất đơn giản hóa thủ tục hành chính lĩnh vực hộ tịch"),
        N_("Thực hiện thư xin lỗi khi giải quyết hồ sơ quá hạn"),
        N_("Lấy ý kiến đánh giá sự hài lòng tại Bộ phận Một cửa"),
        N_("Công khai đường dây nóng tiếp nhận phản ánh, kiến nghị"),
        N_("Giải quyết phản ánh, kiến nghị về thủ tục hành chính đúng hạn"),
    ],
    Component.ORGANISATION: [
        N_("Rà soát chức năng, nhiệm vụ của các bộ phận chuyên môn"),
        N_("Cập nhật Đề án vị trí việc làm của UBND phường"),
        N_("Sửa đổi Quy chế làm việc của UBND phường"),
        N_("Phân công công chức kiêm nhiệm các vị trí còn trống"),
        N_("Sắp xếp lại Bộ phận tiếp nhận và trả kết quả"),
        N_("Kiểm tra việc thực hiện quy chế dân chủ ở cơ sở"),
        N_("Báo cáo số lượng, chất lượng cán bộ, công chức"),
    ],
    Component.CIVIL_SERVICE: [
        N_("Đánh giá, xếp loại cán bộ, công chức năm {prev}"),
        N_("Cử công chức bồi dưỡng kỹ năng giao tiếp, ứng xử với người dân"),
        N_("Xây dựng kế hoạch đào tạo, bồi dưỡng cán bộ, công chức năm {year}"),
        N_("Kiểm tra việc chấp hành giờ giấc làm việc"),
        N_("Triển khai Bộ quy tắc ứng xử của cán bộ, công chức"),
        N_("Cập nhật hồ sơ cán bộ, công chức trên cơ sở dữ liệu quốc gia"),
        N_("Tổ chức hội nghị cán bộ, công chức năm {year}"),
    ],
    Component.PUBLIC_FINANCE: [
        N_("Xây dựng quy chế chi tiêu nội bộ năm {year}"),
        N_("Công khai dự toán ngân sách phường năm {year}"),
        N_("Công khai quyết toán ngân sách năm {prev}"),
        N_("Thực hiện kiến nghị của thanh tra, kiểm toán"),
        N_("Rà soát, quản lý tài sản công của UBND phường"),
        N_("Báo cáo thực hiện dự toán thu, chi ngân sách 6 tháng"),
        N_("Triển khai thu phí, lệ phí không dùng tiền mặt"),
    ],
    Component.DIGITAL: [
        N_("Triển khai thanh toán trực tuyến phí, lệ phí thủ tục hành chính"),
        N_("Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính"),
        N_("Sử dụng chữ ký số trong gửi, nhận văn bản điện tử"),
        N_("Hướng dẫn người dân nộp hồ sơ trực tuyến tại Bộ phận Một cửa"),
        N_("Cập nhật thông tin trên trang thông tin điện tử của phường"),
        N_("Bảo đảm an toàn thông tin cho máy tính Bộ phận Một cửa"),
        N_("Triển khai tổ công nghệ số cộng đồng tại các khu phố"),
    ],
    Component.IMPACT: [
        N_("Khảo sát sự hài lòng của người dân về dịch vụ hành chính công"),
        N_("Tuyên truyền cải cách hành chính trên loa truyền thanh phường"),
        N_("Tổ chức đối thoại giữa lãnh đạo UBND phường với Nhân dân"),
        N_("Hướng dẫn hộ kinh doanh đăng ký trực tuyến"),
        N_("Đánh giá tác động của cải cách hành chính đến đầu tư trên địa bàn"),
        N_("Tổ chức cuộc thi tìm hiểu về cải cách hành chính"),
        N_("Tổng hợp ý kiến, kiến nghị của cử tri về cải cách hành chính"),
    ],
}


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def load_demo_plan(
    *,
    ward: Ward,
    year: int,
    done: int = 42,
    total: int = 56,
    officials: list,
    by,
    as_of: date,
) -> Plan:
    """A plan of ``total`` tasks across the eight components, ``done`` of them done by ``as_of``.

    The tasks are taken one component after another in turn, so due dates (month ends spread over
    the year) rise with the task's place in that order. The earliest tasks are done, except up to
    two due before ``as_of`` that stay open past their due date, so the demo shows overdue tasks
    too. Open tasks alternate between "in progress" and "not started", and the
    overdue ones are in progress.
    """
    if not 0 <= done <= total:
        raise ValueError("done must be between 0 and total")
    if not officials:
        raise ValueError("the demo plan needs at least one official")
    components = list(DEMO_TITLES)
    # Interleave components: task k is the (k // 8)-th title of component k % 8.
    order: list[tuple[str, str, int]] = []
    for k in range(total):
        component = components[k % len(components)]
        titles = DEMO_TITLES[component]
        round_ = k // len(components)
        title = _(titles[round_ % len(titles)]).format(year=year, prev=year - 1)
        if round_ >= len(titles):
            title = "{} ({})".format(title, _("đợt {n}").format(n=round_ // len(titles) + 1))
        order.append((component, title, k))

    due_of = {k: _month_end(year, 1 + k * 12 // total) for k in range(total)}
    # Up to two tasks due before ``as_of`` stay open (overdue); the next ones are done instead.
    late = (
        [k for k in range(min(done + 2, total)) if due_of[k] < as_of][-min(2, total - done) :]
        if done < total
        else []
    )
    done_set = set(range(done + len(late))) - set(late)
    plan = plans.create_plan(ward=ward, year=year, by=by)
    zone = local_zone()
    for component, title, k in order:
        due = due_of[k]
        lead = officials[components.index(component) % len(officials)]
        co = [officials[(components.index(component) + 1) % len(officials)]] if len(officials) > 1 else []
        # Codes follow the plan's sections: component number, then the task's place in it.
        code = "{}.{}".format(components.index(component) + 1, k // len(components) + 1)
        task = plans.save_task(
            plan=plan,
            by=by,
            code=code,
            title=title,
            component=component,
            due_date=due,
            lead=lead,
            co_officials=[u for u in co if u != lead],
            position=components.index(component) * 1000 + k,
        )
        if k in done_set:
            finished = min(due - timedelta(days=k % 7), as_of)
            finished = max(finished, date(year, 1, 2))
            plans.set_status(
                task,
                status=TaskStatus.IN_PROGRESS,
                by=lead,
                on=finished,
                at=datetime.combine(finished - timedelta(days=3), time(9, 0), tzinfo=zone),
            )
            plans.set_status(
                task,
                status=TaskStatus.DONE,
                by=lead,
                on=finished,
                at=datetime.combine(finished, time(16, 0), tzinfo=zone),
            )
        elif due < as_of or k % 2 == 0:
            started = min(as_of, due) - timedelta(days=10)
            plans.set_status(
                task,
                status=TaskStatus.IN_PROGRESS,
                by=lead,
                on=started,
                at=datetime.combine(max(started, date(year, 1, 2)), time(9, 0), tzinfo=zone),
            )
    return plan


def load_default_criteria(*, ward: Ward, year: int, officials: list, by=None) -> list[Criterion]:
    """The default PAR criteria tree for the ward and year, responsibilities shared among
    ``officials`` in turn."""
    return criteria.create_default_tree(ward=ward, year=year, by=by, officials=list(officials))
