from django.contrib import admin

from openphb.core.admin import ReadOnlyAdmin

from .models import Invoice, InvoiceEvent, InvoiceLine, InvoiceProblem


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("invoice_number", "provider", "budget", "received_on", "total", "status")
    list_filter = ("status",)
    search_fields = ("invoice_number",)


@admin.register(InvoiceLine)
class InvoiceLineAdmin(ReadOnlyAdmin):
    list_display = ("invoice", "position", "item_ref", "service_date", "quantity", "amount")


@admin.register(InvoiceProblem)
class InvoiceProblemAdmin(ReadOnlyAdmin):
    list_display = ("invoice", "line", "code")
    list_filter = ("code",)


@admin.register(InvoiceEvent)
class InvoiceEventAdmin(ReadOnlyAdmin):
    list_display = ("invoice", "from_status", "to_status", "at", "by_label")
