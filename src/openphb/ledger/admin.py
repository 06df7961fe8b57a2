from django.contrib import admin

from openphb.core.admin import ReadOnlyAdmin

from .models import Account, Transaction


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "fund", "purpose", "category", "debits", "credits")
    list_filter = ("kind", "fund", "purpose")
    search_fields = ("name",)


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ("effective_on", "kind", "description", "source_ref", "posted_at")
    list_filter = ("kind",)
    search_fields = ("description", "source_ref", "idempotency_key")
