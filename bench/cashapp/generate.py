"""A ledger and a day's bank lines with the noise real remittances carry, and the truth for each line.

Customers (some subsidiaries of a parent), their open items with invoice numbers in several
house styles, known bank accounts for most of them; then bank lines, each of one kind:

- ``ref``: an invoice number in the text, written any way (case, separators, zeros dropped,
  prefix dropped); ``rf``: a structured RF reference; ``multi``: two or three invoices named;
- ``typo``: a number with one character missing or two swapped; ``short``: short by bank
  charges; ``discount``: 2 % early-payment discount taken; ``over``: paid more than owed;
- ``account_amount``: no reference, a known account, the amount of one item; ``subset``: no
  reference, a known account, the amount of two or three items together;
- ``parent``: the parent company pays a subsidiary's invoice, naming it;
- ``name_amount``: no account, the customer's name slightly misspelt, one item's amount;
- ``vague``: a known customer, no reference, an amount that is none of its items (not enough
  information to apply); ``unknown``: a payer who is no customer at all (never to be applied).

Every line but ``vague`` and ``unknown`` carries enough information; the truth is the exact
allocations a person would make.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl
from stdnum.iso7064 import mod_97_10

from recoup.cashapp import matching
from recoup.cashapp.references import rf_for

DAY = dt.date(2025, 6, 2)
FIRST = [
    "North",
    "Blue",
    "Iron",
    "Silver",
    "Golden",
    "Red",
    "Green",
    "Alpine",
    "Coastal",
    "Prairie",
    "Summit",
    "River",
    "Oak",
    "Maple",
    "Cedar",
    "Pine",
    "Harbor",
    "Bright",
    "Swift",
    "Atlas",
    "Nova",
    "Polar",
    "Delta",
    "Apex",
    "Vertex",
    "Orion",
    "Zenith",
    "Falcon",
    "Eagle",
    "Lion",
    "Crown",
    "Royal",
    "Union",
    "Metro",
    "Urban",
    "Rural",
    "Pacific",
    "Atlantic",
    "Baltic",
    "Nordic",
]
SECOND = [
    "Logistics",
    "Foods",
    "Tools",
    "Textiles",
    "Motors",
    "Pharma",
    "Chemicals",
    "Builders",
    "Media",
    "Software",
    "Farms",
    "Energy",
    "Plastics",
    "Steel",
    "Glass",
    "Paper",
    "Print",
    "Dental",
    "Optics",
    "Marine",
    "Aviation",
    "Retail",
    "Wholesale",
    "Hotels",
    "Bakeries",
    "Breweries",
    "Dairy",
    "Timber",
    "Cables",
    "Pumps",
]
SUFFIX = ["GmbH", "Ltd", "Inc", "LLC", "AG", "SA", "BV", "plc", "Corp", ""]
STYLES = ["INV-{y}-{n:06d}", "RE{n:07d}", "{n:08d}", "SO/{y}/{n:05d}", "F{y}{n:06d}"]


@dataclass
class Bench:
    frames: matching.LedgerFrames
    lines: pl.DataFrame
    truth: dict[int, dict[int, int] | None]  # line → {invoice id: amount}; None: must not be applied
    kinds: dict[int, str]
    informative: set[int]


def _iban(rng: np.random.Generator) -> str:
    bban = "".join(str(d) for d in rng.integers(0, 10, 18))
    return f"DE{mod_97_10.calc_check_digits(bban + 'DE')}{bban}"


def _names(rng: np.random.Generator, count: int) -> list[str]:
    # Three words and a legal form; a place keeps them apart as real names are (no two alike).
    places = [
        f"{a}{b}"
        for a in ("Ber", "Ham", "Kol", "Mun", "Dres", "Lei", "Bre", "Han", "Nur", "Aug", "Kas", "Wies", "Mainz", "Trier", "Ulm")
        for b in ("burg", "stadt", "feld", "dorf", "hausen", "heim", "tal", "au", "bach", "berg", "hof", "brook", "field", "ton")
    ]
    out, seen = [], set()
    while len(out) < count:
        words = f"{FIRST[rng.integers(len(FIRST))]} {SECOND[rng.integers(len(SECOND))]} {places[rng.integers(len(places))]}"
        if words in seen:
            # Real ledgers rarely hold two companies whose names differ by the legal form alone.
            continue
        seen.add(words)
        out.append(f"{words} {SUFFIX[rng.integers(len(SUFFIX))]}".strip())
    return out


def ledger(customers: int, items: int, seed: int = 7) -> tuple[matching.LedgerFrames, np.ndarray]:
    rng = np.random.default_rng(seed)
    names = _names(rng, customers)
    ids = np.arange(1, customers + 1)
    # One customer in twenty belongs to a group: its parent is one of the first tenth.
    parent = np.where(rng.random(customers) < 0.05, rng.integers(1, customers // 10 + 1, customers), 0)
    parent = np.where(parent == ids, 0, parent)
    style = rng.integers(0, len(STYLES), customers)
    owner = np.sort(rng.integers(1, customers + 1, items))
    numbers = rng.permutation(items) + 1000
    refs = [STYLES[style[c - 1]].format(y=2025, n=n) for c, n in zip(owner.tolist(), numbers.tolist(), strict=True)]
    amounts = (np.round(rng.lognormal(10.5, 1.0, items) / 5) * 5).astype(np.int64) + 100
    due = [DAY - dt.timedelta(days=int(d)) for d in rng.integers(-30, 120, items)]
    frames = matching.LedgerFrames(
        items=pl.DataFrame(
            {
                "invoice_id": np.arange(1, items + 1),
                "invoice_ref": refs,
                "customer_id": owner,
                "open_amount": amounts,
                "currency": ["EUR"] * items,
                "due_date": due,
            },
            schema=matching.ITEM_SCHEMA,
        ),
        customers=pl.DataFrame(
            {"customer_id": ids, "name": names, "parent_id": [int(p) or None for p in parent]}, schema=matching.CUSTOMER_SCHEMA
        ),
        accounts=pl.DataFrame(schema=matching.ACCOUNT_SCHEMA),
        aliases=pl.DataFrame(schema=matching.ALIAS_SCHEMA),
    )
    known = rng.random(customers) < 0.6
    accounts = [(_iban(rng), int(c)) for c in ids[known]]
    frames.accounts = pl.DataFrame(accounts, schema=matching.ACCOUNT_SCHEMA, orient="row")
    return frames, known


KINDS = {
    "ref": 0.22,
    "rf": 0.08,
    "multi": 0.08,
    "typo": 0.05,
    "short": 0.05,
    "discount": 0.03,
    "over": 0.03,
    "account_amount": 0.14,
    "subset": 0.05,
    "parent": 0.04,
    "name_amount": 0.08,
    "vague": 0.07,
    "unknown": 0.08,
}


def _write_ref(ref: str, rng: np.random.Generator) -> str:
    """An invoice number as payers write it."""
    shape = rng.integers(0, 5)
    if shape == 0:
        return ref.lower()
    if shape == 1:
        return ref.replace("-", " ").replace("/", " ")
    if shape == 2:
        digits = "".join(ch for ch in ref if ch.isdigit())
        return digits.lstrip("0") if len(digits.lstrip("0")) >= 5 else ref
    if shape == 3:
        return ref.replace("-", "").replace("/", "")
    return ref


def _typo(ref: str, rng: np.random.Generator) -> str:
    positions = [k for k, ch in enumerate(ref) if ch.isdigit()]
    k = positions[int(rng.integers(1, len(positions) - 1))]
    if rng.random() < 0.5:
        return ref[:k] + ref[k + 1 :]  # a digit missing
    return ref[:k] + ref[k + 1] + ref[k] + ref[k + 2 :] if k + 1 < len(ref) and ref[k + 1] != ref[k] else ref[:k] + ref[k + 1 :]


def _misspell(name: str, rng: np.random.Generator) -> str:
    words = [w for w in name.split() if w not in SUFFIX]
    upper = " ".join(words).upper()
    k = int(rng.integers(1, len(upper) - 1))
    return upper[:k] + upper[k + 1 :] if rng.random() < 0.5 else upper


def lines(frames: matching.LedgerFrames, known: np.ndarray, count: int, seed: int = 8) -> Bench:
    rng = np.random.default_rng(seed)
    items = frames.items
    owner = items["customer_id"].to_numpy()
    start = np.searchsorted(owner, np.arange(1, frames.customers.height + 2))
    refs, amounts, ids = items["invoice_ref"].to_list(), items["open_amount"].to_numpy(), items["invoice_id"].to_numpy()
    names = frames.customers["name"].to_list()
    parents = frames.customers["parent_id"].to_list()
    account_of = dict(zip(frames.accounts["customer_id"].to_list(), frames.accounts["account"].to_list(), strict=True))
    used: set[int] = set()
    rows, truth, kinds, informative = [], {}, {}, set()
    kind_names = list(KINDS)
    draws = rng.choice(len(kind_names), size=count, p=np.array(list(KINDS.values())) / sum(KINDS.values()))

    def open_items(c: int) -> list[int]:
        return [k for k in range(start[c - 1], start[c]) if ids[k] not in used]

    for line_id, draw in enumerate(draws.tolist()):
        kind = kind_names[draw]
        for _ in range(50):
            c = int(rng.integers(1, frames.customers.height + 1))
            made = _make(kind, c, open_items(c), rng, refs, amounts, ids, names, parents, account_of, known)
            if made is not None:
                break
        else:
            kind, made = "unknown", _make("unknown", 1, [], rng, refs, amounts, ids, names, parents, account_of, known)
        assert made is not None
        payer, account, remittance, reference, amount, allocation = made
        used |= set(allocation or {})
        rows.append((line_id, amount, "EUR", payer, account, remittance, [reference] if reference else [], []))
        truth[line_id], kinds[line_id] = allocation, kind
        if kind not in ("vague", "unknown"):
            informative.add(line_id)
    frame = pl.DataFrame(rows, schema=matching.LINE_SCHEMA, orient="row")
    return Bench(frames=frames, lines=frame, truth=truth, kinds=kinds, informative=informative)


def _make(kind, c, mine, rng, refs, amounts, ids, names, parents, account_of, known):  # type: ignore[no-untyped-def]
    """(payer, account, remittance, reference, amount, truth) for one line, or None to draw again."""
    noise = ["", " thank you", " payment", " Zahlung", " pmt", " - see remittance advice"]
    name = names[c - 1]
    account = account_of.get(c, "")
    if kind == "unknown":
        stranger = f"{FIRST[rng.integers(len(FIRST))]}son Private Person {int(rng.integers(1e6))}"
        return stranger, _iban(rng), f"Order {int(rng.integers(1e4))}", "", int(rng.integers(1000, 500000)), None
    if not mine:
        return None
    k = mine[int(rng.integers(len(mine)))]
    ref, amount, invoice = refs[k], int(amounts[k]), int(ids[k])
    extra = noise[int(rng.integers(len(noise)))]
    written_name = name if rng.random() < 0.5 else name.upper()
    if kind in ("typo", "account_amount", "subset", "vague") and not account:
        return None
    if kind == "ref":
        return (
            written_name,
            account if rng.random() < 0.5 else "",
            f"Invoice {_write_ref(ref, rng)}{extra}",
            "",
            amount,
            {invoice: amount},
        )
    if kind == "rf":
        return written_name, account, "", rf_for(ref), amount, {invoice: amount}
    if kind == "multi":
        if len(mine) < 3:
            return None
        chosen = [mine[j] for j in rng.choice(len(mine), size=int(rng.integers(2, 4)), replace=False)]
        text = ", ".join(_write_ref(refs[j], rng) for j in chosen)
        return (
            written_name,
            account,
            f"Inv {text}{extra}",
            "",
            int(sum(amounts[j] for j in chosen)),
            {int(ids[j]): int(amounts[j]) for j in chosen},
        )
    if kind == "typo":
        if sum(ch.isdigit() for ch in ref) < 5:
            return None
        return written_name, account, f"Rechnung {_typo(ref, rng)}", "", amount, {invoice: amount}
    if kind == "short":
        charge = int(rng.integers(500, 2500))
        if charge >= amount // 2:
            return None
        return written_name, account, f"INV {ref}{extra}", "", amount - charge, {invoice: amount - charge}
    if kind == "discount":
        paid = amount - amount * 2 // 100
        return written_name, account, f"{ref} less 2% skonto", "", paid, {invoice: paid}
    if kind == "over":
        return written_name, account, f"{ref}{extra}", "", amount + int(rng.integers(1000, 50000)), {invoice: amount}
    others = [int(amounts[j]) for j in mine]
    if kind in ("account_amount", "name_amount"):
        if others.count(amount) != 1 or any(a + b == amount for a in others for b in others):
            return None
        payer = written_name if kind == "account_amount" else _misspell(name, rng)
        return payer, account if kind == "account_amount" else "", f"Payment{extra}", "", amount, {invoice: amount}
    if kind == "subset":
        if len(mine) < 3:
            return None
        j = mine[int(rng.integers(len(mine)))]
        total = amount + int(amounts[j])
        if j == k or total in others or sum(1 for a in others for b in others if a + b == total) != 2:
            return None
        return written_name, account, f"Payment{extra}", "", total, {invoice: amount, int(ids[j]): int(amounts[j])}
    if kind == "parent":
        p = parents[c - 1]
        if p is None:
            return None
        return names[p - 1], account_of.get(p, ""), f"for {names[c - 1]} inv {ref}", "", amount, {invoice: amount}
    if kind == "vague":
        odd = amount + 1234567
        if odd in others:
            return None
        return written_name, account, "Payment", "", odd, None
    raise ValueError(kind)


def baseline(bench: Bench) -> dict[int, dict[int, int]]:
    """Exact invoice numbers only: a whitespace- or comma-separated word equal to an invoice's
    number as the ledger writes it; the amount applied to those invoices in the order named."""
    by_ref = dict(
        zip(
            bench.frames.items["invoice_ref"].to_list(),
            zip(bench.frames.items["invoice_id"].to_list(), bench.frames.items["open_amount"].to_list(), strict=True),
            strict=True,
        )
    )
    applied = {}
    for line_id, amount, remittance in bench.lines.select("line_id", "amount", "remittance").iter_rows():
        hits = [by_ref[w] for w in remittance.replace(",", " ").split() if w in by_ref]
        if not hits:
            continue
        left, allocation = amount, {}
        for invoice, open_amount in hits:
            part = min(left, open_amount)
            if part > 0:
                allocation[invoice] = part
                left -= part
        applied[line_id] = allocation
    return applied
