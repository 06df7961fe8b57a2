import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from openphb.accounts.models import ApiToken
from openphb.accounts.selectors import user_for_api_token
from openphb.accounts.services import api_token_create, api_token_revoke
from openphb.audit.services import Actor

pytestmark = pytest.mark.django_db


def test_a_token_finds_its_user_and_only_its_digest_is_stored(coordinator):
    row, token = api_token_create(actor=Actor.system_job("test"), user=coordinator)
    assert token.startswith("phb_")
    assert token not in row.digest
    assert user_for_api_token(token=token) == coordinator
    assert user_for_api_token(token=token + "x") is None


def test_a_revoked_token_or_an_inactive_user_finds_nobody(coordinator):
    row, token = api_token_create(actor=Actor.system_job("test"), user=coordinator)
    api_token_revoke(actor=Actor.system_job("test"), api_token=row)
    assert user_for_api_token(token=token) is None
    _, second = api_token_create(actor=Actor.system_job("test"), user=coordinator)
    coordinator.is_active = False
    coordinator.save()
    assert user_for_api_token(token=second) is None


def test_the_command_prints_a_working_token(coordinator, capsys):
    call_command("create-token", "coordinator")
    token = capsys.readouterr().out.strip()
    assert user_for_api_token(token=token) == coordinator
    assert ApiToken.objects.count() == 1


def test_the_command_names_an_unknown_user():
    with pytest.raises(CommandError, match="no user called ghost"):
        call_command("create-token", "ghost")
