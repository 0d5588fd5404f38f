"""Admin access follows the roles (accounts.roles), not per-model permission rows: admins are
staff, and staff may manage everything in the admin."""

from django.contrib import admin

from .models import APIToken
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


@admin.register(APIToken)
class APITokenAdmin(AdminRoleMixin, admin.ModelAdmin):
    """Tokens are created by their owners (API or create_api_token), whose key is shown only
    then; admins see them and revoke them."""

    list_display = [
        "name",
        "user",
        "key_hint",
        "read_only",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["read_only", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "user__username", "key_hint"]
    readonly_fields = list_display
    fields = list_display
    actions = ["revoke"]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset.active():
            token.revoke()
