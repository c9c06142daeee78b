"""Forms of the PAKN register; the changes themselves are in ``dossiers/petitions.py``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dossiers.forms import DATETIME_INPUT, validate_phone
from dossiers.models import (
    Dossier,
    PetitionOutcome,
    PetitionSatisfaction,
    PetitionSource,
    PetitionStatus,
    PetitionType,
)
from parindex.names import full_name


class OfficialChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return full_name(obj)


class DossierCodeField(forms.CharField):
    """A dossier of the ward, given by its code as printed on the receipt."""

    def __init__(self, *args, ward_id: int | None = None, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.ward_id = ward_id

    def clean(self, value):
        code = super().clean(value).strip()
        if not code:
            return None
        found = Dossier.objects.filter(ward_id=self.ward_id, code=code).first()
        if found is None:
            raise forms.ValidationError(_("Không tìm thấy hồ sơ {code} của phường.").format(code=code))
        return found


class _LinkFields(forms.Form):
    dossier = DossierCodeField(label=_("Mã hồ sơ liên quan"))
    official = OfficialChoiceField(label=_("Cán bộ bị phản ánh"), queryset=None, required=False)

    def __init__(self, *args, ward_id: int, officials, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dossier"].ward_id = ward_id
        self.fields["official"].queryset = officials


class PetitionForm(_LinkFields):
    petition_type = forms.ModelChoiceField(
        label=_("Loại phản ánh, kiến nghị"), queryset=PetitionType.objects.filter(active=True)
    )
    source = forms.ChoiceField(label=_("Nguồn tiếp nhận"), choices=PetitionSource.choices)
    received_at = forms.DateTimeField(label=_("Thời điểm tiếp nhận"), widget=DATETIME_INPUT)
    petitioner_name = forms.CharField(label=_("Họ tên người phản ánh"), max_length=200)
    petitioner_phone = forms.CharField(label=_("Số điện thoại"), max_length=20, required=False)
    petitioner_email = forms.EmailField(label=_("Thư điện tử"), required=False)
    petitioner_address = forms.CharField(label=_("Địa chỉ"), max_length=300, required=False)
    content = forms.CharField(
        label=_("Nội dung phản ánh, kiến nghị"), widget=forms.Textarea(attrs={"rows": 5})
    )
    field_order = ["petition_type", "source", "received_at", "petitioner_name", "petitioner_phone",
                   "petitioner_email", "petitioner_address", "content", "dossier", "official"]  # fmt: skip

    def clean_petitioner_phone(self) -> str:
        return validate_phone(self.cleaned_data.get("petitioner_phone", ""))


class LinkForm(_LinkFields):
    pass


class AssignForm(forms.Form):
    handler = OfficialChoiceField(label=_("Cán bộ xử lý"), queryset=None)

    def __init__(self, *args, officials, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = officials


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Nội dung trả lời"), widget=forms.Textarea(attrs={"rows": 4}))
    final = forms.BooleanField(label=_("Trả lời chính thức (kết thúc xử lý)"), required=False, initial=True)
    outcome = forms.ChoiceField(
        label=_("Kết quả xử lý"), choices=[("", "—"), *PetitionOutcome.choices], required=False
    )
    at = forms.DateTimeField(label=_("Thời điểm trả lời"), widget=DATETIME_INPUT)


class SatisfactionForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("Mức độ hài lòng của người phản ánh"), choices=PetitionSatisfaction.choices
    )


class PetitionFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Trạng thái"), choices=[("", _("Tất cả")), *PetitionStatus.choices], required=False
    )
    q = forms.CharField(label=_("Tìm mã, họ tên"), max_length=100, required=False)
