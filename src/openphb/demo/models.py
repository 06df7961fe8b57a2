from django.db import models


class DemoWorld(models.Model):
    """Marks a database as holding the synthetic demo world (the pages then say so)."""

    seed = models.IntegerField()
    patients = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Demo world (seed {self.seed}, {self.patients} patients)"
