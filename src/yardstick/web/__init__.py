"""The web UI: server-rendered pages (Jinja2 templates plus htmx) served by the API's process.

Objects and flow:

- `mount.install_web` adds the UI's routes to the app after the API's, the vendored static files
  at `/static`, and `/docs` (Swagger UI from those files, so it works offline).
- `auth`: sign-in at `/login` with an account id and API key, checked by the API's own check;
  a sealed session cookie; a CSRF token per session, checked on every POST.
- `pages`: rendering (the Jinja2 environment, `render`) and `PageRoute`, the route class of every
  page, which turns errors into HTML pages (404, 400/422 naming the parameter) and a missing
  sign-in into a redirect to `/login`.
- `charts`: SVG drawn on the server (histograms, value shares), readable in both colour schemes.
- Feature folders hold the pages: `evaluation/` serves `/evaluations...`.

Pages read through the same services as the API (`evaluation_service`, the summary and item
services, `span_service`) with the signed-in account's Principal, so another account's ids are
404s exactly as they are for the API. What no service offers (the results table's keyset query
with sorting by a task's value, histogram bins, per-evaluation totals) is SQL in the feature's
repository, over the same indexes the API's lists and summaries use.
"""
