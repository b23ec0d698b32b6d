"""What the agreement card and page show, from the API's agreement service.

The figures are `yardstick.agreement.service.agreement_service`'s, exactly as
`GET /v5/evaluations/{id}/agreement` answers them. This module chooses what a page shows:

- the card, per contributor alias: its reviewers' agreement, and the judges' agreement with the
  alias's results (the reviewers' aggregated answers, or answers prefilled from a column). The
  judges are the `auto_evaluation.question` tasks asking the alias's own question; when there
  are none, every judge task (`auto_evaluation.*`, `metric`, `custom_function`) in task order.
  At most JUDGES_SHOWN are shown, the first comparable ones: a judge whose values do not match
  the alias's kind (numbers against labels) or that shares no item with it is passed over. At
  most JUDGES_TRIED are compared, so the card's cost stays a few narrow reads however many
  judges an evaluation has. The judges' figures read only
  cells, so they are kept until the cells change (evaluation/kept.py), as the summary cards'
  histograms are: a million-item evaluation pays its seconds of reads and resamples once. The
  reviewers' figures read the answers, which no cell version follows: they are computed on
  every view, from a few thousand rows;
- the page: the same figures in full, and the disagreeing items, each with its first inputs and
  a link to the item.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from yardstick.agreement.answers import contributor_aliases
from yardstick.agreement.bootstrap import Estimate
from yardstick.agreement.reviewers import ReviewerAgreement
from yardstick.agreement.service import Agreement, agreement_service
from yardstick.agreement.values import estimate_json
from yardstick.auth.service import Principal
from yardstick.errors import Unprocessable
from yardstick.evaluation.kept import kept
from yardstick.evaluation.service import evaluation_service
from yardstick.models import Evaluation
from yardstick.web.evaluation.repository import evaluation_page_repository
from yardstick.web.evaluation.service import CellView, clip

JUDGES_SHOWN = 4
JUDGES_TRIED = 3 * JUDGES_SHOWN
INPUTS_SHOWN = 2
JUDGE_TASKS = ("metric", "custom_function")
SAME_QUESTION_TASK = "auto_evaluation.question"

FIGURE_NAMES = {
    "accuracy": "accuracy",
    "unanimous": "unanimous",
    "cohen_kappa": "Cohen's κ",
    "cohen_kappa_quadratic": "Cohen's κ (quadratic)",
    "fleiss_kappa": "Fleiss' κ",
    "krippendorff_alpha_nominal": "Krippendorff's α (nominal)",
    "krippendorff_alpha_ordinal": "Krippendorff's α (ordinal)",
    "krippendorff_alpha_interval": "Krippendorff's α (interval)",
    "mean": "mean difference (judge − human)",
    "mean_absolute": "mean absolute difference",
}


@dataclass(frozen=True)
class Headline:
    """A figure to show first: its key, its name, its estimate."""

    key: str
    name: str
    estimate: Estimate


@dataclass(frozen=True)
class JudgeRow:
    judge: str
    task_type: str
    n: int
    disagreements: int
    headline: Headline | None


@dataclass(frozen=True)
class AgreementCard:
    alias: str
    reviewers: ReviewerAgreement
    headline: Headline | None
    no_data: str | None  # why there is no reviewer figure
    judges: list[JudgeRow]


@dataclass(frozen=True)
class AgreementCards:
    cards: list[AgreementCard]
    as_of: datetime | None  # when the judges' figures were computed, if not from the latest cells


@dataclass(frozen=True)
class ItemView:
    item_id: str
    inputs: list[tuple[str, CellView]]


@dataclass
class AgreementPage:
    evaluation: Evaluation
    human: str | None
    judge: str | None
    pair: Agreement | None
    reviewers: list[ReviewerAgreement]
    items: dict[str, ItemView] = field(default_factory=dict)  # the disagreeing items shown


def headline(primary: str | None, figures: dict[str, Estimate] | None) -> Headline | None:
    if primary is None or figures is None or primary not in figures:
        return None
    return Headline(primary, FIGURE_NAMES.get(primary, primary), figures[primary])


def judges_for(evaluation: Evaluation, alias: str) -> list[tuple[str, str]]:
    """(alias, task type) of the judges to compare with a contributor alias, most relevant
    first: those asking its own question, else every judge task."""
    tasks = {task["alias"]: task for task in evaluation.tasks}
    question = (tasks[alias].get("configuration") or {}).get("question_id")
    same = [
        (a, t["task_type"])
        for a, t in tasks.items()
        if t["task_type"] == SAME_QUESTION_TASK
        and question is not None
        and (t.get("configuration") or {}).get("question_id") == question
    ]
    if same:
        return same[:JUDGES_TRIED]
    judges = [
        (a, t["task_type"])
        for a, t in tasks.items()
        if t["task_type"].startswith("auto_evaluation.") or t["task_type"] in JUDGE_TASKS
    ]
    return judges[:JUDGES_TRIED]


def _judge_row(row: dict[str, Any]) -> JudgeRow:
    figure = row["estimate"]
    found = None
    if row["primary"] is not None and figure is not None:
        ci95 = figure["ci95"]
        estimate = Estimate(
            figure["value"], None if ci95 is None else tuple(ci95), figure["reason"]
        )
        found = Headline(row["primary"], FIGURE_NAMES.get(row["primary"], row["primary"]), estimate)
    return JudgeRow(row["judge"], row["task_type"], row["n"], row["disagreements"], found)


def _no_data(found: ReviewerAgreement) -> str | None:
    if found.n:
        return None
    return next((w.message for w in found.warnings if w.type == "no_data"), "nothing to compare")


class AgreementPageService:
    def get(self, session: Session, principal: Principal, evaluation_id: str) -> Evaluation:
        return evaluation_service.get(session, principal, evaluation_id)

    def cards(self, session: Session, evaluation: Evaluation) -> AgreementCards:
        aliases = contributor_aliases(evaluation)
        found = agreement_service.reviewers_of(session, evaluation, aliases)
        judges = kept(
            session,
            evaluation,
            "agreement_judges",
            lambda: self._judges(session, evaluation, aliases),
            stale_ok=True,
        )
        cards = []
        for alias in aliases:
            reviewers = found[alias]
            cards.append(
                AgreementCard(
                    alias,
                    reviewers,
                    headline(reviewers.primary, reviewers.coefficients),
                    _no_data(reviewers),
                    [_judge_row(row) for row in judges.value.get(alias, [])],
                )
            )
        return AgreementCards(cards, None if judges.current else judges.computed_at)

    @staticmethod
    def _judges(
        session: Session, evaluation: Evaluation, aliases: list[str]
    ) -> dict[str, list[dict[str, Any]]]:
        """Per contributor alias, the comparable judges' headline figures, as JSON to keep."""
        out: dict[str, list[dict[str, Any]]] = {}
        for alias in aliases:
            rows = out.setdefault(alias, [])
            for judge, task_type in judges_for(evaluation, alias):
                if len(rows) == JUDGES_SHOWN:
                    break
                pair = agreement_service.compare(session, evaluation, human=alias, judge=judge)
                if not pair.n or any(w.type == "mixed_kinds" for w in pair.warnings):
                    continue
                found = headline(pair.primary, pair.coefficients)
                rows.append(
                    {
                        "judge": judge,
                        "task_type": task_type,
                        "n": pair.n,
                        "disagreements": pair.disagreements_total,
                        "primary": found.key if found else None,
                        "estimate": estimate_json(found.estimate if found else None),
                    }
                )
        return out

    def page(
        self,
        session: Session,
        principal: Principal,
        evaluation_id: str,
        *,
        human: str | None,
        judge: str | None,
    ) -> AgreementPage:
        evaluation = evaluation_service.get(session, principal, evaluation_id)
        aliases = contributor_aliases(evaluation)
        out = AgreementPage(evaluation, human, judge, None, [])
        if judge is not None:
            if human is None:
                raise Unprocessable(
                    ["query", "human"], "a judge is compared with a human alias: name both"
                )
            out.pair = agreement_service.get(
                session,
                principal,
                evaluation.id,
                human=human,
                judge=judge,
                include_archived=False,
            )
            out.reviewers = list(out.pair.reviewers.values())
        elif human is not None:
            if human not in aliases:
                raise Unprocessable(
                    ["query", "human"],
                    f"{human!r} is not a contributor alias of this evaluation; they are "
                    + (", ".join(repr(a) for a in aliases) or "none"),
                )
            out.reviewers = [agreement_service.reviewers_of(session, evaluation, [human])[human]]
        else:
            out.reviewers = list(
                agreement_service.reviewers_of(session, evaluation, aliases).values()
            )
        ids = [d.item_id for r in out.reviewers for d in r.disagreements]
        if out.pair is not None:
            ids += [d.item_id for d in out.pair.disagreements]
        out.items = self._items(session, ids)
        return out

    @staticmethod
    def _items(session: Session, ids: list[str]) -> dict[str, ItemView]:
        found = evaluation_page_repository.items(session, sorted(set(ids)))
        views = {}
        for item_id, (text, _) in found.items():
            data: Any = orjson.loads(text)
            inputs = data if isinstance(data, dict) else {"data": data}
            shown = [(k, clip(v)) for k, v in list(inputs.items())[:INPUTS_SHOWN]]
            views[item_id] = ItemView(item_id, shown)
        return views


agreement_page_service = AgreementPageService()
