"""Users, their role and the organisations they work for; API tokens."""

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models

from openphb.organisations.models import Organisation

from .roles import Capability, Role, role_can


class User(AbstractUser):
    role = models.CharField(max_length=32, choices=Role.choices, blank=True)
    organisations: "models.ManyToManyField[Organisation, Membership]" = models.ManyToManyField(
        Organisation, through="Membership", related_name="members", blank=True
    )

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def can(self, capability: Capability) -> bool:
        return self.is_active and role_can(self.role, capability)


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_each")
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.organisation}"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 digest is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text="The first characters, to recognise it.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… for {self.user}"
