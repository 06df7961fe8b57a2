from django.contrib import admin

from openphb.core.admin import ReadOnlyAdmin

from .models import Organisation, Succession


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ("ods_code", "name", "kind", "opened_on", "closed_on")
    list_filter = ("kind",)
    search_fields = ("ods_code", "name")


@admin.register(Succession)
class SuccessionAdmin(ReadOnlyAdmin):
    list_display = ("predecessor", "successor", "effective_on")
