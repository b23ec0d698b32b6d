from fastapi import APIRouter

from yardstick.auth.dependencies import PrincipalDep
from yardstick.custom_function.schemas import DryRunIn, DryRunOut
from yardstick.custom_function.service import dry_run_service
from yardstick.kit.body import OrjsonRoute
from yardstick.kit.responses import JSONBody

router = APIRouter(prefix="/v5/evaluations/tasks", tags=["evaluations"], route_class=OrjsonRoute)


@router.post("/dry-run", response_model=DryRunOut)
async def dry_run_task(body: DryRunIn, principal: PrincipalDep) -> JSONBody:
    """Run a custom function on sample rows and return each row's result or error; nothing is
    stored."""
    return JSONBody(await dry_run_service.run(body))
