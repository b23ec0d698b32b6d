"""Every router of the HTTP API, in one list that the app factory mounts."""

from fastapi import APIRouter

from yardstick import health
from yardstick.dataset.endpoints import router as dataset_router
from yardstick.dataset_item.endpoints import router as dataset_item_router

ROUTERS: list[APIRouter] = [
    health.router,
    dataset_router,
    dataset_item_router,
]
