"""People log in on a page of the site (not the admin) and land where their role works."""

import pytest
from django.test import Client

from tests import factories
from tests.coaching import factories as cf
from tests.jobs.factories import HUAWEI, make_employer

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def _login(client: Client, username: str, password: str = "pw-123456", **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra}, follow=True)


def test_login_page_renders_a_form(client):
    html = client.get(LOGIN).content.decode()

    assert 'name="username"' in html and 'name="password"' in html and "登录" in html


def test_wrong_password_says_so_and_does_not_log_in(client, organizer):
    response = _login(client, organizer.username, "wrong-password")

    assert response.status_code == 400
    assert "用户名或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_each_role_lands_on_its_own_page(union, organizer):
    employer = make_employer(name="恒芯电子", credit_code=HUAWEI, username="emp_login")
    coach = cf.make_coach(union=union, username="coach_login")
    trainee = cf.make_trainee(username="trainee_login")
    cases = {
        organizer.username: "/organizer/",
        employer.memberships.get().user.username: "/jobs/employer/",
        coach.user.username: "/coaching/coach/",
        trainee.user.username: "/coaching/me/",
    }
    for username, landing in cases.items():
        client = Client()
        response = _login(client, username)
        assert response.redirect_chain[-1][0] == landing, username
        assert response.status_code == 200, username
        assert 'data-testid="logout"' in response.content.decode()


def test_next_is_kept_and_foreign_next_is_ignored(client, organizer):
    kept = _login(client, organizer.username, next="/calendar/settings/")
    assert kept.redirect_chain[-1][0] == "/calendar/settings/"

    other = Client()
    foreign = _login(other, organizer.username, next="https://evil.example.com/")
    assert foreign.redirect_chain[0][0] == "/accounts/home/"


def test_logout_is_a_post_and_ends_the_session(client, organizer):
    _login(client, organizer.username)

    response = client.post("/accounts/logout/", follow=True)

    assert response.redirect_chain[-1][0] == "/"
    assert "_auth_user_id" not in client.session
    assert 'data-testid="login"' in response.content.decode()


def test_pages_that_need_an_account_send_anonymous_visitors_to_the_login_page(client):
    response = client.get("/jobs/employer/", follow=True)

    assert response.redirect_chain[0][0] == f"{LOGIN}?next=/jobs/employer/"
    assert response.status_code == 200 and 'name="password"' in response.content.decode()


def test_account_home_needs_a_login(client):
    user = factories.make_user(username="no_role")
    assert client.get("/accounts/home/").status_code == 302
    client.force_login(user)
    assert client.get("/accounts/home/")["Location"] == "/"


def test_login_page_in_english(client):
    html = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Log in" in html and "Username" in html and "登录" not in html


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_trainee_logs_in_on_a_phone_and_sees_their_bookings(phone_page, live_server):
    from playwright.sync_api import expect

    trainee = cf.make_trainee(username="phone_login")

    phone_page.goto(f"{live_server.url}/coaching/me/")
    phone_page.fill("#id_username", "phone_login")
    phone_page.fill("#id_password", "pw-123456")
    phone_page.get_by_test_id("login-submit").click()

    phone_page.wait_for_url("**/coaching/me/")
    expect(phone_page.get_by_test_id("account-home")).to_have_text(trainee.user.name)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    phone_page.get_by_test_id("logout").click()
    expect(phone_page.get_by_test_id("login")).to_be_visible()
