"""Decisions keep two composite indexes and drop the foreign keys' own, which duplicated them.

On SQLite, altering a field rebuilds the table without its triggers, so the append-only
triggers are installed again at the end.
"""

import django.db.models.deletion
from django.db import migrations, models

from openphb.core.db import AppendOnly


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0002_append_only"),
        ("registry", "0002_settings_and_restrictions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="decision",
            name="patient",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="eligibility_decisions",
                to="registry.patient",
            ),
        ),
        migrations.AlterField(
            model_name="decision",
            name="run",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="decisions",
                to="programmes.screeningrun",
            ),
        ),
        migrations.AlterField(
            model_name="decision",
            name="site",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="programmes.site",
            ),
        ),
        AppendOnly("programmes_decision"),
    ]
