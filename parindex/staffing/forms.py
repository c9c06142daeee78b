"""Forms of the staffing screens. They only parse input; the rules live in ``services``."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from parindex.base import periods
from parindex.base.models import Ward
from parindex.staffing.models import SUGGESTED_OFFICES, Official, RecruitmentStatus

User = get_user_model()

DATE_INPUTS = ["%Y-%m-%d", "%d/%m/%Y"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def date_field(label, *, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_INPUTS,
        widget=DateInput(),
        validators=[periods.validate_day],
    )


class OfficialChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Official) -> str:
        return obj.full_name


class PositionForm(forms.Form):
    title = forms.CharField(label=_("Chức danh"), max_length=200)
    office = forms.CharField(
        label=_("Cơ quan, bộ phận"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"list": "staffing-offices"}),
    )
    quota = forms.IntegerField(label=_("Số lượng được giao"), min_value=0, max_value=999)
    valid_from = date_field(_("Áp dụng từ ngày"))
    valid_to = date_field(_("Áp dụng đến ngày"), required=False)
    sort_order = forms.IntegerField(label=_("Thứ tự"), min_value=0, max_value=32000, initial=0)

    suggested_offices = SUGGESTED_OFFICES


class OfficialForm(forms.Form):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=200)
    start = date_field(_("Ngày bắt đầu công tác"))
    end = date_field(_("Ngày thôi công tác"), required=False)
    user = forms.ModelChoiceField(
        label=_("Tài khoản"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Gắn tài khoản để tính hồ sơ và nhiệm vụ của người này."),
    )
    note = forms.CharField(label=_("Ghi chú"), max_length=300, required=False)

    def __init__(self, *args, ward: Ward, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(membership__ward=ward).order_by("username")


class _WithOfficial(forms.Form):
    def __init__(self, *args, ward: Ward, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["official"].queryset = Official.objects.filter(ward=ward).order_by("full_name")


class AppointForm(_WithOfficial):
    official = OfficialChoiceField(label=_("Cán bộ"), queryset=Official.objects.none())
    start = date_field(_("Từ ngày"))
    end = date_field(_("Đến ngày"), required=False)
    note = forms.CharField(label=_("Quyết định, ghi chú"), max_length=300, required=False)


class CoverForm(_WithOfficial):
    official = OfficialChoiceField(label=_("Người kiêm nhiệm"), queryset=Official.objects.none())
    start = date_field(_("Từ ngày"))
    end = date_field(_("Đến ngày"), required=False)
    note = forms.CharField(label=_("Ghi chú"), max_length=300, required=False)


class EndForm(forms.Form):
    end = date_field(_("Đến ngày"))


class RecruitmentForm(forms.Form):
    status = forms.ChoiceField(label=_("Tình trạng"), choices=RecruitmentStatus.choices)
    posts = forms.IntegerField(label=_("Số chỉ tiêu tuyển"), min_value=1, max_value=99, initial=1)
    organiser = forms.CharField(label=_("Đơn vị tổ chức tuyển dụng"), max_length=200, required=False)
    opened_on = date_field(_("Ngày bắt đầu"))
    expected_date = date_field(_("Dự kiến có người"), required=False)
    note = forms.CharField(label=_("Ghi chú"), max_length=300, required=False)


class PeriodForm(periods.PeriodForm):
    """The shared period picker (``parindex.base.periods``) and the day the post table describes."""

    on = date_field(_("Số liệu vị trí tại ngày"), required=False)

    def on_for(self, period: periods.Period, today: date) -> date:
        """The day the post table describes: as asked, else the period's last day (not in the future)."""
        if self.is_bound and not self.is_valid() and "on" in self.errors:
            return min(period.end, today) if period.start <= today else period.end
        if self.is_bound and self.cleaned_data.get("on"):
            return self.cleaned_data["on"]
        return min(period.end, today) if period.start <= today else period.end
