"""What a role may do, and the view guards that hold pages to it.

Roles: admins and managers see and change everything; collectors change the work of their own
teams (what they may see is scoped by `recoup.ledger.selectors.customers_visible_to`); viewers
read and never change. Every page that changes something is guarded by `change_required` (or
`ChangeRequiredMixin`), every settings page by `admin_required`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from recoup.accounts.models import Role, User

CHANGING_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.COLLECTOR})
ALL_SEEING_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.VIEWER})

AnyUser = AbstractBaseUser | AnonymousUser


def _active(user: AnyUser) -> User | None:
    if isinstance(user, User) and user.is_active:
        return user
    return None


def user_may_change(user: AnyUser) -> bool:
    """True for admins, managers and collectors; viewers and anonymous users change nothing."""
    active = _active(user)
    return active is not None and (active.is_superuser or active.role in CHANGING_ROLES)


def user_is_admin(user: AnyUser) -> bool:
    active = _active(user)
    return active is not None and (active.is_superuser or active.role == Role.ADMIN)


def user_sees_all_customers(user: AnyUser) -> bool:
    """Admins, managers and viewers read the whole ledger; collectors only their teams' part."""
    active = _active(user)
    return active is not None and (active.is_superuser or active.role in ALL_SEEING_ROLES)


ViewFunc = Callable[..., HttpResponse]


def _guard(predicate: Callable[[AnyUser], bool]) -> Callable[[ViewFunc], ViewFunc]:
    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not predicate(request.user):
                # 403 rather than a redirect: the person is logged in and must see why.
                raise PermissionDenied("Your role does not allow this.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


change_required = _guard(user_may_change)
"""Guard for views that change anything: logged in, and not a viewer."""

admin_required = _guard(user_is_admin)
"""Guard for settings pages: logged in as an admin."""


class ChangeRequiredMixin(AccessMixin):
    """Class-based counterpart of `change_required`."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not user_may_change(request.user):
            raise PermissionDenied("Your role does not allow this.")
        response: HttpResponse = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        return response
