"""The document form of the admin: fields as typed, turned into checked values."""

from __future__ import annotations

from wtforms import Form, HiddenField, SelectField, StringField, TextAreaField

from .models import STATUS_LABELS
from .validation import DocumentValues, normalize_number, parse_date
from .vocabularies import VOCABULARIES, entries


def _choices(key: str, blank: str) -> dict[str, str]:
    return {"": blank} | {str(e.id): e.name for e in entries(VOCABULARIES[key])}


class DocumentForm(Form):
    """Text fields only: what the editor typed comes back as typed when something is wrong."""

    type_id = SelectField("Loại văn bản", validate_choice=False)
    number = StringField(
        "Số hiệu", description="Số thứ tự rồi ký hiệu, ví dụ 30-CT/TW hoặc 123/QĐ-UBND."
    )
    issuer_id = SelectField("Cơ quan ban hành", validate_choice=False)
    signer = StringField("Người ký")
    field_id = SelectField("Lĩnh vực", validate_choice=False)
    issued_on = StringField("Ngày ban hành", description="Ngày/tháng/năm, ví dụ 05/03/2024.")
    effective_on = StringField("Ngày có hiệu lực", description="Để trống nếu chưa rõ.")
    expires_on = StringField("Ngày hết hiệu lực", description="Để trống nếu chưa hết hiệu lực.")
    status = SelectField("Tình trạng hiệu lực", choices=dict(STATUS_LABELS), validate_choice=False)
    summary = TextAreaField("Trích yếu", description="Nội dung tóm tắt, như trên văn bản.")
    version = HiddenField()

    def fill_choices(self) -> None:
        self.type_id.choices = _choices("loai", "— Chọn loại —")
        self.issuer_id.choices = _choices("co-quan", "— Chọn cơ quan —")
        self.field_id.choices = _choices("linh-vuc", "— Không ghi lĩnh vực —")

    def to_values(self, related_ids: list[int]) -> tuple[DocumentValues, dict[str, str]]:
        """The checked-by-type values and the messages of fields that could not be read."""
        errors: dict[str, str] = {}
        dates = {}
        for name in ("issued_on", "effective_on", "expires_on"):
            text = (self[name].data or "").strip()
            dates[name] = None
            if text:
                try:
                    dates[name] = parse_date(text)
                except ValueError as exc:
                    errors[name] = str(exc)
        values = DocumentValues(
            type_id=_int(self.type_id.data),
            number=normalize_number(self.number.data or ""),
            issuer_id=_int(self.issuer_id.data),
            signer=" ".join((self.signer.data or "").split()),
            field_id=_int(self.field_id.data),
            status=self.status.data or "",
            summary=(self.summary.data or "").strip(),
            related_ids=related_ids,
            **dates,
        )
        return values, errors

    def show_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            if name in self._fields:
                self[name].errors = [*self[name].errors, message]


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def form_from_document(document) -> DocumentForm:
    from .validation import format_date

    form = DocumentForm(
        data={
            "type_id": str(document.type_id),
            "number": document.number,
            "issuer_id": str(document.issuer_id),
            "signer": document.signer,
            "field_id": str(document.field_id or ""),
            "issued_on": format_date(document.issued_on),
            "effective_on": format_date(document.effective_on),
            "expires_on": format_date(document.expires_on),
            "status": document.status,
            "summary": document.summary,
            "version": str(document.version),
        }
    )
    form.fill_choices()
    return form
