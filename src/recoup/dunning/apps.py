from django.apps import AppConfig


class DunningConfig(AppConfig):
    name = "recoup.dunning"
    label = "dunning"
    verbose_name = "Follow-ups: sequences, templates, outbox, letters"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from recoup.dunning.daily_reports import send_daily_report
        from recoup.dunning.receivers import lift_holds_when_paid
        from recoup.ledger.events import listen
        from recoup.reports.daily import hand_reports_to

        listen(lift_holds_when_paid, name="dunning.lift_holds_when_paid")
        # The managers' daily report is e-mailed through the outbox (reports cannot import it).
        hand_reports_to(send_daily_report)
