"""Sample English call scripts for the six objectives and objection snippets.

Written to be firm but courteous (they pass recoup.activities.tone; a test checks it) and to
show the variables managers may use. Managers edit them on the Playbook pages.
"""

from django.db import migrations
from django.utils import timezone

GREETING = 'Hello {{ contact_name|default("there") }}, this is {{ collector_name }} from {{ company_name }}.'
INVOICES = '{% if invoice_refs %}{{ invoice_refs|join(", ") }}{% else %}the open invoices{% endif %}'

SCRIPTS = [
    (
        "secure_date",
        "Secure a payment date",
        GREETING
        + """ Is now a good moment to talk about the account of {{ customer_name }}?

I'm calling about """
        + INVOICES
        + """: {{ overdue_amount }} is overdue{% if days_overdue and days_overdue != "0" %}, the oldest item by {{ days_overdue }} days{% if oldest_due_date %} (due {{ oldest_due_date }}){% endif %}{% endif %}.

- Can you confirm you have received the invoices and that nothing is holding up approval?
- When can we expect the payment? Let's agree on a date and the amount.
- Will it be paid in one payment, or in parts on different dates?

If the customer gives a date: repeat the amount, the date and the invoices, and say you will confirm them by e-mail today.
If paying in full is difficult: {% if max_instalments and max_instalments != "0" %}you may offer a plan of up to {{ max_instalments }} instalments{% else %}ask what they could pay and when{% endif %}{% if max_discount_percent and max_discount_percent != "0" %}; for payment within a few days you may offer a discount of up to {{ max_discount_percent }}%{% endif %}. Anything beyond that needs a senior's approval: say you will ask and call back.

Thank the customer for their time.""",
    ),
    (
        "broken_promise",
        "Follow up the missed payment date",
        GREETING
        + """

When we last spoke, {{ customer_name }} planned to pay {{ promised_amount|default("the agreed amount") }} by {{ promised_date|default("the agreed date") }}{% if invoice_refs %} for {{ invoice_refs|join(", ") }}{% endif %}. We have not received that payment yet{% if overdue_amount %}, and {{ overdue_amount }} is now overdue{% endif %}.

- Has the payment been sent? If so, ask for the date, the amount and the payment reference so we can trace it.
- If not: what got in the way, and what has changed since we agreed the date?
- Agree on a new date you both believe in, with a first part-payment if that helps.

Keep to the facts: what was agreed and what happened. Confirm the new date by e-mail today. If a date has been missed before, tell the customer you will review the account with a senior colleague and call back.""",
    ),
    (
        "plan_instalment",
        "Confirm the next instalment",
        GREETING
        + """ I'm calling about the payment plan for {{ customer_name }}.

The next instalment of {{ instalment_amount|default("the agreed amount") }} is due on {{ instalment_due_date|default("the agreed date") }}. I would like to check that everything is on track.

- Is the instalment scheduled? On which date will it leave your account?
- Has anything changed that could affect the remaining instalments?
- Do you have what you need from us: the plan schedule, a statement, our bank details?

If the customer expects a problem: ask how much can be paid on the due date and when the rest will follow. Changes to the plan need a senior's approval: say you will ask and confirm in writing.""",
    ),
    (
        "promise_due",
        "Confirm today's payment",
        GREETING
        + """

Thank you for arranging the payment of {{ promised_amount|default("the agreed amount") }}{% if invoice_refs %} for {{ invoice_refs|join(", ") }}{% endif %}, planned for {{ promised_date|default("today") }}. I'm calling to confirm that it is on its way.

- Has the payment been released? May I have the payment reference and the amount?
- If it is delayed: what is the new date, and is the amount the same?

Thank the customer, repeat what was agreed and say you will look out for the payment.""",
    ),
    (
        "dispute_blocker",
        "Resolve the query holding up payment",
        GREETING
        + """

I'm calling about the query on """
        + INVOICES
        + """{% if dispute_reason %} ({{ dispute_reason }}){% endif %}. I would like to understand it fully so that we can resolve it quickly.

- What exactly is wrong, and which invoice lines or deliveries does it concern?
- Which documents would help: proof of delivery, a corrected invoice, a copy of the order?
- Who on your side can confirm once it is resolved?
- Can the items that are not in question{% if overdue_amount %} ({{ overdue_amount }}){% endif %} go ahead for payment in the meantime?

Do not offer credits or write-offs on the call: record the facts, tell the customer who owns the case and when they will hear back.""",
    ),
    (
        "preventive",
        "Courtesy call before the due date",
        GREETING
        + """ A quick courtesy call about the account of {{ customer_name }}.

I'm calling about """
        + INVOICES
        + """{% if oldest_due_date %}, with the first due date on {{ oldest_due_date }}{% endif %}. The open balance is {{ open_amount }}.

- Have you received the invoices, and are they approved for payment?
- Is anything missing that could delay payment: a purchase order number, a delivery note, our bank details?
- Can you tell me the date they are scheduled to be paid?

Thank the customer; if anything is missing, send it today and note the scheduled date.""",
    ),
]

