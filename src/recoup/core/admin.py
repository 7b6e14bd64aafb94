"""The Django admin as a window onto the data, never a back door around the services.

Every change in Recoup goes through a service that validates it and writes an audit entry; a
row changed in the admin would do neither. So every model admin and inline mixes in the
read-only rule from here: admins browse and search, nobody adds, changes
or deletes, whatever their permissions say. A POST to an admin change page answers 403.
"""

from __future__ import annotations

from django.http import HttpRequest


class ReadOnlyAdminMixin:
    """Put first among the bases of a `ModelAdmin` or an inline: add, change and delete are off.

    `obj` is typed as `object` so that the one mixin fits both `ModelAdmin` (whose
    `has_add_permission` takes no object) and inlines (whose permissions take the parent).
    """

    # Staff are exactly Recoup's admins (the accounts services keep `is_staff` with the role), so
    # an admin reads every table here without Django's per-model permissions being granted.
    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
