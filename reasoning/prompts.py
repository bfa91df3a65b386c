"""Prompt templates: plain text files with named placeholders like {budget}.

Only known placeholder names are substituted, so braces in LaTeX or JSON examples survive.
A user's prompt folder overrides the bundled files one by one.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def bundled_prompt_dir() -> Path:
    """prompts/ in a checkout, reasoning/_prompts in an installed wheel."""
    here = Path(__file__).resolve().parent
    installed = here / "_prompts"
    return installed if installed.is_dir() else here.parent / "prompts"


@lru_cache(maxsize=128)
def _read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


class Prompts:
    """Loads `name.txt` from the user's folder if it has it, else the bundled one."""

    def __init__(self, user_dir: str | Path | None = None) -> None:
        self.user_dir = Path(user_dir).expanduser() if user_dir else None
        if self.user_dir is not None and not self.user_dir.is_dir():
            raise FileNotFoundError(f"prompt folder not found: {self.user_dir}")

    def path(self, name: str) -> Path:
        if self.user_dir is not None:
            mine = self.user_dir / f"{name}.txt"
            if mine.is_file():
                return mine
        return bundled_prompt_dir() / f"{name}.txt"

    def render(self, name: str, **values: object) -> str:
        """The template with each known {placeholder} replaced; unknown ones left as written."""
        template = _read(str(self.path(name)))

        def sub(m: re.Match[str]) -> str:
            key = m.group(1)
            return str(values[key]) if key in values else m.group(0)

        return _PLACEHOLDER.sub(sub, template).strip()
