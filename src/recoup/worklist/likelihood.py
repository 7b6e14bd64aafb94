"""How likely an open account is to pay, or to go late: logistic regressions learned from the
ledger's own past, checked on a later period they did not learn from, beside a points scorecard
anyone can follow.

Two questions (`QUESTIONS`). "pay": will payments cover at least half of what the account owes
today within the next 30 days? "late" (the early warning, asked of accounts with nothing past
due): will part of what falls due within 30 days still be unpaid 30 days past its due date? Past
days every 30 days give the examples (each account asked that day, and what then happened); the
latest such day is held out to measure both methods (AUC, Brier score and a calibration table).
The model is used when the history has enough examples of both outcomes and it does no worse
than the scorecard on the held-out day; otherwise the scorecard, whose points map to the share of
past accounts with as many points that answered yes.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score

from recoup.worklist.features import (
    F64,
    FEATURES,
    AccountFeatures,
    LedgerFacts,
    features_on,
    goes_late_within,
    paid_share_within,
)

PAID_SHARE = 0.5
LATE_WITHIN_DAYS = 30
LATE_DAYS = 30
CUT_EVERY_DAYS = 30
CUTS = 8
# Fewer examples, or fewer of either outcome, than this: the scorecard alone.
MIN_EXAMPLES = 200
MIN_OF_EACH = 20


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    words: str
    horizon_days: int  # how long after a day its answer is known
    yes_is_good: bool  # paying is; going late is not (the scorecard's points run the other way)

    def asked_of(self, accounts: AccountFeatures) -> AccountFeatures:
        """The accounts the question is asked of on their day."""
        if self.key == "late":
            return accounts.only(accounts.column("days_past_due") == 0)
        return accounts

    def answers(self, facts: LedgerFacts, accounts: AccountFeatures) -> np.ndarray:
        if self.key == "late":
            return goes_late_within(facts, accounts, LATE_WITHIN_DAYS, LATE_DAYS) > 0
        return paid_share_within(facts, accounts, self.horizon_days) >= PAID_SHARE


PAY = Question("pay", "pay at least half of what it owes within 30 days", 30, True)
LATE = Question(
    "late",
    "have part of what falls due within 30 days still unpaid 30 days after its due date",
    LATE_WITHIN_DAYS + LATE_DAYS,
    False,
)
QUESTIONS = {q.key: q for q in (PAY, LATE)}
# The pay question's words, where a page names what the likelihood means.
QUESTION = PAY.words

# The scorecard: points start at 50; each term (feature, points per unit, cap in units) adds.
SCORECARD: tuple[tuple[str, float, float], ...] = (
    ("days_past_due", -1 / 6, 180),
    ("avg_days_late", -1 / 4, 60),
    ("late_share", -10, 1),
    ("no_payment_history", -5, 1),
    ("days_since_payment", -1 / 12, 180),
    ("promises_kept", 5, 3),
    ("promises_broken", -8, 3),
    ("open_disputes", -15, 1),
    ("right_party_contacts", 4, 3),
)
POINTS_START = 50.0
BAND_WIDTH = 10.0


def scorecard_terms(values: F64) -> F64:
    """Each account's points per scorecard term, shape (accounts, terms)."""
    columns = []
    for name, per_unit, cap in SCORECARD:
        x = np.minimum(values[:, FEATURES.index(name)], cap)
        columns.append(x * per_unit)
    return np.column_stack(columns) if columns else np.zeros((len(values), 0))


def scorecard_points(values: F64) -> F64:
    return POINTS_START + scorecard_terms(values).sum(axis=1)


def _bands(points: F64) -> np.ndarray:
    return np.clip(np.floor(points / BAND_WIDTH), 0, 9).astype(np.int64)


@dataclass(frozen=True, slots=True)
class Quality:
    """How each method did on the held-out day."""

    holdout_day: str
    holdout_accounts: int
    training_accounts: int
    paid_rate: float
    model_auc: float | None
    model_brier: float | None
    scorecard_auc: float | None
    scorecard_brier: float | None
    # (mean predicted, observed, accounts) per fifth of the predictions, for the chosen method
    calibration: list[tuple[float, float, int]] = field(default_factory=list)

    @property
    def held_out_on(self) -> date:
        return date.fromisoformat(self.holdout_day)


