"""The reasoning engine: paradigms, streaming parsers, providers and typed events.

Imports neither textual nor sqlite; heavy provider SDKs are imported lazily.
"""
