"""A base model with no domain in it."""

from django.db import models


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class PurgePermit(models.Model):
    """Present only while `core.db.purge_permit()` allows deleting append-only rows."""

    reason = models.CharField(max_length=200)

    class Meta:
        db_table = "core_purgepermit"

    def __str__(self) -> str:
        return self.reason
