"""API settings come from the environment, with defaults and precise refusals."""

from __future__ import annotations

import pytest

from api.settings import DEFAULT_PROBLEM_BASE, Settings
from domain.errors import ConfigurationError


def test_no_configuration_gives_the_defaults() -> None:
    assert Settings.from_env({}) == Settings()
    assert Settings().problem_base == DEFAULT_PROBLEM_BASE


def test_settings_are_read_from_shuangshai_variables() -> None:
    settings = Settings.from_env(
        {
            "SHUANGSHAI_HOST": "0.0.0.0",  # noqa: S104 - a value, not a bind
            "SHUANGSHAI_PORT": "9000",
            "SHUANGSHAI_MAX_BATCH": "10",
            "SHUANGSHAI_LOG_LEVEL": "WARNING",
            "SHUANGSHAI_PROBLEM_BASE": "urn:shuangshai:problem:",
        }
    )

    assert (settings.host, settings.port, settings.max_batch) == ("0.0.0.0", 9000, 10)  # noqa: S104
    assert (settings.log_level, settings.problem_base) == (
        "warning",
        "urn:shuangshai:problem:",
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SHUANGSHAI_PORT", "http"),
        ("SHUANGSHAI_PORT", "70000"),
        ("SHUANGSHAI_MAX_BATCH", "0"),
        ("SHUANGSHAI_LOG_LEVEL", "loud"),
        ("SHUANGSHAI_PROBLEM_BASE", "not a uri"),
        ("SHUANGSHAI_WORKERS", "0"),
        ("SHUANGSHAI_WORKERS", "four"),
        ("SHUANGSHAI_NOOP", "maybe"),
    ],
)
def test_a_bad_setting_is_a_configuration_error_naming_it(
    name: str, value: str
) -> None:
    with pytest.raises(ConfigurationError, match=name):
        Settings.from_env({name: value})


def test_workers_and_the_noop_endpoint_are_read_from_the_environment() -> None:
    settings = Settings.from_env({"SHUANGSHAI_WORKERS": "4", "SHUANGSHAI_NOOP": "1"})

    assert (settings.workers, settings.noop_endpoint) == (4, True)
    assert (Settings().workers, Settings().noop_endpoint) == (1, False)
