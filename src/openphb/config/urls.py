from django.contrib import admin
from django.urls import include, path

from openphb.api.api import api

# The admin is for superusers only; everyone else works through the service's own pages.
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser  # type: ignore[method-assign]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("openphb.web.urls")),
]
