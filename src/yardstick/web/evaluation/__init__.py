"""The evaluation pages: the list, one evaluation with its results, one item."""
