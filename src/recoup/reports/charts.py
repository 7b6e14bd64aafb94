"""The dashboard's Vega-Lite specs drawn offline with vl-convert, for paper and e-mail.

The specs are the ones the browser draws (`recoup.core.charts`); only the size is the medium's:
a page in the browser is as wide as its container, a sheet of A4 or an e-mail has a fixed width.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import vl_convert
from django.core.serializers.json import DjangoJSONEncoder

# Points of an A4 page between the report's margins; an e-mail client shows about as much.
PAPER_WIDTH = 640
PNG_SCALE = 2  # sharp on high-density screens


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    svg: str
    png: bytes

    @property
    def svg_data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


def on_paper(spec: dict[str, Any], *, width: int = PAPER_WIDTH) -> dict[str, Any]:
    """`spec` at a fixed width, its data as JSON (exact decimals as strings, parsed by the spec)."""
    sized = {**spec, "width": width, "background": "white"}
    loaded: dict[str, Any] = json.loads(json.dumps(sized, cls=DjangoJSONEncoder))
    return loaded


def chart_render(spec: dict[str, Any], *, title: str, png: bool = True) -> Chart:
    paper = on_paper(spec)
    svg = vl_convert.vegalite_to_svg(paper)
    image = vl_convert.vegalite_to_png(paper, scale=PNG_SCALE) if png else b""
    return Chart(title=title, svg=svg, png=image)
