"""/api/v1/budgets: people's personal health budgets and their figures, in integer pence.
Staff see the budgets of the people they may see; a budget holder sees their own."""

import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.audit.services import Actor
from openphb.budgets.models import Budget, Category
from openphb.budgets.selectors import (
    Figures,
    budget_figures,
    budget_open,
    budgets_visible_to,
    lines_of,
)

router = Router(tags=["budgets"])


def _reader(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not (user.can(Capability.VIEW_BUDGETS) or user.can(Capability.VIEW_OWN_RECORD)):
        raise HttpError(403, "Your role cannot do this.")
    return user


class BudgetFields(Schema):
    id: int
    patient_id: int
    commissioner: str = Field(..., description="The paying commissioner's ODS code")
    starts_on: datetime.date
    ends_on: datetime.date
    status: str
    source_ref: str


class BudgetOut(BudgetFields):
    @staticmethod
    def resolve_commissioner(budget: Budget) -> str:
        return budget.commissioner.ods_code


class FiguresOut(Schema):
    """Pence. approved = available + committed + paid; left_to_spend = approved - spent."""

    approved: int
    committed: int
    paid: int
    spent: int
    available: int
    left_to_spend: int


class CategoryFiguresOut(Schema):
    category: str
    label: str
    figures: FiguresOut


class StreamFiguresOut(Schema):
    stream: str = Field(..., description="The funding stream's code")
    name: str
    figures: FiguresOut


class LineFiguresOut(Schema):
    id: int
    item_ref: str
    description: str
    category: str
    stream: str
    holding: str
    figures: FiguresOut


class BudgetFiguresOut(BudgetFields):
    on: datetime.date | None = Field(..., description="As at this date; empty: everything posted")
    total: FiguresOut
    by_category: list[CategoryFiguresOut]
    by_stream: list[StreamFiguresOut]
    by_line: list[LineFiguresOut]


def _figures(figures: Figures) -> FiguresOut:
    return FiguresOut(**figures.as_dict(), left_to_spend=figures.left_to_spend)


@router.get("", response=list[BudgetOut])
@paginate(PageNumberPagination, page_size=50)
def list_budgets(request: HttpRequest, patient_id: int | None = None):
    """The budgets you may see, newest first; `patient_id` keeps one person's."""
    found = budgets_visible_to(user=_reader(request)).select_related("commissioner")
    if patient_id is not None:
        found = found.filter(patient_id=patient_id)
    return found


@router.get("/{budget_id}", response=BudgetFiguresOut)
def get_budget(
    request: HttpRequest, budget_id: int, on: datetime.date | None = None
) -> BudgetFiguresOut:
    """One budget's figures (approved, committed, paid, spent, available and left to spend) in
    all, by category, by funding stream and by line, as at `on` (without it: everything
    posted)."""
    budget = budget_open(actor=Actor.from_request(request), user=_reader(request), pk=budget_id)
    figures = budget_figures(budget=budget, on=on)
    lines = lines_of(budget=budget)
    stream_names = {line.stream.code: line.stream.name for line in lines}
    labels = dict(Category.choices)
    return BudgetFiguresOut(
        **BudgetOut.model_validate(budget).model_dump(),
        on=on,
        total=_figures(figures.total),
        by_category=[
            CategoryFiguresOut(
                category=code, label=labels.get(code, code), figures=_figures(amounts)
            )
            for code, amounts in sorted(figures.by_category.items())
        ],
        by_stream=[
            StreamFiguresOut(
                stream=code, name=stream_names.get(code, code), figures=_figures(amounts)
            )
            for code, amounts in sorted(figures.by_stream.items())
        ],
        by_line=[
            LineFiguresOut(
                id=line.pk,
                item_ref=line.item_ref,
                description=line.description,
                category=line.category,
                stream=line.stream.code,
                holding=line.holding,
                figures=_figures(figures.by_line[line.pk]),
            )
            for line in lines
        ],
    )
