"""One typed settings object, read from `YARDSTICK_*` environment variables."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YARDSTICK_", extra="ignore")

    database_url: str = "sqlite:///./yardstick.db"
    data_dir: Path = Path("./yardstick-data")
    init_account_id: str | None = None
    init_api_key: str | None = None
    # A 100k-row evaluation create of ~1 KB rows is ~100 MB of JSON, so the default leaves room.
    max_body_bytes: int = Field(default=256 * 1024 * 1024, ge=1024)

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


@lru_cache
def get_settings() -> Settings:
    return Settings()
