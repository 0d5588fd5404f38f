"""The journal in the admin: read-only, searchable by actor, request and reason."""

from django.contrib import admin

from accounts.admin import AdminRoleMixin, ReadOnlyAdminMixin

from .models import Entry


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdminMixin, AdminRoleMixin, admin.ModelAdmin):
    list_display = ["at", "kind", "object_id", "action", "version", "actor_name", "reason"]
    list_filter = ["kind", "action", "public"]
    search_fields = ["actor_name", "=request_id", "reason", "action"]
    fields = [
        "at",
        "kind",
        "object_id",
        "claim_id",
        "action",
        "version",
        "from_version",
        "actor_name",
        "request_id",
        "reason",
        "changes",
        "public",
        "xid",
    ]
    readonly_fields = fields
