"""A check that keeps `positive_data_acceptance` strict while it tolerates 422.

schemathesis.toml lets schema-valid requests be answered 422, because a domain rule the JSON
Schema cannot express may refuse them (a date before the partnership was signed, an SKU that
is not registered, a stage that does not follow). Such refusals always name their `rule`. A
422 that names no rule, or an import rule about a value's spelling, means the request was
refused for its shape, i.e. the OpenAPI document is looser than the server: that fails here.
"""

import schemathesis

# Import rules about how a value is written: a schema-valid value must never break them.
SHAPE_RULES = {
    "import.not_a_number",
    "import.too_many_decimals",
    "import.negative",
    "import.too_large",
    "import.whole_number",
    "import.period_is_month",
    "import.period_as_text",
    "import.invalid_id",
    "import.cell_type",
}


@schemathesis.check
def valid_data_refused_only_by_a_rule(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    try:
        body = response.json()
    except Exception as exc:  # noqa: BLE001 - any unreadable body is the failure
        raise AssertionError(f"422 without a JSON error body: {exc}") from exc
    if body.get("code") == "invalid_file":
        shape = [e for e in body.get("errors") or [] if e.get("rule") in SHAPE_RULES]
        if shape:
            raise AssertionError(
                f"a schema-valid upload was refused for how values are written: {shape}"
            )
        return None
    if not body.get("rule"):
        raise AssertionError(
            f"a schema-valid request was refused without a domain rule (the document is "
            f"looser than the server): {body}"
        )
    return None
