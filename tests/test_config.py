"""Settings layers: defaults < rag.toml < RAG_* variables < overrides (rag.config)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rag import config
from rag.config import Settings, load
from rag.errors import ConfigError


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No RAG_* or XDG_* variables, an empty HOME, and a working folder without rag.toml."""
    for key in list(os.environ):
        if key.startswith(("RAG_", "XDG_")):
            monkeypatch.delenv(key)
    home = tmp_path / "home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    return home


def write_toml(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults(clean_env: Path) -> None:
    settings = load()
    assert config.config_file() is None
    assert settings == Settings()
    assert settings.data_dir == clean_env / ".local/share/rag-news"
    assert settings.cache_dir == clean_env / ".cache/rag-news"
    assert settings.store_dir == settings.data_dir / "chroma"
    assert settings.uploads_dir == settings.data_dir / "articles"
    assert (settings.collection, settings.chroma_url, settings.llm_url) == ("news", "", "")
    assert (settings.chunk_chars, settings.chunk_overlap, settings.top_k) == (600, 1, 6)
    assert (settings.candidates, settings.rrf_k) == (20, 60)
    assert (settings.n_ctx, settings.max_answer_tokens) == (4096, 320)
    assert settings.temperature == 0.0 and isinstance(settings.temperature, float)
    assert (settings.host, settings.port) == ("127.0.0.1", 7860)


def test_xdg_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    settings = load()
    assert settings.data_dir == tmp_path / "data" / "rag-news"
    assert settings.cache_dir == tmp_path / "cache" / "rag-news"


def test_threads_default_to_all_cores() -> None:
    assert load().threads == (os.cpu_count() or 1)
    assert load({"n_threads": 3}).threads == 3


def test_rag_toml_in_the_working_folder() -> None:
    path = write_toml(Path("rag.toml"), 'top_k = 3\ncollection = "world"\ntemperature = 0.2\n')
    assert config.config_file() == Path("rag.toml")
    settings = load()
    assert (settings.top_k, settings.collection, settings.temperature) == (3, "world", 0.2)
    assert settings.rrf_k == 60  # untouched settings keep their defaults
    assert path.is_file()


def test_rag_toml_in_the_home_config_folder(clean_env: Path) -> None:
    home_file = write_toml(clean_env / ".config/rag-news/rag.toml", "top_k = 4\n")
    assert config.config_file() == home_file
    assert load().top_k == 4
    write_toml(Path("rag.toml"), "top_k = 5\n")  # the working folder's file comes first
    assert load().top_k == 5


def test_rag_config_variable_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_toml(Path("rag.toml"), "top_k = 5\n")
    chosen = write_toml(tmp_path / "elsewhere" / "custom.toml", "top_k = 8\n")
    monkeypatch.setenv("RAG_CONFIG", str(chosen))
    assert config.config_file() == chosen
    assert load().top_k == 8


def test_rag_config_pointing_nowhere_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    write_toml(Path("rag.toml"), "top_k = 5\n")
    monkeypatch.setenv("RAG_CONFIG", str(tmp_path / "missing.toml"))
    assert load().top_k == 5


def test_environment_overrides_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    write_toml(Path("rag.toml"), 'top_k = 3\ncollection = "world"\n')
    monkeypatch.setenv("RAG_TOP_K", "9")
    monkeypatch.setenv("RAG_TEMPERATURE", "0.7")
    monkeypatch.setenv("RAG_NOT_A_SETTING", "ignored")
    settings = load()
    assert settings.top_k == 9
    assert settings.temperature == 0.7
    assert settings.collection == "world"


def test_overrides_beat_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    write_toml(Path("rag.toml"), "top_k = 3\nport = 9000\n")
    monkeypatch.setenv("RAG_TOP_K", "9")
    monkeypatch.setenv("RAG_PORT", "9100")
    settings = load({"top_k": 2, "port": None})
    assert settings.top_k == 2
    assert settings.port == 9100  # None means "not given on the command line"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("top_k", "7", 7),
        ("port", 8080, 8080),
        ("temperature", "0.5", 0.5),
        ("temperature", 1, 1.0),
        ("collection", "world", "world"),
        ("data_dir", "/srv/rag", Path("/srv/rag")),
    ],
)
def test_values_are_converted_to_the_setting_type(name: str, value: object, expected: object):
    result = getattr(load({name: value}), name)
    assert result == expected
    assert (
        isinstance(result, Path) if isinstance(expected, Path) else type(result) is type(expected)
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("top_k", "many"),
        ("top_k", "2.5"),
        ("port", [8080]),
        ("temperature", "hot"),
        ("data_dir", 5),
        ("n_ctx", {"tokens": 4096}),
    ],
)
def test_wrong_types_name_the_setting(name: str, value: object) -> None:
    with pytest.raises(ConfigError, match=repr(name)):
        load({name: value})


@pytest.mark.parametrize(
    ("toml", "name"),
    [
        ('top_k = "many"\n', "top_k"),
        ("temperature = [0.1]\n", "temperature"),
        ("cache_dir = 3\n", "cache_dir"),
    ],
)
def test_wrong_types_in_the_file_name_the_setting(toml: str, name: str) -> None:
    write_toml(Path("rag.toml"), toml)
    with pytest.raises(ConfigError, match=repr(name)):
        load()


def test_wrong_type_in_the_environment_names_the_setting(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("RAG_N_CTX", "big")
    with pytest.raises(ConfigError, match="'n_ctx'"):
        load()


@pytest.mark.parametrize(
    "toml",
    ["top_k = true\n", "top_k = 2.5\n", "chunk_chars = 600.9\n", 'collection = ["news"]\n'],
)
def test_file_values_of_the_wrong_toml_type_are_rejected(toml: str) -> None:
    write_toml(Path("rag.toml"), toml)
    with pytest.raises(ConfigError):
        load()


def test_unknown_override_is_an_error() -> None:
    with pytest.raises(ConfigError, match="'topk'"):
        load({"topk": 3})


def test_unknown_key_in_the_file_is_an_error() -> None:
    write_toml(Path("rag.toml"), "top_k = 3\nmodle = 'qwen'\n")
    with pytest.raises(ConfigError, match="'modle'"):
        load()


def test_invalid_toml_names_the_file() -> None:
    write_toml(Path("rag.toml"), "top_k = \n")
    with pytest.raises(ConfigError, match=r"rag\.toml"):
        load()


def test_paths_are_expanded(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_toml(Path("rag.toml"), 'data_dir = "~/news-data"\n')
    monkeypatch.setenv("RAG_CACHE_DIR", "~/news-cache")
    settings = load()
    assert settings.data_dir == clean_env / "news-data"
    assert settings.cache_dir == clean_env / "news-cache"
    assert settings.store_dir == clean_env / "news-data" / "chroma"
    assert load({"data_dir": Path("~") / "x"}).data_dir == clean_env / "x"


def test_settings_are_frozen_and_replace_coerces() -> None:
    settings = load()
    with pytest.raises(AttributeError):
        settings.top_k = 3  # type: ignore[misc]
    changed = settings.replace(top_k="4")
    assert changed.top_k == 4 and settings.top_k == 6
    with pytest.raises(ConfigError):
        settings.replace(nope=1)