@dataclass(frozen=True, slots=True)
class Likelihood:
    """A fitted method: everything needed to score, explain and say how good it is."""

    method: str  # "model" or "scorecard"
    trained_on: str  # ISO day the history ends
    means: list[float]
    scales: list[float]
    weights: list[float]
    intercept: float
    band_rates: list[float]  # the scorecard's share answering yes per band of 10 points
    quality: Quality | None
    question: str = PAY.key

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def key(self) -> str:
        """Equal for equal fits: names this fit in the keys of what it scored."""
        parts = (
            self.method,
            self.trained_on,
            self.means,
            self.scales,
            self.weights,
            self.intercept,
            self.band_rates,
            self.question,
        )
        return hashlib.sha1(repr(parts).encode()).hexdigest()[:16]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Likelihood:
        quality = data.get("quality")
        return cls(
            method=data["method"],
            trained_on=data["trained_on"],
            means=list(data["means"]),
            scales=list(data["scales"]),
            weights=list(data["weights"]),
            intercept=float(data["intercept"]),
            band_rates=list(data["band_rates"]),
            quality=Quality(
                **{**quality, "calibration": [tuple(c) for c in quality["calibration"]]}
            )
            if quality
            else None,
            question=data.get("question", PAY.key),
        )

    def fits(self) -> bool:
        """Whether it scores the features this version reads (a fit kept by an older version
        with other features does not, and is fitted again)."""
        return len(self.means) == len(FEATURES) and self.question in QUESTIONS

    # -- scoring --------------------------------------------------------------------------------
    def standardised(self, values: F64) -> F64:
        return (values - np.asarray(self.means)) / np.asarray(self.scales)

    def model_probability(self, values: F64) -> F64:
        z = self.standardised(values) @ np.asarray(self.weights) + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def scorecard_probability(self, values: F64) -> F64:
        rates: F64 = np.asarray(self.band_rates, dtype=np.float64)
        shares: F64 = rates[_bands(scorecard_points(values))]
        return shares

    def probability(self, values: F64) -> F64:
        if self.method == "model":
            return self.model_probability(values)
        return self.scorecard_probability(values)

    def contributions(self, values: F64) -> F64:
        """Each feature's push on each account's likelihood (log-odds for the model, points for
        the scorecard), shape (accounts, features): the reasons are the largest."""
        if self.method == "model":
            return self.standardised(values) * np.asarray(self.weights)
        out = np.zeros_like(values)
        # Points count towards paying: towards going late, they push the other way.
        terms = scorecard_terms(values) * (1 if QUESTIONS[self.question].yes_is_good else -1)
        for j, (name, _, _) in enumerate(SCORECARD):
            out[:, FEATURES.index(name)] = terms[:, j]
        return out


def _examples(
    facts: LedgerFacts, days: list[date], question: Question
) -> tuple[F64, np.ndarray, list[int]]:
    """Features and outcomes of the accounts asked on each of `days`; the row counts per day."""
    xs, ys, sizes = [], [], []
    for day in days:
        accounts = question.asked_of(features_on(facts, day))
        xs.append(accounts.values)
        ys.append(question.answers(facts, accounts))
        sizes.append(len(accounts.values))
    x = np.vstack(xs) if xs else np.zeros((0, len(FEATURES)))
    y = np.concatenate(ys) if ys else np.zeros(0, dtype=bool)
    return x, y, sizes


def _enough(y: np.ndarray) -> bool:
    return len(y) >= MIN_EXAMPLES and min(int(y.sum()), int((~y).sum())) >= MIN_OF_EACH


def _band_rates(x: F64, y: np.ndarray, question: Question) -> list[float]:
    """The share answering yes per scorecard band (with one yes and one no imagined in each, so
    an empty band reads its points as a share rather than nothing)."""
    bands = _bands(scorecard_points(x)) if len(x) else np.zeros(0, dtype=np.int64)
    prior = np.clip((np.arange(10) * BAND_WIDTH + BAND_WIDTH / 2) / 100, 0.02, 0.98)
    if not question.yes_is_good:
        prior = 1 - prior
    paid = np.bincount(bands, weights=y.astype(np.float64), minlength=10)
    seen = np.bincount(bands, minlength=10)
    return [float(v) for v in (paid + 2 * prior) / (seen + 2)]


def _fit(x: F64, y: np.ndarray) -> tuple[list[float], list[float], list[float], float]:
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales[scales == 0] = 1.0
    fitted = LogisticRegression(C=1.0, max_iter=500).fit((x - means) / scales, y)
    return (
        [float(v) for v in means],
        [float(v) for v in scales],
        [float(v) for v in fitted.coef_[0]],
        float(fitted.intercept_[0]),
    )


def _auc(y: np.ndarray, p: F64) -> float | None:
    return float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None


def _calibration(y: np.ndarray, p: F64) -> list[tuple[float, float, int]]:
    if not len(p):
        return []
    order = np.argsort(p, kind="stable")
    return [
        (float(p[part].mean()), float(y[part].mean()), len(part))
        for part in np.array_split(order, 5)
        if len(part)
    ]


