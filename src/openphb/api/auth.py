"""Bearer-token authentication: `Authorization: Bearer TOKEN` (tokens from `phb create-token`)."""

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from openphb.accounts.selectors import user_for_api_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_api_token(token=token)
        if user is None:
            return None
        request.user = user
        return user
