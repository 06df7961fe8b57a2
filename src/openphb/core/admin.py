from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Domain records change only through services (which validate and audit): admin may look."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
