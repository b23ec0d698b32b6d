"""The dry-run route: a custom function on sample rows, in the same sandbox, nothing stored."""
