"""The HTML report of a comparison, built from hand-made `ComparisonOut`s: well-formed, fetches
nothing, escapes what the data says, and draws one forest row and one bar per alias."""

import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from typing import Any

import pytest

from yardstick.compare.report import (
    UNCHANGED_COLOUR,
    VERDICT_COLOURS,
    number,
    p_value,
    render_report,
)
from yardstick.compare.schemas import (
    CategoryTestOut,
    ComparisonOut,
    ComparisonWarningOut,
    MetricComparisonOut,
    PairingOut,
)

HOSTILE_ALIAS = "<script>alert('alias')</script>"
HOSTILE_ID = 'ev_"><b>bold</b>'
HOSTILE_MESSAGE = "</li><script>alert(1)</script> & more"
HOSTILE_VALUE = "<i>yes</i>"
HOSTILE_ITEM = "item<&>"


def metric(alias: str, **overrides: Any) -> MetricComparisonOut:
    """A numeric metric with no significant difference, as the route answers one."""
    fields: dict[str, Any] = {
        "alias": alias,
        "kind": "numeric",
        "higher_is_better": True,
        "n": 40,
        "baseline_mean": 0.5,
        "candidate_mean": 0.51,
        "delta": 0.01,
        "ci_low": -0.02,
        "ci_high": 0.04,
        "ci_method": "paired bootstrap percentile, 2000 resamples, seed 0",
        "test": "Wilcoxon signed-rank",
        "p_value": 0.41,
        "p_adjusted": 0.82,
        "mde": 0.031,
        "verdict": "no_significant_difference",
        "improved": 12,
        "regressed": 10,
        "unchanged": 18,
        "errored": {"baseline": 0, "candidate": 0},
        "most_regressed": [],
        "most_improved": [],
        "categories": None,
    }
    return MetricComparisonOut.model_validate({**fields, **overrides})


REGRESSED = metric(
    "accuracy",
    kind="binary",
    baseline_mean=0.9,
    candidate_mean=0.6,
    delta=-0.3,
    ci_low=-0.45,
    ci_high=-0.15,
    test="exact McNemar",
    p_value=0.0001,
    p_adjusted=0.0003,
    mde=0.12,
    verdict="regressed",
    improved=2,
    regressed=14,
    unchanged=24,
    errored={"baseline": 0, "candidate": 3},
    most_regressed=["ei_3", "ei_1"],
    most_improved=["ei_9"],
)
IMPROVED = metric(
    "latency_ms",
    higher_is_better=False,
    baseline_mean=850.0,
    candidate_mean=610.0,
    delta=-240.0,
    ci_low=-300.0,
    ci_high=-180.0,
    p_value=0.00001,
    p_adjusted=0.00004,
    mde=55.0,
    verdict="improved",
    improved=33,
    regressed=4,
    unchanged=3,
)
NO_DIFFERENCE = metric("f1")
CATEGORICAL = metric(
    "review",
    kind="categorical",
    baseline_mean=None,
    candidate_mean=None,
    delta=None,
    ci_low=None,
    ci_high=None,
    ci_method=None,
    test="exact McNemar per category",
    p_value=0.004,
    p_adjusted=0.012,
    mde=None,
    verdict="changed",
    improved=0,
    regressed=0,
    unchanged=30,
    categories=[
        CategoryTestOut(
            value="yes", baseline_share=0.8, candidate_share=0.55, gained=0, lost=10, p_value=0.002
        ),
        CategoryTestOut(
            value="no", baseline_share=0.2, candidate_share=0.45, gained=10, lost=0, p_value=0.002
        ),
    ],
)
NO_DATA = metric(
    "judge",
    n=0,
    **dict.fromkeys(
        ("baseline_mean", "candidate_mean", "delta", "ci_low", "ci_high", "ci_method", "test")
        + ("p_value", "p_adjusted", "mde")
    ),
    improved=0,
    regressed=0,
    unchanged=0,
)
METRICS = [REGRESSED, IMPROVED, NO_DIFFERENCE, CATEGORICAL, NO_DATA]


