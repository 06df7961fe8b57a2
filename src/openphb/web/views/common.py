"""Small helpers shared by the page views."""

from collections.abc import Callable
from functools import cached_property, wraps
from typing import Any, TypeVar, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from openphb.accounts.models import User
from openphb.accounts.roles import Capability

from ..forms import apply_service_errors

PAGE_SIZE = 25
T = TypeVar("T")


def requires(
    capability: Capability,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Refuse (403, with a page that says why) users whose role lacks the capability."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not signed_in(request).can(capability):
                return render(request, "403.html", status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class CappedPaginator(Paginator):
    """Counts at most `COUNT_CAP` items: nobody pages through 700,000 people, and counting
    them all is what makes a long list slow. Beyond the cap, `count_capped` is true and the
    page says to search instead."""

    COUNT_CAP = 10_000

    @cached_property
    def _counted(self) -> int:
        head = self.object_list[: self.COUNT_CAP + 1]
        return head.count() if isinstance(head, QuerySet) else len(head)

    @property
    def count(self) -> int:
        return min(self._counted, self.COUNT_CAP)

    @property
    def count_capped(self) -> bool:
        return self._counted > self.COUNT_CAP


def paginate(
    request: HttpRequest,
    items: Any,
    size: int = PAGE_SIZE,
    *,
    param: str = "page",
    anchor: str = "",
) -> tuple[Page, dict[str, Any]]:
    """A page of items and the NHS pagination macro's parameters (keeping other query args).
    Two lists on one page each take their page number from their own `param`, and link to
    their own `anchor`."""
    page = CappedPaginator(items, size).get_page(request.GET.get(param))
    query = request.GET.copy()

    def url(number: int) -> str:
        query[param] = str(number)
        return "?" + query.urlencode() + (f"#{anchor}" if anchor else "")

    params: dict[str, Any] = {}
    if page.has_previous():
        params["previous"] = {"href": url(page.previous_page_number())}
    if page.has_next():
        params["next"] = {"href": url(page.next_page_number())}
    return page, params


def signed_in(request: HttpRequest) -> User:
    """The signed-in user (the middleware has already sent everyone else to sign in)."""
    return cast(User, request.user)


def submit(form: forms.Form, save: Callable[[dict[str, Any]], T]) -> T | None:
    """If the form is valid, hand its data to the service; show a refusal on the form.

    Returns what the service saved, or None when the form has to be shown again."""
    if not form.is_bound or not form.is_valid():
        return None
    try:
        return save(form.cleaned_data)
    except ValidationError as error:
        apply_service_errors(form, error)
        return None
