"""Forms for a commissioner's planning set-up: catalogue items with their evidence, providers and
the planning policy.

They parse what people type (pounds to whole pence, percentages to basis points) and hand the
planning services plain values; the services decide whether it is allowed. A refusal about an
evidence row is shown against the row it came from."""

import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from openphb.budgets.models import Category
from openphb.planning.catalogue import SLUG, ItemSpec, ProviderSpec
from openphb.planning.models import (
    AgreementStatus,
    QualityRating,
    Unit,
)
from openphb.planning.rules import Evidence, LegalStatus

from .filters import pounds_plain
from .forms import DatePartsField
from .money_forms import PoundsField

_PERCENT = re.compile(r"^(?P<sign>[+-]?)(?P<whole>\d{1,3})(?:\.(?P<part>\d{1,2}))?$")


def parse_percent(text: str, label: str, *, signed: bool = False) -> int:
    """A percentage as typed ('10', '12.5%', '-10' when signed) to basis points (1000, 1250,
    -1000). Refuses anything else with a message a person can act on."""
    cleaned = re.sub(r"\s+", "", text or "").removesuffix("%")
    example = "like -10 or 5" if signed else "like 10 or 12.5"
    match = _PERCENT.match(cleaned)
    if match is None or (match["sign"] and not signed):
        raise ValidationError(f"{label} must be a percentage, {example}.")
    basis_points = int(match["whole"]) * 100 + int((match["part"] or "0").ljust(2, "0"))
    if basis_points > 10_000:
        raise ValidationError(f"{label} must be 100% or less.")
    return -basis_points if match["sign"] == "-" else basis_points


def percent_text(basis_points: int) -> str:
    """Basis points as a form shows them: 1000 is '10', 1250 is '12.5', -1000 is '-10'."""
    whole, part = divmod(abs(basis_points), 100)
    text = f"{whole}" if not part else f"{whole}.{part:02d}".rstrip("0")
    return f"-{text}" if basis_points < 0 else text


class PercentField(forms.CharField):
    """A percentage typed as a number; `cleaned_data` holds basis points (an int)."""

    def __init__(self, *, label: str, what: str, signed: bool = False, **kwargs: Any) -> None:
        self.what = what
        self.signed = signed
        kwargs.setdefault("error_messages", {"required": f"Enter {what}."})
        super().__init__(label=label, max_length=10, **kwargs)

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        if not text:
            return None
        return parse_percent(text, self.what[0].upper() + self.what[1:], signed=self.signed)


YES_NO = [("yes", "Yes"), ("no", "No")]


def _yes_no(label: str, message: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": message},
    )


def text_field(
    label: str, *, required: bool = True, message: str = "", max_length: int = 200
) -> Any:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        error_messages={
            "required": message,
            "max_length": f"{label.removesuffix(' (optional)')} must be {max_length:,} "
            "characters or fewer.",
        },
    )


def legal_status_text(status: str) -> str:
    """Whether a budget may buy it, as a person reads it: 'Can be bought', or 'Cannot be
    bought: gambling'."""
    if status == LegalStatus.ALLOWED:
        return "Can be bought"
    label = str(LegalStatus(status).label) if status in LegalStatus.values else status
    return "Cannot be bought: " + label.removeprefix("Excluded: ")


LEGAL_CHOICES = [(status, legal_status_text(status)) for status in LegalStatus.values]


# --- Catalogue items --------------------------------------------------------------------------

EVIDENCE_PARTS = ("condition_code", "condition", "rating", "source")
_EVIDENCE_KEY = re.compile(r"^evidence-(\d+)-(?:condition_code|condition|rating|source)$")
MAX_EVIDENCE_ROWS = 30


def evidence_rows_in(data: Mapping[str, Any], *, at_least: int) -> int:
    """How many evidence rows a submitted form had (at least `at_least`, at most 30)."""
    numbers = [int(match[1]) for key in data if (match := _EVIDENCE_KEY.match(key))]
    return min(max([at_least, *numbers]), MAX_EVIDENCE_ROWS)


