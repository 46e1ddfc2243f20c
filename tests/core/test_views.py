"""Schema views: the annotations for microversions and dialects, applied and dropped."""

from bmscert.core.views import SchemaView, specialise

RECORD = {
    "type": "object",
    "required": ["id", "tags", "old"],
    "properties": {
        "id": {"type": "string"},
        "tags": {"type": "array", "x-since": "2.26"},
        "old": {"type": "string", "x-until": "2.46"},
        "bms_only": {"type": "string", "x-dialect": {"openstack": False}},
        "power": {
            "type": "integer",
            "x-dialect": {"huawei": {"enum": [0, 1, 2, 3, 4]}, "openstack": {"enum": [0, 1, 4]}},
        },
    },
}


def test_a_member_is_absent_and_not_required_below_its_first_microversion():
    early = specialise(RECORD, SchemaView("openstack", "2.25"))
    assert early["properties"]["tags"] is False
    assert "tags" not in early["required"]


def test_a_member_exists_and_is_required_from_its_first_microversion():
    late = specialise(RECORD, SchemaView("openstack", "2.26"))
    assert late["properties"]["tags"] == {"type": "array"}
    assert "tags" in late["required"]


def test_a_member_leaves_after_its_last_microversion():
    assert specialise(RECORD, SchemaView("huawei", "2.46"))["properties"]["old"] == {
        "type": "string"
    }
    after = specialise(RECORD, SchemaView("huawei", "2.47"))
    assert after["properties"]["old"] is False
    assert after["required"] == ["id", "tags"]


def test_a_dialect_variant_adds_its_rules_or_removes_the_member():
    huawei = specialise(RECORD, SchemaView("huawei"))
    openstack = specialise(RECORD, SchemaView("openstack"))
    assert huawei["properties"]["power"] == {"type": "integer", "enum": [0, 1, 2, 3, 4]}
    assert openstack["properties"]["power"] == {"type": "integer", "enum": [0, 1, 4]}
    assert huawei["properties"]["bms_only"] == {"type": "string"}
    assert openstack["properties"]["bms_only"] is False


def test_a_view_leaves_no_annotation_behind_and_the_source_untouched():
    text = str(specialise(RECORD, SchemaView("huawei", "2.60")))
    assert "x-" not in text
    assert RECORD["properties"]["tags"]["x-since"] == "2.26"
