"""JSON Schemas generated from the domain model, shipped in ``schemas/``.

``python -m registry.schemas`` writes them; a test keeps them in sync with the model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from registry.models import RECORD_ADAPTER, Source

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


def generated() -> dict[str, dict[str, Any]]:
    """File name -> schema, as the model defines them now."""
    record = RECORD_ADAPTER.json_schema()
    record["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    record["title"] = "Registry record (work or IP offer)"
    source = Source.model_json_schema()
    source["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    from registry.normalise._offer import OfferSubmission

    offer = OfferSubmission.model_json_schema()
    offer["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    offer["description"] = (
        "An IP offer as a publisher sends it to POST /api/offers, or lists it in an offer"
        " feed ({'offers': [...]})."
    )
    return {
        "record.schema.json": record,
        "source.schema.json": source,
        "ip-offer.schema.json": offer,
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write(directory: Path = SCHEMA_DIR) -> list[Path]:
    paths = []
    for name, schema in generated().items():
        path = directory / name
        path.write_text(render(schema), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in write():
        print(written.name)
