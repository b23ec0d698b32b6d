"""Agreement between raters: coefficients with bootstrap intervals, and the judge-vs-human route."""
