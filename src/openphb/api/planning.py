"""What the care and support planning endpoints share: capability checks, the commissioner a
request is about, and naming the API's fields in the domain's refusals. The endpoints themselves
are in `catalogue` (schemes, catalogue, providers, policy), `assessments`, `plans` (reading and
building) and `plan_decisions` (the workflow); `plan_shapes` is what a plan looks like."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import HttpRequest
from ninja.errors import HttpError

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.accounts.selectors import user_commissioners
from openphb.organisations.models import Organisation

# Who may read plans and assessments: staff who plan, review, approve or pay, and budget holders
# (their own and those they represent; the selectors decide whose).
PLAN_READERS = (Capability.VIEW_PLANS, Capability.VIEW_OWN_RECORD)


def require(request: HttpRequest, *capabilities: Capability) -> User:
    """The caller, if their role has one of the capabilities; a 403 otherwise."""
    user: User = request.user  # type: ignore[assignment]
    if not any(user.can(capability) for capability in capabilities):
        raise HttpError(403, "Your role cannot do this.")
    return user


@contextmanager
def api_fields(names: Mapping[str, str]) -> Iterator[None]:
    """Rename the fields of a refusal from the service's names to the API's (`provider` is
    `provider_id` in a body)."""
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {names.get(field, field): messages for field, messages in error.message_dict.items()}
        ) from None


@contextmanager
def named_in_body(field: str, what: str, pk: int) -> Iterator[None]:
    """A record a body names by id is read through its scoped selector; one the caller may not
    see is refused on that field (422), saying no more than that."""
    try:
        yield
    except ObjectDoesNotExist:
        raise ValidationError({field: f"You cannot see {what} with id {pk}."}) from None


def commissioner_to_read(user: User, ods_code: str) -> Organisation:
    """A commissioner the caller works for, by ODS code (a 404 for any other); without a code,
    the one they work for."""
    mine = user_commissioners(user_id=user.pk).order_by("name")
    if ods_code:
        found = mine.filter(ods_code__iexact=ods_code.strip()).first()
        if found is None:
            raise HttpError(404, "You do not work for a commissioner with that ODS code.")
        return found
    return _only(list(mine))


def commissioner_to_change(user: User, ods_code: str) -> Organisation:
    """The same, for a body: a commissioner the caller does not work for is refused (422)."""
    mine = user_commissioners(user_id=user.pk).order_by("name")
    if ods_code:
        found = mine.filter(ods_code__iexact=ods_code.strip()).first()
        if found is None:
            raise ValidationError(
                {"commissioner": f"You do not work for a commissioner with ODS code {ods_code}."}
            )
        return found
    return _only(list(mine))


def _only(commissioners: list[Organisation]) -> Organisation:
    if len(commissioners) == 1:
        return commissioners[0]
    if not commissioners:
        raise ValidationError({"commissioner": "You do not work for a commissioner."})
    raise ValidationError(
        {"commissioner": "You work for more than one commissioner: give its ODS code."}
    )
