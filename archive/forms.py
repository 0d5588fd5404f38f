"""The add-article form: web addresses, uploaded files (every kind the archive command reads)
or pasted text."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from .imports import check_upload_name, import_limit, too_large_message, url_inputs
from .ingest.readers import SUPPORTED_SUFFIXES
from .models import Source, language_name


def web_address_field(label: str, help_text: str) -> forms.URLField:
    """An optional http(s) address of a page on the web."""
    return forms.URLField(
        label=label,
        required=False,
        max_length=2000,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=help_text,
    )


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; cleaned to a list (empty when none was given)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class ArticleAddForm(forms.Form):
    """Web addresses or files, archived by an import job; or pasted text, archived at once."""

    urls = forms.CharField(
        label="Web addresses",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One or more http(s) addresses, one per line; each page is fetched and its "
        "main text archived.",
    )
    file = MultipleFileField(
        label="Files",
        required=False,
        help_text=f"One or more files: {', '.join(SUPPORTED_SUFFIXES)} — a .txt file's first "
        "line is its title; a WARC or JSON Lines file holds many articles.",
    )
    title = forms.CharField(
        label="Title", required=False, max_length=1000, help_text="Needed with pasted text."
    )
    text = forms.CharField(label="Text", required=False, widget=forms.Textarea(attrs={"rows": 12}))
    source = forms.ModelChoiceField(
        label="Source",
        queryset=Source.objects.all(),
        required=False,
        empty_label="Recognise it from the web address",
    )
    language = forms.ChoiceField(label="Language", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", "Detect it from the text")] + [
            (code, language_name(code)) for code in settings.CLAIMDESK_LANGUAGES
        ]
        self.fields["file"].widget.attrs["accept"] = ",".join(SUPPORTED_SUFFIXES)

    def clean_urls(self):
        lines = [line.strip() for line in self.cleaned_data.get("urls", "").splitlines()]
        lines = [line for line in lines if line]
        if not lines:
            return []
        try:
            return url_inputs(lines)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["urls"]) from None

    def clean_file(self):
        uploads = self.cleaned_data.get("file") or []
        for upload in uploads:
            try:
                check_upload_name(upload.name)
            except ValidationError as exc:
                raise ValidationError(exc.message_dict["file"]) from None
            if upload.size > import_limit():
                raise ValidationError(too_large_message(upload.name))
        return uploads

    def clean(self):
        data = super().clean()
        given = [name for name in ("urls", "file", "text") if data.get(name)]
        if len(given) != 1 and not self.errors:
            raise forms.ValidationError(
                "Give one of: web addresses, files, or pasted text (with its title)."
            )
        if data.get("text") and not data.get("title"):
            self.add_error("title", "Pasted text needs a title.")
        return data
