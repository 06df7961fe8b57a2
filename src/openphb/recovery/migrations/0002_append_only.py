from django.db import migrations

from openphb.core.db import AppendOnly


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("recovery", "0001_initial"),
    ]

    operations = [
        AppendOnly("recovery_noticeevent"),
    ]
