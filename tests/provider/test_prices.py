"""The price table: built-in prices, snapshot names, the providers file's overrides and checks."""

from pathlib import Path

import pytest

from tests.provider.helpers import settings, write_toml
from yardstick.provider import ModelNotFound, Providers, ProvidersFileError
from yardstick.provider.prices import BUILT_IN, Price, lookup


def test_a_dated_snapshot_takes_its_longest_family_price() -> None:
    openai = BUILT_IN["openai"]
    assert lookup(openai, "gpt-4o") == Price(2.5, 10.0)
    assert lookup(openai, "gpt-4o-2024-08-06") == Price(2.5, 10.0)
    assert lookup(openai, "gpt-4o-mini-2024-07-18") == Price(0.15, 0.6)
    assert lookup(BUILT_IN["anthropic"], "claude-3-5-sonnet-20241022") == Price(3.0, 15.0)
    assert lookup(openai, "gpt-4oz") is None  # a family is followed by `-`, not any text
    assert lookup(openai, "llama-3") is None


def test_a_price_is_usd_per_million_tokens() -> None:
    assert Price(2.5, 10.0).cost(1_000_000, 0) == 2.5
    assert Price(2.5, 10.0).cost(1000, 500) == pytest.approx(0.0075)
    assert Price(2.5, 10.0).cost(None, None) == 0.0


def test_the_providers_file_overrides_and_adds_prices(tmp_path: Path) -> None:
    path = write_toml(
        tmp_path / "providers.toml",
        """
[vendors.openai.prices]
"gpt-4o" = { input = 1, output = 2 }
"my-tune" = { input = 3.5, output = 0 }

[vendors.local]
base_url = "http://127.0.0.1:9/v1"
""",
    )
    providers = Providers(settings(openai_api_key="sk", providers_file=path))
    assert providers.price(providers.route("openai/gpt-4o-2024-08-06")) == Price(1.0, 2.0)
    assert providers.price(providers.route("openai/my-tune")) == Price(3.5, 0.0)
    assert providers.price(providers.route("openai/gpt-4.1")) == Price(2.0, 8.0)  # built in
    assert providers.price(providers.route("local/anything")) is None


@pytest.mark.parametrize(
    ("prices", "problem"),
    [
        ('prices = "cheap"', "prices must be a table"),
        ('prices = { "m" = { input = 1 } }', "prices.m must be"),
        ('prices = { "m" = { input = 1, output = -1 } }', "must be numbers >= 0"),
        ('prices = { "m" = { input = true, output = 1 } }', "must be numbers >= 0"),
        ('prices = { "m" = { input = 1, output = 1, cached = 0.1 } }', "prices.m must be"),
    ],
)
def test_a_bad_price_stops_the_server_at_start(tmp_path: Path, prices: str, problem: str) -> None:
    path = write_toml(
        tmp_path / "providers.toml", f'[vendors.local]\nbase_url = "http://x/v1"\n{prices}\n'
    )
    with pytest.raises(ProvidersFileError, match=problem):
        Providers(settings(providers_file=path))


def test_a_vendor_with_a_model_list_refuses_other_names(tmp_path: Path) -> None:
    path = write_toml(
        tmp_path / "providers.toml",
        '[vendors.local]\nbase_url = "http://x/v1"\nmodels = ["llama-3-8b"]\n',
    )
    providers = Providers(settings(providers_file=path))
    assert providers.route("local/llama-3-8b").upstream_model == "llama-3-8b"
    with pytest.raises(ModelNotFound, match=r"lists for it \(llama-3-8b\), not 'llama-3-8B'"):
        providers.route("local/llama-3-8B")
