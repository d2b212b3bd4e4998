"""The strategy editor: one fieldset per rule of the catalogue, validated by rules.parse_strategy."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings

from recoup.kernel.money import Money, currency_exponent
from recoup.worklist.models import Strategy
from recoup.worklist.rules import RULE_KINDS, StrategyError, parse_strategy

WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]
_CLOCK = {"class": "clock", "placeholder": "HH:MM", "maxlength": "5", "inputmode": "numeric"}


def _home_exponent() -> int:
    return currency_exponent(settings.RECOUP_HOME_CURRENCY)


class StrategyForm(forms.Form):
    """Amounts are typed in major units of the home currency and stored in minor units."""

    name = forms.CharField(max_length=100)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    segments = forms.CharField(required=False, help_text="Comma-separated customer segments this strategy serves")
    is_default = forms.BooleanField(required=False, label="Default for every other segment")
    attempt_spacing_days = forms.IntegerField(min_value=0, max_value=365, label="Days between call attempts")
    contacted_within_days = forms.IntegerField(min_value=0, max_value=365, label="Skip if reached within (days)")
    ex_open_promise = forms.BooleanField(required=False, label="Skip while an open promise is not yet due")
    ex_all_disputed = forms.BooleanField(required=False, label="Skip when every open item is disputed")
    ex_do_not_call = forms.BooleanField(required=False, label="Skip when every number is do-not-call")
    ex_on_hold = forms.BooleanField(required=False, label="Skip accounts on hold or with an agency")
    # Hours and minutes on the 24-hour clock ("09:00", not "09:00:00"), as the strategies and the
    # consumer hours are written; a browser time picker would show "09:00 AM" in some locales.
    hours_start = forms.TimeField(
        label="Calls from (customer's local time)", widget=forms.TimeInput(format="%H:%M", attrs=_CLOCK)
    )
    hours_end = forms.TimeField(label="Calls until", widget=forms.TimeInput(format="%H:%M", attrs=_CLOCK))
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple(attrs={"class": "weekdays"})
    )
    esc_dispute_amount_over = forms.DecimalField(min_value=0, decimal_places=3, label="Route to a senior: open dispute over")
    esc_broken_promises = forms.IntegerField(min_value=0, max_value=100, label="Route to a senior after broken promises")
    promise_max_days = forms.IntegerField(
        min_value=1, max_value=365, label="Customers may promise online up to (days ahead; later asks for a call)"
    )

    def __init__(self, *args: Any, strategy: Strategy | None = None, **kwargs: Any) -> None:
        self.strategy = strategy
        super().__init__(*args, **kwargs)
        self.rule_rows: list[dict[str, Any]] = []
        for kind in RULE_KINDS.values():
            enabled = f"rule_{kind.code}_on"
            points = f"rule_{kind.code}_points"
            self.fields[enabled] = forms.BooleanField(required=False, label=kind.label)
            self.fields[points] = forms.IntegerField(min_value=-1000, max_value=1000, label="Points", initial=kind.default_points)
            params = []
            for p in kind.params:
                name = f"rule_{kind.code}_{p.name}"
                if p.kind == "amount":
                    field: forms.Field = forms.DecimalField(
                        min_value=0, label=f"{p.label.split('(')[0].strip()} ({settings.RECOUP_HOME_CURRENCY})"
                    )
                elif p.kind == "probability":
                    field = forms.FloatField(min_value=0, max_value=1, label=p.label)
                else:
                    field = forms.IntegerField(min_value=int(p.minimum), max_value=int(p.maximum), label=p.label)
                field.required = False
                self.fields[name] = field
                params.append(name)
            self.rule_rows.append({"kind": kind, "enabled": enabled, "points": points, "params": params})

    @classmethod
    def initial_for(cls, strategy: Strategy | None) -> dict[str, Any]:
        spec = parse_strategy(strategy.definition if strategy else {})
        scale = Decimal(10) ** _home_exponent()
        initial: dict[str, Any] = {
            "name": strategy.name if strategy else "",
            "description": strategy.description if strategy else "",
            "segments": ", ".join(strategy.segments) if strategy else "",
            "is_default": strategy.is_default if strategy else False,
            "attempt_spacing_days": spec.attempt_spacing_days,
            "contacted_within_days": spec.exclusions.contacted_within_days,
            "ex_open_promise": spec.exclusions.open_promise,
            "ex_all_disputed": spec.exclusions.all_disputed,
            "ex_do_not_call": spec.exclusions.do_not_call,
            "ex_on_hold": spec.exclusions.on_hold,
            "hours_start": spec.hours.start,
            "hours_end": spec.hours.end,
            "weekdays": sorted(spec.hours.weekdays),
            "esc_dispute_amount_over": Decimal(spec.escalation.dispute_amount_over) / scale,
            "esc_broken_promises": spec.escalation.broken_promises,
            "promise_max_days": spec.promise_max_days,
        }
        for kind in RULE_KINDS.values():
            initial[f"rule_{kind.code}_points"] = kind.default_points
            for p in kind.params:
                initial[f"rule_{kind.code}_{p.name}"] = Decimal(int(p.default)) / scale if p.kind == "amount" else p.default
        for rule in spec.rules:
            initial[f"rule_{rule.kind}_on"] = True
            initial[f"rule_{rule.kind}_points"] = rule.points
            for pname, value in rule.params.items():
                kind_param = next(p for p in RULE_KINDS[rule.kind].params if p.name == pname)
                initial[f"rule_{rule.kind}_{pname}"] = Decimal(int(value)) / scale if kind_param.kind == "amount" else value
        return initial

    def _minor(self, value: Decimal) -> int:
        return Money.from_decimal(value, settings.RECOUP_HOME_CURRENCY).minor

    def definition(self) -> dict[str, Any]:
        data = self.cleaned_data
        rules = []
        for row in self.rule_rows:
            if not data.get(row["enabled"]):
                continue
            kind = row["kind"]
            params: dict[str, Any] = {}
            for p, name in zip(kind.params, row["params"], strict=True):
                value = data.get(name)
                if value is None:
                    value = p.default if p.kind != "amount" else Decimal(int(p.default)) / Decimal(10) ** _home_exponent()
                params[p.name] = self._minor(value) if p.kind == "amount" else value
            rules.append({"kind": kind.code, "points": data.get(row["points"]) or 0, "params": params})
        return {
            "rules": rules,
            "exclusions": {
                "open_promise": data["ex_open_promise"],
                "all_disputed": data["ex_all_disputed"],
                "contacted_within_days": data["contacted_within_days"],
                "do_not_call": data["ex_do_not_call"],
                "on_hold": data["ex_on_hold"],
            },
            "attempt_spacing_days": data["attempt_spacing_days"],
            "hours": {
                "start": data["hours_start"].strftime("%H:%M"),
                "end": data["hours_end"].strftime("%H:%M"),
                "weekdays": data["weekdays"],
            },
            "escalation": {
                "dispute_amount_over": self._minor(data["esc_dispute_amount_over"]),
                "broken_promises": data["esc_broken_promises"],
            },
            "promise_max_days": data["promise_max_days"],
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        name = cleaned.get("name", "")
        clash = Strategy.objects.filter(name=name)
        if self.strategy is not None:
            clash = clash.exclude(pk=self.strategy.pk)
        if clash.exists():
            self.add_error("name", f"A strategy called {name!r} already exists")
        if not any(cleaned.get(row["enabled"]) for row in self.rule_rows):
            raise forms.ValidationError("Turn on at least one valuation rule: without one nobody would ever be called.")
        try:
            parse_strategy(self.definition())
        except StrategyError as exc:
            for path, message in exc.problems:
                raise forms.ValidationError(f"{path}: {message}") from exc
        return cleaned

    def segment_list(self) -> list[str]:
        return [s.strip() for s in self.cleaned_data.get("segments", "").split(",") if s.strip()]
