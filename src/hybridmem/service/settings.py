"""Configuration from the environment (and an optional ``.env`` file).

Settings are built inside the app factory or a CLI command, never at import time.
The seed's variable names are kept as they are; everything else is ``HYBRIDMEM_*``.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_SECRET_KEY_BYTES = 32
#: zxcvbn's estimate of the guesses a key needs, as a power of ten: 10^24 is ~80 bits.
#: Any random key of 32+ characters is far above (hex: ~10^31); repeats, sequences,
#: keyboard walks and word salads such as "abcdefgh" x 4 (10^2) are far below.
MIN_SECRET_KEY_GUESSES_LOG10 = 24.0
_WEAK_SECRET_MARKERS = (
    "secret",
    "changeme",
    "change-me",
    "change_me",
    "password",
    "example",
    "default",
    "placeholder",
    "your",
    "xxxx",
    "1234",
)
# The small-model profile's decoding, chosen by measurement (docs/benchmarks.md, "Answers
# from memory"): greedy decoding and no repetition penalty (it penalises copying the
# remembered value from the prompt), a chat-sized cap, and stop at a paragraph break or
# an invented next turn.
SMALL_MODEL_TEMPERATURE = 0.0
SMALL_MODEL_MAX_OUTPUT_TOKENS = 64
SMALL_MODEL_STOP = ("\n\n", "User:", "<|im_end|>")
STANDARD_MAX_OUTPUT_TOKENS = 512


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("hybridmem", appauthor=False))


def weak_secret_reason(key: str | None) -> str | None:
    """Why a secret key is unfit for production, or None when it is fine."""
    if not key:
        return "SECRET_KEY is not set"
    if len(key.encode()) < MIN_SECRET_KEY_BYTES:
        return f"SECRET_KEY is shorter than {MIN_SECRET_KEY_BYTES} bytes"
    lowered = key.lower()
    if any(marker in lowered for marker in _WEAK_SECRET_MARKERS) or len(set(key)) < 8:
        return "SECRET_KEY looks like a default or placeholder value"
    if _guesses_log10(key) < MIN_SECRET_KEY_GUESSES_LOG10:
        return "SECRET_KEY is too predictable (repeats, sequences, keyboard walks or words)"
    return None


def _guesses_log10(key: str) -> float:
    # Imported here: only production start-up checks the key, and the lists are large.
    from zxcvbn import zxcvbn

    # zxcvbn refuses input over 72 characters; a weak pattern shows in the first 72
    return float(zxcvbn(key[:72])["guesses_log10"])


def _default_hash_threads() -> int:
    # One bcrypt thread per core, up to 4; the event loop shares the cores with them.
    return max(1, min(4, os.cpu_count() or 1))


class Settings(BaseSettings):
    """Every setting of the service. See docs/configuration.md."""

    model_config = SettingsConfigDict(
        env_prefix="HYBRIDMEM_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    env: Literal["development", "test", "production"] = "development"

    # Seed names, honoured as they are.
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "HYBRIDMEM_DATABASE_URL")
    )
    secret_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SECRET_KEY", "HYBRIDMEM_SECRET_KEY")
    )
    algorithm: Literal["HS256", "HS384", "HS512"] = Field(
        default="HS256", validation_alias=AliasChoices("ALGORITHM", "HYBRIDMEM_ALGORITHM")
    )
    gemini_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("GEMINI_API_KEY", "HYBRIDMEM_GEMINI_API_KEY")
    )
    zep_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ZEP_API_KEY", "HYBRIDMEM_ZEP_API_KEY")
    )
    zep_base_url: str = Field(
        default="https://api.getzep.com",
        validation_alias=AliasChoices("ZEP_BASE_URL", "HYBRIDMEM_ZEP_BASE_URL"),
    )
    mem0_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("MEM0_API_KEY", "HYBRIDMEM_MEM0_API_KEY")
    )
    mem0_api_url: str = Field(
        default="https://api.mem0.ai",
        validation_alias=AliasChoices("MEM0_API_URL", "HYBRIDMEM_MEM0_API_URL"),
    )

    # Storage.
    data_dir: Path = Field(default_factory=_default_data_dir)
    db_pool_min_size: int = Field(default=1, ge=1, le=100)
    db_pool_max_size: int = Field(default=10, ge=1, le=200)
    db_acquire_timeout_seconds: float = Field(default=10.0, gt=0)
    db_connect_timeout_seconds: float = Field(default=10.0, gt=0)
    db_statement_timeout_ms: int = Field(default=15_000, ge=100)
    migrate_on_start: bool = True

    # HTTP.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    #: The body limit of ``POST /api/users/me/import`` (and of ``hybridmem import``'s
    #: file), in place of max_body_bytes: an export document is the user's whole memory.
    max_import_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = False

    # Auth.
    access_token_ttl_seconds: int = Field(default=3600, ge=60, le=7 * 24 * 3600)
    jwt_issuer: str = "hybridmem"
    jwt_audience: str = "hybridmem-api"
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)
    login_max_failures: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)
    login_lockout_seconds: int = Field(default=300, ge=1)
    password_hash_threads: int = Field(default_factory=_default_hash_threads, ge=1, le=64)
    login_address_max_failures: int = Field(default=20, ge=1)
    login_address_window_seconds: int = Field(default=300, ge=1)
    login_address_max_in_flight: int = Field(default=8, ge=1)
    login_global_max_failures: int = Field(default=300, ge=1)
    login_max_queued: int = Field(default=64, ge=0)
    login_max_queued_suspect: int = Field(default=8, ge=0)
    login_queue_timeout_seconds: float = Field(default=10.0, gt=0)
    login_refusal_delay_seconds: float = Field(default=1.0, ge=0, le=30)
    forwarded_allow_ips: str = ""
    # MCP over HTTP (/mcp): the Host and Origin headers accepted (DNS-rebinding
    # protection), comma-separated; "host:*" allows any port, "*" turns the check off.
    mcp_allowed_hosts: str = "127.0.0.1:*,localhost:*,[::1]:*"
    mcp_allowed_origins: str = "http://127.0.0.1:*,http://localhost:*,http://[::1]:*"

    # Memory roles: which backend plays each (auto: a key present selects its cloud).
    history: Literal["auto", "postgres", "zep"] = "auto"
    graph: Literal["auto", "postgres", "zep"] = "auto"
    facts: Literal["auto", "postgres", "mem0"] = "auto"
    zep_ignore_roles: list[str] = Field(default_factory=list)
    provider_timeout_seconds: float = Field(default=15.0, gt=0)

    # Language model.
    llm: Literal["auto", "gemini", "openai", "local"] = "auto"
    gemini_model: str = "gemini-3.7-flash"
    gemini_base_url: str | None = None
    llm_base_url: str | None = None
    llm_model: str = "local"
    llm_api_key: SecretStr | None = None
    local_model_path: Path | None = None
    local_model_threads: int = Field(default=1, ge=1, le=64)
    local_model_context_tokens: int = Field(default=4096, ge=512)
    llm_context_tokens: int | None = Field(default=None, ge=512)
    llm_timeout_seconds: float = Field(default=60.0, gt=0)
    llm_profile: Literal["auto", "small", "standard"] = "auto"
    llm_max_output_tokens: int | None = Field(default=None, ge=16)
    llm_temperature: float | None = Field(default=None, ge=0, le=2)
    llm_top_p: float | None = Field(default=None, gt=0, le=1)
    llm_top_k: int | None = Field(default=None, ge=0)
    llm_repeat_penalty: float | None = Field(default=None, gt=0, le=3)
    llm_stop: list[str] | None = None
    llm_extraction: Literal["auto", "on", "off"] = "auto"
    llm_tools: Literal["auto", "on", "off"] = "auto"
    chat_history_messages: int = Field(default=6, ge=0, le=50)
    chat_turns_per_minute: int = Field(default=30, ge=0)

    # Embeddings (semantic search; needs the `embeddings` extra and pgvector).
    embeddings: Literal["auto", "on", "off"] = "auto"
    embedding_model_path: Path | None = None

    # Memory.
    memory_source_timeout_seconds: float = Field(default=2.0, gt=0)
    context_budget_tokens: int = Field(default=1200, ge=50)
    recall_limit: int = Field(default=10, ge=1, le=100)
    # Context units: messages shown around each recalled message (same session); the
    # next one by default (LoCoMo dev: recall@10 0.605 -> 0.700 for 806 tokens, not 481).
    recall_turns_before: int = Field(default=0, ge=0, le=5)
    recall_turns_after: int = Field(default=1, ge=0, le=5)
    worker_in_process: bool = True
    worker_idle_seconds: float = Field(default=0.2, gt=0)
    job_max_attempts: int = Field(default=8, ge=1)
    # Memory.flush() waits while the backlog moves; it gives up after this long without.
    flush_stall_seconds: float = Field(default=60.0, gt=0)

    # Housekeeping.
    session_retention_days: float = Field(default=30.0, ge=0)
    purge_interval_seconds: float = Field(default=3600.0, gt=0)

    @model_validator(mode="after")
    def _production_needs_a_strong_key(self) -> Settings:
        if self.env == "production":
            reason = weak_secret_reason(
                self.secret_key.get_secret_value() if self.secret_key else None
            )
            if reason:
                raise ValueError(
                    f"{reason}. In production set SECRET_KEY to at least "
                    f"{MIN_SECRET_KEY_BYTES} random bytes, e.g. the output of "
                    "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
                )
        if self.db_pool_min_size > self.db_pool_max_size:
            raise ValueError("HYBRIDMEM_DB_POOL_MIN_SIZE exceeds HYBRIDMEM_DB_POOL_MAX_SIZE")
        return self

    @property
    def llm_provider(self) -> str:
        """The model backend: forced by HYBRIDMEM_LLM, else chosen by which keys are set."""
        if self.llm != "auto":
            return self.llm
        if self.gemini_api_key is not None:
            return "gemini"
        if self.llm_base_url:
            return "openai"
        return "local"

    @property
    def history_backend(self) -> str:
        """Where messages are mirrored besides PostgreSQL (the system of record)."""
        if self.history != "auto":
            return self.history
        return "zep" if self.zep_api_key is not None else "postgres"

    @property
    def graph_backend(self) -> str:
        """Which graph plays the temporal knowledge graph role."""
        if self.graph != "auto":
            return self.graph
        return "zep" if self.zep_api_key is not None else "postgres"

    @property
    def facts_backend(self) -> str:
        """Which store plays the fact memory role."""
        if self.facts != "auto":
            return self.facts
        return "mem0" if self.mem0_api_key is not None else "postgres"

    @model_validator(mode="after")
    def _cloud_roles_need_keys(self) -> Settings:
        if "zep" in (self.history_backend, self.graph_backend) and self.zep_api_key is None:
            raise ValueError("HYBRIDMEM_HISTORY/HYBRIDMEM_GRAPH=zep needs ZEP_API_KEY")
        if self.facts_backend == "mem0" and self.mem0_api_key is None:
            raise ValueError("HYBRIDMEM_FACTS=mem0 needs MEM0_API_KEY")
        return self

    @property
    def llm_small_model(self) -> bool:
        """The small-model profile (compact prompt, greedy short replies): by default for
        the embedded model and any GGUF it runs; forced with HYBRIDMEM_LLM_PROFILE."""
        if self.llm_profile == "auto":
            return self.llm_provider == "local"
        return self.llm_profile == "small"

    @property
    def llm_reply_tokens(self) -> int:
        """The cap on a chat reply's length."""
        if self.llm_max_output_tokens is not None:
            return self.llm_max_output_tokens
        return SMALL_MODEL_MAX_OUTPUT_TOKENS if self.llm_small_model else STANDARD_MAX_OUTPUT_TOKENS

    @property
    def llm_sampling(self) -> dict[str, Any]:
        """Decoding settings for chat (OpenAI-compatible and local models); None leaves a
        setting to the model server."""
        small = self.llm_small_model
        temperature = self.llm_temperature
        if temperature is None and small:
            temperature = SMALL_MODEL_TEMPERATURE
        stop = self.llm_stop
        if stop is None and small:
            stop = list(SMALL_MODEL_STOP)
        return {
            "max_tokens": self.llm_reply_tokens,
            "temperature": temperature,
            "top_p": self.llm_top_p,
            "top_k": self.llm_top_k,
            "repeat_penalty": self.llm_repeat_penalty,
            "stop": stop or None,
        }

    @property
    def llm_tools_enabled(self) -> bool:
        """Memory tools for the agent: on for Gemini by default; OpenAI-compatible servers
        host models of every ability, so there it is opt-in; never for the tiny local one."""
        if self.llm_tools == "auto":
            return self.llm_provider == "gemini"
        return self.llm_tools == "on" and self.llm_provider != "local"

    @property
    def mcp_host_check(self) -> tuple[list[str], list[str]] | None:
        """The Host and Origin values /mcp accepts, or None when the check is off."""
        hosts = [h.strip() for h in self.mcp_allowed_hosts.split(",") if h.strip()]
        origins = [o.strip() for o in self.mcp_allowed_origins.split(",") if o.strip()]
        if "*" in hosts:
            return None
        return hosts, origins

    @property
    def access_token_ttl(self) -> timedelta:
        """Lifetime of an access token."""
        return timedelta(seconds=self.access_token_ttl_seconds)

    @property
    def session_retention(self) -> timedelta:
        """How long soft-deleted sessions are kept before purge."""
        return timedelta(days=self.session_retention_days)


def resolve_secret_key(settings: Settings) -> str:
    """The signing key: SECRET_KEY when set, else (outside production) one kept on disk.

    The generated key is written once to ``<data_dir>/secret_key`` with mode 0600, so
    tokens survive restarts of a development server.
    """
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    if settings.env == "production":  # the validator already refused this; belt and braces
        raise ValueError("SECRET_KEY is not set")
    path = settings.data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(key, encoding="utf-8")
    return key
