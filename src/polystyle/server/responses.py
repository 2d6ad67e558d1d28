"""JSON responses that survive NaN: reports may hold non-finite floats, JSON cannot.

A diverged loss, an undefined metric on too few images or a constant feature gives NaN or
inf; Starlette refuses to encode those, which would turn a valid answer into a 500. They are
sent as null, the value JSON clients already treat as "not available".
"""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi.responses import JSONResponse


def finite(value: Any) -> Any:
    """`value` with every non-finite float, at any depth, replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return value


class SafeJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return json.dumps(
            finite(content), ensure_ascii=False, allow_nan=False, separators=(",", ":")
        ).encode("utf-8")
