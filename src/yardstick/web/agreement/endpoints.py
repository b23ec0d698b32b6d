"""`/evaluations/{id}/agreement`: do the reviewers agree, and do the judges agree with them?

The evaluation page loads the cards (`/agreement/cards`) with htmx once it has shown, as it
loads its summary, and only when the evaluation has contributor tasks: the figures cost a read
of the answers and of a few judges' cells, which the page itself never waits for. Each card
links to the page, whose URL holds what it shows, as the API's parameters do: `human` alone for
an alias's reviewers, `human` and `judge` for a judge against it, neither for every contributor
alias; the disagreeing items are listed under `#disagreements`, each linking to its item page.
"""

from fastapi import APIRouter, Request, Response

from yardstick.db.session import ReadSessionDep
from yardstick.web.auth import SignedIn
from yardstick.web.pages import PageRoute, render

router = APIRouter(prefix="/evaluations", route_class=PageRoute, include_in_schema=False)


@router.get("/{evaluation_id}/agreement/cards")
def agreement_cards(
    request: Request, evaluation_id: str, web: SignedIn, session: ReadSessionDep
) -> Response:
    # Imported here: numpy's arithmetic is for these pages, not every start of the server.
    from yardstick.web.agreement.service import FIGURE_NAMES, agreement_page_service

    evaluation = agreement_page_service.get(session, web.principal, evaluation_id)
    cards = agreement_page_service.cards(session, evaluation)
    return render(
        request,
        "evaluations/_agreement.html",
        {"evaluation": evaluation, "cards": cards, "names": FIGURE_NAMES},
    )


@router.get("/{evaluation_id}/agreement")
def agreement_page(
    request: Request,
    evaluation_id: str,
    web: SignedIn,
    session: ReadSessionDep,
    human: str | None = None,
    judge: str | None = None,
) -> Response:
    from yardstick.web.agreement.service import FIGURE_NAMES, agreement_page_service

    found = agreement_page_service.page(
        session, web.principal, evaluation_id, human=human or None, judge=judge or None
    )
    return render(request, "evaluations/agreement.html", {"page": found, "names": FIGURE_NAMES})
