"""Spans: SGP's span routes, span assessments, OpenTelemetry ingest and the traces of runs."""
