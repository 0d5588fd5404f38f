"""The journal in the admin: read-only, searchable by object, actor and request."""

from django.contrib import admin

from accounts.admin import AdminRoleMixin, ReadOnlyAdminMixin

from .models import Entry


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdminMixin, AdminRoleMixin, admin.ModelAdmin):
    list_display = ["at", "kind", "object_id", "action", "version", "actor_name", "reason"]
    list_filter = ["kind", "action", "public"]
    search_fields = ["=object_id", "=claim_id", "actor_name", "=request_id", "reason"]
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
