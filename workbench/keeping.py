"""What the recorder keeps out of the store and prices runs by: the process's keys, the public
form of a base URL, the models' prices. store/ imports none of these (SPEC §2); `drive` hands a
recorder KEEPING."""

from __future__ import annotations

from collections.abc import Callable

from reasoning.events import Price
from reasoning.providers.errors import public_url
from reasoning.providers.pricing import price_for
from reasoning.secrets import REDACTED, known, redact


class ProcessKeeping:
    """store.recorder.Keeping for this process: every key it holds (environment, config file,
    base URLs: see reasoning.secrets), the built-in prices with the config file's overrides."""

    redacted = REDACTED

    def redactor(self) -> Callable[[str], str]:
        keys = known()
        return lambda text: redact(text, keys)

    def public_url(self, url: str | None) -> str | None:
        return public_url(url)

    def price(self, model: str) -> Price | None:
        return price_for(model)


KEEPING = ProcessKeeping()
