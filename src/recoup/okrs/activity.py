"""Recognising effort counters among key results, and the advice the audit gives about them.

A key result counts activity when what it counts is effort: calls, dials, e-mails, letters, text
messages, visits, contacts and contact attempts, touches, reminders, follow-ups, meetings. We read
that from the line's meaning rather than fixed phrases:

- a number (or "number of", "frequency of", "more") or a "do" / "do more" verb in front of an
  effort noun: "log 80 calls a day", "send 500 reminder e-mails", "raise daily dials";
- an effort noun with a participle or a per-person / per-day rate: "e-mails sent",
  "calls per collector";
- an effort verb with a number of customers: "text 300 customers", "phone every customer";
- a unit that is an effort noun ("calls/day", "letters"), or a KPI that counts effort.

What stays an outcome although it names effort (PRODUCT.md: activity-only key results are
flagged, outcomes are not):

- rates and shares: "right-party contact rate", "share of calls answered" — they measure how
  well the effort lands, not how much of it there was;
- effort inside a phrase about something else: "disputes after reminder e-mails",
  "cash collected from visited accounts", "accounts settled within 3 calls";
- efficiency, effort per result: "calls needed per promise", "e-mails per payment". This is a
  judgement call: fewer calls for the same promise is better work, not busier work, and the
  catalogue's call_to_promise_ratio is read the same way;
- less effort ("decrease inbound calls from confused customers"): a cut in effort is never the
  busy-work trap this rule is about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# KPI ids that count effort. The catalogue has no kind field, and none of its KPIs counts effort
# today (its rates over activities are outcomes); these are the custom metric ids teams use.
# Any other id is read by its words ("outbound_calls_made"), so this list need not be complete.
ACTIVITY_METRICS = frozenset(
    {
        "calls_made",
        "activities_count",
        "contact_attempts",
        "emails_sent",
        "letters_sent",
        "sms_sent",
        "visits_made",
        "reminders_sent",
    }
)

# Effort noun -> the plain name used in the advice.
EFFORT_NOUNS: dict[str, str] = {
    **dict.fromkeys(("call", "calls", "phonecalls"), "calls"),
    **dict.fromkeys(("dial", "dials"), "dials"),
    **dict.fromkeys(("email", "emails", "mailings", "emailings"), "e-mails"),
    **dict.fromkeys(("letter", "letters", "notices", "mailshots"), "letters"),
    **dict.fromkeys(("sms", "smss", "smses", "texts"), "text messages"),
    **dict.fromkeys(("message", "messages"), "messages"),
    **dict.fromkeys(("voicemail", "voicemails"), "voicemails"),
    **dict.fromkeys(("visit", "visits"), "visits"),
    **dict.fromkeys(("contact", "contacts"), "contacts"),
    **dict.fromkeys(("attempt", "attempts"), "contact attempts"),
    **dict.fromkeys(("touches", "touchpoint", "touchpoints"), "touches"),
    **dict.fromkeys(("reminder", "reminders", "chaser", "chasers"), "reminders"),
    **dict.fromkeys(("followup", "followups"), "follow-ups"),
    **dict.fromkeys(("meeting", "meetings"), "meetings"),
    **dict.fromkeys(("activities",), "activities"),
}
# Verbs that are effort themselves, when a number of customers follows ("text 300 customers").
EFFORT_VERBS: dict[str, str] = {
    **dict.fromkeys(("call", "calls", "phone", "phones", "ring", "rings"), "calls"),
    **dict.fromkeys(("dial", "dials"), "dials"),
    **dict.fromkeys(("email", "emails"), "e-mails"),
    **dict.fromkeys(("mail", "mails", "write"), "letters"),
    **dict.fromkeys(("text", "texts", "sms"), "text messages"),
    **dict.fromkeys(("visit", "visits"), "visits"),
    **dict.fromkeys(("contact", "contacts", "touch"), "contacts"),
    **dict.fromkeys(("remind", "reminds", "chase", "chases"), "reminders"),
    **dict.fromkeys(("followup", "followups"), "follow-ups"),
    **dict.fromkeys(("meet", "meets"), "meetings"),
}
PEOPLE = _words(
    "customer customers debtor debtors account accounts client clients payer payers borrower "
    "borrowers household households people case cases invoice invoices company companies promises"
)
# Modifiers that make the noun something other than our effort: a card's payment attempt, a
# visit to the web portal.
NOT_EFFORT_BEFORE = {
    "attempts": frozenset({"payment", "login", "card", "charge"}),
    "attempt": frozenset({"payment", "login", "card", "charge"}),
    "visits": frozenset({"portal", "website", "web", "site", "page", "app"}),
}
DOING = _words(
    "log logs make makes place places send sends dial dials do does complete completes conduct "
    "hold holds perform performs attempt attempts schedule book deliver delivers issue issues "
    "mail mails post handle achieve hit reach get average pay "
    "increase raise boost grow double triple lift expand maximise maximize"
)
# Reducing effort is never the busy-work trap: these end the search for a count.
REDUCING = _words(
    "reduce cut lower decrease fewer less minimise minimize drop shrink halve avoid limit cap"
)
PARTICIPLES = _words(
    "made placed sent logged completed attempted delivered issued held conducted done mailed "
    "dialled dialed performed booked scheduled paid"
)
NUMBER_WORDS = _words(
    "one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty "
    "fifty hundred hundreds thousand thousands dozen dozens more extra additional #n"
)
# Words that may sit between a number and what it counts ("at least 500", "from 60 to 80").
GLUE = _words(
    "to at least most than over above below under up around about approximately roughly nearly "
    "almost some only just minimum maximum min max"
)
ARTICLES = _words("the a an our their its his her each")
# A preposition in front means the effort noun describes something else ("disputes after
# reminder e-mails", "cost per call").
GOVERNING = _words(
    "after following per via through with in on for of about within before without during "
    "across between among into against behind"
)
STOPS = _words("| and or that which who when where if while")
PER_UNIT = _words(
    "day days week weeks month months hour hours shift shifts quarter year collector collectors "
    "agent agents person rep reps fte head account accounts customer customers debtor debtors "
    "member members"
)
RATE_AFTER = _words("rate rates ratio share percentage quality score resolution success conversion")
RATE_WORDS = _words("rate rates ratio share percentage proportion")
CONVERTING = _words(
    "end ends ending ended result results resulting lead leads leading convert converts "
    "converting converted turn turns turning produce producing yield yielding"
)
# What effort is spent for: effort per one of these is efficiency, an outcome.
OUTCOME_PREFIXES = (
    "promise",
    "payment",
    "paid",
    "pay",
    "resol",
    "settle",
    "cure",
    "arrangement",
    "plan",
    "collected",
    "cash",
    "dollar",
    "euro",
    "usd",
    "eur",
    "gbp",
    "kept",
)
PHRASES = (
    (re.compile(r"\bfollow[\s-]*ups\b"), "followups"),
    (re.compile(r"\bfollow[\s-]*up\b"), "followup"),
    (re.compile(r"\bphone calls\b"), "phonecalls"),
    (re.compile(r"\b(number|count|volume|frequency|amount|total|quantity) of\b"), "#n"),
    (re.compile(r"(?<=[a-z])-(?=[a-z])"), ""),
    (re.compile(r"/"), " per "),
)
TOKEN = re.compile(r"\d+(?:[.,]\d+)*|#n|[a-z]+|%|[,:;()!?]")

ADVICE = {
    "calls": "the promise-to-pay rate or the cash collected from the called accounts",
    "dials": "the promise-to-pay rate or the cash collected from the called accounts",
    "voicemails": "the promise-to-pay rate or the cash collected from the called accounts",
    "visits": "the promise-kept rate or the cash collected from the visited accounts",
    "follow-ups": "the promise-kept rate or the cash collected from the accounts followed up",
    "meetings": "payment plans agreed and kept, or disputes settled",
    "contacts": "the right-party contact rate, the promise-to-pay rate or the balance more "
    "than 90 days past due",
}
MESSAGE_ADVICE = (
    "the share of invoices paid by their due date or the cash collected from the accounts that "
    "received them"
)
TITLE_SHOWN = 60


@dataclass(frozen=True, slots=True)
class ActivityMatch:
    effort: str  # the plain name of what is counted, e.g. "calls"
    source: Literal["title", "unit", "metric"]
    metric: str = ""


def _tokens(text: str) -> list[str]:
    text = text.lower()
    for pattern, replacement in PHRASES:
        text = pattern.sub(replacement, text)
    return ["|" if t in ",:;()!?" else t for t in TOKEN.findall(text)]


def _is_count(token: str) -> bool:
    return token[0].isdigit() or token in NUMBER_WORDS


def _label(tokens: list[str], i: int) -> str:
    if tokens[i] == "messages" and i and tokens[i - 1] == "text":
        return "text messages"
    return EFFORT_NOUNS[tokens[i]]


def _counted_before(tokens: list[str], i: int) -> str | None:
    """ "number" when a number stands in front of the noun at i, "verb" when only a doing verb
    does, "" when neither; None when a preposition or a reducing word does (the noun then is
    not what is counted)."""
    counted = ""
    modifiers = 0
    for j in range(i - 1, -1, -1):
        t = tokens[j]
        if _is_count(t):
            counted = "number"
        elif t in DOING:
            return counted or "verb"
        elif t in REDUCING:
            return None
        elif t in GLUE or t in ARTICLES:
            continue
        elif t in ("from", "by") and j + 1 < len(tokens) and _is_count(tokens[j + 1]):
            continue  # "from 60 to 80 calls", "by 200 calls"
        elif t in GOVERNING or t in ("from", "by"):
            return None
        elif t in STOPS:
            return counted
        else:
            modifiers += 1
            if modifiers > 3:
                return counted
    return counted


def _level_percent(tokens: list[str]) -> bool:
    """A percentage that is the level aimed at ("sent on time: 99 %"), not a change of a
    count ("increase calls by 20 %")."""
    return any(t == "%" and not (k >= 2 and tokens[k - 2] == "by") for k, t in enumerate(tokens))


def _per_outcome(after: list[str]) -> bool:
    for k, t in enumerate(after):
        if t == "per" or (t == "for" and k + 1 < len(after) and after[k + 1] in ("each", "every")):
            return any(w.startswith(OUTCOME_PREFIXES) for w in after[k + 1 : k + 4])
    return False


def _counted_after(after: list[str]) -> bool:
    if after and (after[0] in PARTICIPLES or after[0] in ("count", "volume", "total")):
        return True
    if after and after[0] in ("daily", "weekly", "monthly", "hourly"):
        return True
    return any(
        t in ("per", "a", "an", "each", "every") and k + 1 < len(after) and after[k + 1] in PER_UNIT
        for k, t in enumerate(after[:3])
    )


def _after(tokens: list[str], i: int) -> list[str]:
    rest = tokens[i + 1 : i + 7]
    return rest[: rest.index("|")] if "|" in rest else rest


def _is_outcome_context(tokens: list[str], i: int, after: list[str]) -> bool:
    if i and tokens[i - 1] in NOT_EFFORT_BEFORE.get(tokens[i], frozenset()):
        return True
    if tokens[i].startswith("letter") and after[:2] == ["of", "credit"]:
        return True
    return (
        bool(set(after[:2]) & RATE_AFTER)
        or any(
            t in CONVERTING and (k == 0 or after[k - 1] not in ARTICLES)
            for k, t in enumerate(after[:4])
        )
        or _per_outcome(after)
    )


def _counted_noun(tokens: list[str]) -> str | None:
    for i, t in enumerate(tokens):
        if t not in EFFORT_NOUNS:
            continue
        if i + 1 < len(tokens) and tokens[i + 1] in EFFORT_NOUNS:
            continue  # "reminder e-mails": the last noun is what is counted
        after = _after(tokens, i)
        before = _counted_before(tokens, i)
        if before is None or _is_outcome_context(tokens, i, after):
            continue
        if before == "number":
            return _label(tokens, i)
        # Without a number of them, a line aiming at a percentage measures a share of the
        # effort that went well ("letters sent on time: 99 %"): a rate, an outcome.
        if (before or _counted_after(after)) and not _level_percent(tokens):
            return _label(tokens, i)
    return None


def _effort_verb(tokens: list[str]) -> str | None:
    """An effort verb, then a number (or all, every) of customers: "text 300 customers"."""
    for i, t in enumerate(tokens):
        if t not in EFFORT_VERBS:
            continue
        j = i + 1
        while j < len(tokens) and tokens[j] in ("to", "with", "on", "up", "out"):
            j += 1
        if j >= len(tokens) or not (_is_count(tokens[j]) or tokens[j] in ("all", "every")):
            continue
        for k in range(j + 1, min(j + 5, len(tokens))):
            if tokens[k] in PEOPLE:
                return EFFORT_VERBS[t]
            if tokens[k] in STOPS or tokens[k] in GOVERNING:
                break
    return None


def _reads_as_rate(tokens: list[str]) -> bool:
    return bool(set(tokens) & RATE_WORDS) or any(
        _per_outcome(tokens[i:]) for i, t in enumerate(tokens) if t in ("per", "for")
    )


def _unit_effort(tokens: list[str]) -> str | None:
    for i, t in enumerate(tokens):
        if t in EFFORT_NOUNS and not _is_outcome_context(tokens, i, _after(tokens, i)):
            return _label(tokens, i)
    return None


def activity_in(*, title: str, unit: str = "", metric: str = "") -> ActivityMatch | None:
    """What effort the key result counts, or None when it measures an outcome."""
    words = _tokens(title)
    effort = _counted_noun(words) or _effort_verb(words)
    if effort:
        return ActivityMatch(effort, "title")
    unit_words = _tokens(unit)
    effort = _unit_effort(unit_words)
    if effort and not _reads_as_rate(words) and not _reads_as_rate(unit_words):
        return ActivityMatch(effort, "unit")
    if metric:
        id_words = _tokens(metric.replace("_", " "))
        effort = _counted_noun(id_words)
        # A KPI named after a plural effort noun counts it ("contact_attempts"); a singular
        # one names something else ("days_to_first_contact").
        last = id_words[-1] if id_words else ""
        plural = last in EFFORT_NOUNS and last.endswith("s")
        if not effort and (metric in ACTIVITY_METRICS or plural):
            effort = next(
                (
                    _label(id_words, i)
                    for i in range(len(id_words) - 1, -1, -1)
                    if id_words[i] in EFFORT_NOUNS
                ),
                "activities",
            )
        if effort:
            return ActivityMatch(effort, "metric", metric)
    return None


def activity_advice(match: ActivityMatch, title: str) -> tuple[str, str]:
    """The audit's message (why it matters) and fix (what to measure instead)."""
    shown = title.strip()
    if len(shown) > TITLE_SHOWN:
        shown = shown[: TITLE_SHOWN - 1].rstrip() + "…"
    subject = f"'{shown}'" if shown else "This key result"
    why = "the team can hit it and still collect nothing"
    if match.source == "unit":
        message = f"{subject} is counted in {match.effort}, which is effort, not a result: {why}."
    elif match.source == "metric":
        message = f"{subject} is bound to {match.metric}, which counts effort, not a result: {why}."
    else:
        message = f"{subject} counts effort, not a result: {why}."
    family = "contacts" if match.effort in ("contact attempts", "touches", "activities") else None
    outcome = ADVICE.get(family or match.effort, MESSAGE_ADVICE)
    fix = (
        f"Keep it as an initiative and measure what the {match.effort} should change, "
        f"e.g. {outcome}."
    )
    return message, fix
