from django.db import migrations

from openphb.ledger.integrity import LedgerIntegrity


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("ledger", "0001_initial"),
    ]

    operations = [LedgerIntegrity()]
