"""LLM providers: resolve which one to use, build it; SDKs are imported only when one is built."""

from reasoning.providers.registry import NoProvider, build_provider, resolve_spec

__all__ = ["NoProvider", "build_provider", "resolve_spec"]
