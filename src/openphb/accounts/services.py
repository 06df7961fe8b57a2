"""Writing users, memberships and API tokens."""

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from openphb.audit.services import Actor, audit_record
from openphb.organisations.models import Organisation

from .models import ApiToken, Membership, User, token_digest
from .roles import STAFF_ROLES, Role


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    username: str,
    password: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    organisations: list[Organisation] | None = None,
    check_password: bool = True,
) -> User:
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    if role in STAFF_ROLES and not organisations:
        raise ValidationError({"organisations": "Staff must belong to at least one organisation."})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": f"The username {username} is taken."})
    user = User(
        username=username, role=role, first_name=first_name, last_name=last_name, email=email
    )
    if check_password:
        validate_password(password, user)
    user.set_password(password)
    user.save()
    for organisation in organisations or []:
        Membership.objects.create(user=user, organisation=organisation)
    audit_record(
        actor=actor,
        action="user.created",
        target=user,
        summary=f"Created {username} as {user.get_role_display()}",
    )
    return user


@transaction.atomic
def api_token_create(*, actor: Actor, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Issue a token; returns the stored row and the token itself, which is never stored."""
    if not user.is_active:
        raise ValidationError(f"{user.username} is not active, so cannot have an API token.")
    token = "phb_" + secrets.token_urlsafe(32)
    api_token = ApiToken.objects.create(
        user=user, name=name, digest=token_digest(token), prefix=token[:8]
    )
    audit_record(
        actor=actor,
        action="api_token.created",
        target=api_token,
        summary=f"API token {api_token.prefix}… issued to {user.username}",
    )
    return api_token, token


@transaction.atomic
def api_token_revoke(*, actor: Actor, api_token: ApiToken) -> ApiToken:
    if api_token.revoked_at is None:
        api_token.revoked_at = timezone.now()
        api_token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="api_token.revoked",
            target=api_token,
            summary=f"API token {api_token.prefix}… revoked",
        )
    return api_token
