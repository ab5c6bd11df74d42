"""Settings: seed variable names, production key checks, the development key file."""

from __future__ import annotations

import stat

import pytest
from pydantic import ValidationError

from hybridmem.service.settings import Settings, resolve_secret_key, weak_secret_reason

STRONG = "k3Jx9-pQ2vLm7sT4wZ8yB1nC6dF0gH5jR-aEuIoPqWxYz"


def test_seed_names_are_honoured(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.example/app?sslmode=require")
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("ALGORITHM", "HS512")
    monkeypatch.setenv("GEMINI_API_KEY", "g-placeholder")
    monkeypatch.setenv("ZEP_API_KEY", "z-placeholder")
    monkeypatch.setenv("ZEP_BASE_URL", "https://zep.internal")
    monkeypatch.setenv("MEM0_API_KEY", "m-placeholder")
    monkeypatch.setenv("MEM0_API_URL", "https://mem0.internal")
    monkeypatch.setenv("HYBRIDMEM_PORT", "9000")
    settings = Settings(_env_file=None)
    assert settings.database_url.endswith("sslmode=require")
    assert settings.secret_key.get_secret_value() == STRONG
    assert settings.algorithm == "HS512"
    assert settings.gemini_api_key.get_secret_value() == "g-placeholder"
    assert settings.zep_base_url == "https://zep.internal"
    assert settings.mem0_api_url == "https://mem0.internal"
    assert settings.port == 9000


def test_secrets_do_not_leak_through_repr(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", STRONG)
    assert STRONG not in repr(Settings(_env_file=None))


@pytest.mark.parametrize(
    "key",
    [
        None,
        "short",
        "change-me-please-change-me-please-123",
        "a" * 40,
        "your-super-secret-key-here-xx-0123",
        "abcdefgh" * 4,  # 32 bytes and 8 distinct characters, but a repeat
        "0123456789abcdef0123456789abcdef",
        "qwertyuiopasdfghjklzxcvbnm123456",
        "Tr0ub4dor&3Tr0ub4dor&3Tr0ub4dor&3",
    ],
)
def test_production_refuses_weak_keys(monkeypatch, key):
    monkeypatch.setenv("HYBRIDMEM_ENV", "production")
    if key is not None:
        monkeypatch.setenv("SECRET_KEY", key)
    else:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(_env_file=None)


def test_production_accepts_a_strong_key(monkeypatch):
    monkeypatch.setenv("HYBRIDMEM_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG)
    assert Settings(_env_file=None).env == "production"
    assert weak_secret_reason(STRONG) is None


def test_development_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    settings = Settings(_env_file=None, data_dir=tmp_path)
    first = resolve_secret_key(settings)
    second = resolve_secret_key(Settings(_env_file=None, data_dir=tmp_path))
    assert first == second
    assert len(first) >= 48
    mode = (tmp_path / "secret_key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_unknown_algorithm_is_refused(monkeypatch):
    monkeypatch.setenv("ALGORITHM", "none")
    with pytest.raises(ValidationError):
        Settings(_env_file=None)


@pytest.mark.parametrize("key", ["abcdefgh" * 4, "Tr0ub4dor&3Tr0ub4dor&3Tr0ub4dor&3"])
def test_low_entropy_keys_are_named_as_predictable(key):
    assert "predictable" in (weak_secret_reason(key) or "")


def test_random_keys_of_the_minimum_length_pass():
    import secrets

    for _ in range(50):
        for key in (secrets.token_hex(16), secrets.token_urlsafe(24)):
            assert weak_secret_reason(key) is None, key


def test_the_embedded_model_gets_the_small_model_profile(monkeypatch):
    for name in ("GEMINI_API_KEY", "HYBRIDMEM_LLM_BASE_URL", "HYBRIDMEM_LLM"):
        monkeypatch.delenv(name, raising=False)
    local = Settings(_env_file=None)
    assert local.llm_provider == "local"
    assert local.llm_small_model
    assert local.llm_sampling == {
        "max_tokens": 64,
        "temperature": 0.0,
        "top_p": None,
        "top_k": None,
        "repeat_penalty": None,
        "stop": ["\n\n", "User:", "<|im_end|>"],
    }
    remote = Settings(_env_file=None, llm_base_url="http://127.0.0.1:11434/v1")
    assert not remote.llm_small_model
    assert remote.llm_sampling["max_tokens"] == 512
    assert remote.llm_sampling["temperature"] is None
    assert remote.llm_sampling["stop"] is None


def test_decoding_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("HYBRIDMEM_LLM_BASE_URL", "http://127.0.0.1:11434/v1")
    monkeypatch.setenv("HYBRIDMEM_LLM_PROFILE", "small")
    monkeypatch.setenv("HYBRIDMEM_LLM_TEMPERATURE", "0.3")
    monkeypatch.setenv("HYBRIDMEM_LLM_TOP_K", "20")
    monkeypatch.setenv("HYBRIDMEM_LLM_REPEAT_PENALTY", "1.05")
    monkeypatch.setenv("HYBRIDMEM_LLM_STOP", '["###"]')
    monkeypatch.setenv("HYBRIDMEM_LLM_MAX_OUTPUT_TOKENS", "96")
    settings = Settings(_env_file=None)
    assert settings.llm_provider == "openai"
    assert settings.llm_small_model
    assert settings.llm_sampling == {
        "max_tokens": 96,
        "temperature": 0.3,
        "top_p": None,
        "top_k": 20,
        "repeat_penalty": 1.05,
        "stop": ["###"],
    }
    monkeypatch.setenv("HYBRIDMEM_LLM_STOP", "[]")
    monkeypatch.setenv("HYBRIDMEM_LLM_PROFILE", "standard")
    settings = Settings(_env_file=None, llm="local")
    assert not settings.llm_small_model
    assert settings.llm_sampling["stop"] is None


def test_mcp_allowed_hosts_are_a_list_and_star_turns_the_check_off(monkeypatch):
    assert Settings(_env_file=None).mcp_host_check == (
        ["127.0.0.1:*", "localhost:*", "[::1]:*"],
        ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
    )
    monkeypatch.setenv("HYBRIDMEM_MCP_ALLOWED_HOSTS", " memory.example , 10.0.0.5:8000,")
    monkeypatch.setenv("HYBRIDMEM_MCP_ALLOWED_ORIGINS", "https://memory.example")
    assert Settings(_env_file=None).mcp_host_check == (
        ["memory.example", "10.0.0.5:8000"],
        ["https://memory.example"],
    )
    monkeypatch.setenv("HYBRIDMEM_MCP_ALLOWED_HOSTS", "*")
    assert Settings(_env_file=None).mcp_host_check is None
