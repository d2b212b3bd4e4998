"""Scripts and snippets in the database: samples, selectors, services and the manager pages."""

from __future__ import annotations

import datetime as dt

import pytest

from recoup.accounts.models import Role, User
from recoup.activities import tone
from recoup.audit.models import AuditEvent
from recoup.playbook import rendering, selectors, services
from recoup.playbook.models import CallScript, Snippet
from recoup.worklist.rules import OBJECTIVES

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
FULL = dict(rendering.SAMPLE_VARIABLES)
EMPTY = {name: "" for name in rendering.VARIABLES}


def _user(email: str, role: str) -> User:
    return User.objects.create_user(email=email, password="correct horse battery staple", role=role)


@pytest.fixture
def manager() -> User:
    return _user("max@example.com", Role.MANAGER)


@pytest.fixture
def collector() -> User:
    return _user("ann@example.com", Role.COLLECTOR)


# --- the samples of the data migration ----------------------------------------------------------


def test_every_objective_has_an_english_sample_script() -> None:
    assert set(CallScript.objects.filter(language="en").values_list("objective", flat=True)) == set(OBJECTIVES)
    assert Snippet.objects.filter(language="en").count() >= 5


@pytest.mark.parametrize("objective", sorted(OBJECTIVES))
def test_sample_scripts_render_with_full_and_empty_variables_and_pass_the_tone_check(objective: str) -> None:
    script = selectors.render_script(objective, FULL)
    assert script.error == "" and script.text
    assert "Northwind Traders" in script.text or "Jane Miller" in script.text
    assert tone.check(script.text) == [], [(f.category, f.phrase) for f in tone.check(script.text)]
    assert tone.check(CallScript.objects.get(objective=objective, language="en").body) == []
    bare = selectors.render_script(objective, EMPTY)
    assert bare.error == "" and bare.text


def test_sample_snippets_render_and_pass_the_tone_check() -> None:
    rendered = selectors.render_snippets(FULL)
    assert len(rendered) >= 5
    for snippet in rendered:
        assert snippet.error == "" and snippet.text
        assert tone.check(snippet.text) == [], (snippet.title, [(f.category, f.phrase) for f in tone.check(snippet.text)])
    assert all(s.error == "" for s in selectors.render_snippets(EMPTY))


def test_samples_use_the_variables() -> None:
    bodies = " ".join(CallScript.objects.values_list("body", flat=True))
    for name in (
        "customer_name",
        "contact_name",
        "collector_name",
        "company_name",
        "overdue_amount",
        "invoice_refs",
        "promised_date",
        "promised_amount",
        "instalment_due_date",
        "instalment_amount",
        "dispute_reason",
        "max_discount_percent",
        "max_instalments",
    ):
        assert name in bodies, name


# --- selectors ------------------------------------------------------------------------------------


def test_script_for_falls_back_to_english(manager: User) -> None:
    services.save_script(
        actor=manager,
        objective="secure_date",
        language="de",
        title="Zahlungstermin",
        body="Guten Tag {{ contact_name }}",
        now=NOW,
    )
    assert selectors.script_for("secure_date", "de").title == "Zahlungstermin"
    assert selectors.script_for("secure_date", "de-CH").title == "Zahlungstermin"
    assert selectors.script_for("secure_date", "fr").language == "en"
    assert selectors.script_for("no_such_objective") is None


def test_company_name_comes_from_settings(settings) -> None:
    settings.RECOUP_COMPANY_NAME = "Example Supplies Ltd"
    assert "Example Supplies Ltd" in selectors.render_script("promise_due", {**EMPTY}).text
    del settings.RECOUP_COMPANY_NAME
    assert "our company" in selectors.render_script("promise_due", {}).text


def test_a_broken_script_gives_its_error_not_an_exception() -> None:
    CallScript.objects.filter(objective="preventive").update(body="{{ customer_name.__class__ }}")
    rendered = selectors.render_script("preventive", FULL)
    assert rendered.text == "" and "attribute" in rendered.error
    CallScript.objects.filter(objective="preventive").update(body="{{ 1/0 }}")
    assert selectors.render_script("preventive", FULL).error
    CallScript.objects.filter(objective="preventive").delete()
    assert "no call script" in selectors.render_script("preventive", FULL).error


def test_snippets_in_order_and_language_fallback(manager: User) -> None:
    titles = [s.title for s in selectors.snippets("en")]
    positions = [s.position for s in selectors.snippets("en")]
    assert positions == sorted(positions) and "The invoice is wrong" in titles
    assert [s.title for s in selectors.snippets("nl")] == titles


# --- services -------------------------------------------------------------------------------------


def test_save_script_writes_an_audit_event(manager: User) -> None:
    script = CallScript.objects.get(objective="secure_date", language="en")
    old_body = script.body
    services.save_script(
        actor=manager,
        objective="secure_date",
        language="en",
        title="Secure a date",
        body="Hello {{ contact_name }}",
        script=script,
        now=NOW,
    )
    script.refresh_from_db()
    assert script.body == "Hello {{ contact_name }}" and script.updated_by == manager and script.updated_at == NOW
    event = AuditEvent.objects.get(action="playbook.script.update")
    assert event.before["body"] == old_body and event.after["body"] == "Hello {{ contact_name }}"
    assert event.actor == manager and event.object_id == script.pk


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("{{ ''.__class__.__mro__ }}", "attribute access"),
        ("Hello {{ custmer_name }}", "custmer_name"),
        ("Hello\n{% if x %}", "Line 2"),
        ("x" * (rendering.MAX_TEMPLATE_CHARS + 1), "limit"),
    ],
)
def test_saving_an_invalid_template_refuses_and_changes_nothing(manager: User, body: str, fragment: str) -> None:
    script = CallScript.objects.get(objective="secure_date", language="en")
    before = (script.title, script.body, script.updated_at)
    events = AuditEvent.objects.count()
    with pytest.raises(services.PlaybookError) as caught:
        services.save_script(
            actor=manager, objective="secure_date", language="en", title="New", body=body, script=script, now=NOW
        )
    assert any(fragment in p for p in caught.value.problems), caught.value.problems
    script.refresh_from_db()
    assert (script.title, script.body, script.updated_at) == before
    assert AuditEvent.objects.count() == events
    with pytest.raises(services.PlaybookError):
        services.save_snippet(actor=manager, title="New one", language="en", body=body, now=NOW)
    assert not Snippet.objects.filter(title="New one").exists()