class ItemForm(forms.Form):
    """A catalogue item: what it is, what it costs, whether a budget may buy it, and how well
    it works for which conditions (a few rows; empty rows are left out)."""

    code = forms.CharField(
        label="Code",
        max_length=48,
        help_text="Lower-case letters, digits and hyphens, like hydrotherapy. It never changes.",
        error_messages={"required": "Give the item a code, like hydrotherapy."},
    )
    name = text_field("Name", message="Give the item a name.")
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"max_length": "The description must be 2,000 characters or fewer."},
    )
    category = forms.ChoiceField(
        label="Category",
        choices=Category.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a category."},
    )
    unit = forms.ChoiceField(
        label="Priced per",
        choices=Unit.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a unit: hour, session, week, month or one-off."},
    )
    reference_price = PoundsField(
        label="Reference price", what="the reference price", allow_zero=True
    )
    price_cap = PoundsField(
        label="Price cap (optional)",
        what="the price cap",
        required=False,
        help_text="In pounds and pence. A plan paying more than this is flagged, not refused.",
    )
    legal_status = forms.ChoiceField(
        label="Can a personal health budget buy it?",
        choices=LEGAL_CHOICES,
        initial=LegalStatus.ALLOWED,
        error_messages={"required": "Choose whether a budget may buy it."},
    )
    retired = forms.BooleanField(
        label="Retire the item: new plans can no longer choose it", required=False
    )
    note = text_field("What changed and why", message="Say what changed and why.", max_length=300)

    def __init__(self, *args: Any, adding: bool, rows: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if adding:
            del self.fields["retired"]
            del self.fields["note"]
        else:
            del self.fields["code"]
        self.rows = rows
        for n in range(1, rows + 1):
            self.fields[f"evidence-{n}-condition_code"] = forms.CharField(
                label="SNOMED CT code (optional)",
                required=False,
                max_length=18,
                error_messages={
                    "max_length": f"Evidence row {n}: a SNOMED CT code has at most 18 digits."
                },
            )
            self.fields[f"evidence-{n}-condition"] = forms.CharField(
                label="Condition",
                required=False,
                max_length=200,
                error_messages={
                    "max_length": f"Evidence row {n}: the condition must be 200 characters "
                    "or fewer."
                },
            )
            self.fields[f"evidence-{n}-rating"] = forms.ChoiceField(
                label="Evidence", choices=[("", "Choose"), *Evidence.choices], required=False
            )
            self.fields[f"evidence-{n}-source"] = forms.CharField(
                label="Source",
                required=False,
                max_length=300,
                error_messages={
                    "max_length": f"Evidence row {n}: the source must be 300 characters or fewer."
                },
            )
        evidence = [f"evidence-{n}-{part}" for n in range(1, rows + 1) for part in EVIDENCE_PARTS]
        self.order_fields(
            [
                "code", "name", "description", "category", "unit", "reference_price",
                "price_cap", "legal_status", "retired", *evidence, "note",
            ]
        )  # fmt: skip
        self._row_of_spec: list[int] = []

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not SLUG.match(code):
            raise ValidationError(
                "A code is lower-case letters, digits and hyphens, up to 48 characters."
            )
        return code

    def clean(self) -> dict[str, Any]:
        """A row that is filled in at all needs its rating and the source of it (said here
        as well as by the service, so one submission shows every problem)."""
        data = super().clean() or {}
        for n in range(1, self.rows + 1):
            row = {
                part: str(data.get(f"evidence-{n}-{part}") or "").strip() for part in EVIDENCE_PARTS
            }
            if not any(row.values()):
                continue
            if not row["rating"]:
                self.add_error(f"evidence-{n}-rating", f"Evidence row {n}: choose a rating.")
            if not row["source"]:
                self.add_error(
                    f"evidence-{n}-source", f"Evidence row {n}: name the source of the rating."
                )
        return data

    def evidence_fields(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"evidence-{n}-{part}"] for part in EVIDENCE_PARTS]
            for n in range(1, self.rows + 1)
        ]

    def _evidence(self, data: Mapping[str, Any]) -> list[dict[str, str]]:
        """The rows someone filled in (all four boxes empty: left out). A row that names no
        condition rates the item for any condition."""
        rows = []
        self._row_of_spec = []
        for n in range(1, self.rows + 1):
            row = {
                part: str(data.get(f"evidence-{n}-{part}") or "").strip() for part in EVIDENCE_PARTS
            }
            if any(row.values()):
                rows.append(row)
                self._row_of_spec.append(n)
        return rows

    def spec(self) -> ItemSpec:
        data = self.cleaned_data
        return ItemSpec(
            name=data["name"],
            description=data.get("description") or "",
            category=data["category"],
            unit=data["unit"],
            reference_price=data["reference_price"],
            price_cap=data.get("price_cap"),
            legal_status=data["legal_status"],
            evidence=self._evidence(data),
            retired=bool(data.get("retired")),
        )

    def service_error(self, error: ValidationError) -> ValidationError:
        """The service's refusal with its evidence message against the row it is about (the
        service counts only the rows filled in; the page counts them all)."""
        if not hasattr(error, "error_dict"):
            return error
        errors: dict[str | None, list[str]] = {}
        for field, messages in error.message_dict.items():
            if field != "evidence":
                errors.setdefault(field, []).extend(messages)
                continue
            for message in messages:
                match = re.match(r"^Evidence row (\d+): (.*)$", message)
                if match is None or not 0 < int(match[1]) <= len(self._row_of_spec):
                    errors.setdefault(None, []).append(message)
                    continue
                n = self._row_of_spec[int(match[1]) - 1]
                part = _evidence_part(match[2])
                errors.setdefault(f"evidence-{n}-{part}", []).append(
                    f"Evidence row {n}: {match[2]}"
                )
        return ValidationError(errors)  # type: ignore[arg-type]


