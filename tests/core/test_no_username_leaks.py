"""Public responses carry display names only; trainee login names are not built from phone numbers."""

import importlib

import pytest
from django.apps import apps

from coaching.models import Trainee
from core.models import User
from livestreams.models import LiveSession
from tests import factories

pytestmark = pytest.mark.django_db


def test_anonymous_session_list_and_page_show_no_usernames(anon_client, union, organizer):
    named = factories.make_user(username="login_wang", role="host", display_name="王主席")
    unnamed = factories.make_user(username="login_secret", role="host", display_name="")
    session = factories.make_session(
        union=union, status=LiveSession.Status.SCHEDULED, hosts=[named, unnamed], created_by=organizer
    )

    listing = anon_client.get("/api/v1/sessions/")
    page = anon_client.get(f"/s/{session.pk}/")

    assert listing.status_code == 200 and page.status_code == 200
    for body in (listing.content.decode(), page.content.decode()):
        assert "王主席" in body
        assert "login_wang" not in body and "login_secret" not in body
    (row,) = [s for s in listing.json()["results"] if s["id"] == str(session.pk)]
    assert {h["name"] for h in row["hosts"]} == {"王主席", "主播"} and all(
        "username" not in h for h in row["hosts"]
    )


def test_signup_username_is_not_the_phone_number(anon_client):
    from tests.coaching import factories as cf

    slot = cf.make_slot(
        program=cf.make_program(
            union=factories.make_union("某工会"), organizer=factories.make_user(role="organizer")
        ),
        coach=cf.make_coach(union=factories.make_union("另一工会"), username="coach1"),
    )
    response = anon_client.post(
        "/api/v1/coaching/signup/",
        {"slot": str(slot.pk), "name": "李梅", "phone": "138 1234 5678"},
        format="json",
    )

    assert response.status_code == 201, response.content
    user = Trainee.objects.get().user
    assert "12345678" not in user.username and "1381234" not in user.username


def test_migration_renames_phone_usernames(db):
    user = factories.make_user(username="m13812345678", role="trainee", display_name="老用户")
    Trainee.objects.create(user=user, phone="+8613812345678")
    keep = factories.make_user(username="m_chosen", role="trainee")
    Trainee.objects.create(user=keep, phone="+8613912345678")
    migration = importlib.import_module("coaching.migrations.0003_fix_trainee_usernames")

    migration.forwards(apps, None)

    renamed = User.objects.get(pk=user.pk).username
    assert renamed.startswith("t-") and "138" not in renamed
    assert User.objects.get(pk=keep.pk).username == "m_chosen"
