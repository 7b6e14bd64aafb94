"""`{{ spec|chart_json }}`: a Vega-Lite spec as JSON for a `data-spec` attribute (auto-escaped).

Chart data travels in an attribute rather than a `<script type="application/json">` because htmx
strips script elements from swapped-in content when `allowScriptTags` is off, as it is here.
"""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.core.serializers.json import DjangoJSONEncoder

register = template.Library()


@register.filter
def chart_json(spec: dict[str, Any]) -> str:
    # Decimals become JSON strings; each spec tells Vega to parse its values as numbers.
    return json.dumps(spec, cls=DjangoJSONEncoder, separators=(",", ":"))
