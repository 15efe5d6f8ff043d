"""Forms of the account pages; the rules themselves live in users.py."""

from __future__ import annotations

from django import forms

from .tokens import NAME_MAX_CHARS


class NewUserForm(forms.Form):
    username = forms.CharField(label="User name", max_length=150)
    password = forms.CharField(
        label="Password",
        widget=forms.PasswordInput,
        strip=False,
        help_text="At least 10 characters, not a common one.",
    )
    password2 = forms.CharField(label="Password again", widget=forms.PasswordInput, strip=False)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


class AddUserForm(NewUserForm):
    admin = forms.BooleanField(label="Administrator", required=False)


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=NAME_MAX_CHARS, help_text="What uses it, e.g. “phone backup”."
    )
