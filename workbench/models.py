"""The models an endpoint offers, for a model picker."""

from __future__ import annotations

from reasoning.providers.base import ProviderSpec


async def endpoint_models(spec: ProviderSpec) -> list[str]:
    """The models a provider's endpoint lists (raises ProviderError with one line)."""
    from reasoning.providers import build_provider

    provider = build_provider(spec)
    try:
        return await provider.list_models()  # type: ignore[attr-defined, no-any-return]
    finally:
        await provider.aclose()
