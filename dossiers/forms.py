"""Forms of the register. Validation messages are Vietnamese msgids."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from unidecode import unidecode

from dossiers import workflow
from dossiers.models import (
    Agency,
    Channel,
    DocumentSource,
    Dossier,
    NoticeChannel,
    Outcome,
    Procedure,
    Rating,
    ResultDelivery,
)
from dossiers.workflow import future_time_error, latest_allowed_time, reception_area
from parindex.base.models import Ward
from parindex.base.periods import validate_day

CCCD_RE = re.compile(r"^\d{12}$")
TAX_RE = re.compile(r"^\d{10}(\d{3})?$|^\d{10}-\d{3}$")
# Vietnamese mobile (03/05/07/08/09 + 8 digits) and landline (02x + 8 digits), +84 accepted.
PHONE_RE = re.compile(r"^0(2\d{9}|[35789]\d{8})$")

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def normalise_phone(value: str) -> str:
    digits = re.sub(r"[\s.\-()]", "", value or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def validate_id_number(value: str) -> str:
    value = re.sub(r"\s", "", value or "")
    if value and not (CCCD_RE.match(value) or TAX_RE.match(value)):
        raise ValidationError(_("Số CCCD phải gồm 12 chữ số; mã số thuế gồm 10 hoặc 13 chữ số."))
    return value


def validate_phone(value: str) -> str:
    value = normalise_phone(value)
    if value and not PHONE_RE.match(value):
        raise ValidationError(_("Số điện thoại không hợp lệ (ví dụ 0912345678 hoặc 02523812345)."))
    return value


def _folded(text: str) -> str:
    return unidecode(text).lower()


def matching_procedures(procedures, text: str) -> list[Procedure]:
    """Procedures whose code or name holds every word of ``text``, diacritics and case ignored
    ("khai sinh", "KHAI SINH" and "khai sinh" with accents find "Đăng ký khai sinh"); the newest
    version of each code. The catalogue is a few hundred rows, so this is done in Python."""
    words = _folded(text).split()
    newest: dict[str, Procedure] = {}
    for proc in procedures:
        haystack = _folded("{} {}".format(proc.code, proc.name))
        if all(word in haystack for word in words):
            kept = newest.get(proc.code)
            if kept is None or proc.valid_from > kept.valid_from:
                newest[proc.code] = proc
    return sorted(newest.values(), key=lambda p: p.code)


class ApplicantMixin:
    def clean_applicant_id_number(self) -> str:
        return validate_id_number(self.cleaned_data.get("applicant_id_number", ""))

    def clean_applicant_phone(self) -> str:
        return validate_phone(self.cleaned_data.get("applicant_phone", ""))


PAYMENT_CHOICES = [("", _("Theo thủ tục")), ("yes", _("Có")), ("no", _("Không"))]


class PaymentChoiceField(forms.ChoiceField):
    """Yes / no / as the procedure says; a plain boolean (the API, an old checkbox's "on") is
    taken as yes or no."""

    def to_python(self, value):
        if value is True or str(value).lower() in ("true", "on", "1"):
            return "yes"
        if value is False or str(value).lower() in ("false", "off", "0"):
            return "no"
        return super().to_python(value)


SOURCE_PREFIX = "docsrc_"


class DossierForm(ApplicantMixin, forms.Form):
    """Logging one dossier on one screen."""

    procedure = forms.CharField(
        label=_("Thủ tục"),
        help_text=_("Gõ mã hoặc tên thủ tục rồi chọn trong danh sách."),
        widget=forms.TextInput(attrs={"list": "procedure-list", "autocomplete": "off", "autofocus": True}),
    )
    channel = forms.ChoiceField(label=_("Hình thức nộp"), choices=Channel.choices, initial=Channel.IN_PERSON)
    received_at = forms.DateTimeField(
        label=_("Thời điểm tiếp nhận"), widget=DATETIME_INPUT, validators=[validate_day]
    )
    backdate_reason = forms.CharField(
        label=_("Lý do nhập lùi ngày"),
        required=False,
        max_length=300,
        help_text=_("Bắt buộc khi ngày tiếp nhận trước hôm nay."),
    )
    applicant_name = forms.CharField(label=_("Họ tên người nộp"), max_length=200)
    applicant_id_number = forms.CharField(label=_("Số CCCD / mã số thuế"), max_length=20, required=False)
    applicant_phone = forms.CharField(label=_("Số điện thoại"), max_length=20, required=False)
    applicant_email = forms.EmailField(label=_("Thư điện tử"), required=False)
    applicant_address = forms.CharField(label=_("Địa chỉ"), max_length=300, required=False)
    documents = forms.CharField(
        label=_("Thành phần hồ sơ"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Mỗi giấy tờ một dòng, ví dụ: Tờ khai (bản chính, 1)."),
    )
    sets = forms.IntegerField(label=_("Số bộ hồ sơ"), min_value=1, max_value=50, initial=1)
    fee = forms.DecimalField(
        label=_("Phí, lệ phí (đồng)"),
        min_value=0,
        max_digits=12,
        decimal_places=0,
        required=False,
        help_text=_("Để trống để lấy mức phí của thủ tục."),
    )
    paid_online = PaymentChoiceField(
        label=_("Thanh toán trực tuyến"),
        choices=PAYMENT_CHOICES,
        required=False,
        help_text=_("Theo thủ tục: có khi nộp trực tuyến thủ tục có phí và có thanh toán trực tuyến."),
    )
    result_delivery = forms.ChoiceField(
        label=_("Hình thức nhận kết quả"),
        choices=ResultDelivery.choices,
        initial=ResultDelivery.COUNTER,
        required=False,
    )
    payment_reference = forms.CharField(label=_("Mã giao dịch thanh toán"), max_length=100, required=False)
    digitised_at_reception = forms.BooleanField(
        label=_("Số hóa khi tiếp nhận"),
        required=False,
        initial=True,
        help_text=_("Áp dụng cho giấy tờ nhập tay; giấy tờ theo danh mục chọn riêng từng giấy."),
    )
    reused_data = forms.BooleanField(label=_("Tái sử dụng dữ liệu đã số hóa"), required=False)
    citizen_data_connected = forms.BooleanField(label=_("Kết nối dữ liệu dân cư"), required=False)
    e_circulated = forms.BooleanField(label=_("Luân chuyển điện tử"), required=False)
    verification = forms.BooleanField(label=_("Cần xác minh (cộng thời gian xác minh)"), required=False)
    notify_consent = forms.BooleanField(
        label=_("Người nộp đồng ý nhận thông báo về hồ sơ"),
        required=False,
        help_text=_("Hỏi ý kiến người nộp (Nghị định 13/2023); không đồng ý thì không gửi."),
    )
    notify_channel = forms.ChoiceField(
        label=_("Kênh nhận thông báo"), choices=[("", "—"), *NoticeChannel.choices], required=False
    )

    # Reception regardless of administrative boundary: the unit competent for the dossier, any
    # ward of the counter's city/province (the counter's own ward by default).
    competent_ward = forms.ModelChoiceField(
        label=_("Đơn vị có thẩm quyền giải quyết"),
        queryset=Ward.objects.none(),
        required=False,
        help_text=_("Tiếp nhận cho phường khác trong tỉnh: hồ sơ được chuyển điện tử đến phường đó."),
    )
    result_at_counter = forms.BooleanField(
        label=_("Trả kết quả tại nơi tiếp nhận"),
        required=False,
        help_text=_("Chỉ áp dụng khi tiếp nhận cho phường khác."),
    )

    def __init__(self, *args, now=None, counter=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        self.procedure_obj: Procedure | None = None
        self.counter = counter
        if counter is not None:
            self.fields["competent_ward"].queryset = reception_area(counter).order_by("name")
            self.fields["competent_ward"].empty_label = "{} ({})".format(counter.name, _("đơn vị mình"))
        else:
            del self.fields["competent_ward"]
            del self.fields["result_at_counter"]

    def clean_procedure(self) -> str:
        raw = self.cleaned_data["procedure"].strip()
        code = raw.split(" - ", 1)[0].strip()
        received = self.data.get("received_at")
        day = timezone.localdate(self.now)
        try:
            if received:
                day = forms.DateTimeField().clean(received).date()
        except ValidationError:
            pass
        qs = Procedure.objects.in_force_on(day).select_related("field")
        proc = qs.filter(code=code).order_by("-valid_from").first()
        if proc is None:
            # Not a code from the suggestions: the words typed, with or without diacritics.
            found = matching_procedures(qs, raw)
            if len(found) > 1:
                raise ValidationError(
                    _("“{value}” khớp với {n} thủ tục, hãy chọn một: {names}.").format(
                        value=raw,
                        n=len(found),
                        names="; ".join("{} - {}".format(p.code, p.name) for p in found[:5]),
                    )
                )
            proc = found[0] if found else None
        if proc is None:
            raise ValidationError(_("Không tìm thấy thủ tục “{value}” đang có hiệu lực.").format(value=raw))
        self.procedure_obj = proc
        return "{} - {}".format(proc.code, proc.name)

    def clean_result_delivery(self) -> str:
        return self.cleaned_data.get("result_delivery") or ResultDelivery.COUNTER

    def clean(self):
        data = super().clean()
        received = data.get("received_at")
        if received:
            if received > latest_allowed_time(self.now):
                self.add_error("received_at", _("Thời điểm tiếp nhận không được ở tương lai."))
            elif (
                timezone.localtime(received).date() < timezone.localdate(self.now)
                and not data.get("backdate_reason", "").strip()
            ):
                self.add_error("backdate_reason", _("Nhập lùi ngày tiếp nhận phải ghi rõ lý do."))
        self._apply_checklist(data)
        self._apply_counter_defaults(data)
        if data.get("notify_consent"):
            channel = data.get("notify_channel")
            if not channel:
                self.add_error("notify_channel", _("Chọn kênh nhận thông báo người nộp đồng ý."))
            elif channel == NoticeChannel.EMAIL and not data.get("applicant_email"):
                self.add_error("applicant_email", _("Nhận thông báo qua thư điện tử cần địa chỉ thư."))
            elif channel == NoticeChannel.SMS and not data.get("applicant_phone"):
                self.add_error("applicant_phone", _("Nhận thông báo qua SMS cần số điện thoại."))
        return data

    def _apply_counter_defaults(self, data: dict) -> None:
        """Fill what the officer left on "as the procedure says", then check the facts."""
        proc = self.procedure_obj
        if proc is None:
            return
        defaults = workflow.counter_defaults(proc, data.get("channel") or Channel.IN_PERSON)
        if data.get("fee") is None:
            data["fee"] = defaults["fee"]
        choice = data.get("paid_online") or ""
        data["paid_online"] = defaults["paid_online"] if choice == "" else choice == "yes"
        error = workflow.facts_error(
            fee=data["fee"],
            paid_online=data["paid_online"],
            payment_reference=data.get("payment_reference") or "",
            electronic_result=False,
            result_synced=False,
        )
        if error:
            self.add_error(None, error)

    def paper_sources(self) -> dict[str, str]:
        """Paper id -> how it is held, as chosen beside the checklist (default: digitised)."""
        result = {}
        for key, value in self.data.items():
            if key.startswith(SOURCE_PREFIX) and value in DocumentSource.values:
                result[key.removeprefix(SOURCE_PREFIX)] = value
        return result

    def checked_papers(self) -> set[str]:
        """Ids of the catalogue's papers ticked on the checklist."""
        getlist = getattr(self.data, "getlist", None)
        values = getlist("checklist") if getlist else self.data.get("checklist", [])
        return {str(v) for v in values}

    def _apply_checklist(self, data: dict) -> None:
        """The ticked papers become the dossier's list of documents (before any typed lines);
        a required paper left unticked stops the logging: the dossier is incomplete."""
        proc = self.procedure_obj
        papers = list(proc.documents.all()) if proc is not None else []
        if not papers:
            return
        ticked = self.checked_papers()
        missing = [p.name for p in papers if p.required and str(p.pk) not in ticked]
        if missing:
            self.add_error(
                None,
                _(
                    "Còn thiếu giấy tờ bắt buộc: {names}. Hồ sơ chưa đủ thì hướng dẫn bổ sung (mẫu 02)."
                ).format(names="; ".join(missing)),
            )
        typed = (data.get("documents") or "").strip()
        chosen = [p for p in papers if str(p.pk) in ticked]
        sources = self.paper_sources()
        data["document_sources"] = [sources.get(str(p.pk), DocumentSource.DIGITISED) for p in chosen]
        lines = [p.line() for p in chosen]
        data["documents"] = "\n".join(lines + ([typed] if typed else []))


class EditForm(ApplicantMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Dossier
        fields = list(workflow.EDITABLE_FIELDS)  # what the edit move accepts, in its order
        widgets = {"documents": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, document_rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.document_rows = list(document_rows)
        for row in self.document_rows:
            self.fields[SOURCE_PREFIX + str(row.pk)] = forms.ChoiceField(
                label=row.name, choices=DocumentSource.choices, initial=row.source
            )
        if self.document_rows:
            # derived from the documents below
            for name in ("digitised_at_reception", "reused_data"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Tính theo từng giấy tờ bên dưới.")

    def clean(self):
        data = super().clean()
        error = workflow.facts_error(
            fee=data.get("fee") or 0,
            paid_online=bool(data.get("paid_online")),
            payment_reference=data.get("payment_reference") or "",
            electronic_result=False,
            result_synced=False,
        )
        if error:
            self.add_error(None, error)
        return data

    def document_sources(self) -> dict[int, str]:
        return {row.pk: self.cleaned_data[SOURCE_PREFIX + str(row.pk)] for row in self.document_rows}


class MoveForm(forms.Form):
    at = forms.DateTimeField(label=_("Thời điểm"), widget=DATETIME_INPUT, validators=[validate_day])
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_at(self):
        # The workflow refuses it too; here the officer sees why next to the field.
        at = self.cleaned_data["at"]
        error = future_time_error(at)
        if error:
            raise ValidationError(error)
        return at


class NoteMoveForm(MoveForm):
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=500)


class ReasonForm(MoveForm):
    reason = forms.CharField(label=_("Lý do"), max_length=300)


class TransferRefusalForm(ReasonForm):
    """Send back a dossier transferred by mistake; the dossier page narrows ``to_ward`` to the
    counter's area (``for_dossier``), the workflow checks it whichever door it came through."""

    to_ward = forms.ModelChoiceField(
        label=_("Chuyển đến phường"),
        queryset=Ward.objects.order_by("name"),
        required=False,
        help_text=_("Để trống: trả lại phường nơi tiếp nhận."),
    )

    def for_dossier(self, dossier) -> TransferRefusalForm:
        if dossier.received_by_ward_id:
            self.fields["to_ward"].queryset = (
                reception_area(dossier.received_by_ward).exclude(pk=dossier.ward_id).order_by("name")
            )
        return self


class LogVolumeForm(forms.Form):
    year = forms.IntegerField(label=_("Năm"), min_value=2000, max_value=2100)
    volume = forms.IntegerField(label=_("Quyển số"), min_value=1, max_value=999)


class StopForm(ReasonForm):
    legal_basis = forms.CharField(
        label=_("Căn cứ pháp lý"),
        required=False,
        max_length=300,
        help_text=_("Điều, khoản của văn bản cho phép dừng giải quyết; in trên thông báo dừng (mẫu 05)."),
    )


class ExtensionForm(MoveForm):
    reason = forms.CharField(label=_("Lý do xin gia hạn"), widget=forms.Textarea(attrs={"rows": 2}))
    agency_at_fault = forms.ModelChoiceField(
        label=_("Cơ quan để chậm"), queryset=Agency.objects.all(), required=False
    )
    new_due_at = forms.DateTimeField(
        label=_("Thời điểm hẹn trả mới"), widget=DATETIME_INPUT, validators=[validate_day]
    )


class DecisionForm(MoveForm):
    note = forms.CharField(label=_("Ý kiến lãnh đạo"), required=False, max_length=300)


class SupplementForm(MoveForm):
    items = forms.CharField(label=_("Nội dung cần bổ sung"), widget=forms.Textarea(attrs={"rows": 3}))
    stage = forms.CharField(label=_("Giai đoạn"), required=False, max_length=100)
    legal_basis = forms.CharField(label=_("Căn cứ pháp lý"), required=False, max_length=300)


class SendForm(MoveForm):
    agency = forms.ModelChoiceField(label=_("Cơ quan"), queryset=Agency.objects.all())
    due_date = forms.DateField(label=_("Hạn của bước"), widget=DATE_INPUT, validators=[validate_day])
    receiver = forms.CharField(label=_("Người nhận"), required=False, max_length=200)
    electronic = forms.BooleanField(label=_("Chuyển điện tử"), required=False, initial=True)
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=300)


class ResolveForm(MoveForm):
    outcome = forms.ChoiceField(
        label=_("Kết quả"),
        choices=[(Outcome.APPROVED, Outcome.APPROVED.label), (Outcome.REFUSED, Outcome.REFUSED.label)],
    )
    note = forms.CharField(label=_("Ghi chú / lý do từ chối"), required=False, max_length=500)
    electronic_result = forms.BooleanField(label=_("Trả kết quả điện tử"), required=False)
    result_synced = forms.BooleanField(label=_("Đồng bộ kết quả vào kho dữ liệu cá nhân"), required=False)


class ApologyForm(MoveForm):
    reason = forms.CharField(label=_("Lý do chậm"), widget=forms.Textarea(attrs={"rows": 2}))
    agency_at_fault = forms.ModelChoiceField(
        label=_("Cơ quan để chậm"), queryset=Agency.objects.all(), required=False
    )
    new_due_date = forms.DateField(label=_("Ngày hẹn trả mới"), widget=DATE_INPUT, validators=[validate_day])


class RateForm(MoveForm):
    value = forms.ChoiceField(
        label=_("Mức độ hài lòng"), choices=Rating.Value.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(label=_("Góp ý"), required=False, max_length=500)


class LookupForm(forms.Form):
    code = forms.CharField(
        label=_("Mã hồ sơ"), max_length=40, help_text=_("In trên giấy tiếp nhận và hẹn trả kết quả.")
    )
    digits = forms.RegexField(
        label=_("4 số cuối điện thoại hoặc CCCD"),
        regex=r"^\d{4}$",
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class PublicRatingForm(forms.Form):
    value = forms.ChoiceField(
        label=_("Mức độ hài lòng"), choices=Rating.Value.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Góp ý"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


MOVE_FORMS: dict[str, type[forms.Form]] = {
    "start": MoveForm,
    "request_supplement": SupplementForm,
    "resume": MoveForm,
    "send_to_agency": SendForm,
    "return_from_agency": NoteMoveForm,
    "resolve": ResolveForm,
    "return_result": MoveForm,
    "reject_at_reception": ReasonForm,
    "withdraw": ReasonForm,
    "stop": StopForm,
    "extend_verification": ReasonForm,
    "issue_apology": ApologyForm,
    "request_extension": ExtensionForm,
    "approve_extension": DecisionForm,
    "refuse_extension": DecisionForm,
    "rate": RateForm,
    "accept_transfer": MoveForm,
    "refuse_transfer": TransferRefusalForm,
}


class FilterForm(forms.Form):
    """The base form of the register's filters (``dossiers.filters.DossierFilterSet`` adds one
    field per filter): the checks that span two of them."""

    def clean(self):
        data = super().clean()
        a, b = data.get("received_from"), data.get("received_to")
        if a and b and b < a:
            self.add_error("received_to", _("Ngày kết thúc phải sau ngày bắt đầu."))
        return data


class RevealForm(forms.Form):
    """Ask to see an applicant's personal data in full once (Nghị định 13/2023): the reason is logged."""

    reason = forms.CharField(
        label=_("Lý do cần xem đầy đủ"),
        max_length=300,
        help_text=_(
            "Số CCCD, điện thoại, thư điện tử và địa chỉ được hiện một lần; lần xem được ghi nhật ký."
        ),
        error_messages={"required": _("Hãy ghi lý do cần xem đầy đủ.")},
    )


class CatalogueImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp Excel danh mục thủ tục (.xlsx)"))


class OnlineSubmissionForm(ApplicantMixin, forms.Form):
    """An online submission typed in by hand (received by e-mail or from a portal without the
    connection): it goes to the inbox, not the register."""

    procedure = DossierForm.base_fields["procedure"]
    official_code = forms.CharField(
        label=_("Mã hồ sơ trên cổng dịch vụ công"),
        max_length=60,
        required=False,
    )
    submitted_at = forms.DateTimeField(
        label=_("Thời điểm nộp trực tuyến"), widget=DATETIME_INPUT, validators=[validate_day]
    )
    applicant_name = forms.CharField(label=_("Họ tên người nộp"), max_length=200)
    applicant_id_number = forms.CharField(label=_("Số CCCD / mã số thuế"), max_length=20, required=False)
    applicant_phone = forms.CharField(label=_("Số điện thoại"), max_length=20, required=False)
    applicant_email = forms.EmailField(label=_("Thư điện tử"), required=False)
    applicant_address = forms.CharField(label=_("Địa chỉ"), max_length=300, required=False)
    documents = forms.CharField(
        label=_("Thành phần hồ sơ"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    fee = DossierForm.base_fields["fee"]
    paid_online = forms.BooleanField(label=_("Thanh toán trực tuyến"), required=False)

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        self.procedure_obj: Procedure | None = None

    clean_procedure = DossierForm.clean_procedure

    def clean_submitted_at(self):
        value = self.cleaned_data["submitted_at"]
        future = future_time_error(value, self.now)
        if future:
            raise ValidationError(future)
        return value


class RefuseSubmissionForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do từ chối"),
        max_length=300,
        help_text=_("Ghi rõ lý do, ví dụ hồ sơ thiếu giấy tờ hoặc không thuộc thẩm quyền của phường."),
        error_messages={"required": _("Phải ghi rõ lý do.")},
    )
