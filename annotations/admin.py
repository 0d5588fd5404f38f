"""Admin for the vocabulary, claims and annotations. Every write goes through
`annotations.services`, so the admin obeys the same rules and keeps the same history as the
web UI and the API."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext, gettext_lazy, ngettext_lazy

from accounts.admin import (
    AdminRoleMixin,
    ReadOnlyAdminMixin,
    SaveAndDeleteServicesMixin,
    WritesThroughServicesMixin,
)
from archive.validation import as_text

from . import services, transitions
from .models import (
    Annotation,
    Appearance,
    AppearanceAnchor,
    CaptureAnalysis,
    Claim,
    Evidence,
    Tag,
    TagPattern,
)


def _report(request, exc: Exception) -> None:
    text = as_text(exc, separator="; ") if isinstance(exc, ValidationError) else str(exc)
    messages.error(request, text)


@admin.register(Tag)
class TagAdmin(SaveAndDeleteServicesMixin, AdminRoleMixin, admin.ModelAdmin):
    list_display = ["label", "slug", "category"]
    list_filter = ["category"]
    search_fields = ["label", "slug", "description"]
    fields = ["slug", "label", "description", "labels", "descriptions", "category"]
    prepopulated_fields = {"slug": ["label"]}
    save_service = staticmethod(services.save_tag)
    delete_service = staticmethod(services.delete_tag)
    object_argument = "tag"

    def get_deleted_objects(self, objs, request):
        # A tag in use is not removed (services.delete_tag): the admin's confirmation page
        # lists why as "protected", and refuses the deletion.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        in_use = [refusal for refusal in map(services.tag_in_use, objs) if refusal]
        return deleted, counts, perms_needed, [*protected, *in_use]


class PersonAdmin(UserAdmin):
    """Django's user admin, except that how a person is named — shown on published work — is
    changed by `services.rename_person`, which journals it; the rest of the account
    (password, roles, flags) is saved as Django's admin saves it."""

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        names = {name: getattr(obj, name) for name in services.NAME_FIELDS}
        stored = User.objects.get(pk=obj.pk)
        for name in services.NAME_FIELDS:
            setattr(obj, name, getattr(stored, name))
        super().save_model(request, obj, form, change)
        services.rename_person(user=request.user, person=obj, **names)


admin.site.unregister(User)
admin.site.register(User, PersonAdmin)


@admin.register(TagPattern)
class TagPatternAdmin(SaveAndDeleteServicesMixin, AdminRoleMixin, admin.ModelAdmin):
    """The phrases that suggest each tag, per language (matched on lemmas)."""

    list_display = ["phrase", "tag", "language"]
    list_filter = ["language", "tag"]
    search_fields = ["phrase", "tag__slug", "tag__label"]
    fields = ["tag", "language", "phrase"]
    save_service = staticmethod(services.save_tag_pattern)
    delete_service = staticmethod(services.delete_tag_pattern)
    object_argument = "pattern"


@admin.register(CaptureAnalysis)
class CaptureAnalysisAdmin(ReadOnlyAdminMixin, AdminRoleMixin, admin.ModelAdmin):
    list_display = ["capture", "language", "method", "computed_at"]
    list_filter = ["language", "method"]
    raw_id_fields = ["capture"]


class AppearanceInline(admin.TabularInline):
    model = Appearance
    fields = ["capture", "start", "end", "quote", "anchor_status", "anchor_method", "anchor_score"]
    readonly_fields = ["anchor_status", "anchor_method", "anchor_score"]
    raw_id_fields = ["capture"]
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        # Stored appearances move only by re-anchoring; new ones are added here.
        return self.fields if obj is not None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        return False


class ReasonedChangeForm(forms.ModelForm):
    """An admin form for work that may be published: a change to published work needs a
    `reason` (the journal keeps it; the service refuses the change without one). A subclass
    names `published(instance)`, which says whether its instance is published work."""

    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reason_help = ""
    reason_missing = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = self.reason_help

    def clean(self):
        data = super().clean()
        changed = self.instance.pk and self.has_changed()
        published = changed and type(self).published(self.instance)
        if published and not data.get("reason", "").strip():
            self.add_error("reason", self.reason_missing)
        return data


