"""phb create-token USERNAME: issue an API token and print it (it is shown only once)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from openphb.accounts.models import User
from openphb.accounts.services import api_token_create
from openphb.audit.services import Actor


class Command(BaseCommand):
    help = "Issue an API token for a user and print it. Use it as 'Authorization: Bearer TOKEN'."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for.")

    def handle(self, *args: object, **options: object) -> None:
        username = str(options["username"])
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user called {username}.")
        try:
            _, token = api_token_create(
                actor=Actor.system_job("create-token"), user=user, name=str(options["name"])
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(token)