def likelihood_fit(facts: LedgerFacts, today: date, question: Question = PAY) -> Likelihood:
    """Fits both methods to `question` on the ledger's past up to `today`; keeps the better."""
    latest = today - timedelta(days=question.horizon_days)
    days = [latest - timedelta(days=CUT_EVERY_DAYS * k) for k in range(CUTS)]
    x, y, sizes = _examples(facts, days, question)
    held = sizes[0] if sizes else 0
    x_hold, y_hold = x[:held], y[:held]
    x_train, y_train = x[held:], y[held:]
    empty = [0.0] * len(FEATURES)
    card_train = Likelihood(
        "scorecard",
        today.isoformat(),
        empty,
        [1.0] * len(FEATURES),
        empty,
        0.0,
        _band_rates(x_train, y_train, question),
        None,
        question.key,
    )
    card_p = card_train.scorecard_probability(x_hold)
    quality: dict[str, Any] = {
        "holdout_day": latest.isoformat(),
        "holdout_accounts": int(held),
        "training_accounts": len(y_train),
        "paid_rate": float(y.mean()) if len(y) else 0.0,
        "model_auc": None,
        "model_brier": None,
        "scorecard_auc": _auc(y_hold, card_p),
        "scorecard_brier": float(brier_score_loss(y_hold, card_p)) if held else None,
    }
    method = "scorecard"
    means, scales, weights, intercept = empty, [1.0] * len(FEATURES), empty, 0.0
    if _enough(y_train) and held and 0 < y_hold.sum() < held:
        trial = Likelihood(
            "model",
            today.isoformat(),
            *_fit(x_train, y_train),
            band_rates=[],
            quality=None,
            question=question.key,
        )
        model_p = trial.model_probability(x_hold)
        quality["model_auc"] = _auc(y_hold, model_p)
        quality["model_brier"] = float(brier_score_loss(y_hold, model_p))
        if quality["model_brier"] <= (quality["scorecard_brier"] or 1.0):
            method = "model"
            # The held-out day has taught what it can measure: the model used learns from all.
            means, scales, weights, intercept = _fit(x, y)
    chosen_p = (
        Likelihood(
            method,
            today.isoformat(),
            means,
            scales,
            weights,
            intercept,
            _band_rates(x_train, y_train, question),
            None,
            question.key,
        ).probability(x_hold)
        if held
        else np.zeros(0)
    )
    quality["calibration"] = _calibration(y_hold, chosen_p)
    return Likelihood(
        method=method,
        trained_on=today.isoformat(),
        means=means,
        scales=scales,
        weights=weights,
        intercept=intercept,
        band_rates=_band_rates(x, y, question),
        quality=Quality(**quality),
        question=question.key,
    )


# -- reasons in words ---------------------------------------------------------------------------
def _plural(n: float, one: str, many: str) -> str:
    k = round(n)
    return f"{k:,} {one if k == 1 else many}"


def reason_words(name: str, value: float, push: float) -> str | None:
    """A feature's value in words, or None where it says nothing (no disputes, no promises)."""
    match name:
        case "days_past_due":
            return (
                f"oldest open invoice {_plural(value, 'day', 'days')} past due"
                if value
                else ("nothing past due yet")
            )
        case "avg_days_late":
            if value <= 0:
                return "pays on time or early"
            return f"pays {_plural(value, 'day', 'days')} late on average"
        case "late_share":
            return (
                f"{value:.0%} of invoices paid in the last year were late"
                if value >= 0.005
                else None
            )
        case "no_payment_history":
            return "no invoice settled in the last year" if value else None
        case "days_since_payment":
            if value >= 365:
                return "no payment in the last year"
            return f"last payment {_plural(value, 'day', 'days')} ago"
        case "promises_kept":
            return f"{_plural(value, 'promise', 'promises')} kept in 90 days" if value else None
        case "promises_broken":
            return (
                f"{_plural(value, 'broken promise', 'broken promises')} in 90 days"
                if value
                else None
            )
        case "open_disputes":
            return f"{_plural(value, 'open dispute', 'open disputes')}" if value else None
        case "right_party_contacts":
            if value:
                return (
                    f"{_plural(value, 'conversation', 'conversations')} with the debtor in 30 days"
                )
            return "no conversation with the debtor in 30 days" if push < 0 else None
        case "contacts":
            return None if value else "not contacted in 30 days"
        case "old_share":
            return (
                f"{value:.0%} of the balance more than 60 days past due" if value >= 0.005 else None
            )
        case "due_soon_share":
            return (
                f"{value:.0%} of the balance falls due within 30 days"
                if value >= 0.005
                else "nothing falls due within 30 days"
            )
        case "open_invoices":
            return f"{_plural(value, 'open invoice', 'open invoices')}"
        case "balance_log":
            return None
    return None


def top_reasons(values: F64, pushes: F64, count: int = 3) -> list[tuple[str, float]]:
    """The `count` strongest reasons of one account, each with its push (+ raises, - lowers)."""
    return top_reasons_many(values[None, :], pushes[None, :], count)[0]


def top_reasons_many(values: F64, pushes: F64, count: int = 3) -> list[list[tuple[str, float]]]:
    """The `count` strongest reasons of each account (rows of `values` and `pushes`): one sort
    for them all, then words for the few features each needs."""
    if not len(values):
        return []
    order = np.argsort(-np.abs(pushes), axis=1, kind="stable")
    out: list[list[tuple[str, float]]] = []
    for row, ranked in enumerate(order.tolist()):
        said: list[tuple[str, float]] = []
        for j in ranked:
            push = float(pushes[row, j])
            if abs(push) < 1e-9:
                break
            words = reason_words(FEATURES[j], float(values[row, j]), push)
            if words:
                said.append((words, push))
                if len(said) == count:
                    break
        out.append(said)
    return out


def scored(likelihood: Likelihood, accounts: AccountFeatures) -> tuple[F64, F64]:
    """Each account's likelihood and the pushes behind it."""
    return likelihood.probability(accounts.values), likelihood.contributions(accounts.values)