SNIPPETS = [
    (
        "The invoice is wrong",
        """Thank you for telling me. Let's make sure we correct the right thing: which invoice is it{% if invoice_refs %} ({{ invoice_refs|join(", ") }}){% endif %}, and what exactly is wrong: price, quantity, delivery or reference?
I will open a query with those details, tell you who is handling it and confirm by e-mail today. Meanwhile, can the invoices that are not affected go ahead for payment?""",
    ),
    (
        "We never received it",
        """I'm sorry it did not reach you. Let me check the address we send invoices to. I will e-mail a copy of """
        + INVOICES
        + """ straight after this call. Once you have it, when could it be approved and scheduled for payment?""",
    ),
    (
        "Cash flow is tight",
        """I understand, and thank you for being open about it. Let's find something that works for both sides.
{% if max_instalments and max_instalments != "0" %}I can offer to split the overdue amount of {{ overdue_amount }} into up to {{ max_instalments }} instalments.{% else %}I can take a proposal for a payment plan to my senior colleague.{% endif %}
How much could you pay now, and on which dates could the rest follow?""",
    ),
    (
        "Call me next month",
        """Of course, I can call back then. So that the call is useful for both of us: is the payment for """
        + INVOICES
        + """ planned for next month, and on which date? I can note that date now and only call again if the payment has not arrived.""",
    ),
    (
        "Send it by email",
        """Happy to. Which e-mail address should I use? I will send a statement and copies of """
        + INVOICES
        + """ today. When will you have a chance to look at them? I'll note that date and follow up with you then.""",
    ),
    (
        "We already paid",
        """Thank you, that helps. So that I can match it quickly: on which date was it paid, what amount, and which reference or invoice numbers were on the payment? If you can e-mail the remittance advice, I will check it with our cash application team today and come back to you.""",
    ),
    (
        "The person who approves payments is away",
        """Thank you for letting me know. Who approves payments while they are away, and could you put me in touch? If nobody can approve before they return, on which date are they back, and can the payment be scheduled for that day?""",
    ),
]


def add_samples(apps, schema_editor):
    CallScript = apps.get_model("playbook", "CallScript")
    Snippet = apps.get_model("playbook", "Snippet")
    now = timezone.now()
    for objective, title, body in SCRIPTS:
        CallScript.objects.get_or_create(
            objective=objective, language="en", defaults={"title": title, "body": body, "updated_at": now}
        )
    for position, (title, body) in enumerate(SNIPPETS, start=1):
        Snippet.objects.get_or_create(
            language="en", title=title, defaults={"body": body, "position": position * 10, "updated_at": now}
        )


def remove_samples(apps, schema_editor):
    CallScript = apps.get_model("playbook", "CallScript")
    Snippet = apps.get_model("playbook", "Snippet")
    for objective, title, body in SCRIPTS:
        CallScript.objects.filter(objective=objective, language="en", title=title, body=body).delete()
    for title, body in SNIPPETS:
        Snippet.objects.filter(language="en", title=title, body=body).delete()


class Migration(migrations.Migration):
    dependencies = [("playbook", "0001_initial")]

    operations = [migrations.RunPython(add_samples, remove_samples)]
