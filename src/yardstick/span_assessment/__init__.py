"""Span assessments: people's comments, ratings, approvals, rubric answers, metadata and
corrected outputs on spans (0.7.0 `span_assessments`)."""