def test_save_refuses_duplicates_and_bad_languages(manager: User) -> None:
    with pytest.raises(services.PlaybookError, match="already a script"):
        services.save_script(actor=manager, objective="secure_date", language="en", title="T", body="x", now=NOW)
    with pytest.raises(services.PlaybookError, match="language tag"):
        services.save_snippet(actor=manager, title="T", language="English", body="x", now=NOW)
    with pytest.raises(services.PlaybookError, match="Unknown objective"):
        services.save_script(actor=manager, objective="nope", language="en", title="T", body="x", now=NOW)


def test_save_and_delete_snippet(manager: User) -> None:
    snippet = services.save_snippet(
        actor=manager, title="We changed banks", language="en", body="Thank you, {{ contact_name }}.", position=5, now=NOW
    )
    assert AuditEvent.objects.filter(action="playbook.snippet.create", object_id=snippet.pk).exists()
    assert selectors.snippets()[0].title == "We changed banks"
    services.delete_snippet(actor=manager, snippet=snippet, now=NOW)
    assert not Snippet.objects.filter(title="We changed banks").exists()
    assert AuditEvent.objects.filter(action="playbook.snippet.delete").exists()


# --- pages ----------------------------------------------------------------------------------------


def test_pages_are_manager_only(client, collector: User) -> None:
    client.force_login(collector)
    script = CallScript.objects.first()
    snippet = Snippet.objects.first()
    for url in (
        "/playbook/",
        "/playbook/scripts/new/",
        f"/playbook/scripts/{script.pk}/",
        "/playbook/snippets/new/",
        f"/playbook/snippets/{snippet.pk}/",
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(
        f"/playbook/scripts/{script.pk}/",
        {"objective": script.objective, "language": "en", "title": "Hacked", "body": "x", "save": "1"},
    )
    assert response.status_code == 403
    assert client.post(f"/playbook/snippets/{snippet.pk}/delete/").status_code == 403
    script.refresh_from_db()
    assert script.title != "Hacked" and Snippet.objects.filter(pk=snippet.pk).exists()


def test_pages_need_a_login(client) -> None:
    assert client.get("/playbook/").status_code in (302, 403)


def test_manager_lists_edits_and_previews(client, manager: User) -> None:
    client.force_login(manager)
    page = client.get("/playbook/").content.decode()
    assert "Secure a payment date" in page and "The invoice is wrong" in page
    script = CallScript.objects.get(objective="promise_due", language="en")
    page = client.get(f"/playbook/scripts/{script.pk}/").content.decode()
    assert "Preview with sample values" in page and "Jane Miller" in page and "customer_name" in page

    data = {
        "objective": "promise_due",
        "language": "en",
        "title": "Today's payment",
        "body": "We will sue you, {{ contact_name }}!!",
        "preview": "1",
    }
    page = client.post(f"/playbook/scripts/{script.pk}/", data).content.decode()
    assert "We will sue you, Jane Miller" in page and "threatening" in page
    script.refresh_from_db()
    assert script.title != "Today's payment"

    data.pop("preview")
    data.update(body="Hello {{ contact_name }}, about {{ invoice_refs|join(', ') }}.", save="1")
    response = client.post(f"/playbook/scripts/{script.pk}/", data)
    assert response.status_code == 302
    script.refresh_from_db()
    assert script.title == "Today's payment" and script.updated_by == manager


def test_invalid_template_is_shown_with_its_problems_and_not_saved(client, manager: User) -> None:
    client.force_login(manager)
    script = CallScript.objects.get(objective="preventive", language="en")
    body = script.body
    data = {
        "objective": "preventive",
        "language": "en",
        "title": "X",
        "body": "Hi {{ cycler.__init__.__globals__ }}",
        "save": "1",
    }
    response = client.post(f"/playbook/scripts/{script.pk}/", data)
    assert response.status_code == 200
    assert "cannot be used in scripts" in response.content.decode()
    script.refresh_from_db()
    assert script.body == body


def test_new_script_and_snippet_pages(client, manager: User) -> None:
    client.force_login(manager)
    assert client.get("/playbook/scripts/new/?objective=secure_date").status_code == 200
    response = client.post(
        "/playbook/scripts/new/",
        {"objective": "secure_date", "language": "fr", "title": "Date", "body": "Bonjour {{ contact_name }}", "save": "1"},
    )
    assert response.status_code == 302 and CallScript.objects.filter(language="fr").exists()
    response = client.post(
        "/playbook/snippets/new/",
        {"title": "Too expensive", "language": "en", "position": 99, "body": "I understand. {{ customer_name }}", "save": "1"},
    )
    assert response.status_code == 302 and Snippet.objects.filter(title="Too expensive").exists()
    snippet = Snippet.objects.get(title="Too expensive")
    assert client.get(f"/playbook/snippets/{snippet.pk}/").status_code == 200
    assert client.post(f"/playbook/snippets/{snippet.pk}/delete/").status_code == 302
    assert not Snippet.objects.filter(title="Too expensive").exists()
