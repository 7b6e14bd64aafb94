"""The template library: OKRs for collections and credit teams, restated in our own words from
the practice our users describe, bound to KPIs of the catalogue wherever one exists.

Targets relative to the starting point are written as a percentage change (`-20%`), which a plan
turns into a number once the baseline is read at cycle start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from recoup.okrs import kpi


@dataclass(frozen=True, slots=True)
class TemplateKeyResult:
    key: str
    title: str
    kind: str
    unit: str
    # A number, or a change relative to the baseline such as "-20%"; "" for a milestone. Applied
    # from the pages, increase/decrease targets come from the team's history instead
    # (`template_apply`).
    target: str
    metric: str = ""
    params: dict[str, str] = field(default_factory=dict)
    initiatives: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TemplateObjective:
    id: str
    area: str
    title: str
    description: str
    key_results: tuple[TemplateKeyResult, ...]


TEMPLATES: tuple[TemplateObjective, ...] = (
    TemplateObjective(
        id="shrink-90-plus",
        area="debt collection",
        title="Get the long-overdue book under control",
        description="Balances more than 90 days past due are the ones least likely to come back; "
        "bring them down by acting earlier on late payers.",
        key_results=(
            TemplateKeyResult(
                "accounts-90-plus",
                "Fewer customers with a balance over 90 days past due",
                "decrease_to",
                "count",
                "-20%",
                metric="accounts_90_plus",
                initiatives=(
                    "Follow up every late payment within five working days",
                    "Move debt tracking into one shared system",
                    "Refresh the team's collection training",
                ),
            ),
            TemplateKeyResult(
                "on-time-payments",
                "More invoices paid by their due date",
                "increase_to",
                "percent",
                "+15%",
                metric="on_time_payment_rate",
                initiatives=(
                    "Send automatic reminders before and after the due date",
                    "Explain payment terms and channels to customers in a short guide",
                ),
            ),
            TemplateKeyResult(
                "ar-90-plus",
                "Less money sitting more than 90 days past due",
                "decrease_to",
                "money",
                "-30%",
                metric="ar_90_plus",
                initiatives=("Offer a discount for early settlement of old balances",),
            ),
        ),
    ),
    TemplateObjective(
        id="collect-faster",
        area="debt collection",
        title="Turn receivables into cash faster",
        description="Shorten the time between invoice and payment and recover more of what is placed.",
        key_results=(
            TemplateKeyResult(
                "dso",
                "Customers pay sooner: lower days sales outstanding",
                "decrease_to",
                "days",
                "-20%",
                metric="dso",
                initiatives=(
                    "Apply one collection process across every business unit",
                    "Automate reminders for pending payments",
                ),
            ),
            TemplateKeyResult(
                "recovery-rate",
                "Recover a larger share of debt placed for collection",
                "increase_to",
                "percent",
                "+25%",
                metric="recovery_rate",
                initiatives=(
                    "Find the segments with the weakest recovery and change their treatment",
                ),
            ),
            TemplateKeyResult(
                "cei",
                "Collect more of what was collectable in the period",
                "increase_to",
                "percent",
                "+5%",
                metric="cei",
            ),
        ),
    ),
    TemplateObjective(
        id="clean-invoicing",
        area="debt collection",
        title="Send invoices customers can pay without questions",
        description="Accurate, quickly processed invoices remove the first excuse for paying late.",
        key_results=(
            TemplateKeyResult(
                "open-invoices",
                "Fewer invoices left open",
                "decrease_to",
                "count",
                "-30%",
                metric="open_invoices_count",
                initiatives=(
                    "Remind customers automatically of open invoices",
                    "Move invoice processing to a digital workflow",
                ),
            ),
            TemplateKeyResult(
                "invoice-disputes",
                "Fewer invoices disputed because they are wrong",
                "decrease_to",
                "percent",
                "-20%",
                metric="dispute_rate",
                initiatives=(
                    "Check invoices automatically before they are sent",
                    "Train staff on invoice accuracy",
                ),
            ),
        ),
    ),
    TemplateObjective(
        id="collect-fairly",
        area="debt collection",
        title="Collect in a way regulators and customers would call fair",
        description="Quality and compliance beside the cash targets, so that no number is reached "
        "by cutting corners.",
        key_results=(
            TemplateKeyResult(
                "compliance-training",
                "Every team member has completed mandatory compliance training",
                "milestone",
                "",
                "",
                initiatives=(
                    "List the mandatory courses for each role",
                    "Set a completion deadline per course and follow it weekly",
                ),
            ),
            TemplateKeyResult(
                "promises-kept-fairly",
                "More payment arrangements customers can keep",
                "increase_to",
                "percent",
                "+10%",
                metric="promise_kept_rate",
                initiatives=("Review customer feedback monthly and coach on what it shows",),
            ),
            TemplateKeyResult(
                "disputes",
                "Fewer invoices disputed",
                "decrease_to",
                "percent",
                "-20%",
                metric="dispute_rate",
                initiatives=("Run a compliance audit of collection calls each month",),
            ),
        ),
    ),
    TemplateObjective(
        id="lower-delinquency",
        area="credit management",
        title="Lend to customers who pay",
        description="Fewer customers fall behind because credit is granted on better information.",
        key_results=(
            TemplateKeyResult(
                "delinquency",
                "A smaller share of receivables past due",
                "decrease_to",
                "percent",
                "-15%",
                metric="delinquency_rate",
                initiatives=(
                    "Score every new applicant with the updated credit model",
                    "Remind customers every two weeks instead of monthly",
                    "Train collectors in negotiation",
                ),
            ),
            TemplateKeyResult(
                "pct-90-plus",
                "A smaller share of receivables more than 90 days past due",
                "decrease_to",
                "percent",
                "-15%",
                metric="pct_90_plus",
            ),
        ),
    ),
    TemplateObjective(
        id="faster-credit-decisions",
        area="credit management",
        title="Decide on credit quickly and by the rules",
        description="Applicants hear back fast, and decisions follow the credit policy.",
        key_results=(
            TemplateKeyResult(
                "approval-days",
                "Credit decisions in two days on average",
                "decrease_to",
                "days",
                "2",
                metric="credit_approval_days",
                initiatives=(
                    "Automate the credit checks",
                    "Feed credit bureau data into the approval workflow",
                ),
            ),
            TemplateKeyResult(
                "policy-compliance",
                "Decisions that follow the credit policy",
                "stay_above",
                "percent",
                "95",
                metric="credit_policy_compliance_rate",
            ),
        ),
    ),
    TemplateObjective(
        id="recover-more",
        area="credit management",
        title="Recover more of what falls behind",
        description="Customers can arrange payment themselves, and old debt goes to the right partner.",
        key_results=(
            TemplateKeyResult(
                "recovery",
                "Recover a larger share of placed debt",
                "increase_to",
                "percent",
                "+10%",
                metric="recovery_rate",
                initiatives=(
                    "Open a self-service portal for payment arrangements",
                    "Place accounts over 90 days past due with selected agencies",
                    "Report recovery weekly to senior management",
                ),
            ),
            TemplateKeyResult(
                "promises-kept",
                "More payment promises kept",
                "increase_to",
                "percent",
                "+10%",
                metric="promise_kept_rate",
            ),
        ),
    ),
    TemplateObjective(
        id="collector-performance",
        area="collection manager",
        title="A collections team that resolves accounts on the first conversation",
        description="Skilled collectors, working the right accounts, agree payments that hold.",
        key_results=(
            TemplateKeyResult(
                "first-call",
                "More accounts resolved after a single contact",
                "increase_to",
                "percent",
                "+10%",
                metric="first_call_resolution_rate",
                initiatives=(
                    "Give collectors the account history before each call",
                    "Write negotiation scripts per default reason",
                ),
            ),
            TemplateKeyResult(
                "ptp",
                "More right-party contacts end in a promise to pay",
                "increase_to",
                "percent",
                "+10%",
                metric="ptp_rate",
            ),
            TemplateKeyResult(
                "calls-per-promise",
                "Fewer calls needed for each promise to pay",
                "decrease_to",
                "ratio",
                "-10%",
                metric="call_to_promise_ratio",
            ),
            TemplateKeyResult(
                "cost-to-collect",
                "Collect each dollar for less",
                "decrease_to",
                "ratio",
                "-10%",
                metric="cost_to_collect",
            ),
        ),
    ),
)


# Flow KPIs (cash collected, on-time payment rate, recovery rate) are read over the trailing
# quarter: month to date, a reading on the 1st covers one day and makes no baseline.
FLOW_WINDOW_DAYS = 91


def flow_window(metric: str) -> int | None:
    info = kpi.kpi_definitions().get(metric)
    return FLOW_WINDOW_DAYS if info is not None and info.is_flow else None


def template_get(template_id: str) -> TemplateObjective | None:
    return next((t for t in TEMPLATES if t.id == template_id), None)


def template_as_plan(
    template: TemplateObjective, *, owner: str = "", team: str = ""
) -> dict[str, Any]:
    """The template as one `objectives:` entry of a plan file."""
    objective: dict[str, Any] = {
        "key": template.id,
        "title": template.title,
        "description": template.description,
    }
    if owner:
        objective["owner"] = owner
    if team:
        objective["team"] = team
    key_results = []
    for kr in template.key_results:
        item: dict[str, Any] = {"key": kr.key, "title": kr.title, "kind": kr.kind}
        if kr.unit:
            item["unit"] = kr.unit
        if kr.target:
            item["target"] = kr.target
        if owner:
            item["owner"] = owner
        if kr.metric:
            metric: dict[str, Any] = {"id": kr.metric}
            window = flow_window(kr.metric)
            if window is not None:
                metric["window_days"] = window
            if kr.params:
                metric["params"] = dict(kr.params)
            if team:
                metric["filters"] = {"team": [team]}
            item["metric"] = metric
        if kr.initiatives:
            item["initiatives"] = [{"title": t} for t in kr.initiatives]
        key_results.append(item)
    objective["key_results"] = key_results
    return objective


def templates_yaml(templates: tuple[TemplateObjective, ...] = TEMPLATES, **kwargs: str) -> str:
    return yaml.safe_dump(
        {"objectives": [template_as_plan(t, **kwargs) for t in templates]},
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
