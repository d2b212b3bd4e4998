"""The matcher: a statement's lines against the whole ledger's open items, column-wise.

Pure (no Django): frames in, one ``rules.Decision`` per line out. The expensive comparisons are
joins and vectorised string distances over bounded candidate sets, never a loop of queries:

1. every open item's references become keys (``references.ref_keys``); a line's tokens (free
   text, structured references, referred documents) join against the keys that name exactly one
   item;
2. payers join by account, by a learned name and by name; names that match nothing exactly are
   compared with rapidfuzz only against customers that share a rarer word with them;
3. per line, the payer group's items (a parent and its subsidiaries) are searched for a number one
   character off, and for the amount (one item, a subset, within tolerance) by ``rules``.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from recoup.cashapp import references, rules
from recoup.cashapp.rules import Candidate, Decision, Hit, Item, MatchSettings, Payer

# A name at least this similar (token-set ratio, 0-100) identifies a payer …
NAME_MATCH = 90
# … when the next best customer is this much further off.
NAME_MARGIN = 6
# A payer name this similar to an invoice's customer corroborates a reference to that invoice.
NAME_RESEMBLES = 80
# Words (or pairs of words) shared by more customers than this ("TRADING", "SERVICES") propose no candidates.
COMMON_WORD = 200
FUZZY_MIN_KEY = 5

LINE_SCHEMA: dict[str, Any] = {
    "line_id": pl.Int64,
    "amount": pl.Int64,
    "currency": pl.String,
    "payer_name": pl.String,
    "payer_account": pl.String,
    "remittance": pl.String,
    "references": pl.List(pl.String),
    "documents": pl.List(pl.Struct({"ref": pl.String, "amount": pl.Int64})),
}
ITEM_SCHEMA: dict[str, Any] = {
    "invoice_id": pl.Int64,
    "invoice_ref": pl.String,
    "customer_id": pl.Int64,
    "open_amount": pl.Int64,
    "currency": pl.String,
    "due_date": pl.Date,
}
CUSTOMER_SCHEMA: dict[str, Any] = {"customer_id": pl.Int64, "name": pl.String, "parent_id": pl.Int64}
ACCOUNT_SCHEMA: dict[str, Any] = {"account": pl.String, "customer_id": pl.Int64}
ALIAS_SCHEMA: dict[str, Any] = {"name_key": pl.String, "customer_id": pl.Int64}


@dataclass
class LedgerFrames:
    """What the matcher reads of the ledger: open items (invoices and debit notes with something
    open), customers, their bank accounts and the payer names learned from manual matches."""

    items: pl.DataFrame
    customers: pl.DataFrame
    accounts: pl.DataFrame
    aliases: pl.DataFrame


def canonical_expr(column: str) -> pl.Expr:
    """``references.canonical`` as a Polars expression (the same result, a million refs at once)."""
    return (
        pl.col(column)
        .str.to_uppercase()
        .str.replace_all(r"[^A-Z0-9]", "")
        .str.replace_all(r"(^|[A-Z])0+([0-9])", "${1}${2}")
        .str.replace_all(r"(^|[A-Z])0+([0-9])", "${1}${2}")
    )


def part_key_expr(column: str) -> pl.Expr:
    """``references.part_key`` as a Polars expression."""
    upper = pl.col(column).str.to_uppercase()
    stripped = upper.str.replace_all(r"(^|[^A-Z0-9])0+([0-9])", "${1}${2}").str.replace_all(r"(^|[^A-Z0-9])0+([0-9])", "${1}${2}")
    return (
        stripped.str.replace_all(r"[^A-Z0-9]", "")
        .str.replace_all(r"(^|[A-Z])0+([0-9])", "${1}${2}")
        .str.replace_all(r"(^|[A-Z])0+([0-9])", "${1}${2}")
    )


def item_keys(items: pl.DataFrame) -> pl.DataFrame:
    """Key → invoice for every key that names exactly one open item."""
    keyed = pl.concat(
        [
            items.select("invoice_id", canonical_expr("invoice_ref").alias("key")),
            items.select("invoice_id", part_key_expr("invoice_ref").alias("key")),
        ]
    )
    digits = (
        keyed.unique()
        .select(
            "invoice_id", pl.col("key").str.replace_all(r"[^0-9]", "").str.replace(r"^0+([0-9])", "${1}").alias("digits"), "key"
        )
        .filter((pl.col("digits").str.len_chars() >= 5) & (pl.col("digits") != pl.col("key")))
    )
    both = pl.concat(
        [
            keyed.filter(pl.col("key").str.len_chars() >= references.MIN_TOKEN),
            digits.select("invoice_id", pl.col("digits").alias("key")),
        ]
    )
    both = both.unique()
    return both.filter(pl.len().over("key") == 1)


def _tokens(lines: pl.DataFrame) -> pl.DataFrame:
    rows: list[tuple[int, str, str, int | None]] = []
    for line_id, remittance, refs, docs in lines.select("line_id", "remittance", "references", "documents").iter_rows():
        for ref in refs or ():
            source = "structured" if references.is_structured(ref) else "text"
            rows += [(line_id, key, source, None) for key in references.reference_keys(ref)]
        for doc in docs or ():
            rows += [(line_id, key, "document", doc["amount"]) for key in references.reference_keys(doc["ref"])]
        rows += [(line_id, key, "text", None) for key in references.text_tokens(remittance or "")]
    return pl.DataFrame(
        rows, schema={"line_id": pl.Int64, "key": pl.String, "source": pl.String, "stated": pl.Int64}, orient="row"
    )


def _groups(customers: pl.DataFrame) -> dict[int, frozenset[int]]:
    """Each customer with its parent, its subsidiaries and its parent's other subsidiaries."""
    parent = dict(customers.select("customer_id", "parent_id").drop_nulls().iter_rows())
    children: defaultdict[int, set[int]] = defaultdict(set)
    for child, mother in parent.items():
        children[mother].add(child)
    groups: dict[int, frozenset[int]] = {}
    for customer in set(parent) | set(children):
        top = parent.get(customer, customer)
        groups[customer] = frozenset({customer, top} | children[customer] | children[top])
    return groups


