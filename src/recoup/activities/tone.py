"""Tone check of notes and outgoing messages (pure: standard library only).

A collector's note or message is checked against a table of rules (``RULES``): each rule is
a regular expression with a category, a message a collector understands and a suggested
rewording. The table is the whole policy; docs/tone.md explains each family of rules and the
false positives it is written to avoid.

The check is advisory: the workspace shows the flags and lets the collector save anyway, in
which case the flags are stored on the activity for a manager to see. It therefore prefers
to stay quiet on ordinary collections language ("final invoice", "please pay by Friday",
"the customer promised to pay") over catching every rude sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

__all__ = [
    "CATEGORIES",
    "RULES",
    "Category",
    "Rule",
    "ToneFlag",
    "as_json",
    "check",
    "from_json",
    "suggest",
]

Category = Literal["aggressive", "threatening", "insulting", "overpromising"]
CATEGORIES: tuple[Category, ...] = ("aggressive", "threatening", "insulting", "overpromising")


@dataclass(frozen=True, slots=True)
class ToneFlag:
    category: str
    phrase: str
    start: int
    end: int
    message: str
    suggestion: str


@dataclass(frozen=True, slots=True)
class Rule:
    """One entry of the rule table.

    ``pattern`` is matched case-insensitively unless ``ignore_case`` is off, between word
    boundaries unless ``bounded`` is off. ``suggestion`` may name groups of the pattern as
    ``{name}`` or ``{name|fallback}``; ``case="sentence"`` suggests the phrase itself in
    lower case (for shouting). ``unless_before`` is searched in the text just before the
    match (it should end with ``$``): a hit there means the phrase is reported speech or
    otherwise harmless. ``unless_phrase`` is searched in the matched phrase itself.
    ``needs`` lists words one of which every match contains (in lower case): the rule is
    skipped on texts without any of them, which keeps a typical note well under a millisecond.
    Rules of ``tier`` 1 (style: capitals, exclamation marks) only look at what the tier-0
    rules (wording) left unflagged, so a shouted insult is reported as an insult.
    """

    name: str
    category: Category
    pattern: str
    message: str
    suggestion: str
    ignore_case: bool = True
    bounded: bool = True
    case: Literal["match", "sentence"] = "match"
    unless_before: str | None = None
    unless_phrase: str | None = None
    tier: int = 0
    needs: tuple[str, ...] = ()


# --- building blocks of the patterns ----------------------------------------------------------

# "we will", "I'm going to", "we'll have to": who speaks, and the auxiliary before a threat or
# promise. The subject is captured so the suggestion can keep it.
_SUBJ_AUX = (
    r"(?:(?P<subj>we|i)\s*(?:'ll|\s+will|\s+shall|\s+are\s+going\s+to|'re\s+going\s+to|\s+am\s+going\s+to|'m\s+going\s+to"
    r"|\s+may|\s+might|\s+can|\s+could|\s+would|'d)?\s+(?:(?:have|need)\s+to\s+|definitely\s+|now\s+|then\s+)?)?"
)
_YOU_OBJ = r"(?:you|your\s+(?:company|business|firm)|them|him|her|the\s+customer)"
_STANDARD_STEP = "{subj|we} will follow our standard process for unpaid accounts"
_THREAT_MESSAGE = (
    "This reads as a threat: mention a next step only if it has been decided and is lawful, "
    "and state it as a plain fact with its date."
)
_INSULT_WORDS = (
    r"idiots?|morons?|imbeciles?|clowns?|fools?|losers?|scumbags?|parasites?|crooks?|cheaters?|"
    r"scammers?|thie(?:f|ves)|stupid|dumb|idiotic|moronic|liars?"
)
_INTENSIFIER = r"(?:(?:such\s+)?an?\s+)?(?:(?:complete|total|absolute|utter|real|bloody|fucking|bunch\s+of)\s+)?"
# Reported speech: "the customer called me an idiot" records what was said to the collector.
_CALLED_ME = r"(?:called|calling|call|calls)\s+(?:me|us|him|her|them|our\s+\w+)\s+(?:an?\s+)?(?:\w+\s+)?$"
_CONCESSION_VERB = r"waive|drop|remove|cancel|forgive|write\s+off|wipe\s+out|wipe|refund|reverse|reduce|discount|approve"
_FEE_NOUN = (
    r"(?:late\s+|interest\s+|penalty\s+|collection\s+|admin(?:istration)?\s+)?"
    r"(?:fees?|charges?|interest|penalt(?:y|ies)|debt|balance)"
)
_CREDIT_NOT_SCORE = r"(?!\s+(?:limit|line|note|notes|terms|facility|account|card|memo|check|application|insurance))"

# Keywords that must appear before an insult pattern is tried at all ("thie" covers thief/thieves).
_INSULT_NEEDS = (
    "idiot",
    "moron",
    "imbecile",
    "clown",
    "fool",
    "loser",
    "scumbag",
    "parasite",
    "crook",
    "cheater",
    "scammer",
    "thie",
    "stupid",
    "dumb",
    "liar",
)

RULES: tuple[Rule, ...] = (
    # --- threatening: actions that must never be used as leverage ----------------------------
    Rule(
        "sue",
        "threatening",
        _SUBJ_AUX + rf"sue\s+{_YOU_OBJ}",
        _THREAT_MESSAGE,
        _STANDARD_STEP,
        needs=("sue",),
    ),
    Rule(
        "suing",
        "threatening",
        rf"(?:(?P<subj>we|i)(?:'re|'m|\s+are|\s+am)\s+(?:going\s+to\s+be\s+)?)?suing\s+{_YOU_OBJ}",
        _THREAT_MESSAGE,
        _STANDARD_STEP,
        needs=("suing",),
    ),
    Rule(
        "legal_action",
        "threatening",
        _SUBJ_AUX + r"(?:take|taking|start|starting|begin|initiate|commence|pursue|file|filing|bring)\s+"
        r"(?:immediate\s+)?(?:legal\s+(?:action|proceedings|steps)|a\s+lawsuit|court\s+(?:action|proceedings))"
        rf"(?:\s+against\s+{_YOU_OBJ})?",
        _THREAT_MESSAGE,
        _STANDARD_STEP,
        needs=("legal", "lawsuit", "court"),
    ),
    Rule(
        "face_action",
        "threatening",
        r"you(?:'ll|\s+will|\s+could|\s+may|\s+might|\s+are\s+going\s+to|'re\s+going\s+to)\s+(?:have\s+to\s+)?face\s+"
        r"(?:legal\s+(?:action|proceedings|consequences)|a\s+lawsuit|court(?:\s+action)?|(?:serious\s+)?consequences)",
        _THREAT_MESSAGE,
        "the account will follow our standard process",
        needs=("face",),
    ),
    Rule(
        "court",
        "threatening",
        _SUBJ_AUX + rf"(?:take|taking|drag|dragging|see)\s+{_YOU_OBJ}\s+(?:to|in)\s+court",
        _THREAT_MESSAGE,
        _STANDARD_STEP,
        needs=("court",),
    ),
    Rule(
        "lawyers",
        "threatening",
        _SUBJ_AUX + r"(?:hand|handing|pass|passing|refer|referring|send|sending|turn|turning|give|giving)\s+"
        r"(?:this|it|you|the\s+(?:account|debt|file)|your\s+(?:account|debt|file))\s+(?:over\s+)?to\s+(?:our|the|a|an)\s+"
        r"(?:lawyers?|attorneys?|solicitors?|legal\s+(?:team|department)|(?:debt\s+)?collection\s+agency|collectors|bailiffs?|debt\s+collectors?)",
        _THREAT_MESSAGE,
        _STANDARD_STEP,
        needs=("lawyer", "attorney", "solicitor", "legal", "agency", "collector", "bailiff"),
    ),
    Rule(
        "garnish",
        "threatening",
        _SUBJ_AUX
        + r"garnish(?:ing|ed|ee)?\s+(?:you|your|his|her|their)(?:\s+(?:wages?|salary|pay(?:check)?|income|bank\s+account))?",
        "Wage garnishment needs a court order; never use it as a threat on a call or in a message.",
        _STANDARD_STEP,
        needs=("garnish",),
    ),
    Rule(
        "credit_bureau",
        "threatening",
        _SUBJ_AUX + r"report(?:ing|ed)?\s+(?:you|this|it|the\s+(?:debt|account|balance)|your\s+(?:debt|account|company))\s+to\s+"
        r"(?:the\s+|all\s+the\s+|all\s+)?(?:credit\s+(?:bureaus?|agenc(?:y|ies)|reference\s+agenc(?:y|ies)|rating\s+agenc(?:y|ies))"
        r"|experian|equifax|transunion|dun\s+(?:and|&)\s+bradstreet)",
        "Credit reporting is a decided step with rules of its own, not something to threaten with; "
        "mention it only if it applies, as a fact.",
        _STANDARD_STEP,
        needs=("bureau", "agenc", "experian", "equifax", "transunion", "bradstreet"),
    ),
    Rule(
        "ruin_credit",
        "threatening",
        rf"(?:ruin|ruins|ruined|destroy|destroys|wreck|wrecks|trash|damage|damages|hurt|hurts|harm)\s+your\s+credit{_CREDIT_NOT_SCORE}"
        r"(?:\s+(?:score|rating|record|report|file|history))?",
        "Telling someone their credit will be ruined is a threat; explain the facts of reporting only if they apply.",
        "be handled under our standard process",
        needs=("credit",),
    ),
    Rule(
        "arrest",
        "threatening",
        _SUBJ_AUX + r"(?:(?:have|get)\s+you\s+arrested|call(?:ing)?\s+the\s+police|(?:press|file|bring)\s+(?:criminal\s+)?charges"
        r"|prosecute\s+you|(?:send|put)\s+you\s+(?:to|in)\s+(?:jail|prison))|you(?:'ll|\s+will|\s+could|\s+may)\s+(?:go\s+to|end\s+up\s+in)\s+(?:jail|prison)",
        "An unpaid invoice is not a crime: never mention arrest, police, prison or criminal charges.",
        _STANDARD_STEP,
        needs=("arrest", "police", "charges", "prosecute", "jail", "prison"),
    ),
    Rule(
        "seize",
        "threatening",
        _SUBJ_AUX + r"(?:seize|seizing|repossess|repossessing|take|taking)\s+(?:away\s+)?your\s+"
        r"(?:house|home|car|cars|property|assets|belongings|business|equipment|vehicle|stock)",
        "Seizing property needs a court order; never threaten it.",
        _STANDARD_STEP,
        needs=("your",),
    ),
    Rule(
        "third_parties",
        "threatening",
        _SUBJ_AUX + r"(?:tell|telling|call|calling|contact|contacting|inform|informing|visit|visiting)\s+your\s+"
        r"(?:employer|boss|family|neighbou?rs|friends|wife|husband|parents|customers|clients|suppliers)",
        "Threatening to involve the debtor's employer, family or business partners is harassment; speak only to the debtor.",
        _STANDARD_STEP,
        needs=("your",),
    ),
    Rule(
        "or_else",
        "threatening",
        r"or\s+else(?=\s*(?:[.!?,;:…)\"]|$|we\b|you\b|i\b))",
        "“Or else” is an open threat; say what will happen next and when, as a fact.",
        "otherwise the account will follow our standard process",
        needs=("else",),
    ),
    Rule(
        "ultimatum",
        "threatening",
        r"(?:this\s+is\s+)?(?:(?:your|the|a|our)\s+)?(?:very\s+)?(?:last|final)\s+(?:chance|warning)(?!\s+(?:letter|notice|e-?mail))",
        "Ultimatums sound like threats; give the next step and its date instead.",
        "this is a reminder",
        needs=("last", "final"),
    ),
    Rule(
        "pay_or_else",
        "threatening",
        r"pay(?:\s+(?:it|this|up|the\s+(?:balance|invoice|amount)))?\s+(?:now|today|immediately|right\s+now|in\s+full)\s+or\s+else"
        r"(?=\s*(?:[.!?,;:…)\"]|$))",
        "“Pay now or else” is an open threat; ask for a date and explain the next step as a fact.",
        "please arrange payment by the agreed date",
        needs=("else",),
    ),
    Rule(
        "pay_or",
        "threatening",
        r"pay(?:\s+(?:it|this|up|the\s+(?:balance|invoice|amount)))?\s+(?:now|today|immediately|right\s+now|in\s+full)\s+or(?:\s+else)?",
        "“Pay now or …” is an ultimatum; ask for a date and explain the next step as a fact.",
        "please arrange payment by the agreed date; otherwise",
        needs=("pay",),
    ),
    Rule(
        "regret",
        "threatening",
        r"you(?:'ll|\s+will|\s+are\s+going\s+to|'re\s+going\s+to)\s+(?:regret\s+(?:this|it)|be\s+sorry)|we\s+know\s+where\s+you\s+live",
        "This is an open threat; state the facts of the account instead.",
        "we would like to resolve this with you",
        needs=("regret", "sorry", "live"),
    ),
    # --- aggressive: pressure, demands, contempt --------------------------------------------
    Rule(
        "must_pay_now",
        "aggressive",
        r"you\s+(?:must|have\s+to|need\s+to)\s+pay(?:\s+(?:this|it|up|the\s+(?:balance|invoice|amount)))?\s+"
        r"(?:immediately|now|right\s+now|right\s+away|at\s+once|this\s+instant)(?!\s+or\b)",
        "Orders sound aggressive; ask for payment and agree on a date.",
        "please arrange payment as soon as possible",
        needs=("must", "have", "need"),
    ),
    Rule(
        "pay_immediately",
        "aggressive",
        r"pay(?:\s+(?:this|it|the\s+(?:balance|invoice|amount)))?\s+(?:immediately|at\s+once|right\s+now|right\s+away|this\s+instant)(?!\s+or\b)",
        "A bare order to pay at once sounds aggressive; ask for payment and agree on a date.",
        "arrange payment as soon as possible",
        unless_before=r"(?:please|kindly|to|could\s+you|can\s+you|able\s+to|wants?\s+to|wanted\s+to|will|would|'ll)\s+$",
        needs=("immediately", "once", "now", "away", "instant"),
    ),
    Rule(
        "pay_up",
        "aggressive",
        r"pay\s+up",
        "“Pay up” is aggressive; ask for payment of the balance.",
        "settle the balance",
        needs=("pay",),
    ),
    Rule(
        "demand",
        "aggressive",
        r"(?P<subj>we|i)\s+(?:must\s+|hereby\s+|now\s+)?demand",
        "Demanding sounds aggressive; ask, and give the reason and the date.",
        "{subj|we} request",
        needs=("demand",),
    ),
    Rule(
        "stop_ignoring",
        "aggressive",
        r"stop\s+ignoring\s+(?:us|me|our\s+(?:calls|emails|e-mails|letters|messages)|my\s+(?:calls|emails|e-mails|messages)|this)",
        "This accuses the customer; say that you have not been able to reach them.",
        "we have not been able to reach you",
        needs=("ignoring",),
    ),
    Rule(
        "no_excuses",
        "aggressive",
        r"no\s+(?:more\s+)?excuses|(?:i|we)\s+(?:don't|do\s+not)\s+(?:want\s+to\s+hear|care\s+about)\s+(?:any\s+|your\s+)?(?:excuses|reasons|problems)",
        "Dismissing the customer's situation ends the conversation; ask what is needed to agree on a date.",
        "let us agree on a date that works",
        needs=("excuse",),
    ),
    Rule(
        "fed_up",
        "aggressive",
        r"(?:i|we)(?:'m|'re|\s+am|\s+are)\s+(?:so\s+|really\s+|getting\s+)?(?:sick\s+and\s+tired\s+of|sick\s+of|tired\s+of|fed\s+up\s+(?:of|with))",
        "Voicing frustration at the customer makes agreement harder; keep to the facts and the next step.",
        "we would like to move forward with",
        needs=("sick", "tired", "fed"),
    ),
    Rule(
        "how_many_times",
        "aggressive",
        r"how\s+many\s+(?:more\s+)?times\s+(?:do|must|will|have|should)\s+(?:i|we)(?:\s+have\s+to)?\s+"
        r"(?:tell|ask|call|remind|say|explain|write|email)(?:\s+(?:you|this|it))?",
        "This sounds exasperated; restate the request calmly.",
        "as mentioned before, we ask",
        needs=("times",),
    ),
    Rule(
        "profanity",
        "aggressive",
        r"(?:what\s+)?the\s+(?:hell|heck|fuck)|damn(?:ed|it)?|goddamn\w*|crap|bullshit|f+u+c+k+\w*|sh[i1]t+\w*|bloody",
        "Swearing is never acceptable in a note or a message to a customer.",
        "",
        needs=("hell", "heck", "fuck", "damn", "crap", "bull", "fu", "shi", "sh1", "bloody"),
    ),
    # --- insulting: name-calling and contempt -----------------------------------------------
    Rule(
        "you_people",
        "insulting",
        r"you\s+people",
        "“You people” is contemptuous; address the customer or their team directly.",
        "your team",
        needs=("people",),
    ),
    Rule(
        "is_insult",
        "insulting",
        rf"(?P<be>(?<=\w)'(?:re|s)|(?<!\w)(?:is|are|was|were|am|be|being)(?!\w))\s+(?:(?:so|such|really|just|totally|completely)\s+)*"
        rf"{_INTENSIFIER}(?:{_INSULT_WORDS}|lying)(?!\w)",
        "Name-calling is never acceptable; describe what happened instead.",
        "{be} mistaken",
        bounded=False,
        unless_before=_CALLED_ME,
        needs=(*_INSULT_NEEDS, "lying"),
    ),
    Rule(
        "deadbeat",
        "insulting",
        rf"{_INTENSIFIER}dead\s*-?\s*beats?",
        "“Deadbeat” is an insult; describe the account instead (e.g. “customer behind on payments”).",
        "customer behind on payments",
        unless_before=_CALLED_ME,
        needs=("beat",),
    ),
    Rule(
        "insult_word",
        "insulting",
        rf"{_INTENSIFIER}(?:{_INSULT_WORDS})",
        "Name-calling is never acceptable; describe what happened instead.",
        "",
        unless_before=_CALLED_ME,
        needs=_INSULT_NEEDS,
    ),
    Rule(
        "you_useless",
        "insulting",
        r"you(?:'re|\s+are)\s+(?:so\s+|really\s+|completely\s+|totally\s+|just\s+)?(?:useless|pathetic|incompetent|hopeless|a\s+joke)",
        "This is insulting; keep to the account and the next step.",
        "we need to find a solution together",
        needs=("useless", "pathetic", "incompetent", "hopeless", "joke"),
    ),
    Rule(
        "stop_lying",
        "insulting",
        r"stop\s+lying|you(?:'re|\s+are)\s+lying|you\s+lied",
        "Calling the customer a liar ends the conversation; say what your records show.",
        "our records show something different",
        needs=("lying", "lied"),
    ),
    Rule(
        "whats_wrong",
        "insulting",
        r"what(?:'s|\s+is)\s+wrong\s+with\s+(?:you|your\s+(?:people|team|company))|shut\s+up",
        "This is insulting; keep to the account and the next step.",
        "let us look at the account together",
        needs=("wrong", "shut"),
    ),
    # --- overpromising: concessions the collector may not grant ----------------------------
    Rule(
        "promise_waive_fee",
        "overpromising",
        r"(?P<who>i|we)\s+(?:can\s+)?(?:promise|promised|guarantee|guaranteed|assure|swear)(?:\s+(?:you|to\s+you))?(?:\s+that)?\s+"
        r"(?:(?:i|we|they|my\s+manager)(?:'ll|\s+will|\s+can|\s+are\s+going\s+to|'re\s+going\s+to|'m\s+going\s+to|\s+am\s+going\s+to)\s+|to\s+)?"
        r"(?:\w+\s+){0,2}?"
        rf"(?:{_CONCESSION_VERB})(?:s|d|ed)?\s+(?P<what>(?:all\s+(?:of\s+)?)?(?:the\s+|your\s+|any\s+|those\s+|these\s+)?{_FEE_NOUN})",
        "Only promise what you are allowed to grant: say you will ask, or quote the offer that has been approved.",
        "{who} will ask whether we can offer a reduction on {what}",
        needs=("promise", "guarantee", "assure", "swear"),
    ),
    Rule(
        "promise_concession",
        "overpromising",
        r"(?P<who>i|we)\s+(?:can\s+)?(?:promise|promised|guarantee|guaranteed|assure|swear)(?:\s+(?:you|to\s+you))?(?:\s+that)?\s+"
        r"(?:(?:i|we|they|my\s+manager)(?:'ll|\s+will|\s+can|\s+are\s+going\s+to|'re\s+going\s+to|'m\s+going\s+to|\s+am\s+going\s+to)\s+|to\s+)?"
        r"(?:\w+\s+){0,2}?"
        rf"(?:{_CONCESSION_VERB})(?:s|d|ed)?",
        "Only promise what you are allowed to grant: say you will ask, or quote the offer that has been approved.",
        "{who} will ask whether we can offer a reduction",
        needs=("promise", "guarantee", "assure", "swear"),
    ),
    Rule(
        "promise_offer",
        "overpromising",
        r"(?P<who>i|we)\s+(?:can\s+)?(?:promise|guarantee|assure)(?:\s+(?:you|to\s+you))?\s+"
        r"(?P<np>(?:a|an|the|your)?\s*(?:full\s+|\d+\s*%\s+|big\s+|special\s+)?"
        r"(?:discount|refund|waiver|write-off|credit\s+note|approval|settlement|reduction|payment\s+plan|extension))"
        r"(?!\s+(?:will|is|are|would|can|should|has|have|gets?|goes)\b)",
        "Only promise what you are allowed to grant: say you will ask, or quote the offer that has been approved.",
        "{who} will ask whether {np} can be approved",
        needs=("promise", "guarantee", "assure"),
    ),
    Rule(
        "guarantee_outcome",
        "overpromising",
        r"(?:(?:i|we)\s+(?:can\s+)?)?guarantee(?:d|s)?\s+(?:that\s+)?[^.!?\n]{0,50}?\b(?:fees?|interest|discount|refund|waive\w*|"
        r"credit\s+note|write-off|approv\w*|settle\w*|no\s+further\s+(?:action|calls|contact)|credit\s+(?:score|rating|record|report|file))\b"
        # The rest of the clause goes too, so the suggestion replaces the whole promise.
        r"[^.!?\n,;]{0,60}",
        "A guarantee about fees, interest, approvals or credit is a promise you may not be able to keep.",
        "I will check with my manager what can be offered",
        # A guarantee as a noun (a bank or parent-company guarantee) is security, not a promise.
        unless_before=r"(?:a|an|the|bank|personal|parent(?:\s+company)?|corporate|payment|performance|their|his|her|its|our)\s+$",
        needs=("guarantee",),
    ),
    Rule(
        "drop_fees",
        "overpromising",
        r"we(?:'ll|\s+will|\s+are\s+going\s+to|'re\s+going\s+to|\s+can|\s+could)\s+(?:definitely\s+|certainly\s+|surely\s+|just\s+|simply\s+)?"
        rf"(?:{_CONCESSION_VERB})\s+(?P<what>(?:all\s+(?:of\s+)?)?(?:the\s+|your\s+|any\s+|those\s+|these\s+)?{_FEE_NOUN})",
        "Waiving fees or interest needs approval; say you will ask rather than promise it.",
        "I will ask whether we can offer a reduction on {what|it}",
        needs=("waive", "drop", "remov", "cancel", "forgive", "write", "wipe", "refund", "revers", "reduc", "discount", "approv"),
    ),
    Rule(
        "no_interest_ever",
        "overpromising",
        r"no\s+(?:more\s+)?(?:interest|fees?|charges?|late\s+fees?)\s+(?:ever|at\s+all|whatsoever|forever)"
        r"|(?:interest|fee)[-\s]free\s+forever|(?:we(?:'ll|\s+will)\s+)?never\s+(?:charge|add|apply)\s+(?:you\s+)?(?:any\s+)?(?:interest|fees?|late\s+fees?)",
        "Promising never to charge interest or fees commits the company beyond your authority.",
        "no interest for the period we agree in writing",
        needs=("ever", "free"),
    ),
    Rule(
        "never_affect_credit",
        "overpromising",
        r"(?:(?:this|it|that)\s+)?(?:will\s+never|won't\s+ever|won't|will\s+not(?:\s+ever)?|would\s+never|wouldn't|would\s+not|can\s+never|"
        r"can't|cannot|can\s+not|never)\s+(?:affect|hurt|harm|impact|damage|touch|show\s+(?:up\s+)?on)\s+your\s+credit"
        rf"{_CREDIT_NOT_SCORE}(?:\s+(?:score|rating|record|report|file|history))?",
        "You cannot know how an account will be reported; never promise that credit will not be affected.",
        "I can't promise how this will be reported to credit agencies",
        needs=("credit",),
    ),
    Rule(
        "no_further_action",
        "overpromising",
        r"(?:we(?:'ll|\s+will)\s+)?never\s+(?:call|contact|bother)\s+you\s+again",
        "Promising never to contact the customer again is not yours to promise.",
        "we will confirm the next steps in writing",
        needs=("again",),
    ),
    # --- style: capitals and exclamation marks (tier 1: only where the wording is clean) ------
    Rule(
        "shouting",
        "aggressive",
        r"(?<![\w'])[A-ZÀ-ÖØ-ÞΑ-ΩА-ЯЁ][A-ZÀ-ÖØ-ÞΑ-ΩА-ЯЁ']+(?:[ \t,;:/-]+[A-ZÀ-ÖØ-ÞΑ-ΩА-ЯЁ][A-ZÀ-ÖØ-ÞΑ-ΩА-ЯЁ']+){3,}(?![\w'])"
        r"|(?<![\w'])[A-ZÀ-ÖØ-ÞΑ-ΩА-ЯЁ][A-ZÀ-ÖØ-ÞΑ-ΩА-ЯЁ']+(?:[ \t,;:/-]+[A-ZÀ-ÖØ-ÞΑ-ΩА-ЯЁ][A-ZÀ-ÖØ-ÞΑ-ΩА-ЯЁ']+){2}(?=\s*!)",
        "Several words in capitals read as shouting; write them in normal case.",
        "",
        ignore_case=False,
        bounded=False,
        case="sentence",
        # Names of companies as ERP systems print them ("ACME TRADING COMPANY LTD") are not shouting.
        unless_phrase=r"(?<![A-Z])(?:LTD|LIMITED|LLC|LLP|INC|CORP|CORPORATION|COMPANY|GMBH|PLC|AG|SA|SARL|SRL|BV|NV|KG|PTY|OY|AB|AS|SPA)\.?$",
        tier=1,
    ),
    Rule(
        "exclamations",
        "aggressive",
        r"(?<![!?])\?*+!(?:\s?+\?*+!)++\?*+",
        "Several exclamation marks read as shouting; one full stop is enough.",
        ".",
        bounded=False,
        tier=1,
        needs=("!",),
    ),
)


# --- matching -------------------------------------------------------------------------------

_QUOTED = re.compile(r"\"[^\"\n]{1,500}\"|“[^”\n]{1,500}”|«[^»\n]{1,500}»|„[^“”\n]{1,500}[“”]")
_PLACEHOLDER = re.compile(r"\{(\w+)(?:\|([^}]*))?\}")
_BEFORE_WINDOW = 48
_MAX_PASSES = 4


@dataclass(frozen=True, slots=True)
class _Compiled:
    rule: Rule
    regex: re.Pattern[str]
    unless_before: re.Pattern[str] | None
    unless_phrase: re.Pattern[str] | None
    order: int


def _compile(rules: Sequence[Rule]) -> tuple[_Compiled, ...]:
    out = []
    for order, rule in enumerate(rules):
        flags = re.IGNORECASE if rule.ignore_case else 0
        source = f"(?<!\\w)(?:{rule.pattern})(?!\\w)" if rule.bounded else rule.pattern
        out.append(
            _Compiled(
                rule=rule,
                regex=re.compile(source, flags),
                unless_before=re.compile(rule.unless_before, re.IGNORECASE) if rule.unless_before else None,
                unless_phrase=re.compile(rule.unless_phrase) if rule.unless_phrase else None,
                order=order,
            )
        )
    return tuple(out)


_COMPILED = _compile(RULES)
_TIERS = tuple(sorted({c.rule.tier for c in _COMPILED}))


def _normalise(text: str) -> str:
    # Same length as the input, so every offset found in it is an offset in the original.
    return text.replace("’", "'").replace("‘", "'")


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _QUOTED.finditer(text)]


def _inside(spans: Iterable[tuple[int, int]], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in spans)


def _fill(template: str, groups: Mapping[str, str | None]) -> str:
    def one(m: re.Match[str]) -> str:
        value = groups.get(m.group(1))
        if not value:
            return m.group(2) or ""
        # A shouted subject ("WE will …") is written in normal case in the suggestion.
        return value.lower() if value.isupper() and value != "I" else value

    return _PLACEHOLDER.sub(one, template)


def _at_sentence_start(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \t\"'“(«":
        i -= 1
    return i < 0 or text[i] in ".!?:;\n"


def _suggestion_for(c: _Compiled, text: str, m: re.Match[str]) -> str:
    phrase = text[m.start() : m.end()]
    suggestion = phrase.lower() if c.rule.case == "sentence" else _fill(c.rule.suggestion, m.groupdict())
    if suggestion and (
        _at_sentence_start(text, m.start()) or (c.rule.case == "match" and phrase[:1].isupper() and not phrase.isupper())
    ):
        suggestion = suggestion[0].upper() + suggestion[1:]
    return suggestion


def _candidates(c: _Compiled, scan: str, original: str, quoted: list[tuple[int, int]]) -> Iterable[ToneFlag]:
    for m in c.regex.finditer(scan):
        start, end = m.start(), m.end()
        if end <= start:
            continue
        if quoted and _inside(quoted, start, end):
            continue
        if c.unless_before is not None and c.unless_before.search(scan[max(0, start - _BEFORE_WINDOW) : start]):
            continue
        if c.unless_phrase is not None and c.unless_phrase.search(scan[start:end]):
            continue
        yield ToneFlag(
            category=c.rule.category,
            phrase=original[start:end],
            start=start,
            end=end,
            message=c.rule.message,
            suggestion=_suggestion_for(c, original, m),
        )


def check(text: str) -> list[ToneFlag]:
    """Every flagged phrase in ``text``, in order, none overlapping another."""
    if not text:
        return []
    scan = _normalise(text)
    quoted = _quoted_spans(scan)
    # casefold, like the regular expressions' IGNORECASE, so the prefilter never hides a match.
    folded = scan.casefold()
    chosen: list[ToneFlag] = []
    for tier in _TIERS:
        found: list[tuple[int, int, int, ToneFlag]] = []
        for c in _COMPILED:
            if c.rule.tier != tier or (c.rule.needs and not any(word in folded for word in c.rule.needs)):
                continue
            for flag in _candidates(c, scan, text, quoted):
                found.append((flag.start, -(flag.end - flag.start), c.order, flag))
        found.sort(key=lambda t: t[:3])
        taken = [(f.start, f.end) for f in chosen]
        for _, _, _, flag in found:
            if any(flag.start < b and a < flag.end for a, b in taken):
                continue
            chosen.append(flag)
            taken.append((flag.start, flag.end))
        if tier != _TIERS[-1] and chosen:
            # Later tiers see flagged wording blanked out, so their matches cannot run across it.
            chars = list(scan)
            for f in chosen:
                chars[f.start : f.end] = "\x00" * (f.end - f.start)
            scan = "".join(chars)
    chosen.sort(key=lambda f: f.start)
    return chosen


def _apply(text: str, flags: Sequence[ToneFlag]) -> str:
    parts: list[str] = []
    pos = 0
    for f in flags:
        head = text[pos : f.start] if f.start >= pos else ""
        skip = 0
        if not f.suggestion:
            # A removed word takes one neighbouring space with it.
            if head.endswith((" ", "\t")):
                head = head[:-1]
            elif text[f.end : f.end + 1] in (" ", "\t"):
                skip = 1
        parts.append(head)
        parts.append(f.suggestion)
        pos = max(pos, f.end + skip)
    parts.append(text[pos:])
    return "".join(parts)


def suggest(text: str) -> str:
    """``text`` with every flagged phrase replaced by its suggestion.

    A rewording can expose another flag (a shouted insult loses its capitals and is then seen
    as an insult), so the replacement repeats until nothing is flagged or a few passes are done.
    """
    for _ in range(_MAX_PASSES):
        flags = check(text)
        if not flags:
            break
        text = _apply(text, flags)
    return text


def as_json(flags: Iterable[ToneFlag]) -> list[dict[str, Any]]:
    """Flags as plain dicts, for Activity.tone_flags."""
    return [asdict(f) for f in flags]


def from_json(data: Iterable[Mapping[str, Any]]) -> list[ToneFlag]:
    """Flags back from Activity.tone_flags; unknown keys are ignored so old rows still load."""
    return [
        ToneFlag(
            category=str(d.get("category", "")),
            phrase=str(d.get("phrase", "")),
            start=int(d.get("start", 0)),
            end=int(d.get("end", 0)),
            message=str(d.get("message", "")),
            suggestion=str(d.get("suggestion", "")),
        )
        for d in data
    ]
