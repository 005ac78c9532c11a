"""The list an institution picks a rejection reason from (plus free text); the reasons and
their labels are the enumeration "reject_reason" of `finplatform/labels`."""

from __future__ import annotations

from wtforms.fields.choices import SelectChoice

from finplatform.labels import label, labels_of

REJECT_REASONS = labels_of("reject_reason")


def reject_reason_label(code: str | None) -> str:
    """The reason's label in the current language (the code itself if unknown)."""
    return label("reject_reason", code)


def reject_reason_choices() -> list[SelectChoice]:
    """The reasons as select choices, after an empty "please choose"."""
    return [SelectChoice("", "—")] + [
        SelectChoice(code, str(text)) for code, text in REJECT_REASONS.items()
    ]
