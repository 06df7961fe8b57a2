"""Loading reference data: the postcode → LSOA → IMD decile lookup.

The CSV format (documented in docs/how-to/import-imd.md) has the columns
`postcode,lsoa_code,lsoa_name,imd_decile`: one row per postcode, built from the ONS postcode
directory and the English indices of deprivation. The edition (e.g. "IMD 2019") is given when
loading. Loading again replaces each LSOA's decile with the new edition's.
"""

import csv
import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from openphb.audit.services import Actor, audit_record
from openphb.core.identifiers import normalise_postcode

from .models import Lsoa, PostcodeLsoa, ReferenceImport

COLUMNS = ("postcode", "lsoa_code", "lsoa_name", "imd_decile")
_LSOA_CODE = re.compile(r"^[EW]0[0-9]{7}$")


def _parse(lines: Iterable[str]) -> tuple[dict[str, tuple[str, int]], dict[str, str], list[str]]:
    reader = csv.DictReader(lines)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        return {}, {}, [f"The header row lacks these columns: {', '.join(missing)}."]
    reader.fieldnames = header
    lsoas: dict[str, tuple[str, int]] = {}
    postcodes: dict[str, str] = {}
    errors: list[str] = []
    for row in reader:
        line = reader.line_num
        code = (row["lsoa_code"] or "").strip().upper()
        if not _LSOA_CODE.match(code):
            errors.append(f"Line {line}: {code!r} is not an LSOA code (like E01000001).")
            continue
        try:
            decile = int((row["imd_decile"] or "").strip())
        except ValueError:
            decile = 0
        if not 1 <= decile <= 10:
            errors.append(f"Line {line}: the IMD decile must be a whole number from 1 to 10.")
            continue
        try:
            postcode = normalise_postcode(row["postcode"] or "")
        except ValidationError as exc:
            errors.append(f"Line {line}: {exc.messages[0]}")
            continue
        name = (row["lsoa_name"] or "").strip()[:100]
        if code in lsoas and lsoas[code][1] != decile:
            errors.append(f"Line {line}: LSOA {code} has two different deciles in this file.")
            continue
        lsoas[code] = (name, decile)
        postcodes[postcode] = code
    if not postcodes and not errors:
        errors.append("The file has no rows.")
    return lsoas, postcodes, errors


@transaction.atomic
def imd_import(
    *, actor: Actor, lines: Iterable[str], edition: str, source_name: str
) -> ReferenceImport:
    """Load a postcode → LSOA → IMD decile lookup; all rows or none."""
    edition = edition.strip()
    if not edition:
        raise ValidationError({"edition": "Say which edition this is, e.g. IMD 2019."})
    lsoas, postcodes, errors = _parse(lines)
    if errors:
        shown = errors[:20]
        more = f" ... and {len(errors) - 20} more." if len(errors) > 20 else ""
        raise ValidationError(" ".join(shown) + more)
    existing = {lsoa.code: lsoa for lsoa in Lsoa.objects.filter(code__in=list(lsoas))}
    changed = []
    for code, (name, decile) in lsoas.items():
        lsoa = existing.get(code)
        if lsoa is None:
            continue
        if (lsoa.name, lsoa.imd_decile, lsoa.imd_edition) != (name, decile, edition):
            lsoa.name, lsoa.imd_decile, lsoa.imd_edition = name, decile, edition
            changed.append(lsoa)
    Lsoa.objects.bulk_update(changed, ["name", "imd_decile", "imd_edition"], batch_size=2000)
    Lsoa.objects.bulk_create(
        [
            Lsoa(code=code, name=name, imd_decile=decile, imd_edition=edition)
            for code, (name, decile) in lsoas.items()
            if code not in existing
        ],
        batch_size=2000,
    )
    ids = dict(Lsoa.objects.filter(code__in=list(lsoas)).values_list("code", "id"))
    known = {
        mapping.postcode: mapping
        for mapping in PostcodeLsoa.objects.filter(postcode__in=list(postcodes))
    }
    moved = []
    for postcode, code in postcodes.items():
        mapping = known.get(postcode)
        if mapping is not None and mapping.lsoa_id != ids[code]:
            mapping.lsoa_id = ids[code]
            moved.append(mapping)
    PostcodeLsoa.objects.bulk_update(moved, ["lsoa_id"], batch_size=2000)
    PostcodeLsoa.objects.bulk_create(
        [PostcodeLsoa(postcode=p, lsoa_id=ids[c]) for p, c in postcodes.items() if p not in known],
        batch_size=2000,
    )
    record = ReferenceImport.objects.create(
        kind="imd",
        edition=edition,
        source_name=source_name[:255],
        rows=len(postcodes),
        imported_by_id=actor.user_id,
    )
    audit_record(
        actor=actor,
        action="reference.imd_imported",
        target=record,
        summary=f"Loaded {len(postcodes)} postcodes in {len(lsoas)} LSOAs ({edition})",
    )
    return record
