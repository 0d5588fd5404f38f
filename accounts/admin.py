"""Admin access follows the roles (accounts.roles), not per-model permission rows: admins are
staff, and staff may manage everything in the admin."""

from collections.abc import Callable

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext, gettext_lazy

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


class ReadOnlyAdminMixin:
    """Model admin or inline whose rows are shown, never added, changed or deleted here."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class WritesThroughServicesMixin:
    """Model admin whose writes are the app's services, called as the acting `request.user`,
    so that the admin obeys the same rules as the web UI and the API. A subclass names them:
    `create(request, data)` returns the new object, `update(request, obj, data)` and
    `delete(request, obj)` change and remove one; inline rows go to
    `save_inline_row(request, parent, data)` and `delete_inline_row(request, obj)`. What a
    subclass does not name is refused, and without a `delete` nothing offers deletion."""

    def has_delete_permission(self, request, obj=None):
        if type(self).delete is WritesThroughServicesMixin.delete:
            return False
        return super().has_delete_permission(request, obj)

    def create(self, request, data: dict):
        raise PermissionDenied(gettext("Nothing is added here."))

    def update(self, request, obj, data: dict) -> None:
        raise PermissionDenied(gettext("Nothing is changed here."))

    def delete(self, request, obj) -> None:
        raise PermissionDenied(gettext("Nothing is deleted here."))

    def save_inline_row(self, request, parent, data: dict):
        raise PermissionDenied(gettext("This list cannot be added to here."))

    def delete_inline_row(self, request, obj) -> None:
        raise PermissionDenied(gettext("Rows of this list cannot be deleted here."))

    def save_model(self, request, obj, form, change):
        if change:
            self.update(request, obj, form.cleaned_data)
            return
        created = self.create(request, form.cleaned_data)
        # The admin goes on to show (and log) the stored object.
        obj.pk = created.pk
        obj._state.adding = False

    def delete_model(self, request, obj):
        self.delete(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete(request, obj)

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        # The admin's change message reads these lists, which formset.save() would fill.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.initial_forms + formset.extra_forms:
            if inline_form in formset.deleted_forms:
                if inline_form.instance.pk is not None:
                    self.delete_inline_row(request, inline_form.instance)
                    formset.deleted_objects.append(inline_form.instance)
            elif inline_form.instance.pk is None and inline_form.has_changed():
                formset.new_objects.append(
                    self.save_inline_row(request, form.instance, inline_form.cleaned_data)
                )


class SaveAndDeleteServicesMixin(WritesThroughServicesMixin):
    """`WritesThroughServicesMixin` for the common pair of services: `save_service` creates
    an object, or changes the one it is given, and `delete_service` removes it; both take the
    acting user as `actor_argument` and the object as `object_argument` (keyword arguments)."""

    save_service: Callable
    delete_service: Callable
    actor_argument = "user"
    object_argument: str

    def create(self, request, data):
        return self.save_service(**{self.actor_argument: request.user}, **data)

    def update(self, request, obj, data):
        self.save_service(**{self.actor_argument: request.user, self.object_argument: obj}, **data)

    def delete(self, request, obj):
        self.delete_service(**{self.actor_argument: request.user, self.object_argument: obj})


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

    @admin.action(description=gettext_lazy("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset.active():
            token.revoke()