def _evidence_part(message: str) -> str:
    """Which box of an evidence row a message is about."""
    lowered = message.lower()
    if "rating" in lowered and "source" not in lowered:
        return "rating"
    if "source" in lowered:
        return "source"
    if "snomed" in lowered:
        return "condition_code"
    return "condition"


def item_initial(version: Any) -> dict[str, Any]:
    """What the change form starts with: the current version, prices in pounds."""
    initial: dict[str, Any] = {
        "name": version.name,
        "description": version.description,
        "category": version.category,
        "unit": version.unit,
        "reference_price": pounds_plain(version.reference_price),
        "price_cap": pounds_plain(version.price_cap) if version.price_cap is not None else "",
        "legal_status": version.legal_status,
        "retired": version.retired,
    }
    for n, row in enumerate(version.evidence, start=1):
        for part in EVIDENCE_PARTS:
            value = row.get(part, "")
            if part == "condition" and not row.get("condition_code") and value == "any condition":
                value = ""
            initial[f"evidence-{n}-{part}"] = value
    return initial


# --- Providers --------------------------------------------------------------------------------


class ProviderForm(forms.Form):
    name = text_field("Name", message="Give the provider's name.")
    registration = text_field(
        "CQC location ID or other registration (optional)", required=False, max_length=32
    )
    quality_rating = forms.ChoiceField(
        label="Quality rating",
        choices=QualityRating.choices,
        initial=QualityRating.NOT_RATED,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the provider's quality rating."},
    )
    agreement_status = forms.ChoiceField(
        label="Agreement with the provider",
        choices=AgreementStatus.choices,
        initial=AgreementStatus.NONE,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the state of the agreement."},
    )
    agreement_starts_on = DatePartsField(label="Agreement started", required=False)
    agreement_ends_on = DatePartsField(label="Agreement ends", required=False)

    def spec(self) -> ProviderSpec:
        data = self.cleaned_data
        return ProviderSpec(
            name=data["name"],
            registration=data.get("registration") or "",
            quality_rating=data["quality_rating"],
            agreement_status=data["agreement_status"],
            agreement_starts_on=data.get("agreement_starts_on"),
            agreement_ends_on=data.get("agreement_ends_on"),
        )


def provider_initial(provider: Any) -> dict[str, Any]:
    return {
        "name": provider.name,
        "registration": provider.registration,
        "quality_rating": provider.quality_rating,
        "agreement_status": provider.agreement_status,
        "agreement_starts_on": provider.agreement_starts_on,
        "agreement_ends_on": provider.agreement_ends_on,
    }


# --- The planning policy ----------------------------------------------------------------------


class PolicyForm(forms.Form):
    starts_on = DatePartsField(label="In force from")
    tolerance_basis_points = PercentField(
        label="How far a plan may be from the indicative budget without a written "
        "justification (%)",
        what="the tolerance",
        help_text="A percentage of the indicative budget, like 10",
    )
    two_approvers_above = PoundsField(
        label="Plans costing more than this need two different approvers",
        what="the amount",
        allow_zero=True,
    )
    allow_insufficient = _yes_no(
        "May a clinical reviewer approve an item with insufficient evidence?",
        "Say whether items with insufficient evidence may be approved.",
    )
    allow_not_supported = _yes_no(
        "May a clinical reviewer approve an item rated “not supported” for the person's condition?",
        "Say whether items whose evidence is not supported may be approved.",
    )


def policy_initial(policy: Any, today: Any) -> dict[str, Any]:
    return {
        "starts_on": today,
        "tolerance_basis_points": percent_text(policy.tolerance_basis_points),
        "two_approvers_above": pounds_plain(policy.two_approvers_above),
        "allow_insufficient": "yes" if policy.allow_insufficient else "no",
        "allow_not_supported": "yes" if policy.allow_not_supported else "no",
    }
