"""The add-article form: a URL, an uploaded file or pasted text."""

from django import forms
from django.conf import settings
from django.core.validators import URLValidator

from .ingest.documents import size_limit, too_large
from .ingest.readers import HTML_SUFFIXES, TEXT_SUFFIXES
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


class ArticleAddForm(forms.Form):
    """One article from a URL, an uploaded .txt/.html file, or pasted text."""

    url = web_address_field("Web address", "The page is fetched now and its main text archived.")
    file = forms.FileField(
        label="File",
        required=False,
        help_text="A .txt file (first line the title) or a .html page.",
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

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload:
            return upload
        if not upload.name.lower().endswith(TEXT_SUFFIXES + HTML_SUFFIXES):
            raise forms.ValidationError(f"“{upload.name}” is neither a .txt nor a .html file.")
        if upload.size > size_limit():
            raise forms.ValidationError(f"“{upload.name}”: {too_large('the file')}.")
        return upload

    def clean(self):
        data = super().clean()
        given = [name for name in ("url", "file", "text") if data.get(name)]
        if len(given) != 1 and not self.errors:
            raise forms.ValidationError(
                "Give exactly one of: a web address, a file, or pasted text."
            )
        if data.get("text") and not data.get("title"):
            self.add_error("title", "Pasted text needs a title.")
        return data
