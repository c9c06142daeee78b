"""Forms of the PAKN register; the changes themselves are in ``dossiers/petitions.py``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dossiers.forms import CCCD_RE, DATETIME_INPUT, validate_phone
from dossiers.models import (
    Dossier,
    PetitionOutcome,
    PetitionSatisfaction,
    PetitionSource,
    PetitionStatus,
    PetitionType,
)
from parindex.base.models import Ward
from parindex.base.names import full_name


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
    petitioner_id_number = forms.CharField(label=_("Số CCCD"), max_length=12, required=False)
    content = forms.CharField(
        label=_("Nội dung phản ánh, kiến nghị"), widget=forms.Textarea(attrs={"rows": 5})
    )
    field_order = ["petition_type", "source", "received_at", "petitioner_name", "petitioner_phone",
                   "petitioner_id_number", "petitioner_email", "petitioner_address", "content", "dossier",
                   "official"]  # fmt: skip

    def clean_petitioner_phone(self) -> str:
        return validate_phone(self.cleaned_data.get("petitioner_phone", ""))

    def clean_petitioner_id_number(self) -> str:
        return validate_cccd(self.cleaned_data.get("petitioner_id_number", ""))


def validate_cccd(value: str) -> str:
    value = (value or "").strip()
    if value and not CCCD_RE.match(value):
        raise forms.ValidationError(_("Số CCCD phải gồm 12 chữ số."))
    return value


class PublicPetitionForm(forms.Form):
    """What a citizen fills in on the public page. The phone is required: with the tracking code,
    its last four digits open the petition's status later (and the ward can call back)."""

    ward = forms.ModelChoiceField(label=_("Phường tiếp nhận"), queryset=Ward.objects.order_by("name"))
    petition_type = forms.ModelChoiceField(
        label=_("Phản ánh, kiến nghị về"), queryset=PetitionType.objects.filter(active=True)
    )
    petitioner_name = forms.CharField(label=_("Họ và tên"), max_length=200)
    petitioner_phone = forms.CharField(
        label=_("Số điện thoại"),
        max_length=20,
        help_text=_("Dùng 4 số cuối cùng mã tra cứu để xem kết quả xử lý."),
        error_messages={"required": _("Nhập số điện thoại.")},
    )
    petitioner_id_number = forms.CharField(label=_("Số CCCD (không bắt buộc)"), max_length=12, required=False)
    petitioner_email = forms.EmailField(label=_("Thư điện tử (không bắt buộc)"), required=False)
    petitioner_address = forms.CharField(label=_("Địa chỉ liên hệ"), max_length=300, required=False)
    content = forms.CharField(
        label=_("Nội dung phản ánh, kiến nghị"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Thủ tục, hồ sơ hoặc cán bộ được phản ánh; sự việc, thời gian, địa điểm."),
    )

    def clean_petitioner_phone(self) -> str:
        value = validate_phone(self.cleaned_data.get("petitioner_phone", ""))
        if not value:
            raise forms.ValidationError(_("Nhập số điện thoại."))
        return value

    def clean_petitioner_id_number(self) -> str:
        return validate_cccd(self.cleaned_data.get("petitioner_id_number", ""))


class PetitionLookupForm(forms.Form):
    code = forms.CharField(label=_("Mã tra cứu phản ánh"), max_length=40)
    digits = forms.RegexField(
        label=_("4 số cuối điện thoại hoặc CCCD"),
        regex=r"^\d{4}$",
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class PublicSatisfactionForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("Ông/bà có hài lòng với kết quả trả lời không?"),
        choices=PetitionSatisfaction.choices,
        widget=forms.RadioSelect,
    )


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