class ClaimAdminForm(ReasonedChangeForm):
    reason_help = "Why a claim with a published assessment changes (kept in its history)."
    reason_missing = "This claim has a published assessment: say why it changes."

    class Meta:
        model = Claim
        fields = ["text", "language", "claimant"]

    published = staticmethod(services.is_published)


@admin.register(Claim)
class ClaimAdmin(WritesThroughServicesMixin, AdminRoleMixin, admin.ModelAdmin):
    form = ClaimAdminForm
    list_display = ["__str__", "language", "claimant", "created_by", "updated_at"]
    list_filter = ["language"]
    search_fields = ["text", "claimant", "appearances__quote"]
    fields = ["text", "language", "claimant"]
    inlines = [AppearanceInline]

    def get_queryset(self, request):
        return super().get_queryset(request).alive().select_related("created_by")

    def get_fields(self, request, obj=None):
        return [*self.fields, "reason"] if obj else self.fields

    def create(self, request, data):
        data.pop("reason", None)
        return services.create_claim(user=request.user, **data)

    def update(self, request, obj, data):
        # The stored claim, not the form's instance (which the form has already changed).
        services.update_claim(user=request.user, claim=Claim.objects.get(pk=obj.pk), **data)

    def save_inline_row(self, request, parent, data):
        return services.create_appearance(
            user=request.user,
            claim=parent,
            capture=data["capture"],
            start=data["start"],
            end=data["end"],
            quote=data["quote"],
        )[0]

    def delete(self, request, obj):
        # The admin's confirmation page asks for no reason; the journal says where it came from.
        services.delete_claim(
            user=request.user, claim=obj, reason="Removed by an administrator in the admin."
        )

    def get_deleted_objects(self, objs, request):
        # Removing a claim is soft: nothing cascades, so neither the admin's list of rows a
        # deletion would take with it nor its check of the right to delete them (anchorings
        # are read-only here) applies.
        objs = list(objs)
        return [str(obj) for obj in objs], {Claim._meta.verbose_name_plural: len(objs)}, set(), []


class EvidenceForm(forms.ModelForm):
    class Meta:
        model = Evidence
        fields = ["stance", "url", "capture", "quote", "document", "note"]

    def clean(self):
        data = super().clean()
        given = [name for name in ("url", "capture", "document") if data.get(name)]
        if len(given) != 1:
            raise ValidationError(
                gettext("Give exactly one of: a URL, an archived capture, a document.")
            )
        return data


class EvidenceInline(admin.StackedInline):
    model = Evidence
    form = EvidenceForm
    fields = ["stance", "url", "capture", "quote", "document", "note"]
    raw_id_fields = ["capture"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).alive()

    def has_change_permission(self, request, obj=None):
        # Stored evidence is not edited in place; remove it and add a corrected item.
        return False