def comparison(
    metrics: list[MetricComparisonOut],
    *,
    warnings: list[ComparisonWarningOut] | None = None,
    baseline: str = "ev_base",
    candidate: str = "ev_cand",
) -> ComparisonOut:
    return ComparisonOut(
        object="comparison",
        baseline_evaluation_id=baseline,
        candidate_evaluation_id=candidate,
        alpha=0.05,
        pairing=PairingOut(by="column:id", pairs=40, baseline_only=2, candidate_only=1),
        warnings=warnings or [],
        metrics=metrics,
    )


WARNINGS = [
    ComparisonWarningOut(type="unpaired_items", message="2 baseline and 1 candidate items …"),
    ComparisonWarningOut(type="no_data", message="'judge' has no pair with a result"),
]


def parse(page: str) -> ET.Element:
    """The page parsed as XML: stricter than any browser, so it is well-formed HTML too."""
    return ET.fromstring(page)


def find(element: ET.Element, path: str) -> ET.Element:
    found = element.find(path)
    assert found is not None, path
    return found


def rows(root: ET.Element) -> list[ET.Element]:
    return root.findall(".//svg[@class='forest']/g[@class='forest-row']")


class TagBalance(HTMLParser):
    """What an HTML parser sees: every tag opened must be closed, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()


def balance(page: str) -> TagBalance:
    parser = TagBalance()
    parser.feed(page)
    parser.close()
    return parser


def test_the_page_is_well_formed_and_has_every_part() -> None:
    page = render_report(comparison(METRICS, warnings=WARNINGS))
    assert page.startswith("<!DOCTYPE html>\n")
    parser = balance(page)
    assert parser.errors == [] and parser.stack == []
    root = parse(page)
    assert root.tag == "html"
    header = root.find(".//header")
    assert header is not None
    header_text = "".join(header.itertext())
    assert "ev_base" in header_text and "ev_cand" in header_text
    assert "0.05" in header_text and "column:id" in header_text
    assert "40 (2 only in the baseline, 1 only in the candidate)" in header_text
    warnings = [("".join(li.itertext())) for li in root.findall(".//ul[@class='warnings']/li")]
    assert warnings == [f"{w.type}: {w.message}" for w in WARNINGS]
    sections = root.findall(".//section[@class='metric']")
    assert [s.get("data-alias") for s in sections] == [m.alias for m in METRICS]


def test_no_warnings_no_warnings_section() -> None:
    root = parse(render_report(comparison([NO_DIFFERENCE])))
    assert root.find(".//ul[@class='warnings']") is None
    assert root.find(".//h2[@id='warnings']") is None


def test_the_page_fetches_nothing() -> None:
    page = render_report(comparison(METRICS, warnings=WARNINGS))
    for reference in ("http://", "https://", "src=", "href", "url(", "@import", "@font-face"):
        assert reference not in page
    parser = balance(page)
    assert parser.tags <= {
        *("html", "head", "meta", "title", "style", "body", "header", "section", "h1", "h2"),
        *("h3", "p", "ul", "li", "strong", "code", "span", "table", "tr", "th", "td"),
        *("svg", "g", "text", "line", "circle", "rect"),
    }
    # No namespace declaration either: inline SVG in HTML needs none.
    assert "xmlns" not in page


def test_data_is_escaped_everywhere() -> None:
    hostile = metric(
        HOSTILE_ALIAS,
        kind="categorical",
        delta=None,
        ci_low=None,
        ci_high=None,
        verdict="changed",
        improved=0,
        regressed=0,
        unchanged=30,
        categories=[
            CategoryTestOut(
                value=HOSTILE_VALUE,
                baseline_share=0.5,
                candidate_share=0.2,
                gained=0,
                lost=10,
                p_value=0.002,
            )
        ],
    )
    items = metric("plain", most_regressed=[HOSTILE_ITEM])
    page = render_report(
        comparison(
            [hostile, items],
            warnings=[ComparisonWarningOut(type="errored_cells", message=HOSTILE_MESSAGE)],
            baseline=HOSTILE_ID,
        )
    )
    assert "<script" not in page and "<b>" not in page and "<i>" not in page
    parser = balance(page)
    assert parser.errors == [] and parser.stack == []
    # Attributes too: nothing of the data became an attribute of its own.
    assert not parser.attributes & {"onerror", "onload", "src", "href"}
    root = parse(page)
    # The strict parser reads back exactly the strings given.
    assert rows(root)[0].get("data-alias") == HOSTILE_ALIAS
    assert HOSTILE_ALIAS in "".join(root.itertext())
    assert f"{HOSTILE_ID} → ev_cand" in "".join(find(root, "head/title").itertext())
    text = "".join(root.itertext())
    for hostile_text in (HOSTILE_ID, HOSTILE_MESSAGE, HOSTILE_VALUE, HOSTILE_ITEM):
        assert hostile_text in text


def test_one_forest_row_per_alias_coloured_by_verdict() -> None:
    root = parse(render_report(comparison(METRICS)))
    forest = rows(root)
    assert [row.get("data-alias") for row in forest] == [m.alias for m in METRICS]
    assert [row.get("data-verdict") for row in forest] == [m.verdict for m in METRICS]
    assert VERDICT_COLOURS["regressed"] != VERDICT_COLOURS["improved"]
    for row, m in zip(forest, METRICS, strict=True):
        colour = VERDICT_COLOURS[m.verdict]
        point, ci = row.find("circle[@class='delta']"), row.find("line[@class='ci']")
        if m.delta is None:
            # Categorical and empty aliases have no mean difference to draw.
            assert point is None and ci is None
            reason = "categorical: no mean difference" if m.kind == "categorical" else "no pairs"
            assert reason in "".join(row.itertext())
            continue
        assert point is not None and ci is not None
        assert point.get("fill") == colour and ci.get("stroke") == colour


def test_points_fall_on_the_side_of_zero_their_delta_has() -> None:
    root = parse(render_report(comparison(METRICS)))
    zero = root.find(".//svg[@class='forest']/line[@class='zero']")
    assert zero is not None
    zero_x = float(zero.get("x1", "nan"))
    assert zero.get("x2") == zero.get("x1")
    forest = {row.get("data-alias"): row for row in rows(root)}

    def x(alias: str, element: str, attribute: str) -> float:
        found = forest[alias].find(element)
        assert found is not None
        return float(found.get(attribute, "nan"))

    # Regressed (delta < 0): point and interval left of zero.
    assert (
        x("accuracy", "circle", "cx") < zero_x and x("accuracy", "line[@class='ci']", "x2") < zero_x
    )
    # Lower is better: an improvement is a negative delta, drawn left of zero, and labelled so.
    assert x("latency_ms", "circle", "cx") < zero_x
    assert "lower is better" in "".join(forest["latency_ms"].itertext())
    # No significant difference: the interval crosses zero.
    assert x("f1", "line[@class='ci']", "x1") < zero_x < x("f1", "line[@class='ci']", "x2")


def axis_limits(row: ET.Element) -> list[str]:
    return [
        t.text or "" for t in row.findall("text[@class='small']") if t.text != "lower is better"
    ]


def test_binary_rows_share_a_scale_numeric_rows_have_their_own() -> None:
    small_binary = metric("exact", kind="binary", delta=0.05, ci_low=0.01, ci_high=0.09)
    page = render_report(comparison([REGRESSED, small_binary, NO_DIFFERENCE, IMPROVED]))
    limits = {row.get("data-alias"): axis_limits(row) for row in rows(parse(page))}
    assert limits["accuracy"] == limits["exact"] == ["-0.5", "+0.5"]
    assert limits["f1"] == ["-0.05", "+0.05"]
    assert limits["latency_ms"] == ["-500", "+500"]


def test_a_stacked_bar_of_paired_changes_per_alias() -> None:
    root = parse(render_report(comparison(METRICS)))
    bars = {
        section.get("data-alias"): section.find("svg[@class='changes']")
        for section in root.findall(".//section[@class='metric']")
    }
    accuracy = bars["accuracy"]
    assert accuracy is not None
    segments = {rect.get("class"): rect for rect in accuracy.findall("rect")}
    assert list(segments) == ["improved", "unchanged", "regressed"]
    widths = {name: float(rect.get("width", "nan")) for name, rect in segments.items()}
    total = float(accuracy.get("width", "nan"))
    assert widths == pytest.approx(
        {"improved": total * 2 / 40, "unchanged": total * 24 / 40} | {"regressed": total * 14 / 40}
    )
    assert segments["regressed"].get("fill") == VERDICT_COLOURS["regressed"]
    assert segments["unchanged"].get("fill") == UNCHANGED_COLOUR
    # A categorical alias's changes have no direction: they are "changed", n - unchanged.
    review = bars["review"]
    assert review is not None
    assert {rect.get("class"): "".join(rect.itertext()) for rect in review.findall("rect")} == {
        "unchanged": "30 unchanged",
        "changed": "10 changed",
    }
    assert bars["judge"] is None  # no pairs, no bar


def test_a_table_per_alias_and_categories() -> None:
    root = parse(render_report(comparison(METRICS)))
    sections = {s.get("data-alias"): s for s in root.findall(".//section[@class='metric']")}

    def table(alias: str) -> dict[str, str]:
        found = sections[alias].findall("table[@class='statistics']/tr")
        return {"".join(tr[0].itertext()): "".join(tr[1].itertext()) for tr in found}

    accuracy = table("accuracy")
    assert accuracy["pairs (n)"] == "40"
    assert accuracy["mean, baseline → candidate"] == "0.9 → 0.6"
    assert accuracy["delta"] == "-0.3"
    assert accuracy["interval"].startswith("[-0.45, -0.15]")
    assert accuracy["p"] == "0.0001" and accuracy["p adjusted"] == "0.0003"
    assert accuracy["minimum detectable difference"] == "0.12"
    heading = "".join(find(sections["accuracy"], "h2").itertext())
    assert heading == "accuracy regressed"
    badge = sections["accuracy"].find("h2/span[@class='verdict']")
    assert badge is not None and VERDICT_COLOURS["regressed"] in badge.get("style", "")
    text = "".join(sections["accuracy"].itertext())
    assert "2 improved · 24 unchanged · 14 regressed" in text
    assert "3 in the candidate" in text and "ei_3, ei_1" in text
    assert table("latency_ms")["p"] == "< 0.0001" and table("latency_ms")["better"] == "lower"
    review = table("review")
    assert review["delta"] == review["interval"] == review["minimum detectable difference"] == "—"
    categories = sections["review"].findall("table[@class='categories']/tr")
    assert [[("".join(td.itertext())) for td in tr] for tr in categories[1:]] == [
        ["yes", "80.0%", "55.0%", "0", "10", "0.0020"],
        ["no", "20.0%", "45.0%", "10", "0", "0.0020"],
    ]
    assert sections["accuracy"].find("table[@class='categories']") is None


def test_number_formats() -> None:
    assert number(None) == number(float("nan")) == "—"
    assert number(0.123456) == "0.1235" and number(-0.5, signed=True) == "-0.5"
    assert number(2.0, signed=True) == "+2"
    assert p_value(None) == "—" and p_value(0.00001) == "< 0.0001" and p_value(0.5) == "0.5000"


def test_a_histogram_of_paired_differences_for_numeric_aliases() -> None:
    edges = [-0.3, -0.1, 0.1, 0.3]
    latency = metric(
        "latency_ms",
        higher_is_better=False,
        histogram={"edges": edges, "counts": [5, 30, 5]},
    )
    root = parse(render_report(comparison([REGRESSED, latency, CATEGORICAL])))
    sections = {s.get("data-alias"): s for s in root.findall(".//section[@class='metric']")}
    svg = sections["latency_ms"].find("svg[@class='histogram']")
    assert svg is not None
    bars = svg.findall("rect")
    heights = [float(bar.get("height", "nan")) for bar in bars]
    assert heights[1] == max(heights) and heights[0] == pytest.approx(heights[1] / 6)
    # Lower is better: the bins below zero are the improvements.
    assert [bar.get("fill") for bar in bars] == [
        VERDICT_COLOURS["improved"],
        UNCHANGED_COLOUR,
        VERDICT_COLOURS["regressed"],
    ]
    assert "30 pairs with a difference in [-0.1, 0.1]" in "".join(bars[1].itertext())
    # Categorical aliases draw each value's share per side instead; binary ones have the bar.
    shares = sections["review"].find("svg[@class='shares']")
    assert shares is not None
    widths = [float(r.get("width", "nan")) for r in shares.findall("rect")]
    assert widths[0] / widths[1] == pytest.approx(80 / 55)
    assert sections["accuracy"].find("svg[@class='histogram']") is None
