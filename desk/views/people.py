"""The signed-in person's own page: "Your name", and how they are told of notifications."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.people import NAME_MAX_LENGTH
from annotations.services import set_name
from notifications.mail import preference_of
from notifications.models import Delivery
from notifications.services import set_preferences


class NameForm(forms.Form):
    first_name = forms.CharField(
        label=gettext_lazy("First name"), max_length=NAME_MAX_LENGTH, required=False
    )
    last_name = forms.CharField(
        label=gettext_lazy("Last name"), max_length=NAME_MAX_LENGTH, required=False
    )


class NotificationsForm(forms.Form):
    email = forms.ChoiceField(
        label=gettext_lazy("Mail me my notifications"),
        choices=Delivery.choices,
        widget=forms.RadioSelect,
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the mails"), choices=settings.LANGUAGES
    )


def _notifications_form(request: HttpRequest, data=None) -> NotificationsForm:
    preference = preference_of(request.user)
    # Until the person chooses, the mails' language offered is the one they are reading in.
    chosen = not preference._state.adding
    language = preference.language if chosen else request.LANGUAGE_CODE
    return NotificationsForm(data, initial={"email": preference.email, "language": language})


@login_required
def your_name(request: HttpRequest) -> HttpResponse:
    """Show and set the name the newsroom and published fact-checks credit the user with."""
    user = request.user
    form = NameForm(
        request.POST or None, initial={"first_name": user.first_name, "last_name": user.last_name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            set_name(user=user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("Your name is saved."))
            return redirect("your-name")
    return render(
        request,
        "accounts/your_name.html",
        {"form": form, "notifications_form": _notifications_form(request)},
    )


@login_required
@require_POST
def notification_preferences(request: HttpRequest) -> HttpResponse:
    """Set when the user is mailed their notifications, and in which language."""
    form = _notifications_form(request, request.POST)
    if form.is_valid():
        set_preferences(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your notification settings are saved."))
        return redirect(reverse("your-name") + "#notifications")
    return render(
        request,
        "accounts/your_name.html",
        {
            "form": NameForm(
                initial={"first_name": request.user.first_name, "last_name": request.user.last_name}
            ),
            "notifications_form": form,
        },
        status=400,
    )
