"""The Nova v2.1 schemas under schemas/nova/, read as each dialect reads them.

Checks that every file is a well-formed Draft 2020-12 schema with the project's ``$id``, that
operations.yaml and schemas/nova/ agree file for file, that every view (dialect and
microversion) is plain JSON Schema, that documented example bodies validate (also closed, as
in strict mode), that breaking one documented rule fails on that rule in the dialect that has
it, and that hypothesis-jsonschema can build valid requests from every view.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator

from bmscert.core.catalogue import load_catalogue
from bmscert.core.schemas import SCHEMA_BASE, load_schemas
from bmscert.core.views import SchemaView

STORE = load_schemas()
OPERATIONS = {op.id: op for op in load_catalogue().family("nova-v2.1")}
NOVA_FILES = sorted(rel for rel in STORE.relatives() if rel.startswith("nova/"))
REQUEST_FILES = sorted(op.request_schema for op in OPERATIONS.values())
VIEWS = [SchemaView(d, v) for d in ("huawei", "openstack") for v in ("2.1", "2.26", "2.60")]
HUAWEI, OPENSTACK = SchemaView("huawei", "2.60"), SchemaView("openstack", "2.60")


@pytest.mark.parametrize("rel", NOVA_FILES)
def test_each_nova_file_is_draft_2020_12_with_the_project_id(rel):
    document = STORE.document(rel)
    Draft202012Validator.check_schema(document)
    assert document["$id"] == SCHEMA_BASE + rel


def test_nova_files_are_formatted_with_two_space_indentation():
    for rel in NOVA_FILES:
        text = (STORE.folder / rel).read_text(encoding="utf-8")
        assert text == json.dumps(STORE.document(rel), indent=2) + "\n", rel


def test_operations_yaml_names_exactly_the_files_in_schemas_nova():
    assert len(OPERATIONS) == 39
    named = {"nova/defs.json"}
    for operation in OPERATIONS.values():
        named.add(operation.request_schema)
        if operation.response_schema is not None:
            named.add(operation.response_schema)
    assert set(NOVA_FILES) == named


@pytest.mark.parametrize("view", VIEWS, ids=str)
def test_every_view_is_plain_json_schema_without_annotations(view):
    for rel in NOVA_FILES:
        document = STORE.document(rel, view)
        Draft202012Validator.check_schema(document)
        assert '"x-' not in json.dumps(document), rel


# ---------------------------------------------------------------- example bodies

SERVER_ID = "53206ed0-56de-4d6b-b7ee-ffc62ca26f43"
PROJECT = "c685484a8cc2416b97260938705deb65"
VPC_ID = "2e7b1bc3-8f0b-4c2f-9bb6-1a9e0f4b5d21"
LINKS = [
    {"rel": "self", "href": f"https://ecs.example/v2.1/{PROJECT}/servers/{SERVER_ID}"},
    {"rel": "bookmark", "href": f"https://ecs.example/{PROJECT}/servers/{SERVER_ID}"},
]


def server(power_state: int = 1, **members: Any) -> dict[str, Any]:
    return {
        "id": SERVER_ID,
        "name": "bms-db-01",
        "status": "ACTIVE",
        "created": "2019-05-22T03:30:52Z",
        "updated": "2019-05-22T03:40:12Z",
        "tenant_id": PROJECT,
        "user_id": "f79791beca3c48159ac2553fff22e166",
        "hostId": "c7145889b2e3202cd295ceddb1742ff8941b827b586861fd0acedf64",
        "image": {"id": "1a6635f0-e3a1-4e2e-a6ec-b4fa2f3b0b0b", "links": LINKS[1:]},
        "flavor": {"id": "physical.o2.medium", "links": LINKS[1:]},
        "metadata": {"op_svc_userid": "f79791beca3c48159ac2553fff22e166"},
        "links": LINKS,
        "addresses": {
            VPC_ID: [
                {
                    "version": 4,
                    "addr": "192.168.0.12",
                    "OS-EXT-IPS:type": "fixed",
                    "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:0e:3c:41",
                }
            ]
        },
        "key_name": "KeyPair-ops",
        "security_groups": [{"name": "default"}],
        "accessIPv4": "",
        "accessIPv6": "",
        "config_drive": "",
        "progress": 0,
        "OS-DCF:diskConfig": "MANUAL",
        "OS-EXT-AZ:availability_zone": "az1",
        "OS-EXT-SRV-ATTR:host": "bms.az1",
        "OS-EXT-SRV-ATTR:instance_name": "instance-0000ebd3",
        "OS-EXT-SRV-ATTR:hypervisor_hostname": "nova004@2",
        "OS-EXT-STS:task_state": None,
        "OS-EXT-STS:vm_state": "active",
        "OS-EXT-STS:power_state": power_state,
        "OS-SRV-USG:launched_at": "2019-05-22T03:33:28.000000",
        "OS-SRV-USG:terminated_at": None,
        "os-extended-volumes:volumes_attached": [{"id": "4e8a9c4d-0b6f-47a6-9b3e-3c5d1e2f7a88"}],
        **members,
    }


AT_2_26 = {
    "OS-EXT-SRV-ATTR:hostname": "bms-db-01",
    "OS-EXT-SRV-ATTR:reservation_id": "r-0000abcd",
    "OS-EXT-SRV-ATTR:launch_index": 0,
    "OS-EXT-SRV-ATTR:kernel_id": "",
    "OS-EXT-SRV-ATTR:ramdisk_id": "",
    "OS-EXT-SRV-ATTR:root_device_name": "/dev/sda",
    "OS-EXT-SRV-ATTR:user_data": None,
    "locked": False,
    "host_status": "UP",
    "description": "",
    "tags": ["__type_baremetal", "env=prod"],
}
BMS_LIST_MEMBERS = {
    "sys_tags": [{"key": "_sys_enterprise_project_id", "value": "0"}],
    "enterprise_project_id": "0",
    "os:scheduler_hints": {"group": ["0c1b4c8e-ddb6-4b2e-9d83-1c4e3e0b3a11"]},
}
KEYPAIR = {
    "name": "KeyPair-ops",
    "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJOb ops",
    "fingerprint": "f2:9d:8e:1a:3b:00:5c:6d:7e:8f:90:a1:b2:c3:d4:e5",
}
FLAVOR = {
    "id": "physical.o2.medium",
    "name": "physical.o2.medium",
    "vcpus": 48,
    "ram": 393216,
    "disk": 0,
    "swap": "",
    "OS-FLV-EXT-DATA:ephemeral": 0,
    "OS-FLV-DISABLED:disabled": False,
    "rxtx_factor": 1.0,
    "os-flavor-access:is_public": True,
    "links": LINKS,
}

EXAMPLES = [
    pytest.param(
        "nova/show_server.response.json",
        SchemaView("huawei", "2.1"),
        {"server": server(power_state=3)},
        id="huawei-stopped-server-numbered-3",
    ),
    pytest.param(
        "nova/show_server.response.json",
        SchemaView("openstack", "2.26"),
        {"server": server(power_state=4, **AT_2_26)},
        id="openstack-stopped-server-at-2.26",
    ),
    pytest.param(
        "nova/list_servers_detail.response.json",
        SchemaView("huawei", "2.26"),
        {"servers": [server(**AT_2_26, **BMS_LIST_MEMBERS)]},
        id="huawei-detail-list-with-bms-members",
    ),
    pytest.param(
        "nova/list_servers.response.json",
        SchemaView("openstack", "2.1"),
        {
            "servers": [{"id": SERVER_ID, "name": "bms-db-01", "links": LINKS}],
            "servers_links": [{"rel": "next", "href": "https://ecs.example/servers?marker=x"}],
        },
        id="server-page-with-next-link",
    ),
    pytest.param(
        "nova/show_flavor.response.json",
        SchemaView("huawei", "2.1"),
        {"flavor": FLAVOR},
        id="bms-flavor-with-empty-swap",
    ),
    pytest.param(
        "nova/list_flavors.response.json",
        SchemaView("openstack", "2.55"),
        {
            "flavors": [
                {"id": "physical.o2.medium", "name": "o2", "links": LINKS, "description": None}
            ]
        },
        id="flavor-summary-with-description-at-2.55",
    ),
    pytest.param(
        "nova/list_keypairs.response.json",
        SchemaView("huawei", "2.2"),
        {"keypairs": [{"keypair": {**KEYPAIR, "type": "ssh"}}]},
        id="keypair-list-at-2.2",
    ),
    pytest.param(
        "nova/show_keypair.response.json",
        SchemaView("openstack", "2.1"),
        {
            "keypair": {
                **KEYPAIR,
                "user_id": "f79791beca3c48159ac2553fff22e166",
                "created_at": "2019-05-07T12:06:13.681238",
                "updated_at": None,
                "deleted": False,
                "deleted_at": None,
                "id": 43,
            }
        },
        id="keypair-shown-with-integer-id",
    ),
    pytest.param(
        "nova/create_keypair.response.json",
        SchemaView("huawei", "2.1"),
        {"keypair": {**KEYPAIR, "user_id": "u", "private_key": "-----BEGIN RSA PRIVATE KEY-----"}},
        id="generated-keypair-with-private-key",
    ),
    pytest.param(
        "nova/show_server_ips_by_network.response.json",
        SchemaView("openstack", "2.1"),
        {VPC_ID: [{"version": 4, "addr": "192.168.0.12"}]},
        id="addresses-of-one-vpc",
    ),
    pytest.param(
        "nova/list_server_tags.response.json",
        SchemaView("huawei", "2.26"),
        {"tags": ["t" * 80, "__type_baremetal"]},
        id="huawei-tag-of-80-characters",
    ),
    pytest.param(
        "nova/list_api_versions.response.json",
        SchemaView("huawei", "2.1"),
        {
            "versions": [
                {
                    "id": "v2.0",
                    "links": [{"href": "https://ecs.example/v2/", "rel": "self"}],
                    "min_version": "",
                    "status": "SUPPORTED",
                    "updated": "2011-01-21T11:33:21Z",
                    "version": "",
                }
            ]
        },
        id="version-v2.0-without-microversions",
    ),
    pytest.param(
        "nova/show_flavor_extra_spec.response.json",
        SchemaView("openstack", "2.1"),
        {"baremetal:extBootType": "Volume"},
        id="one-extra-spec",
    ),
]


@pytest.mark.parametrize(("rel", "view", "body"), EXAMPLES)
def test_documented_example_bodies_validate_as_their_dialect_reads_them(rel, view, body):
    assert STORE.problems(rel, body, view=view) == []
    assert STORE.undocumented_members(rel, body, view=view) == []


# ---------------------------------------------------------------- one rule broken


def _path(**params: str) -> dict[str, str]:
    return {"project_id": PROJECT, "server_id": SERVER_ID, **params}


def _request(body: Any = None, **path: str) -> dict[str, Any]:
    request: dict[str, Any] = {"path": _path(**path)}
    if body is not None:
        request["body"] = body
    return request


BROKEN = [
    ("replace_server_tags", HUAWEI, _request({"tags": [""]}), "minLength", "empty-tag"),
    ("replace_server_tags", OPENSTACK, _request({"tags": [""]}), "minLength", "empty-tag"),
    ("replace_server_tags", HUAWEI, _request({"tags": ["t" * 81]}), "maxLength", "tag-of-81"),
    ("replace_server_tags", OPENSTACK, _request({"tags": ["t" * 61]}), "maxLength", "tag-of-61"),
    ("replace_server_tags", HUAWEI, _request({"tags": [".hidden"]}), "pattern", "leading-dot"),
    ("replace_server_tags", OPENSTACK, _request({"tags": ["a,b"]}), "pattern", "comma"),
    ("replace_server_tags", OPENSTACK, _request({"tags": ["a/b"]}), "pattern", "slash"),
    (
        "replace_server_tags",
        HUAWEI,
        _request({"tags": [f"t{n}" for n in range(51)]}),
        "maxItems",
        "51-tags",
    ),
    ("add_server_tag", OPENSTACK, _request(tag="t" * 61), "maxLength", "path-tag-of-61"),
    ("update_server_metadata", HUAWEI, _request({"metadata": {"a:b": "v"}}), "pattern", "colon"),
    ("update_server_metadata", OPENSTACK, _request({"metadata": {"a@b": "v"}}), "pattern", "at"),
    ("update_server_metadata", HUAWEI, _request({"metadata": {"k": 'a"b'}}), "pattern", "quote"),
    ("update_server_metadata", OPENSTACK, _request({"metadata": {"": "v"}}), "minLength", "empty"),
    (
        "update_server_metadata",
        HUAWEI,
        _request({"metadata": {"k" * 256: "v"}}),
        "maxLength",
        "key-of-256",
    ),
    (
        "replace_server_metadata",
        OPENSTACK,
        _request({"metadata": {"k": "v" * 256}}),
        "maxLength",
        "value-of-256",
    ),
    (
        "set_server_metadata_item",
        HUAWEI,
        _request({"meta": {"a": "1", "b": "2"}}, key="a"),
        "maxProperties",
        "two-keys",
    ),
    (
        "set_server_metadata_item",
        OPENSTACK,
        _request({"meta": {}}, key="a"),
        "minProperties",
        "none",
    ),
    ("reboot_server", HUAWEI, _request({"reboot": {"type": "soft"}}), "enum", "lower-case-soft"),
    ("reboot_server", OPENSTACK, _request({"reboot": {"type": "GENTLE"}}), "enum", "unknown"),
    ("stop_server", HUAWEI, _request({"os-stop": {"type": "GENTLE"}}), "enum", "stop-type"),
    (
        "create_keypair",
        HUAWEI,
        {"path": {"project_id": PROJECT}, "body": {"keypair": {"name": "a/b"}}},
        "pattern",
        "slash",
    ),
    (
        "create_keypair",
        OPENSTACK,
        {"path": {"project_id": PROJECT}, "body": {"keypair": {"name": "k" * 256}}},
        "maxLength",
        "name-of-256",
    ),
    (
        "create_keypair",
        HUAWEI,
        {
            "path": {"project_id": PROJECT},
            "body": {"keypair": {"name": "k", "public_key": "k" * 1025}},
        },
        "maxLength",
        "key-over-1024",
    ),
    (
        "create_server",
        HUAWEI,
        {
            "path": {"project_id": PROJECT},
            "body": {
                "server": {
                    "name": "n",
                    "imageRef": "i",
                    "flavorRef": "f",
                    "networks": [{"uuid": "u"}],
                }
            },
        },
        "required",
        "no-availability-zone",
    ),
]


@pytest.mark.parametrize(
    ("operation_id", "view", "request_", "keyword"),
    [pytest.param(*case[:4], id=f"{case[0]}-{case[1].dialect}-{case[4]}") for case in BROKEN],
)
def test_a_request_breaking_one_documented_rule_fails_on_that_rule(
    operation_id, view, request_, keyword
):
    rel = OPERATIONS[operation_id].request_schema
    tripped = {problem.keyword for problem in STORE.problems(rel, request_, view=view)}
    assert keyword in tripped


@pytest.mark.parametrize(
    ("operation_id", "view", "request_"),
    [
        pytest.param(
            "replace_server_tags", HUAWEI, _request({"tags": ["t" * 80]}), id="tag-of-80"
        ),
        pytest.param("replace_server_tags", OPENSTACK, _request({"tags": [".x"]}), id="dot"),
        pytest.param(
            "update_server_metadata", OPENSTACK, _request({"metadata": {"a:b": "v"}}), id="colon"
        ),
        pytest.param(
            "reboot_server", OPENSTACK, _request({"reboot": {"type": "soft"}}), id="soft"
        ),
        pytest.param("stop_server", OPENSTACK, _request({"os-stop": "anything"}), id="stop-value"),
    ],
)
def test_a_request_the_other_dialect_forbids_is_valid_in_this_one(operation_id, view, request_):
    rel = OPERATIONS[operation_id].request_schema
    assert STORE.problems(rel, request_, view=view, formats=False) == []


@pytest.mark.parametrize(
    ("view", "body", "keyword"),
    [
        pytest.param(
            SchemaView("huawei", "2.25"),
            {"server": server(tags=[])},
            "false",
            id="tags-before-2.26",
        ),
        pytest.param(
            SchemaView("openstack", "2.26"),
            {"server": server(**{**AT_2_26, "tags": None})},
            "type",
            id="tags-null",
        ),
        pytest.param(
            SchemaView("openstack", "2.9"), {"server": server()}, "required", id="no-locked-at-2.9"
        ),
        pytest.param(
            SchemaView("openstack", "2.1"),
            {"server": server(power_state=2)},
            "enum",
            id="power-2-upstream",
        ),
        pytest.param(
            SchemaView("huawei", "2.1"),
            {"server": server(power_state=6)},
            "enum",
            id="power-6-on-bms",
        ),
        pytest.param(
            SchemaView("openstack", "2.1"),
            {"server": server(**BMS_LIST_MEMBERS)},
            "false",
            id="bms-members-upstream",
        ),
        pytest.param(
            SchemaView("openstack", "2.47"),
            {"server": server(**AT_2_26)},
            "required",
            id="flavor-id-at-2.47",
        ),
    ],
)
def test_a_server_breaking_its_microversion_or_dialect_fails_on_that_rule(view, body, keyword):
    tripped = {
        p.keyword for p in STORE.problems("nova/show_server.response.json", body, view=view)
    }
    assert keyword in tripped


# ---------------------------------------------------------------- generated requests

FORMATS = {"uuid": st.uuids().map(str)}


@pytest.mark.parametrize("view", [HUAWEI, OPENSTACK], ids=str)
@pytest.mark.parametrize("rel", REQUEST_FILES)
def test_hypothesis_jsonschema_builds_valid_requests_for_each_dialect(rel, view):
    inlined = STORE.inlined(rel, view=view)
    validator = STORE.validator(rel, view=view)

    @settings(
        max_examples=3,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(from_schema(inlined, custom_formats=FORMATS))
    def check(request: dict[str, Any]) -> None:
        assert [error.message for error in validator.iter_errors(request)] == []

    check()
