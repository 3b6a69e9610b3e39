"""The README's worked example check ("Adding a check"), as the text a reader copies."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"


def readme_example_code() -> str:
    """The one Python block of the README's "Adding a check" section."""
    section = README.read_text().split("### Adding a check", 1)[1].split("\n## ", 1)[0]
    [code] = re.findall(r"```python\n(.*?)```", section, re.S)
    return code
