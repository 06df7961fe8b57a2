"""Writing the audit log. Services call these explicitly, inside their own transaction."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.http import HttpRequest

from openphb.core.db import insert_many

from .models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in person, or a named system job (perhaps on a person's behalf)."""

    user: AbstractBaseUser | None
    system: str = ""
    ip_address: str | None = None

    @classmethod
    def from_request(cls, request: HttpRequest) -> "Actor":
        """The signed-in person (or token holder) and the address the request came from."""
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        address = forwarded.split(",")[0].strip() if forwarded else request.META.get("REMOTE_ADDR")
        user = request.user if request.user.is_authenticated else None
        return cls(user=user, ip_address=address or None)

    @classmethod
    def system_job(cls, job: str, *, user: AbstractBaseUser | None = None) -> "Actor":
        return cls(user=user, system=job)

    @property
    def label(self) -> str:
        if self.system:
            who = f" for {self.user.get_username()}" if self.user is not None else ""
            return f"system:{self.system}{who}"[:150]
        if self.user is None:
            return "anonymous"
        return self.user.get_username()

    @property
    def user_id(self) -> int | None:
        if self.user is None or isinstance(self.user, AnonymousUser):
            return None
        return self.user.pk


@dataclass(frozen=True)
class Entry:
    """One event to write with `audit_record_many`."""

    action: str
    target: models.Model
    patient_id: int | None = None
    summary: str = ""
    changes: Mapping[str, Any] = field(default_factory=dict)


def _event(*, actor: Actor, entry: Entry) -> AuditEvent:
    return AuditEvent(
        actor_id=actor.user_id,
        actor_label=actor.label,
        action=entry.action,
        object_type=entry.target._meta.label_lower,
        object_id=str(entry.target.pk),
        patient_id=entry.patient_id,
        summary=entry.summary[:300],
        changes=dict(entry.changes),
        ip_address=actor.ip_address,
    )


def audit_record(
    *,
    actor: Actor,
    action: str,
    target: models.Model,
    patient_id: int | None = None,
    summary: str = "",
    changes: Mapping[str, Any] | None = None,
) -> AuditEvent:
    event = _event(
        actor=actor,
        entry=Entry(
            action=action,
            target=target,
            patient_id=patient_id,
            summary=summary,
            changes=changes or {},
        ),
    )
    event.save()
    return event


def audit_record_many(*, actor: Actor, entries: Iterable[Entry]) -> int:
    """Write many events in one prepared statement (bulk imports); returns how many."""
    events = [_event(actor=actor, entry=entry) for entry in entries]
    insert_many(events)
    return len(events)


def changes_between(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The fields whose value differs, as {field: [old, new]}, with values made JSON-friendly."""
    changed: dict[str, list[Any]] = {}
    for name, new in after.items():
        old = before.get(name)
        if old != new:
            changed[name] = [_plain(old), _plain(new)]
    return changed


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
