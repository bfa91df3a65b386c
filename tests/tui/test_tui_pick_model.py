"""F2 lists the models the endpoint offers (OpenAI-compatible /v1/models, Anthropic's models
endpoint) and still takes any name typed in; the status line shows the endpoint in use."""

from __future__ import annotations

from typing import Any

import pytest
from fakellm import FakeLLM
from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import FAKE_SPEC, fixed_app, screen_text, wait_for

from reasoning.providers.base import ProviderError, ProviderSpec
from reasoning.providers.registry import build_provider
from tui.app import PonderApp, ProviderState
from tui.screens.pick_model import ModelPickerModal
from workbench.models import endpoint_models

SIZE = (160, 48)
MODELS = ["zeta-large", "alpha-small", "fake-model", "beta-medium"]


async def open_picker(pilot: Pilot[Any]) -> ModelPickerModal:
    app = pilot.app
    await wait_for(pilot, lambda: not app.provider_state.resolving)  # type: ignore[attr-defined]
    await pilot.press("f2")
    await wait_for(pilot, lambda: isinstance(app.screen, ModelPickerModal))
    modal = app.screen
    assert isinstance(modal, ModelPickerModal)
    return modal


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
async def test_the_endpoints_models_are_listed_through_the_sdk(fake_llm: FakeLLM, kind: str):
    fake_llm.models = MODELS
    url = fake_llm.base_url_openai if kind == "openai" else fake_llm.base_url_anthropic
    provider = build_provider(ProviderSpec(kind=kind, name=kind, model="m", base_url=url))  # type: ignore[arg-type]
    try:
        assert await provider.list_models() == MODELS  # type: ignore[attr-defined]
    finally:
        await provider.aclose()
    assert [r.path for r in fake_llm.requests] == ["/v1/models"]


async def test_an_endpoint_that_cannot_list_is_one_line():
    spec = ProviderSpec(kind="openai", name="local", model="m", base_url="http://127.0.0.1:9/v1")
    with pytest.raises(ProviderError, match=r"^local: cannot list models: "):
        await endpoint_models(spec)


@pytest.mark.usefixtures("openai_env")
async def test_f2_lists_filters_and_picks_a_model(fake_llm: FakeLLM) -> None:
    fake_llm.models = MODELS
    app = PonderApp(db=None)
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_picker(pilot)
        await wait_for(pilot, lambda: len(modal.shown) == 4)
        text = screen_text(app)
        assert f"Endpoint: openai at {fake_llm.base_url_openai}" in text
        assert "4 models" in text
        assert modal.shown == sorted(MODELS)  # sorted for reading
        await pilot.press("ctrl+u", *"med")
        await wait_for(pilot, lambda: modal.shown == ["beta-medium"])
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: app.provider_state.model == "beta-medium")
        port = fake_llm.base_url_openai.split(":")[2].split("/")[0]
        # The status line says where the calls go.
        assert f"provider openai @ 127.0.0.1:{port}" in screen_text(app)


async def test_a_name_typed_in_is_taken_even_if_not_listed() -> None:
    app = fixed_app()
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_picker(pilot)
        await wait_for(pilot, lambda: len(modal.shown) == 3)
        await pilot.press("ctrl+u", *"my-own-model", "enter")
        await wait_for(pilot, lambda: app.session.model == "my-own-model")


async def test_when_the_list_fails_the_picker_says_so_and_typing_still_works() -> None:
    async def failing(spec: ProviderSpec) -> list[str]:
        raise ProviderError("openai: cannot list models: 401 invalid key")

    app = fixed_app(list_models=failing)
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_picker(pilot)
        await wait_for(pilot, lambda: "401 invalid key" in screen_text(app))
        assert "type a name" in screen_text(app)
        assert modal.query_one(Input).value == "fake-model"
        await pilot.press("ctrl+u", *"typed", "enter")
        await wait_for(pilot, lambda: app.session.model == "typed")


async def test_without_a_provider_the_picker_asks_nothing() -> None:
    asked: list[ProviderSpec] = []

    async def spy(spec: ProviderSpec) -> list[str]:
        asked.append(spec)
        return []

    app = PonderApp(
        provider_state=ProviderState(problem="no provider here", resolving=False), list_models=spy
    )
    async with app.run_test(size=SIZE) as pilot:
        await open_picker(pilot)
        assert "No provider to ask." in screen_text(app)
        assert "Endpoint: none" in screen_text(app)
    assert asked == []


def _snapshot(snap_compare: Any, size: tuple[int, int]) -> bool:
    async def before(pilot: Pilot[Any]) -> None:
        modal = await open_picker(pilot)
        await wait_for(pilot, lambda: len(modal.shown) == 3)
        await pilot.pause()

    return bool(snap_compare(fixed_app(), terminal_size=size, run_before=before))


def test_snapshot_model_picker_80x24(snap_compare: Any) -> None:
    assert _snapshot(snap_compare, (80, 24))


def test_snapshot_model_picker_160x48(snap_compare: Any) -> None:
    assert _snapshot(snap_compare, (160, 48))


def test_fake_spec_has_no_base_url() -> None:
    # The deterministic app's status line shows no endpoint: the snapshots stay as they were.
    assert FAKE_SPEC.base_url is None
