"""The signed-in person's own page: "Your name"."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.people import NAME_MAX_LENGTH
from annotations.services import set_name


class NameForm(forms.Form):
    first_name = forms.CharField(
        label=gettext_lazy("First name"), max_length=NAME_MAX_LENGTH, required=False
    )
    last_name = forms.CharField(
        label=gettext_lazy("Last name"), max_length=NAME_MAX_LENGTH, required=False
    )


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
    return render(request, "accounts/your_name.html", {"form": form})
