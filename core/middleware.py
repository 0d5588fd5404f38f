"""Middleware: the API answers in English whatever language the browser asks for."""

from django.utils import translation


class APIInEnglishMiddleware:
    """Keep /api/ payloads (DRF's own messages included) in English: they are read by programs,
    and a field's or an error's wording must not change with the client's Accept-Language.
    Runs after LocaleMiddleware, which has activated the browser's language by then."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/api/"):
            translation.activate("en")
            request.LANGUAGE_CODE = "en"
        return self.get_response(request)
