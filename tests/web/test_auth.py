from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from recoup.accounts.models import User

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_password_is_stored_with_argon2(user):
    user.refresh_from_db()
    assert user.password.startswith("argon2")


def test_login_with_email_and_password(client, user):
    response = client.post(reverse("login"), {"username": "cara@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("customer-list")).status_code == 200


def test_login_page_renders_email_field(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'type="email"' in response.content
    assert b'name="username"' in response.content


def test_wrong_password_is_refused(client, user):
    response = client.post(reverse("login"), {"username": "cara@example.com", "password": "not the password"})
    assert response.status_code == 200
    assert b"Please enter a correct" in response.content
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_login(client, user):
    for _ in range(5):
        client.post(reverse("login"), {"username": "cara@example.com", "password": "wrong password!"})
    # Even the right password is refused while locked out.
    response = client.post(reverse("login"), {"username": "cara@example.com", "password": PASSWORD})
    assert response.status_code == 429
    assert "web/locked_out.html" in [t.name for t in response.templates]
    assert b"Too many failed log-in attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_four_failures_do_not_lock(client, user):
    for _ in range(4):
        client.post(reverse("login"), {"username": "cara@example.com", "password": "wrong password!"})
    response = client.post(reverse("login"), {"username": "cara@example.com", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize("path", ["/customers/", "/customers/1/", "/"])
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    if path == "/customers/":
        assert response["Location"] == "/login/?next=/customers/"


def test_a_callers_start_page_is_todays_calls_and_a_managers_the_customers(client, user):
    client.force_login(user)  # a collector
    assert client.get("/")["Location"] == reverse("worklist")
    user.role = "manager"
    user.save()
    assert client.get("/")["Location"] == reverse("customer-list")


def test_healthz_is_public(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_logout_needs_post(client_in):
    assert client_in.get(reverse("logout")).status_code == 405
    assert "_auth_user_id" in client_in.session
    response = client_in.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client_in.session


def test_login_form_enforces_csrf(user):
    client = Client(enforce_csrf_checks=True)
    forged = client.post(reverse("login"), {"username": "cara@example.com", "password": PASSWORD})
    assert forged.status_code == 403
    assert "_auth_user_id" not in client.session

    page = client.get(reverse("login"))
    token = page.context["csrf_token"]
    response = client.post(
        reverse("login"), {"username": "cara@example.com", "password": PASSWORD, "csrfmiddlewaretoken": str(token)}
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_logout_enforces_csrf(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(reverse("logout")).status_code == 403
    assert "_auth_user_id" in client.session


def test_base_layout_shows_user_role_and_logout(client_in):
    response = client_in.get(reverse("customer-list"))
    html = response.content.decode()
    assert "Cara Collector" in html
    assert "Collector" in html
    assert f'action="{reverse("logout")}"' in html
    assert 'href="#main"' in html
    assert "htmx" in html
    # No staff, no admin link.
    assert 'href="/admin/"' not in html


def test_staff_see_the_admin_link(client):
    staff = User.objects.create_user(email="sam@example.com", password=PASSWORD, is_staff=True)
    client.force_login(staff)
    assert 'href="/admin/"' in client.get(reverse("customer-list")).content.decode()


def test_failures_are_recorded_against_the_email(client, user):
    from axes.models import AccessAttempt

    client.post(reverse("login"), {"username": "cara@example.com", "password": "wrong password!"})
    assert AccessAttempt.objects.get().username == "cara@example.com"


def test_admin_login_is_throttled_too(client):
    User.objects.create_superuser(email="root@example.com", password=PASSWORD)
    for _ in range(5):
        client.post("/admin/login/", {"username": "root@example.com", "password": "wrong password!"})
    response = client.post("/admin/login/", {"username": "root@example.com", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_admin_login_works(client):
    User.objects.create_superuser(email="root@example.com", password=PASSWORD)
    response = client.post("/admin/login/?next=/admin/", {"username": "root@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
