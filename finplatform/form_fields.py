"""Form fields people can fill: money typed in 万元, checkbox groups with a filter instead of
Ctrl-click multi-selects, and telephone numbers.

A `WanAmountField` shows and takes 万元 (its HTML name ends in `_wan`), while its `data` is the
exact amount in yuan, so the services, the API and imports keep working in yuan. The conversion
is exact: 万元 with up to six decimals is a whole number of fen.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import DecimalField, SelectMultipleField
from wtforms.validators import ValidationError

from finplatform.bounds import TOO_LARGE, largest_for
from finplatform.money import WAN
from finplatform.phone_numbers import normalize_phone

FEN = Decimal("0.01")
NOT_AN_AMOUNT = _l("Please enter an amount in 万元, e.g. 500 for 500万元.")
TOO_PRECISE = _l("An amount in 万元 has at most six decimals (to the fen).")
PHONE_HINT = _l("A mobile number or a landline with its area code, e.g. 022-23456789.")


def wan_text(yuan) -> str:
    """Yuan as a plain 万元 number for a form field: 5000000 → 500, 12345.67 → 1.234567."""
    text = f"{(Decimal(yuan) / WAN).quantize(Decimal('0.000001')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class WanAmountField(DecimalField):
    """An amount typed in 万元 whose `data` is the exact yuan (Decimal, two places)."""

    def __init__(self, label=None, validators=None, **kwargs) -> None:
        render_kw = {
            "inputmode": "decimal",
            "autocomplete": "off",
            "data-wan-amount": "",
            **kwargs.pop("render_kw", {}),
        }
        # The form knows the field by its attribute (`amount_yuan`); the page posts `amount_wan`.
        if kwargs.get("name"):
            kwargs["name"] = kwargs["name"].removesuffix("_yuan") + "_wan"
        super().__init__(label, validators, places=2, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist) -> None:
        """Read the 万元 typed and keep the yuan; commas and spaces are ignored."""
        if not valuelist:
            return
        text = "".join(str(valuelist[0]).split()).replace(",", "").replace("，", "")
        if not text:
            self.data = None
            return
        try:
            wan = Decimal(text)
        except InvalidOperation:
            self.data = None
            raise ValueError(str(NOT_AN_AMOUNT)) from None
        if not wan.is_finite():
            self.data = None
            raise ValueError(str(NOT_AN_AMOUNT))
        if abs(wan) * WAN > largest_for(2):
            self.data = None
            raise ValueError(str(TOO_LARGE))
        if wan.as_tuple().exponent < -6 and wan != wan.quantize(Decimal("0.000001")):
            self.data = None
            raise ValueError(str(TOO_PRECISE))
        self.data = (wan * WAN).quantize(FEN)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else wan_text(self.data)


class CheckboxGroupWidget:
    """Checkboxes in a scrolling box with a filter box above (forms.js filters as you type)."""

    def __call__(self, field, **kwargs) -> Markup:
        kwargs.pop("class", None)
        kwargs.pop("class_", None)
        boxes = []
        for index, (value, label, checked, _render_kw) in enumerate(field.iter_choices()):
            box_id = f"{field.id}-{index}"
            boxes.append(
                Markup(
                    '<div class="form-check" data-choice>'
                    '<input class="form-check-input" type="checkbox" name="{name}" id="{id}" '
                    'value="{value}"{checked}><label class="form-check-label" for="{id}">'
                    "{label}</label></div>"
                ).format(
                    name=field.name,
                    id=box_id,
                    value=value,
                    checked=Markup(" checked") if checked else "",
                    label=label,
                )
            )
        search = ""
        if len(boxes) > 8:
            search = Markup(
                '<input type="search" class="form-control form-control-sm mb-1" '
                'data-choice-filter placeholder="{hint}" aria-label="{hint}">'
            ).format(hint=_l("Type to filter the list"))
        return Markup(
            '<div class="checkbox-group" id="{id}" role="group" aria-label="{label}">{search}'
            '<div class="checkbox-group-list border rounded px-2 py-1">{boxes}</div></div>'
        ).format(
            id=field.id,
            label=escape(field.label.text),
            search=search,
            boxes=Markup("").join(boxes),
        )


class CheckboxGroupField(SelectMultipleField):
    """A multiple choice shown as checkboxes (with a filter when the list is long)."""

    widget = CheckboxGroupWidget()


class PhoneNumber:
    """A mainland mobile or a landline with area code; the field keeps the normalised form."""

    def __call__(self, form, field) -> None:
        try:
            field.data = normalize_phone(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from None
