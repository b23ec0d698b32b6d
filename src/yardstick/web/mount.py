"""Installing the UI on the app: its pages after the API's routes, its static files, `/docs`."""

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from yardstick.web import endpoints
from yardstick.web.agreement import endpoints as agreement_pages
from yardstick.web.compare import endpoints as compare_pages
from yardstick.web.dashboard import endpoints as dashboard_pages
from yardstick.web.dataset import endpoints as dataset_pages
from yardstick.web.evaluation import endpoints as evaluation_pages
from yardstick.web.file import endpoints as file_pages
from yardstick.web.review import endpoints as review_pages

STATIC = "/static"


def install_web(app: FastAPI) -> None:
    """Mount the UI. Call after the API's routers: its catch-all 404 under `/evaluations/` must
    come after every page there, and nothing of it may shadow an API path (none starts with
    `/v5` or `/v1`, which stay the auth gate's)."""
    app.include_router(evaluation_pages.router)
    app.include_router(agreement_pages.router)
    app.include_router(compare_pages.router)
    app.include_router(dataset_pages.router)
    app.include_router(dashboard_pages.router)
    app.include_router(review_pages.router)
    app.include_router(file_pages.router)
    app.include_router(endpoints.router)
    app.mount(STATIC, StaticFiles(packages=[("yardstick.web", "static")]), name="static")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        # FastAPI's page, with Swagger UI's files from this server rather than a CDN. The
        # `x-api-key` and `x-selected-account-id` security schemes of /openapi.json give its
        # "Authorize" button both headers.
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{STATIC}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC}/swagger-ui/swagger-ui.css",
            swagger_favicon_url=f"{STATIC}/favicon.svg",
        )
