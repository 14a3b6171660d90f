"""MD001 model tier classification against the native audit's criteria."""

from __future__ import annotations

import pytest

from clawfence.audit.checks.models import weakness


@pytest.mark.parametrize("model", ["openai/gpt-3.5-turbo", "anthropic/claude-2.1", "claude-instant-1",
                                   "openai/gpt-4-0613", "anthropic/claude-3-5-haiku", "openai/gpt-4o",
                                   "anthropic/claude-3-7-sonnet", "anthropic/claude-sonnet-4", "claude-opus-4-1"])
def test_weak(model: str) -> None:
    assert weakness(model)


@pytest.mark.parametrize("model", ["anthropic/claude-opus-4-5", "anthropic/claude-sonnet-4.5", "claude-sonnet-4-6",
                                   "openai/gpt-5", "openai/gpt-5.1-codex", "google/gemini-3-pro", "claude-opus-5"])
def test_current(model: str) -> None:
    assert weakness(model) is None
