"""The tone check (C13): a labelled table of sentences and properties of check/suggest."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recoup.activities import tone
from recoup.activities.tone import matching
from recoup.activities.tone.rules import RuleTableError, load_rules

# (sentence, expected category or None). Categories of every flag found must equal the
# expected set when one is given; None means the sentence must not be flagged at all.
TABLE: list[tuple[str, str | None]] = [
    # threatening
    ("We will sue you if the invoice is not paid.", "threatening"),
    ("I'm going to sue your company.", "threatening"),
    ("We are suing you next week.", "threatening"),
    ("We will take legal action against you.", "threatening"),
    ("We'll start legal proceedings on Monday.", "threatening"),
    ("You will face legal action.", "threatening"),
    ("We'll see you in court.", "threatening"),
    ("We will garnish your wages.", "threatening"),
    ("We will report you to the credit bureaus.", "threatening"),
    ("I will report this to Experian.", "threatening"),
    ("Not paying will ruin your credit score.", "threatening"),
    ("We will hand the account over to our lawyers.", "threatening"),
    ("We can have you arrested.", "threatening"),
    ("We will call your employer about this.", "threatening"),
    ("Pay the balance, or else.", "threatening"),
    ("This is your last chance to settle.", "threatening"),
    ("Final warning: the balance is overdue.", "threatening"),
    ("Pay now or we cancel your account.", "threatening"),
    ("You'll regret this.", "threatening"),
    ("We'll repossess your car.", "threatening"),
    ("We will ruin your company.", "threatening"),
    ("I'll put you out of business.", "threatening"),
    ("Not paying will destroy your reputation.", "threatening"),
    # aggressive
    ("You must pay immediately.", "aggressive"),
    ("You have to pay this right now.", "aggressive"),
    ("Pay up.", "aggressive"),
    ("We demand payment of the full balance.", "aggressive"),
    ("Stop ignoring our calls.", "aggressive"),
    ("No more excuses.", "aggressive"),
    ("I'm sick and tired of chasing this invoice.", "aggressive"),
    ("How many times do I have to tell you?", "aggressive"),
    ("PLEASE PAY THIS INVOICE NOW.", "aggressive"),
    ("The balance is overdue!!!", "aggressive"),
    ("What the hell is going on with your payables?", "aggressive"),
    # insulting
    ("You people never pay on time.", "insulting"),
    ("The customer is an idiot.", "insulting"),
    ("He's a liar.", "insulting"),
    ("Typical deadbeat behaviour.", "insulting"),
    ("That was a stupid excuse.", "insulting"),
    ("Stop lying to me.", "insulting"),
    ("You're useless.", "insulting"),
    ("Another bunch of crooks.", "insulting"),
    ("Pay now, you idiot.", "insulting"),
    # overpromising
    ("I promise we will waive the late fee.", "overpromising"),
    ("I guarantee you a 20% discount.", "overpromising"),
    ("We'll drop all the fees.", "overpromising"),
    ("There will be no interest ever.", "overpromising"),
    ("This will never affect your credit.", "overpromising"),
    ("It won't hurt your credit rating.", "overpromising"),
    ("I guarantee the fees will be removed.", "overpromising"),
    ("We will never call you again.", "overpromising"),
    # not flagged: ordinary collections language
    ("We discussed legal entity names for the new invoices.", None),
    ("The customer promised to pay on Friday.", None),
    ("Final invoice sent with the statement.", None),
    ("Please pay by Friday.", None),
    ("I guarantee the invoice copy will be sent today.", None),
    ("Customer called me an idiot and hung up.", None),
    ('Customer said "you people are thieves" and hung up.', None),
    ("Customer asked us to drop the late fee; I said I would ask my manager.", None),
    ("We can't waive the fee, but I can ask my manager.", None),
    ("Paying early will not affect your credit limit.", None),
    ("Sent the final reminder; the legal department has the file.", None),
    ("The bank guarantee covers the interest.", None),
    ("Invoice INV-1042 and INV-1077, USD 12,400, 45 days overdue.", None),
    ("ACME TRADING COMPANY LTD asked for a copy.", None),
    ("Customer was off sick with flu; call back Monday.", None),
    ("Please arrange payment as soon as possible.", None),
    ("Our records show the payment was applied to INV-2001.", None),
    ("I will call you back tomorrow to confirm the date.", None),
    ("Customer refused to pay, says the goods were damaged.", None),
    ("They want a payment plan of 3 instalments.", None),
    ("Left voicemail for the AP team.", None),
    ("Thank you!", None),
    ("Customer demands a credit note for the damaged pallet.", None),
    ("He was tired of waiting for the credit note.", None),
    ("The late delivery hurt your business relationship.", None),
    ("The storm destroyed their warehouse; they ask for 30 more days.", None),
]


@pytest.mark.parametrize(("sentence", "expected"), TABLE)
def test_table(sentence: str, expected: str | None) -> None:
    flags = tone.check(sentence)
    if expected is None:
        assert flags == [], [(f.category, f.phrase) for f in flags]
    else:
        assert flags, f"not flagged: {sentence!r}"
        assert expected in {f.category for f in flags}, [(f.category, f.phrase) for f in flags]


def test_table_is_large_enough() -> None:
    assert len([s for s, e in TABLE if e]) >= 40
    assert len([s for s, e in TABLE if e is None]) >= 15


@pytest.mark.parametrize(("sentence", "expected"), [(s, e) for s, e in TABLE if e])
def test_suggestion_of_every_flagged_sentence_is_clean(sentence: str, expected: str) -> None:
    suggestion = tone.suggest(sentence)
    assert suggestion is None or tone.check(suggestion) == []


def test_an_abusive_note_is_reworded_without_its_threat_or_a_dangling_you() -> None:
    # Issue 11 item 13: the rewording kept "ruin your company" and ended "…, you.".
    note = "Pay now or we will ruin your company, you idiot."
    assert {f.category for f in tone.check(note)} == {"threatening", "insulting"}
    assert (
        tone.suggest(note)
        == "Please arrange payment by the agreed date; otherwise we will follow our standard process for unpaid accounts."
    )
    assert tone.suggest("Listen you idiot, pay now.") == "Listen, pay now."
    assert tone.suggest("Pay now, you stupid idiot.") == "Pay now."
    assert tone.suggest("Not paying will ruin your business.") == "Not paying will be handled under our standard process."
    assert tone.suggest("I will put you out of business.") == "I will follow our standard process for unpaid accounts."
    # An insult as the subject keeps the subject.
    assert tone.suggest("You idiots will pay.") == "You will pay."


def test_no_suggestion_when_nothing_would_be_left() -> None:
    # Issue 11 item 13: the suggestion for "idiot" was empty ("Try: “”").
    for note in ("idiot", "You idiot.", "Idiot!!", "damn", "  Moron. "):
        assert tone.check(note), note
        assert tone.suggest(note) is None, note
    assert tone.suggest("Hello. Idiot!! Pay now.") == "Hello. Pay now."
    assert tone.suggest("Damn, the invoice is late.") == "The invoice is late."


def test_flag_fields_and_suggestion() -> None:
    text = "OK. We will sue you if this is not paid."
    [flag] = tone.check(text)
    assert flag.category == "threatening"
    assert flag.phrase == "We will sue you"
    assert text[flag.start : flag.end] == flag.phrase
    assert flag.message.endswith(".")
    assert flag.suggestion == "We will follow our standard process for unpaid accounts"
    assert tone.suggest(text) == "OK. We will follow our standard process for unpaid accounts if this is not paid."


def test_case_insensitive_and_inflections() -> None:
    for text in ("WE WILL SUE YOU", "we'll sue you", "We shall sue them", "we are going to sue you"):
        assert [f.category for f in tone.check(text)] == ["threatening"], text
    assert tone.check("We’ll drop all the fees")  # typographic apostrophe


def test_shouted_insult_is_reported_as_an_insult_not_only_as_shouting() -> None:
    flags = tone.check("YOU PEOPLE ARE IDIOTS")
    assert {f.category for f in flags} == {"insulting"}
    assert tone.suggest("YOU PEOPLE ARE IDIOTS") == "Your team are mistaken"


def test_shouting_needs_several_words() -> None:
    assert tone.check("Sent to ACME via EDI today.") == []
    assert tone.check("Please note: VAT ID is DE123.") == []
    assert [f.phrase for f in tone.check("Please, CALL US BACK TODAY")] == ["CALL US BACK TODAY"]
    assert tone.suggest("Please, CALL US BACK TODAY") == "Please, call us back today"


def test_removed_word_takes_one_space() -> None:
    assert tone.suggest("This damn invoice is late.") == "This invoice is late."


def test_as_json_round_trip() -> None:
    flags = tone.check("You people must pay up!!")
    data = tone.as_json(flags)
    assert json.loads(json.dumps(data)) == data
    assert set(data[0]) == {"category", "phrase", "start", "end", "message", "suggestion"}
    assert tone.from_json(data) == flags


def test_a_malformed_rule_table_names_the_rule_and_the_field() -> None:
    table = """