def identify_payers(lines: pl.DataFrame, ledger: LedgerFrames, names: pl.DataFrame | None = None) -> pl.DataFrame:
    """line_id → customer_id and how: by account, learned name, exact name, then fuzzy name."""
    base = lines.select(
        "line_id",
        pl.col("payer_account").fill_null("").str.to_uppercase().str.replace_all(r"[^A-Z0-9]", "").alias("account"),
        pl.col("payer_name").fill_null("").map_elements(references.name_key, return_dtype=pl.String).alias("name_key"),
    )
    by_account = base.join(ledger.accounts, on="account").select("line_id", "customer_id", pl.lit("account").alias("how"))
    rest = base.join(by_account.select("line_id"), on="line_id", how="anti").filter(pl.col("name_key") != "")
    by_alias = rest.join(ledger.aliases.unique("name_key", keep="first"), on="name_key").select(
        "line_id", "customer_id", pl.lit("learned").alias("how")
    )
    rest = rest.join(by_alias.select("line_id"), on="line_id", how="anti")
    names = customer_name_keys(ledger.customers) if names is None else names
    unique_names = names.filter(pl.len().over("name_key") == 1)
    by_name = rest.join(unique_names, on="name_key").select("line_id", "customer_id", pl.lit("name").alias("how"))
    rest = rest.join(by_name.select("line_id"), on="line_id", how="anti")
    by_fuzzy = _fuzzy_names(rest, names)
    return pl.concat([by_account, by_alias, by_name, by_fuzzy], how="vertical_relaxed")


def customer_name_keys(customers: pl.DataFrame) -> pl.DataFrame:
    return customers.select(
        "customer_id", pl.col("name").map_elements(references.name_key, return_dtype=pl.String).alias("name_key")
    ).filter(pl.col("name_key") != "")


def _words(frame: pl.DataFrame, id_column: str) -> pl.DataFrame:
    """Each name's words of three letters or more, and each pair of them ("METRO+AUGBERG"): a pair
    is rare even where each word is common, and survives a typo in a third word."""
    words = frame.select(
        id_column, pl.col("name_key").str.split(" ").list.eval(pl.element().filter(pl.element().str.len_chars() >= 3)).alias("w")
    ).with_columns(pl.col("w").list.unique().list.sort())
    singles = words.select(id_column, pl.col("w").alias("word")).explode("word")
    pairs = (
        words.select(id_column, pl.col("w").alias("a"), pl.col("w").alias("b"))
        .explode("a")
        .explode("b")
        .filter(pl.col("a") < pl.col("b"))
        .select(id_column, (pl.col("a") + "+" + pl.col("b")).alias("word"))
    )
    return pl.concat([singles, pairs]).drop_nulls().unique()


