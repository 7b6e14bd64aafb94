"""How the API knows who is asking: a personal token (`Authorization: Bearer rcp_...`) or the
browser's session.

`API_AUTH` is the one list every router of the API uses. The bearer token is tried first: a
request that presents one is judged by it alone (a wrong, revoked or expired token, or one whose
owner is deactivated, answers 401 and never falls back to a session), and it needs no CSRF token,
as it is not sent by a browser on its own. Otherwise the session decides, with Django's CSRF check
for unsafe methods. Either way `request.user` is the person, so every handler applies that
person's role and scope.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, django_auth

from recoup.accounts.models import TokenKind, User
from recoup.accounts.services import api_token_use


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User:
        user = api_token_use(secret=token.strip(), kind=TokenKind.API)
        if user is None:
            raise AuthenticationError(message="The token is unknown, revoked or expired.")
        # Handlers, scopes and access rules read `request.user`, as for a session.
        request.user = user
        return user


bearer_token = BearerToken()

API_AUTH: list[Any] = [bearer_token, django_auth]
