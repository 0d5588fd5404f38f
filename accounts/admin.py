"""Admin access follows the roles (accounts.roles), not per-model permission rows: admins are
staff, and staff may manage everything in the admin."""

from django.contrib import admin

from .roles import is_admin


class AdminRoleMixin:
    """Model admin whose access is the admin role itself."""

    def has_module_permission(self, request):
        return is_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_admin(request.user)

    def has_add_permission(self, request, *args):
        return is_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_admin(request.user)


admin.site.site_header = "Claimdesk administration"
admin.site.site_title = "Claimdesk admin"
admin.site.index_title = "Archive, claims and accounts"
