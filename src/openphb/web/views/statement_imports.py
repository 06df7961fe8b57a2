"""Statement imports for staff who import statements (finance officers, commissioners): upload
a bank statement, camt.053 file or prepaid-card feed; the imports they may see, newest first;
an import's page (what was read and added, how its lines matched, the rejected rows and their
CSV). Each sees the imports they made and those that touched budgets of the commissioners they
work for (`statements.selectors.imports_visible_to`); any other import is a 404.

They behave as /api/v1/statement-imports does: a refused file saves nothing and lists its first
problems with their line numbers and how many there are; the same file again adds nothing; an
import's spending is posted and its budgets checked for flags in the background
(`monitoring.jobs.statement_follow_up`)."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat

from openphb.accounts.roles import Capability
from openphb.audit.services import Actor
from openphb.monitoring.jobs import statement_follow_up_request
from openphb.statements.importing import (
    ImportResult,
    StatementRefused,
    rejects_csv,
    statement_import,
)
from openphb.statements.models import Match, StatementImport
from openphb.statements.selectors import (
    import_get,
    import_lines_needing_attention,
    import_match_counts,
    import_rejects,
    imports_visible_to,
)

from ..forms import apply_service_errors
from ..statement_forms import StatementUploadForm
from .common import paginate, requires, signed_in

REJECTS_SHOWN = 100  # rejected rows listed on an import's page; the CSV has them all
ATTENTION_PAGE = 50  # lines needing attention listed per page


@dataclass(frozen=True)
class Matched:
    """One way an import's lines matched, for its page: what it is called, what it means."""

    value: str
    title: str
    explanation: str
    count: int


# In the order a finance officer reads them: money in, money out, then what belongs to no one.
MATCH_EXPLAINED = (
    (
        Match.RECONCILED,
        "Money in, matched to a payment we made",
        "The bank's text carries the reference of a direct payment made to the budget paid "
        "into this account (PHB and the run's number), for the same amount: the payment "
        "arrived.",
    ),
    (
        Match.UNMATCHED_CREDIT,
        "Money in, not from a payment we made",
        "Money paid into a budget's account that carries no payment reference of ours, or "
        "one that does not fit (another amount, or a payment already matched). It may be a "
        "refund, money the person paid in, or a payment the bank described in its own words.",
    ),
    (
        Match.PLANNED,
        "Money out, matched to the plan",
        "The commissioner's matching rules (by payee, merchant or merchant category code) put "
        "it in a category the person's care plan pays for by direct payment.",
    ),
    (
        Match.NOT_IN_PLAN,
        "Money out, not in the plan",
        "No matching rule puts it in a category the person's care plan pays for by direct "
        "payment. The spending checks flag it for someone to look at.",
    ),
    (
        Match.NO_ACCOUNT,
        "Account not known",
        "The sort code and account number are not the verified bank details of any direct "
        "payment, so these transactions belong to no budget. They are kept, but nobody's "
        "statement shows them.",
    ),
)


def _import(request: HttpRequest, pk: int) -> StatementImport:
    try:
        return import_get(user=signed_in(request), pk=pk)
    except StatementImport.DoesNotExist:
        raise Http404("No such statement import") from None


@requires(Capability.IMPORT_STATEMENTS)
def import_list(request: HttpRequest) -> HttpResponse:
    imports = (
        imports_visible_to(user=signed_in(request))
        .select_related("imported_by")
        .order_by("-imported_at", "-id")
    )
    page, pagination = paginate(request, imports)
    return render(request, "statements/imports.html", {"page": page, "pagination": pagination})


@requires(Capability.IMPORT_STATEMENTS)
def import_upload(request: HttpRequest) -> HttpResponse:
    """On success, the import's page with what it did in a banner, and its follow-up (posting
    the matched spending, checking the budgets it touched) queued. A refused file: the form
    again (what was chosen kept) with the file's problems, nothing saved. The same file
    again: said so here, with a link to the import it was when the user may see it."""
    posted = request.method == "POST"
    form = StatementUploadForm(request.POST if posted else None, request.FILES if posted else None)
    context: dict[str, object] = {"form": form}
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = statement_import(
                actor=Actor.from_request(request),
                file=upload.file,
                filename=upload.name or "statement",
                format=form.cleaned_data["format"],
                skip_invalid=form.cleaned_data["skip_invalid"],
            )
        except StatementRefused as refused:
            form.add_error("file", refused.messages[0])
            context.update(problems=refused.problems, problems_total=refused.total)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if result.already_imported:
                return _already_imported(request, context, result)
            statement_follow_up_request(
                actor=Actor.from_request(request), statement_import=result.statement_import
            )
            messages.success(
                request, f"{result.statement_import.filename} was imported. {result.summary}"
            )
            return redirect("web:statement-import", pk=result.statement_import.pk)
    return render(
        request,
        "statements/import_upload.html",
        context,
        status=400 if form.is_bound else 200,
    )


def _already_imported(
    request: HttpRequest, context: dict[str, object], result: ImportResult
) -> HttpResponse:
    """The same bytes were imported before (by anyone): nothing was added. That import is
    named and linked to only for those who may see it."""
    known = result.statement_import
    visible = imports_visible_to(user=signed_in(request)).filter(pk=known.pk).exists()
    context.update(already=known, already_visible=visible)
    return render(request, "statements/import_upload.html", context)


@requires(Capability.IMPORT_STATEMENTS)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    imported = _import(request, pk)
    counts = import_match_counts(statement_import=imported)
    attention, attention_pages = paginate(
        request,
        import_lines_needing_attention(user=signed_in(request), statement_import=imported),
        ATTENTION_PAGE,
        anchor="attention",
    )
    return render(
        request,
        "statements/import.html",
        {
            "imported": imported,
            "size": filesizeformat(imported.size_bytes),
            "matched": [
                Matched(value=value, title=title, explanation=text, count=counts.get(value, 0))
                for value, title, text in MATCH_EXPLAINED
            ],
            "rejects": list(import_rejects(statement_import=imported)[:REJECTS_SHOWN]),
            "attention": attention,
            "attention_pages": attention_pages,
            "match_titles": {value: title for value, title, _ in MATCH_EXPLAINED},
        },
    )


@requires(Capability.IMPORT_STATEMENTS)
def import_rejects_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The rows the import rejected (line, reason, raw), as the CLI writes them."""
    imported = _import(request, pk)
    rejects = import_rejects(statement_import=imported)
    if not imported.lines_rejected:
        raise Http404("This import rejected no rows")
    response = HttpResponse(
        rejects_csv(rejects.iterator(chunk_size=2_000)), content_type="text/csv; charset=utf-8"
    )
    name = f"statement-import-{imported.pk}-rejects.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
