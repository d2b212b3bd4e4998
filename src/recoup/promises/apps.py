from django.apps import AppConfig


class PromisesConfig(AppConfig):
    name = "recoup.promises"
    label = "promises"
    verbose_name = "Promises and payment plans"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from recoup.ledger.events import listen
        from recoup.promises.receivers import judge_on_payment, settle_discounts_on_payment

        listen(judge_on_payment, name="promises.judge_on_payment")
        listen(settle_discounts_on_payment, name="promises.settle_discounts_on_payment")
