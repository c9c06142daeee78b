"""Forms of the reform plan and the criteria tree; the state changes themselves are in plans.py
and criteria.py."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from parindex.base import periods
from parindex.base.names import full_name
from tasks.models import Component, Criterion, TaskStatus

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        # Browsers' date pickers speak ISO; people read dd/mm/yyyy everywhere else.
        super().__init__(format="%Y-%m-%d", **kwargs)


def _date_field(label, *, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        widget=DateInput(),
        validators=[periods.validate_day],
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return full_name(obj)


class UsersChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        # Django looks the ids up with pk__in, which SQLite cannot bind for an integer beyond 64
        # bits (OverflowError, a 500); an id is a few digits, anything else is not a choice.
        for pk in value:
            if not (str(pk).isascii() and str(pk).isdigit() and len(str(pk)) <= 18):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return super()._check_values(value)

    def label_from_instance(self, obj) -> str:
        return full_name(obj)


class PlanForm(forms.Form):
    year = forms.IntegerField(label=_("Năm"), min_value=periods.MIN_YEAR, max_value=periods.MAX_YEAR)
    title = forms.CharField(label=_("Tên kế hoạch"), max_length=300, required=False)


class TaskForm(forms.Form):
    code = forms.CharField(label=_("Mã"), max_length=20)
    title = forms.CharField(label=_("Nhiệm vụ"), max_length=500)
    description = forms.CharField(label=_("Mô tả"), widget=forms.Textarea, required=False)
    component = forms.ChoiceField(label=_("Lĩnh vực CCHC"), choices=Component.choices)
    criterion = forms.ModelChoiceField(label=_("Tiêu chí"), queryset=Criterion.objects.none(), required=False)
    lead = UserChoiceField(label=_("Người chủ trì"), queryset=None, required=False)
    co_officials = UsersChoiceField(label=_("Người phối hợp"), queryset=None, required=False)
    due_date = _date_field(_("Hạn hoàn thành"))

    def __init__(self, *args, officials, criteria, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year
        self.fields["lead"].queryset = officials
        self.fields["co_officials"].queryset = officials
        self.fields["co_officials"].widget.attrs["size"] = 6
        self.fields["criterion"].queryset = criteria

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        if due.year != self.year:
            raise forms.ValidationError(
                _("Hạn hoàn thành {date} nằm ngoài năm kế hoạch {year}.").format(
                    date=due.strftime("%d/%m/%Y"), year=self.year
                )
            )
        return due


class EvidenceFields(forms.Form):
    file = forms.FileField(
        label=_("Tệp minh chứng"),
        required=False,
        help_text=_("PDF, Word, Excel, JPG hoặc PNG; tối đa {mb} MB.").format(
            mb=settings.UPLOAD_MAX_BYTES // 2**20
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.doc,.docx,.xls,.xlsx,.jpg,.jpeg,.png"}),
    )
    url = forms.URLField(
        label=_("Đường dẫn minh chứng"), required=False, max_length=500, assume_scheme="https"
    )
    note = forms.CharField(label=_("Ghi chú"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class StatusForm(EvidenceFields):
    status = forms.ChoiceField(label=_("Trạng thái"), choices=TaskStatus.choices)
    completed_on = _date_field(_("Ngày hoàn thành"), required=False)
    cancel_reason = forms.CharField(label=_("Lý do hủy"), max_length=500, required=False)
    field_order = ["status", "completed_on", "cancel_reason", "file", "url", "note"]

    def clean(self):
        data = super().clean()
        if data.get("status") == TaskStatus.CANCELLED and not (data.get("cancel_reason") or "").strip():
            self.add_error("cancel_reason", _("Nhập lý do hủy nhiệm vụ."))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp Excel (.xlsx)"))


class CriterionForm(forms.Form):
    component = forms.ChoiceField(label=_("Lĩnh vực CCHC"), choices=Component.choices)
    parent = forms.ModelChoiceField(
        label=_("Tiêu chí cha"),
        queryset=Criterion.objects.none(),
        required=False,
        help_text=_("Để trống nếu là tiêu chí; chọn tiêu chí cha nếu là tiêu chí thành phần."),
    )
    code = forms.CharField(label=_("Mã"), max_length=20)
    title = forms.CharField(label=_("Tên tiêu chí"), max_length=500)
    max_score = forms.DecimalField(label=_("Điểm tối đa"), max_digits=6, decimal_places=2, min_value=0)
    responsible = UserChoiceField(label=_("Người phụ trách"), queryset=None, required=False)

    def __init__(self, *args, officials, parents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = officials
        self.fields["parent"].queryset = parents


class ScoreForm(EvidenceFields):
    """The ward's self-assessment of one criterion, while the ward is assessing itself."""

    # No min/max here: the domain check gives the message naming the criterion and its maximum.
    self_score = forms.DecimalField(
        label=_("Điểm tự đánh giá"), max_digits=6, decimal_places=2, required=False
    )
    not_applicable = forms.BooleanField(label=_("Tiêu chí không áp dụng với phường"), required=False)
    not_applicable_reason = forms.CharField(label=_("Lý do không áp dụng"), max_length=500, required=False)
    comment = forms.CharField(label=_("Nhận xét"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    field_order = ["self_score", "not_applicable", "not_applicable_reason", "comment", "file", "url", "note"]

    def __init__(self, *args, scorable: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not scorable:
            for name in ("self_score", "not_applicable", "not_applicable_reason"):
                del self.fields[name]


class AppraiseForm(EvidenceFields):
    """The city's appraisal of one criterion, in round 1 or 2; the file is the city's own."""

    score = forms.DecimalField(label=_("Điểm thẩm định"), max_digits=6, decimal_places=2, required=False)
    evidence_complete = forms.BooleanField(label=_("Minh chứng đầy đủ"), required=False)
    comment = forms.CharField(
        label=_("Nhận xét thẩm định"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    field_order = ["score", "evidence_complete", "comment", "file", "url", "note"]

    def __init__(self, *args, round: int, **kwargs):
        super().__init__(*args, **kwargs)
        if round == 2:
            del self.fields["evidence_complete"]
            self.fields["score"].label = _("Điểm thẩm định lần 2")
            self.fields["score"].help_text = _("Để trống để giữ điểm thẩm định lần 1.")
        self.fields["file"].label = _("Tệp kèm theo thẩm định")


class ExplainForm(EvidenceFields):
    """The ward's explanation of a criterion the first appraisal questioned, with new evidence."""

    explanation = forms.CharField(label=_("Nội dung giải trình"), widget=forms.Textarea(attrs={"rows": 4}))
    field_order = ["explanation", "file", "url", "note"]


class ReportNotesForm(forms.Form):
    difficulties = forms.CharField(
        label=_("Khó khăn, vướng mắc"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    proposals = forms.CharField(
        label=_("Đề xuất, kiến nghị"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
