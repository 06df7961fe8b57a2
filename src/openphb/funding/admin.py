from django.contrib import admin

from openphb.core.admin import ReadOnlyAdmin

from .models import Allocation, FundingStream, OverdraftPolicy


@admin.register(FundingStream)
class FundingStreamAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind", "funder", "envelope", "starts_on", "ends_on")


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ("stream", "commissioner", "amount", "effective_on")


@admin.register(OverdraftPolicy)
class OverdraftPolicyAdmin(ReadOnlyAdmin):
    list_display = ("name", "commissioner", "stream", "limit", "starts_on", "ended_on")