def _fuzzy_names(rest: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    """Names compared only with customers that share a word no more than COMMON_WORD customers have."""
    empty = pl.DataFrame(schema={"line_id": pl.Int64, "customer_id": pl.Int64, "how": pl.String})
    if rest.height == 0 or names.height == 0:
        return empty
    customer_words = _words(names, "customer_id")
    rare = customer_words.filter(pl.len().over("word") <= COMMON_WORD)
    pairs = _words(rest, "line_id").join(rare, on="word").select("line_id", "customer_id").unique()
    if pairs.height == 0:
        return empty
    pairs = pairs.join(rest.select("line_id", pl.col("name_key").alias("payer")), on="line_id").join(
        names.select("customer_id", pl.col("name_key").alias("customer")), on="customer_id"
    )
    scores = process.cpdist(pairs["payer"].to_list(), pairs["customer"].to_list(), scorer=fuzz.token_set_ratio, workers=-1)
    ranked = pairs.with_columns(pl.Series("score", scores)).sort(["line_id", "score"], descending=[False, True])
    best = ranked.group_by("line_id", maintain_order=True).agg(
        pl.col("customer_id").first(),
        pl.col("score").first().alias("best"),
        pl.col("score").slice(1, 1).first().fill_null(0).alias("second"),
    )
    chosen = best.filter((pl.col("best") >= NAME_MATCH) & (pl.col("best") - pl.col("second") >= NAME_MARGIN))
    return chosen.select("line_id", "customer_id", pl.lit("fuzzy name").alias("how"))


def match(lines: pl.DataFrame, ledger: LedgerFrames, settings: MatchSettings) -> dict[int, Decision]:
    """A decision for every line (credits only: the caller leaves debits and returns out)."""
    if lines.height == 0:
        return {}
    tokens = _tokens(lines)
    hits = tokens.join(item_keys(ledger.items), on="key").unique(["line_id", "invoice_id", "source"])
    names = customer_name_keys(ledger.customers)
    payer_of = {row[0]: (row[1], row[2]) for row in identify_payers(lines, ledger, names).iter_rows()}
    groups = _groups(ledger.customers)
    hit_rows: defaultdict[int, list[tuple[int, str, int | None]]] = defaultdict(list)
    for line_id, invoice_id, source, stated in hits.select("line_id", "invoice_id", "source", "stated").iter_rows():
        hit_rows[line_id].append((invoice_id, source, stated))
    needed = {c for c, _ in payer_of.values()}
    needed |= {m for c in list(needed) for m in groups.get(c, ())}
    wanted = ledger.items.filter(
        pl.col("customer_id").is_in(list(needed)) | pl.col("invoice_id").is_in(hits["invoice_id"].unique().to_list())
    )
    items_of, item_by_id = _items(wanted)
    resembles = _resemblance(lines, hit_rows, item_by_id, names, groups)
    unknown = lines.filter(~pl.col("line_id").is_in(list(payer_of) + list(hit_rows)))
    same_amount = _same_amount(unknown, ledger.items)
    text_keys: defaultdict[int, set[str]] = defaultdict(set)
    for line_id, key in (
        tokens.filter((pl.col("source") == "text") & (pl.col("key").str.len_chars() >= FUZZY_MIN_KEY))
        .select("line_id", "key")
        .iter_rows()
    ):
        text_keys[line_id].add(key)
    decisions: dict[int, Decision] = {}
    for line_id, amount, currency in lines.select("line_id", "amount", "currency").iter_rows():
        customer, how = payer_of.get(line_id, (None, ""))
        group = groups.get(customer, frozenset({customer})) if customer is not None else frozenset()
        payer = Payer(customer_id=customer, how=how, group=group, resembles=resembles.get(line_id, frozenset()))
        line_hits = [Hit(item_by_id[i], s, st) for i, s, st in hit_rows.get(line_id, ()) if item_by_id[i].currency == currency]  # type: ignore[arg-type]
        if not line_hits and customer is not None:
            group_items = [i for c in group for i in items_of.get(c, ()) if i.currency == currency]
            line_hits = fuzzy_hits(text_keys.get(line_id, set()), group_items)
        candidates = rules.by_reference(amount, line_hits, payer, settings)
        # The payer's items by amount only matter when the references did not settle it.
        if not candidates or max(c.confidence for c in candidates) < rules.REFERENCE_CONFIDENCE["fuzzy"]:
            candidates += rules.by_payer(amount, currency, payer, items_of, settings)
        candidates += [
            Candidate(i.customer_id, ((i.invoice_id, amount),), 0.3, f"unknown payer; the amount equals {i.ref}")
            for i in same_amount.get(line_id, ())
        ]
        decisions[line_id] = rules.decide(candidates, settings, unmatched_reason="no reference, payer or amount recognised")
    return decisions


def _items(items: pl.DataFrame) -> tuple[dict[int, list[Item]], dict[int, Item]]:
    """Open items as rule objects, each customer's oldest first."""
    by_customer: defaultdict[int, list[Item]] = defaultdict(list)
    by_id: dict[int, Item] = {}
    ordered = items.select(*ITEM_SCHEMA).sort(["customer_id", "due_date", "invoice_id"])
    for invoice_id, ref, customer_id, open_amount, currency, due in ordered.iter_rows():
        item = Item(invoice_id, ref, customer_id, open_amount, currency, due)
        by_customer[customer_id].append(item)
        by_id[invoice_id] = item
    return dict(by_customer), by_id


def fuzzy_hits(tokens: Iterable[str], items: Sequence[Item]) -> list[Hit]:
    """Invoice numbers one character off (missing, transposed, mistyped) among a payer's items:
    a token counts only when it is that close to exactly one item, and that item to one token."""
    keyed = [(_key(i.ref), i) for i in items]
    keyed = [(k, i) for k, i in keyed if len(k) >= FUZZY_MIN_KEY]
    words = sorted(tokens)
    if not words or not keyed:
        return []
    distances = process.cdist(words, [k for k, _ in keyed], scorer=OSA.distance, score_cutoff=1, dtype="int8", workers=1)
    close = distances <= 1
    found = []
    for col in range(len(keyed)):
        rows = close[:, col].nonzero()[0]
        if len(rows) == 1 and close[rows[0], :].sum() == 1:
            found.append(Hit(keyed[col][1], "fuzzy"))
    return found


_key = functools.lru_cache(maxsize=200_000)(references.canonical)


def _resemblance(
    lines: pl.DataFrame,
    hit_rows: dict[int, list[tuple[int, str, int | None]]],
    item_by_id: dict[int, Item],
    names: pl.DataFrame,
    groups: dict[int, frozenset[int]],
) -> dict[int, frozenset[int]]:
    """For lines whose references name items: which of those items' customers (and groups) the
    payer's name resembles; that corroborates the reference when the account is unknown."""
    pairs = [
        (line_id, member)
        for line_id, found in hit_rows.items()
        for invoice_id, _, _ in found
        for member in groups.get(item_by_id[invoice_id].customer_id, frozenset({item_by_id[invoice_id].customer_id}))
    ]
    if not pairs:
        return {}
    frame = pl.DataFrame(pairs, schema={"line_id": pl.Int64, "customer_id": pl.Int64}, orient="row").unique()
    frame = frame.join(
        lines.select(
            "line_id", pl.col("payer_name").fill_null("").map_elements(references.name_key, return_dtype=pl.String).alias("payer")
        ),
        on="line_id",
    ).join(names.rename({"name_key": "customer"}), on="customer_id")
    frame = frame.filter(pl.col("payer") != "")
    if frame.height == 0:
        return {}
    scores = process.cpdist(frame["payer"].to_list(), frame["customer"].to_list(), scorer=fuzz.token_set_ratio, workers=-1)
    close = frame.with_columns(pl.Series("score", scores)).filter(pl.col("score") >= NAME_RESEMBLES)
    out: defaultdict[int, set[int]] = defaultdict(set)
    for line_id, customer_id in close.select("line_id", "customer_id").iter_rows():
        out[line_id] |= set(groups.get(customer_id, frozenset({customer_id})))
    return {k: frozenset(v) for k, v in out.items()}


def _same_amount(lines: pl.DataFrame, items: pl.DataFrame, per_line: int = 3) -> dict[int, list[Item]]:
    """Open items of exactly a line's amount: the only hint for a payer nobody recognises."""
    if lines.height == 0:
        return {}
    joined = lines.select("line_id", pl.col("amount").alias("open_amount"), "currency").join(
        items.select(*ITEM_SCHEMA), on=["open_amount", "currency"]
    )
    joined = joined.sort(["line_id", "due_date"]).group_by("line_id", maintain_order=True).head(per_line)
    out: defaultdict[int, list[Item]] = defaultdict(list)
    for row in joined.select("line_id", *ITEM_SCHEMA).iter_rows():
        out[row[0]].append(Item(*row[1:]))
    return dict(out)
