"""A source's watches on its admin page: listed read-only with how each is doing, and a link to
the Watches page, where editors add, pause and remove them (through `watching.services`)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy

from archive.admin import SourceAdmin
from archive.models import Source


class SourceWithWatchesAdmin(SourceAdmin):
    readonly_fields = [*SourceAdmin.readonly_fields, "watches"]

    @admin.display(description=gettext_lazy("watches"))
    def watches(self, obj: Source):
        if not obj.pk:
            return "—"
        page = reverse("annotations:watch-list")
        add = format_html(
            '<a href="{}?source={}#add-watch">{}</a>',
            page,
            obj.slug,
            gettext_lazy("Watch a feed of this source"),
        )
        rows = format_html_join(
            "",
            '<li><a href="{}#watch-{}">{}</a> ({}, {}){}</li>',
            (
                (
                    page,
                    watch.pk,
                    watch.url,
                    watch.get_kind_display(),
                    gettext_lazy("active") if watch.active else gettext_lazy("paused"),
                    format_html(" — {}", watch.last_error) if watch.last_error else "",
                )
                for watch in obj.watches.order_by("url")
            ),
        )
        return format_html("<ul>{}</ul>{}", rows, add) if rows else add


admin.site.unregister(Source)
admin.site.register(Source, SourceWithWatchesAdmin)
