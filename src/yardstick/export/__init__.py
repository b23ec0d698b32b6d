"""Getting results out: every item of one evaluation as a JSON, JSONL, CSV or Parquet file.

Two routes share this package. `POST /v5/evaluation-items/export` is SGP's: the file comes back
inline, as the `content` string of a small JSON object (`export_method: direct`). `GET
/v5/evaluations/{id}/export` is Yardstick's own download of the bare file, and the only one that
offers Parquet.

Flow: the endpoint checks the evaluation (404 before a byte is sent), then hands a
`StreamingResponse` an iterator that reads the items in keyset pages (`service.lines`: a read
session per page, so neither memory nor an open transaction grows with the evaluation), renders
each item as the JSON text `GET /v5/evaluation-items/{id}` returns (`rows`), and encodes the
page (`formats`, `parquet`). CSV and Parquet need their columns before the first row, so they
read the pages twice: once to collect the flattened columns (`columns.collect`), once to write.

Failure modes: an error after the first byte cannot change the status any more; the server
then drops the connection without ending the body, which HTTP clients report as an incomplete
response (the CLI removes its partial file).
"""
