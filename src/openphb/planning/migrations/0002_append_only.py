from django.db import migrations

from openphb.core.db import AppendOnly


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("planning", "0001_initial"),
    ]

    operations = [
        AppendOnly("planning_allocationscheme"),
        AppendOnly("planning_catalogueversion"),
        AppendOnly("planning_planningpolicy"),
        AppendOnly("planning_statuschange"),
        AppendOnly("planning_itemdecision"),
        AppendOnly("planning_approval"),
    ]
