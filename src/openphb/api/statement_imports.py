"""/api/v1/statement-imports: bank statements, camt.053 files and prepaid-card feeds imported
(multipart: the file, its format and whether to import the valid rows and reject the rest),
listed and read with their rejected rows and how their lines matched. For staff who import
statements (IMPORT_STATEMENTS); each sees the imports they made and those that touched budgets
of the commissioners they work for. A refused file is a 422 with a problem per line, in
django-ninja's shape (`loc`: ["body", "file", <line>])."""

import datetime

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from openphb.accounts.roles import Capability
from openphb.audit.services import Actor
from openphb.monitoring.jobs import statement_follow_up_request
from openphb.statements.importing import StatementRefused, statement_import
from openphb.statements.models import StatementImport
from openphb.statements.selectors import (
    import_get,
    import_match_counts,
    import_rejects,
    imports_visible_to,
)

from .planning import require

router = Router(tags=["statements"])


class ImportOut(Schema):
    id: int
    format: str
    filename: str
    sha256: str
    size_bytes: int
    skip_invalid: bool
    lines_read: int
    lines_added: int
    lines_known: int
    lines_rejected: int
    imported_at: datetime.datetime
    imported_by: str


class RejectOut(Schema):
    line_number: int
    reason: str
    raw: str


class ImportDetail(ImportOut):
    already_imported: bool = False
    matched: dict[str, int]
    rejects: list[RejectOut]


def _out(imported: StatementImport) -> dict[str, object]:
    return {
        "id": imported.pk,
        "format": imported.format,
        "filename": imported.filename,
        "sha256": imported.sha256,
        "size_bytes": imported.size_bytes,
        "skip_invalid": imported.skip_invalid,
        "lines_read": imported.lines_read,
        "lines_added": imported.lines_added,
        "lines_known": imported.lines_known,
        "lines_rejected": imported.lines_rejected,
        "imported_at": imported.imported_at,
        "imported_by": imported.imported_by_label,
    }


def _detail(imported: StatementImport, *, already: bool = False) -> dict[str, object]:
    return {
        **_out(imported),
        "already_imported": already,
        "matched": import_match_counts(statement_import=imported),
        "rejects": list(import_rejects(statement_import=imported)[:1000]),
    }


@router.get("", response=list[ImportOut], summary="Statement imports you may see, newest first")
@paginate(PageNumberPagination, page_size=50)
def import_list(request: HttpRequest):
    user = require(request, Capability.IMPORT_STATEMENTS)
    return [_out(i) for i in imports_visible_to(user=user).select_related("imported_by")]


@router.get("/{import_id}", response=ImportDetail, summary="An import, its matching and rejects")
def import_detail(request: HttpRequest, import_id: int):
    user = require(request, Capability.IMPORT_STATEMENTS)
    return _detail(import_get(user=user, pk=import_id))


@router.post(
    "",
    response={201: ImportDetail, 200: ImportDetail},
    summary="Import a statement file (multipart); the same file again is a 200 adding nothing "
    "(a 409 if the import it was is one you may not see)",
)
def import_create(
    request: HttpRequest,
    file: File[UploadedFile],
    format: Form[str],
    skip_invalid: Form[bool] = False,
) -> Status | HttpResponse:
    user = require(request, Capability.IMPORT_STATEMENTS)
    try:
        result = statement_import(
            actor=Actor.from_request(request),
            file=file.file,  # type: ignore[arg-type]
            filename=file.name or "statement",
            format=format,
            skip_invalid=skip_invalid,
        )
    except StatementRefused as refused:
        from .api import api

        detail: list[dict[str, object]] = [
            {"loc": ["body", "file"], "msg": refused.messages[0], "type": "value_error"}
        ]
        detail += [
            {
                "loc": ["body", "file", problem.line_number],
                "msg": problem.reason,
                "type": "value_error",
            }
            for problem in refused.problems
        ]
        return api.create_response(
            request, {"detail": detail, "problems": refused.total}, status=422
        )
    if result.already_imported and not (
        imports_visible_to(user=user).filter(pk=result.statement_import.pk).exists()
    ):
        # Say no more than that: whose it was, and its rows, are another organisation's.
        raise HttpError(
            409,
            "This file was imported before, by someone whose imports you cannot see; "
            "nothing was added.",
        )
    if not result.already_imported:
        statement_follow_up_request(
            actor=Actor.from_request(request), statement_import=result.statement_import
        )
    status = 200 if result.already_imported else 201
    return Status(status, _detail(result.statement_import, already=result.already_imported))