[[rule]]
name = "x"
category = "threatening"
pattern = '{{nowhere}}'
message = "m"
suggestion = ""
"""
    with pytest.raises(RuleTableError, match=r"tone rule 'x', pattern: unknown fragment \{\{nowhere\}\}"):
        load_rules(table)
    with pytest.raises(RuleTableError, match="category 'rude'"):
        load_rules(table.replace("threatening", "rude"))
    with pytest.raises(RuleTableError, match=r"tone rule 'x', pattern: (missing|unterminated)"):
        load_rules(table.replace("{{nowhere}}", "(unclosed"))
    with pytest.raises(RuleTableError, match=r"unknown \['colour'\]"):
        load_rules(table.replace('message = "m"', 'message = "m"\ncolour = "red"'))


def test_rules_are_data() -> None:
    names = [r.name for r in tone.RULES]
    assert len(names) == len(set(names))
    for rule in tone.RULES:
        assert rule.category in tone.CATEGORIES
        assert rule.message and rule.message.lstrip("“")[0].isupper()
        assert tone.check(rule.suggestion) == [], rule.name


# --- properties -----------------------------------------------------------------------------

PHRASES = [s for s, _ in TABLE] + [
    "sue you",
    "or else",
    "last chance",
    "you people",
    "idiot",
    "liar",
    "deadbeat",
    "stupid",
    "guarantee",
    "pay now or",
    "!!",
    "!?!",
    "garnish your wages",
    "I promise",
    "waive the fees",
    '"',
    "’",
    "credit",
]
_pieces = st.one_of(
    st.sampled_from(PHRASES),
    st.sampled_from(PHRASES).map(str.upper),
    st.text(max_size=12),
    st.text(alphabet="ABCDE !?.,'\"-\n", max_size=12),
)
texts = st.lists(_pieces, max_size=8).flatmap(
    lambda parts: st.lists(st.sampled_from([" ", "", ". ", "\n", ", "]), min_size=len(parts), max_size=len(parts)).map(
        lambda seps: "".join(p + s for p, s in zip(parts, seps, strict=True))
    )
)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_offsets_point_at_phrases_and_never_overlap(text: str) -> None:
    flags = tone.check(text)
    for f in flags:
        assert 0 <= f.start < f.end <= len(text)
        assert text[f.start : f.end] == f.phrase
        assert f.category in tone.CATEGORIES
    for a, b in itertools.pairwise(flags):
        assert a.end <= b.start


@settings(max_examples=400, deadline=None)
@given(texts)
def test_any_suggestion_offered_is_clean_and_says_something(text: str) -> None:
    # Issue 11 item 13: a rewording is offered only if the tone check passes it and it still
    # has words in it; a flag's own suggestion, when it has one, passes the check as well.
    suggestion = tone.suggest(text)
    if suggestion is not None:
        assert tone.check(suggestion) == [], (text, suggestion, tone.check(suggestion))
        assert any(ch.isalnum() for ch in suggestion), (text, suggestion)
    for flag in tone.check(text):
        if flag.suggestion:
            assert tone.check(flag.suggestion) == [], (text, flag)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_never_raises_on_arbitrary_text(text: str) -> None:
    tone.check(text)
    tone.suggest(text)


def test_long_runs_do_not_blow_up() -> None:
    # Possessive and bounded patterns: pathological input stays linear.
    for text in ("!" * 20_000, "A " * 20_000, "AB " * 20_000 + "cd", "you " * 5_000, "I promise " * 2_000):
        tone.check(text)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_prefilter_words_are_in_every_match(text: str) -> None:
    # A rule is skipped on texts without any of its `needs` words: that must never hide a match.
    for compiled in matching._COMPILED:
        if not compiled.rule.needs:
            continue
        for m in compiled.regex.finditer(matching._normalise(text)):
            assert any(word in m.group(0).casefold() for word in compiled.rule.needs), (compiled.rule.name, m.group(0))
