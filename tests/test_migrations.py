"""The models and the migrations agree: no change is waiting for `makemigrations`."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_migrations_are_pending():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:
        pytest.fail(f"models changed without a migration:\n{out.getvalue()} ({exit_})")