class AnnotationAdminForm(ReasonedChangeForm):
    reason_help = "Why a published annotation changes (kept in its history)."
    reason_missing = "This annotation is published: say why it changes."
    # The version the form was rendered with: a change based on an older one would overwrite
    # someone else's, so it is refused.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Annotation
        fields = ["claim", "tags", "confidence", "verdict", "rationale"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        data = super().clean()
        if self.instance.pk is None:
            return data
        stored = Annotation.objects.values_list("version", flat=True).get(pk=self.instance.pk)
        if data.get("expected_version") != stored:
            raise ValidationError(
                gettext(
                    "Someone else changed this annotation since you opened it (it is now at "
                    "version %(version)d): reload the page and make your change again."
                )
                % {"version": stored}
            )
        return data

    @staticmethod
    def published(annotation: Annotation) -> bool:
        # Whether the table of transitions asks an edit from its status to say why.
        return transitions.needs_reason("edit", annotation.status)


@admin.register(Annotation)
class AnnotationAdmin(WritesThroughServicesMixin, AdminRoleMixin, admin.ModelAdmin):
    form = AnnotationAdminForm
    list_display = ["claim", "author", "status", "confidence", "verdict", "updated_at"]
    list_filter = ["status", "verdict", "tags"]
    search_fields = ["claim__text", "rationale", "author__username"]
    list_select_related = ["claim", "author"]
    raw_id_fields = ["claim"]
    filter_horizontal = ["tags"]
    readonly_fields = [
        "author",
        "status",
        "review_comment",
        "reviewed_by",
        "reviewed_at",
        "published_at",
        "version",
        "created_at",
        "updated_at",
    ]
    inlines = [EvidenceInline]
    actions = ["publish_selected", "return_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).alive()

    # An annotation the table of transitions lets nobody here edit (or delete) is read-only.
    def has_change_permission(self, request, obj=None):
        allowed = obj is None or transitions.allowed(request.user, obj, "edit")
        return allowed and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        allowed = obj is None or transitions.allowed(request.user, obj, "delete")
        return allowed and super().has_delete_permission(request, obj)

    def get_fields(self, request, obj=None):
        editable = ["claim", "tags", "confidence", "verdict", "rationale"]
        if obj is None:
            return editable
        reason = ["reason"] if transitions.needs_reason("edit", obj.status) else []
        return [*editable, *reason, "expected_version", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "claim"] if obj else []

    def create(self, request, data):
        data.pop("reason", None)
        data.pop("expected_version", None)
        return services.create_annotation(user=request.user, **data)

    def update(self, request, obj, data):
        # The stored annotation, not the form's instance (which the form has already changed),
        # changed from the version the form was rendered with.
        services.update_annotation(
            user=request.user, annotation=Annotation.objects.get(pk=obj.pk), **data
        )

    def save_inline_row(self, request, parent, data):
        return services.add_evidence(
            user=request.user,
            annotation=Annotation.objects.get(pk=parent.pk),
            stance=data["stance"],
            url=data["url"],
            capture=data["capture"],
            quote=data["quote"],
            document=data["document"],
            note=data["note"],
        )

    def delete_inline_row(self, request, obj):
        services.remove_evidence(user=request.user, evidence=obj)

    def delete(self, request, obj):
        services.delete_annotation(user=request.user, annotation=obj, expected_version=obj.version)

    @admin.action(description=gettext_lazy("Publish the selected submitted annotations"))
    def publish_selected(self, request, queryset):
        done = ngettext_lazy(
            "Published %(count)d annotation.", "Published %(count)d annotations.", "count"
        )
        _each(request, queryset, services.publish_annotation, done)

    @admin.action(description=gettext_lazy("Return the selected annotations to their authors"))
    def return_selected(self, request, queryset):
        done = ngettext_lazy(
            "Returned %(count)d annotation.", "Returned %(count)d annotations.", "count"
        )
        comment = "Returned by an administrator: please review and resubmit."
        _each(request, queryset, services.return_annotation, done, comment=comment)


def _each(request, annotations, step, done, **arguments) -> None:
    """Take the workflow `step` on each of `annotations` on its current version, reporting
    each refusal and then how many were `done` (a message with a %(count)d)."""
    count = 0
    for annotation in annotations:
        try:
            step(
                user=request.user,
                annotation=annotation,
                expected_version=annotation.version,
                **arguments,
            )
        except (PermissionDenied, ValidationError) as exc:
            _report(request, exc)
        else:
            count += 1
    if count:
        messages.success(request, done % {"count": count})


@admin.register(AppearanceAnchor)
class AppearanceAnchorAdmin(ReadOnlyAdminMixin, AdminRoleMixin, admin.ModelAdmin):
    """Where re-anchoring found each appearance in each new capture: history, read-only."""

    list_display = ["appearance", "capture", "status", "method", "score", "created_at"]
    list_filter = ["status", "method"]
    search_fields = ["quote", "appearance__quote", "appearance__claim__text"]
    list_select_related = ["appearance__claim", "capture__article"]
    fields = ["appearance", "capture", "start", "end", "quote", "method", "score", "status"]
    readonly_fields = fields
