"""Forms for needs assessments: a programme's resource-allocation scheme (a new version), an
assessment (a level in each care domain), and telling the person their indicative budget.

They parse what people type (pounds to whole pence, percentages to basis points) and hand the
planning services plain values; the services decide whether it is allowed. A refusal about a
domain or an adjustment is shown against the field it came from."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import slugify

from openphb.planning.catalogue import SchemeSpec
from openphb.planning.models import Rounding, SharedHow
from openphb.registry.models import Setting

from .catalogue_forms import PercentField, percent_text, text_field
from .filters import pounds_plain
from .forms import DatePartsField
from .money_forms import PoundsField

# --- Resource-allocation schemes --------------------------------------------------------------

ROUNDING_UNITS = [
    (1, "The penny (no rounding)"),
    (100, "£1"),
    (1_000, "£10"),
    (10_000, "£100"),
    (100_000, "£1,000"),
]
CARER_WHEN = "unpaid_carer"
CARER_LABEL = "An unpaid carer gives support"
NEW_DOMAIN_ROWS = 1


def setting_adjustment_label(setting: str) -> str:
    return f"Care setting: {str(Setting(setting).label).lower()}"


class SchemeForm(forms.Form):
    """A new version of a programme's scheme: pounds per point; for each care domain its name
    and the points each level scores; adjustments for an unpaid carer and for where the person
    lives; floor, cap and rounding."""

    pence_per_point = PoundsField(label="Pounds per point", what="pounds per point")
    unpaid_carer = PercentField(
        label="An unpaid carer gives support (%)",
        what="the change for an unpaid carer",
        signed=True,
        required=False,
    )
    floor = PoundsField(
        label="Floor (optional)",
        what="the floor",
        allow_zero=True,
        required=False,
        help_text="In pounds and pence: no indicative budget is less than this",
    )
    cap = PoundsField(
        label="Cap (optional)",
        what="the cap",
        required=False,
        help_text="In pounds and pence: no indicative budget is more than this",
    )
    rounding_unit = forms.TypedChoiceField(
        label="Round the amount to",
        choices=ROUNDING_UNITS,
        coerce=int,
        initial=100,
        error_messages={"required": "Choose what the amount is rounded to."},
    )
    rounding = forms.ChoiceField(
        label="Which way",
        choices=Rounding.choices,
        initial=Rounding.NEAREST,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the amount is rounded."},
    )
    note = text_field("What changed and why (optional)", required=False, max_length=300)

    def __init__(
        self,
        *args: Any,
        domains: Sequence[Mapping[str, Any]],
        adjustments: Sequence[Mapping[str, Any]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.levels = _level_columns(domains)
        self.known = [(str(domain["code"]), str(domain["label"])) for domain in domains]
        self.adjustments = list(adjustments)
        rows = len(self.known) + NEW_DOMAIN_ROWS
        self.domain_rows: list[tuple[str, list[str]]] = []
        for n in range(1, rows + 1):
            label_name = f"domain-{n}-label"
            self.fields[label_name] = forms.CharField(
                label=f"Care domain {n}",
                required=False,
                max_length=100,
                error_messages={
                    "max_length": f"Care domain {n}: the name must be 100 characters or fewer."
                },
            )
            points = []
            for code, level_label in self.levels:
                name = f"domain-{n}-{code}"
                self.fields[name] = forms.IntegerField(
                    label=f"{level_label}, points",
                    required=False,
                    min_value=0,
                    max_value=1_000,
                    error_messages={
                        "invalid": "Points are a whole number, like 3.",
                        "min_value": "Points are 0 or more.",
                        "max_value": "Points are 1,000 or fewer.",
                    },
                )
                points.append(name)
            self.domain_rows.append((label_name, points))
        self.setting_fields: list[str] = []
        for setting, label in Setting.choices:
            name = f"setting-{setting}"
            self.fields[name] = PercentField(
                label=f"{label} (%)",
                what=f"the change for {str(label).lower()}",
                signed=True,
                required=False,
            )
            self.setting_fields.append(name)
        current = self.initial.get("rounding_unit")
        if current and int(current) not in dict(ROUNDING_UNITS):
            self.fields["rounding_unit"].choices = [  # type: ignore[attr-defined]
                *ROUNDING_UNITS,
                (int(current), pounds_plain(int(current))),
            ]

    def rows(self) -> list[tuple[forms.BoundField, list[forms.BoundField]]]:
        return [
            (self[label], [self[name] for name in points]) for label, points in self.domain_rows
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for label_name, points in self.domain_rows:
            label = (data.get(label_name) or "").strip()
            if not label:
                continue
            for name, (_, level_label) in zip(points, self.levels, strict=True):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, f"{label}, {level_label.lower()}: enter the points.")
        return data

    def _domains(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        domains: list[dict[str, Any]] = []
        used: set[str] = set()
        self._field_of_domain: dict[str, str] = {}
        for n, (label_name, points) in enumerate(self.domain_rows, start=1):
            label = (data.get(label_name) or "").strip()
            if not label:
                continue
            code = self.known[n - 1][0] if n <= len(self.known) else _code_for(label, used)
            used.add(code)
            self._field_of_domain[label] = label_name
            domains.append(
                {
                    "code": code,
                    "label": label,
                    "levels": [
                        {"code": level_code, "label": level_label, "points": data[name]}
                        for name, (level_code, level_label) in zip(points, self.levels, strict=True)
                    ],
                }
            )
        return domains

    def _adjustments(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        earlier = {str(item["when"]): item for item in self.adjustments}
        chosen = [(CARER_WHEN, CARER_LABEL, "unpaid_carer", data.get("unpaid_carer"))]
        for setting, _ in Setting.choices:
            chosen.append(
                (
                    f"setting:{setting}",
                    setting_adjustment_label(setting),
                    f"setting-{setting}",
                    data.get(f"setting-{setting}"),
                )
            )
        adjustments = []
        for when, label, _, basis_points in chosen:
            if basis_points is None:
                continue
            before = earlier.get(when, {})
            adjustments.append(
                {
                    "code": before.get("code") or when.replace("setting:", "setting-"),
                    "label": before.get("label") or label,
                    "when": when,
                    "basis_points": basis_points,
                }
            )
        return adjustments

    def spec(self) -> SchemeSpec:
        data = self.cleaned_data
        return SchemeSpec(
            pence_per_point=data["pence_per_point"],
            domains=self._domains(),
            adjustments=self._adjustments(),
            floor=data.get("floor") or 0,
            cap=data.get("cap"),
            rounding_unit=data["rounding_unit"],
            rounding=data["rounding"],
            note=data.get("note") or "",
        )

    def service_error(self, error: ValidationError) -> ValidationError:
        """The scheme's refusal against the fields it is about: a domain's message against its
        name, an adjustment's against the unpaid carer's box (or the setting it names)."""
        if not hasattr(error, "error_dict"):
            return error
        errors: dict[str | None, list[str]] = {}
        for field, messages in error.message_dict.items():
            for message in messages:
                target: str | None = field if field in self.fields else None
                if field == "domains":
                    named = next(
                        (
                            name
                            for label, name in getattr(self, "_field_of_domain", {}).items()
                            if message.startswith(f"{label}:")
                        ),
                        None,
                    )
                    target = named or self.domain_rows[0][0]
                elif field == "adjustments":
                    target = "unpaid_carer"
                    for setting in Setting.values:
                        if message.startswith(setting_adjustment_label(setting)):
                            target = f"setting-{setting}"
                errors.setdefault(target, []).append(message)
        return ValidationError(errors)  # type: ignore[arg-type]


def _level_columns(domains: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """Every level any domain has, in the order first seen: the columns of the points table."""
    columns: dict[str, str] = {}
    for domain in domains:
        for level in domain.get("levels") or []:
            columns.setdefault(str(level["code"]), str(level["label"]))
    return list(columns.items())


def _code_for(label: str, used: Iterable[str]) -> str:
    base = slugify(label).replace("-", "_")[:40] or "domain"
    code, n = base, 2
    taken = set(used)
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    return code


def scheme_initial(scheme: Any, domains: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """What the publish form starts with: the current version, or the defaults."""
    initial: dict[str, Any] = {}
    levels = _level_columns(domains)
    for n, domain in enumerate(domains, start=1):
        initial[f"domain-{n}-label"] = domain["label"]
        points = {str(level["code"]): level["points"] for level in domain["levels"]}
        for code, _ in levels:
            initial[f"domain-{n}-{code}"] = points.get(code)
    if scheme is None:
        return initial
    initial.update(
        {
            "pence_per_point": pounds_plain(scheme.pence_per_point),
            "floor": pounds_plain(scheme.floor) if scheme.floor else "",
            "cap": pounds_plain(scheme.cap) if scheme.cap is not None else "",
            "rounding_unit": scheme.rounding_unit,
            "rounding": scheme.rounding,
        }
    )
    for adjustment in scheme.adjustments:
        when = str(adjustment["when"])
        name = "unpaid_carer" if when == CARER_WHEN else "setting-" + when.removeprefix("setting:")
        initial[name] = percent_text(int(adjustment["basis_points"]))
    return initial


# --- Needs assessments ------------------------------------------------------------------------


class AssessmentForm(forms.Form):
    """A level of need in each of the scheme's care domains."""

    def __init__(self, *args: Any, domains: Sequence[Any], today: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.domain_fields: list[str] = []
        for domain in domains:
            name = f"level-{domain.code}"
            self.fields[name] = forms.ChoiceField(
                label=domain.label,
                choices=[(level.code, level.label) for level in domain.levels],
                widget=forms.RadioSelect,
                error_messages={"required": f"{domain.label}: choose a level."},
            )
            self.domain_fields.append(name)
        self.fields["on"] = DatePartsField(label="Date of the assessment", initial=today)
        self.fields["notes"] = forms.CharField(
            label="Notes (optional)",
            required=False,
            widget=forms.Textarea,
            max_length=4000,
            error_messages={"max_length": "Notes must be 4,000 characters or fewer."},
        )

    def levels(self) -> dict[str, str]:
        return {name.removeprefix("level-"): self.cleaned_data[name] for name in self.domain_fields}

    def service_error(self, error: ValidationError) -> ValidationError:
        """A missing level's message against its domain's radios."""
        if not hasattr(error, "error_dict"):
            return error
        errors: dict[str | None, list[str]] = {}
        labels = {str(self.fields[name].label): name for name in self.domain_fields}
        for field, messages in error.message_dict.items():
            for message in messages:
                target: str | None = field if field in self.fields else None
                if field == "levels":
                    target = next(
                        (name for label, name in labels.items() if message.startswith(label)),
                        None,
                    )
                errors.setdefault(target, []).append(message)
        return ValidationError(errors)  # type: ignore[arg-type]


class ShareForm(forms.Form):
    how = forms.ChoiceField(
        label="How was the person told?",
        choices=SharedHow.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say how the person was told."},
    )
    on = DatePartsField(label="Date they were told")
