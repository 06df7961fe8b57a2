"""Every page needs a signed-in user, except sign-in itself, the API and the admin."""

from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest


class SignInRequiredMiddleware(LoginRequiredMiddleware):
    # The API answers 401 itself; the admin has its own sign-in.
    exempt_prefixes = ("/api/", "/admin/")

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> Any:
        if request.path.startswith(self.exempt_prefixes):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
