from django.contrib import admin

from openphb.core.admin import ReadOnlyAdmin

from .models import Budget, BudgetLine


@admin.register(Budget)
class BudgetAdmin(ReadOnlyAdmin):
    list_display = ("pk", "commissioner", "starts_on", "ends_on", "status")
    list_filter = ("status",)


@admin.register(BudgetLine)
class BudgetLineAdmin(ReadOnlyAdmin):
    list_display = ("budget", "description", "category", "stream", "holding")
