"""phb demo-data: load the synthetic demo world (idempotent: running it again changes nothing)."""

import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from openphb.demo import world
from openphb.demo.world import USERS


class Command(BaseCommand):
    help = "Load a coherent synthetic world: organisations, people, representatives, carers, users."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2013)
        parser.add_argument("--patients", type=int, default=2000)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: object, **options: Any) -> None:
        count = int(options["patients"])
        bar = tqdm(
            total=count,
            unit=" people",
            desc="People",
            file=sys.stderr,
            disable=bool(options["no_progress"]),
        )
        try:
            world.build(
                seed=int(options["seed"]),
                patients=count,
                say=lambda line: tqdm.write(line, file=sys.stdout),
                progress=bar.update,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        finally:
            bar.close()
        self.stdout.write(self.style.SUCCESS("Demo sign-ins (every person here is synthetic):"))
        for username, (role, *_rest) in USERS.items():
            self.stdout.write(f"  {username:<13} {role.label}")
        self.stdout.write(f"  Password for all: {settings.PHB_DEMO_PASSWORD}")
