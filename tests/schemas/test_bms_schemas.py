"""The BMS v1 operation schemas and the error envelopes under schemas/.

Checks that every file is a well-formed Draft 2020-12 schema with the project's `$id`, that
every `$ref` resolves, that operations.yaml and schemas/bms/ agree file for file, that
documented example bodies validate (also with every record closed, as in strict mode) and
that breaking one documented rule makes a body fail, and that hypothesis-jsonschema can build
requests from every request schema.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator

from bmscert.core.catalogue import load_catalogue
from bmscert.core.schemas import SCHEMA_BASE as BASE
from bmscert.core.schemas import load_schemas

STORE = load_schemas()
SCHEMAS = STORE.folder
DRAFT = "https://json-schema.org/draft/2020-12/schema"
FAMILY = "bms-v1"
ERROR_ENVELOPES = {"bms.json", "gateway.json", "nova.json"}

DOCUMENTS = {rel: STORE.document(rel) for rel in STORE.relatives()}
OWN_FILES = sorted(rel for rel in DOCUMENTS if rel.split("/")[0] in ("bms", "errors"))
OPERATIONS = {op.id: op.__dict__ for op in load_catalogue().family(FAMILY)}
REQUEST_FILES = sorted(entry["request_schema"] for entry in OPERATIONS.values())


def _validator(rel: str, *, strict: bool = False) -> Draft202012Validator:
    return STORE.validator(rel, closed=strict)


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


# ---------------------------------------------------------------- the files themselves


@pytest.mark.parametrize("rel", OWN_FILES)
def test_each_schema_file_is_draft_2020_12_with_the_project_id(rel: str) -> None:
    doc = DOCUMENTS[rel]
    Draft202012Validator.check_schema(doc)
    assert doc["$schema"] == DRAFT
    assert doc["$id"] == BASE + rel


@pytest.mark.parametrize("rel", OWN_FILES)
def test_each_ref_resolves_through_the_registry(rel: str) -> None:
    doc = DOCUMENTS[rel]
    resolver = STORE.registry.resolver(base_uri=doc["$id"])
    refs = list(_refs(doc))
    for ref in refs:
        resolved = resolver.lookup(ref)
        assert isinstance(resolved.contents, dict | bool), ref


def test_schema_files_are_formatted_with_two_space_indentation() -> None:
    for rel in OWN_FILES:
        text = (SCHEMAS / rel).read_text(encoding="utf-8")
        assert text == json.dumps(DOCUMENTS[rel], indent=2) + "\n", rel


def test_operations_yaml_names_exactly_the_files_in_schemas_bms() -> None:
    assert len(OPERATIONS) == 22
    named = {"bms/defs.json"}
    for entry in OPERATIONS.values():
        named.add(entry["request_schema"])
        if entry["response_schema"] is not None:
            named.add(entry["response_schema"])
    present = {rel for rel in DOCUMENTS if rel.startswith("bms/")}
    assert present == named


def test_only_the_three_error_envelopes_live_in_schemas_errors() -> None:
    present = {rel.split("/", 1)[1] for rel in DOCUMENTS if rel.startswith("errors/")}
    assert present == ERROR_ENVELOPES


def test_operations_without_a_success_body_have_no_response_file() -> None:
    bodiless = {name for name, entry in OPERATIONS.items() if entry["response_schema"] is None}
    assert bodiless == {"ResetPwdOneClick", "DeleteWindowsBareMetalServerPassword"}


# ---------------------------------------------------------------- example bodies

PROJECT_ID = "c685484a8cc2416b97260938705deb65"
SERVER_ID = "53206ed0-56de-4d6b-b7ee-ffc62ca26f43"
OTHER_SERVER_ID = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
VPC_ID = "2e7b1bc3-8f0b-4c2f-9bb6-1a9e0f4b5d21"
SUBNET_ID = "7d1d7e5a-4f73-4e4a-9a60-93b5b7f3a1c0"
IMAGE_ID = "1a6635f0-e3a1-4e2e-a6ec-b4fa2f3b0b0b"
PORT_ID = "d9b6b0a5-63d6-4a9e-a4f2-2f0b31a8b3b6"
VOLUME_ID = "4e8a9c4d-0b6f-47a6-9b3e-3c5d1e2f7a88"
JOB_ID = "ff808081748b760c01748b7f80370003"
SUB_JOB_ID = "ff808081748b760c01748b7f80380004"
ENDPOINT = "https://bms.cn-north-4.myhuaweicloud.com"


def server_details() -> dict[str, Any]:
    return {
        "id": SERVER_ID,
        "user_id": "f79791beca3c48159ac2553fff22e166",
        "name": "bms-db-01",
        "created": "2019-05-22T03:30:52Z",
        "updated": "2019-05-22T03:40:12Z",
        "tenant_id": PROJECT_ID,
        "hostId": "c7145889b2e3202cd295ceddb1742ff8941b827b586861fd0acedf64",
        "addresses": {
            VPC_ID: [
                {
                    "version": "4",
                    "addr": "192.168.0.12",
                    "OS-EXT-IPS:type": "fixed",
                    "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:0e:3c:41",
                    "OS-EXT-IPS:port_id": PORT_ID,
                }
            ]
        },
        "key_name": "KeyPair-ops",
        "image": {"id": IMAGE_ID},
        "flavor": {
            "id": "physical.o2.medium",
            "name": "physical.o2.medium",
            "disk": "3200",
            "vcpus": "32",
            "ram": "196608",
        },
        "security_groups": [{"name": "default", "id": "5e8b3a0c-0a69-4bd4-8c5b-2b4e1d0d7b6f"}],
        "accessIPv4": "",
        "accessIPv6": "",
        "status": "ACTIVE",
        "progress": 0,
        "config_drive": "",
        "metadata": {
            "chargingMode": "1",
            "metering.order_id": "CS2009141523OQSEQ",
            "metering.product_id": "00301-2150-0--0",
            "vpc_id": VPC_ID,
            "metering.image_id": IMAGE_ID,
            "metering.imagetype": "gold",
            "baremetalPortIDList": f"[{PORT_ID}]",
            "metering.resourcespeccode": "physical.o2.medium.linux",
            "metering.resourcetype": "__type_baremetal",
            "image_name": "CentOS 7.6 64bit for BareMetal",
            "op_svc_userid": "f79791beca3c48159ac2553fff22e166",
            "os_type": "Linux",
            "__bms_support_evs": "true",
            "os_bit": "64",
        },
        "OS-EXT-STS:task_state": None,
        "OS-EXT-STS:vm_state": "active",
        "OS-EXT-SRV-ATTR:host": "pod01.cn-north-4a",
        "OS-EXT-SRV-ATTR:instance_name": "instance-0014bdc2",
        "OS-EXT-STS:power_state": 1,
        "OS-EXT-SRV-ATTR:hypervisor_hostname": "nova012@36",
        "OS-EXT-AZ:availability_zone": "cn-north-4a",
        "OS-DCF:diskConfig": "MANUAL",
        "OS-SRV-USG:launched_at": "2019-05-22T03:39:56.000000",
        "OS-SRV-USG:terminated_at": None,
        "os-extended-volumes:volumes_attached": [
            {
                "id": VOLUME_ID,
                "delete_on_termination": "false",
                "bootIndex": "0",
                "device": "/dev/sda",
            }
        ],
        "description": "",
        "host_status": "UP",
        "OS-EXT-SRV-ATTR:hostname": "bms-db-01",
        "OS-EXT-SRV-ATTR:reservation_id": "r-qjad3fv0",
        "OS-EXT-SRV-ATTR:launch_index": 0,
        "OS-EXT-SRV-ATTR:kernel_id": "",
        "OS-EXT-SRV-ATTR:ramdisk_id": "",
        "OS-EXT-SRV-ATTR:root_device_name": "/dev/sda",
        "OS-EXT-SRV-ATTR:user_data": "",
        "locked": False,
        "tags": ["__type_baremetal"],
        "os:scheduler_hints": {},
        "enterprise_project_id": "0",
        "sys_tags": [{"key": "_sys_enterprise_project_id", "value": "0"}],
    }


def details_body() -> dict[str, Any]:
    return {"server": server_details()}


def list_body() -> dict[str, Any]:
    return {"servers": [server_details()], "count": 1}


def rename_body() -> dict[str, Any]:
    nova = f"https://ecs.cn-north-4.myhuaweicloud.com/v2.1/{PROJECT_ID}"
    return {
        "server": {
            "id": SERVER_ID,
            "name": "bms-db-renamed",
            "status": "ACTIVE",
            "created": "2019-05-22T03:30:52Z",
            "updated": "2019-05-22T03:45:02Z",
            "flavor": {
                "id": "physical.o2.medium",
                "links": [{"rel": "bookmark", "href": f"{nova}/flavors/physical.o2.medium"}],
            },
            "image": {
                "id": IMAGE_ID,
                "links": [{"rel": "bookmark", "href": f"{nova}/images/{IMAGE_ID}"}],
            },
            "tenant_id": PROJECT_ID,
            "key_name": "KeyPair-ops",
            "user_id": "f79791beca3c48159ac2553fff22e166",
            "metadata": {"chargingMode": "1", "vpc_id": VPC_ID},
            "hostId": "c7145889b2e3202cd295ceddb1742ff8941b827b586861fd0acedf64",
            "addresses": {
                VPC_ID: [
                    {
                        "version": 4,
                        "addr": "192.168.0.12",
                        "OS-EXT-IPS:type": "fixed",
                        "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:0e:3c:41",
                        "OS-EXT-IPS:port_id": PORT_ID,
                    }
                ]
            },
            "security_groups": [{"name": "default"}],
            "links": [
                {"rel": "self", "href": f"{nova}/servers/{SERVER_ID}"},
                {"rel": "bookmark", "href": f"{nova}/servers/{SERVER_ID}"},
            ],
            "OS-DCF:diskConfig": "MANUAL",
            "OS-EXT-AZ:availability_zone": "cn-north-4a",
            "OS-EXT-SRV-ATTR:host": "pod01.cn-north-4a",
            "OS-EXT-SRV-ATTR:hypervisor_hostname": "nova012@36",
            "OS-EXT-SRV-ATTR:instance_name": "instance-0014bdc2",
            "OS-EXT-STS:power_state": 1,
            "OS-EXT-STS:task_state": None,
            "OS-EXT-STS:vm_state": "active",
            "OS-SRV-USG:launched_at": "2019-05-22T03:39:56.000000",
            "OS-SRV-USG:terminated_at": None,
            "os-extended-volumes:volumes_attached": [
                {"id": VOLUME_ID, "delete_on_termination": False}
            ],
            "accessIPv4": "",
            "accessIPv6": "",
            "config_drive": "",
            "progress": 0,
            "description": "",
            "host_status": "UP",
            "OS-EXT-SRV-ATTR:hostname": "bms-db-01",
            "OS-EXT-SRV-ATTR:reservation_id": "r-qjad3fv0",
            "OS-EXT-SRV-ATTR:launch_index": 0,
            "OS-EXT-SRV-ATTR:kernel_id": "",
            "OS-EXT-SRV-ATTR:ramdisk_id": "",
            "OS-EXT-SRV-ATTR:root_device_name": "/dev/sda",
            "OS-EXT-SRV-ATTR:user_data": "",
            "locked": False,
            "tags": ["__type_baremetal"],
            "sys_tags": [{"key": "_sys_enterprise_project_id", "value": "0"}],
            "enterprise_project_id": "0",
            "os:scheduler_hints": {},
        }
    }


def flavors_body() -> dict[str, Any]:
    return {
        "flavors": [
            {
                "id": "physical.o2.medium",
                "name": "physical.o2.medium",
                "vcpus": "32",
                "ram": 196608,
                "disk": "3200",
                "swap": "",
                "OS-FLV-EXT-DATA:ephemeral": 0,
                "OS-FLV-DISABLED:disabled": False,
                "rxtx_factor": 1.0,
                "rxtx_quota": None,
                "rxtx_cap": None,
                "os-flavor-access:is_public": True,
                "links": [
                    {
                        "rel": "self",
                        "href": f"{ENDPOINT}/v1/{PROJECT_ID}/flavors/physical.o2.medium",
                        "type": None,
                    }
                ],
                "os_extra_specs": {
                    "resource_type": "ironic",
                    "capabilities:cpu_arch": "x86_64",
                    "baremetal:disk_detail": "Disk:2*800G SSD RAID1",
                    "capabilities:hypervisor_type": "ironic",
                    "baremetal:__support_evs": "true",
                    "baremetal:extBootType": "LocalDisk",
                    "capabilities:board_type": "o2m",
                    "baremetal:net_num": "2",
                    "baremetal:netcard_detail": "2*2*10GE",
                    "baremetal:cpu_detail": "Intel Xeon Gold 6151 (2*18 cores)",
                    "baremetal:memory_detail": "192 GB DDR4",
                    "cond:operation:status": "normal",
                    "cond:operation:az": "cn-north-4a(normal), cn-north-4b(sellout)",
                },
            }
        ]
    }


def finished_job_body() -> dict[str, Any]:
    return {
        "status": "SUCCESS",
        "entities": {
            "sub_jobs_total": 1,
            "sub_jobs": [
                {
                    "status": "SUCCESS",
                    "entities": {"server_id": SERVER_ID},
                    "job_id": SUB_JOB_ID,
                    "job_type": "baremetalSingleCreate",
                    "begin_time": "2019-04-25T20:04:47.591Z",
                    "end_time": "2019-04-25T20:08:41.593Z",
                    "error_code": None,
                    "fail_reason": None,
                }
            ],
        },
        "job_id": JOB_ID,
        "job_type": "baremetalBatchCreate",
        "begin_time": "2019-04-25T20:04:34.604Z",
        "end_time": "2019-04-25T20:08:43.101Z",
        "error_code": None,
        "fail_reason": None,
    }


def running_job_body() -> dict[str, Any]:
    return {
        "status": "RUNNING",
        "entities": {
            "sub_jobs_total": 1,
            "sub_jobs": [
                {
                    "status": "RUNNING",
                    "entities": {"server_id": SERVER_ID},
                    "job_id": SUB_JOB_ID,
                    "job_type": "baremetalSingleOperate",
                    "begin_time": "2019-04-25T21:00:01.120Z",
                    "end_time": "",
                }
            ],
        },
        "job_id": JOB_ID,
        "job_type": "baremetalBatchOperate",
        "begin_time": "2019-04-25T21:00:00.015Z",
        "end_time": "",
    }


def quota_body() -> dict[str, Any]:
    return {
        "absolute": {
            "maxTotalInstances": 100,
            "maxTotalCores": 20480,
            "maxTotalRAMSize": 51200000,
            "maxTotalKeypairs": 100,
            "maxServerMeta": 128,
            "maxPersonality": 5,
            "maxPersonalitySize": 10240,
            "maxServerGroups": 10,
            "maxServerGroupMembers": 16,
            "totalServerGroupsUsed": 0,
            "maxSecurityGroups": -1,
            "maxSecurityGroupRules": -1,
            "maxTotalFloatingIps": -1,
            "maxImageMeta": 128,
            "totalInstancesUsed": 3,
            "totalCoresUsed": 96,
            "totalRAMUsed": 589824,
            "totalSecurityGroupsUsed": 1,
            "totalFloatingIpsUsed": 0,
        }
    }


def version() -> dict[str, Any]:
    return {
        "id": "v1",
        "links": [{"href": f"{ENDPOINT}/v1/", "rel": "self"}],
        "min_version": "",
        "status": "CURRENT",
        "updated": "2018-09-30T00:00:00Z",
        "version": "",
    }


def servers(count: int) -> list[dict[str, str]]:
    return [{"id": f"00000000-0000-4000-8000-{n:012d}"} for n in range(count)]


def start_request() -> dict[str, Any]:
    return {
        "path": {"project_id": PROJECT_ID},
        "body": {"os-start": {"servers": [{"id": SERVER_ID}, {"id": OTHER_SERVER_ID}]}},
    }


def reboot_request() -> dict[str, Any]:
    return {
        "path": {"project_id": PROJECT_ID},
        "body": {"reboot": {"type": "HARD", "servers": [{"id": SERVER_ID}]}},
    }


def stop_request() -> dict[str, Any]:
    return {
        "path": {"project_id": PROJECT_ID},
        "body": {"os-stop": {"servers": [{"id": SERVER_ID}]}},
    }


def create_request() -> dict[str, Any]:
    return {
        "path": {"project_id": PROJECT_ID},
        "body": {
            "server": {
                "imageRef": IMAGE_ID,
                "flavorRef": "physical.o2.medium",
                "name": "数据库-bms_01",
                "metadata": {"op_svc_userid": "f79791beca3c48159ac2553fff22e166"},
                "key_name": "KeyPair-ops",
                "security_groups": [{"id": "5e8b3a0c-0a69-4bd4-8c5b-2b4e1d0d7b6f"}],
                "nics": [{"subnet_id": SUBNET_ID, "ip_address": "192.168.0.12"}],
                "availability_zone": "cn-north-4a",
                "vpcid": VPC_ID,
                "publicip": {
                    "eip": {
                        "iptype": "5_bgp",
                        "bandwidth": {"sharetype": "PER", "size": 10, "chargemode": "traffic"},
                        "extendparam": {"chargingMode": "postPaid"},
                    }
                },
                "count": 1,
                "root_volume": {"volumetype": "SSD", "size": 150},
                "data_volumes": [{"volumetype": "SAS", "size": 100, "shareable": False}],
                "extendparam": {
                    "chargingMode": "prePaid",
                    "regionID": "cn-north-4",
                    "periodType": "month",
                    "periodNum": 1,
                    "isAutoRenew": "false",
                    "isAutoPay": "true",
                },
                "server_tags": [{"key": "env", "value": "prod"}],
            }
        },
    }


def rename_request() -> dict[str, Any]:
    return {
        "path": {"project_id": PROJECT_ID, "server_id": SERVER_ID},
        "body": {"server": {"name": "a" * 63}},
    }


def reinstall_request() -> dict[str, Any]:
    return {
        "path": {"project_id": PROJECT_ID, "server_id": SERVER_ID},
        "body": {"os-reinstall": {"keyname": "KeyPair-ops", "userid": "f79791beca3c48159a"}},
    }


def metadata_request() -> dict[str, Any]:
    return {
        "path": {"project_id": PROJECT_ID, "server_id": SERVER_ID},
        "body": {"metadata": {"owner": "dba-team", "backup:policy.v2": "daily"}},
    }


def list_request() -> dict[str, Any]:
    return {
        "path": {"project_id": PROJECT_ID},
        "query": {"limit": 10, "offset": 2, "status": "ACTIVE", "detail": "4"},
    }


Example = Callable[[], dict[str, Any]]

RESPONSE_EXAMPLES: list[tuple[str, str, Example]] = [
    ("server-details", "ListBareMetalServerDetails", details_body),
    ("server-list", "ListBareMetalServers", list_body),
    ("rename-reply", "ChangeBaremetalServerName", rename_body),
    ("flavor-list", "ListBaremetalFlavorDetailExtends", flavors_body),
    ("finished-job", "ShowJobInfos", finished_job_body),
    ("running-job", "ShowJobInfos", running_job_body),
    ("quota", "ShowTenantQuota", quota_body),
    ("versions", "ListVersions", lambda: {"versions": [version()]}),
    ("one-version", "ShowSpecifiedVersion", lambda: {"version": version()}),
    (
        "create-reply",
        "CreateBareMetalServers",
        lambda: {"order_id": "CS2009141523OQSEQ", "job_id": JOB_ID},
    ),
    ("reboot-reply", "BatchRebootBaremetalServers", lambda: {"job_id": JOB_ID}),
    ("attach-reply", "AttachBaremetalServerVolume", lambda: {"job_id": JOB_ID}),
    (
        "nics",
        "ShowBaremetalServerInterfaceAttachments",
        lambda: {
            "interfaceAttachments": [
                {
                    "port_state": "ACTIVE",
                    "fixed_ips": [{"subnet_id": SUBNET_ID, "ip_address": "192.168.0.12"}],
                    "net_id": SUBNET_ID,
                    "port_id": PORT_ID,
                    "mac_addr": "fa:16:3e:0e:3c:41",
                    "driver_mode": "virtio",
                    "pci_address": "0000:00:0a.0",
                }
            ]
        },
    ),
    (
        "volumes",
        "ShowBaremetalServerVolumeInfo",
        lambda: {
            "volumeAttachments": [
                {
                    "id": VOLUME_ID,
                    "serverId": SERVER_ID,
                    "volumeId": VOLUME_ID,
                    "device": "/dev/sdd",
                }
            ]
        },
    ),
    (
        "metadata-echo",
        "UpdateBaremetalServerMetadata",
        lambda: {"metadata": {"owner": "dba-team"}},
    ),
    ("reset-flag", "ShowResetPwd", lambda: {"resetpwd_flag": "True"}),
    (
        "windows-password",
        "ShowWindowsBaremetalServerPwd",
        lambda: {"password": "Z2VuZXJhdGVkLWNpcGhlcnRleHQ="},
    ),
]

REQUEST_EXAMPLES: list[tuple[str, str, Example]] = [
    ("create", "CreateBareMetalServers", create_request),
    ("list-with-query", "ListBareMetalServers", list_request),
    ("rename", "ChangeBaremetalServerName", rename_request),
    ("reinstall-with-key", "ReinstallBaremetalServerOs", reinstall_request),
    ("start", "BatchStartBaremetalServers", start_request),
    ("reboot", "BatchRebootBaremetalServers", reboot_request),
    ("stop-without-type", "BatchStopBaremetalServers", stop_request),
    ("metadata", "UpdateBaremetalServerMetadata", metadata_request),
    (
        "attach",
        "AttachBaremetalServerVolume",
        lambda: {
            "path": {"project_id": PROJECT_ID, "server_id": SERVER_ID},
            "body": {"volumeAttachment": {"volumeId": VOLUME_ID, "device": "/dev/sdb"}},
        },
    ),
    (
        "detach",
        "DetachBaremetalServerVolume",
        lambda: {
            "path": {"project_id": PROJECT_ID, "server_id": SERVER_ID, "attachment_id": VOLUME_ID},
        },
    ),
    (
        "reset-password",
        "ResetPwdOneClick",
        lambda: {
            "path": {"project_id": PROJECT_ID, "server_id": SERVER_ID},
            "body": {"reset-password": {"new_password": "Ch4nge-me!"}},
        },
    ),
    ("job", "ShowJobInfos", lambda: {"path": {"project_id": PROJECT_ID, "job_id": JOB_ID}}),
    ("versions", "ListVersions", lambda: {}),
]

ERROR_EXAMPLES: list[tuple[str, str, Example]] = [
    (
        "bms",
        "bms.json",
        lambda: {"error": {"code": "BMS.0040", "message": "server does not exist"}},
    ),
    (
        "gateway",
        "gateway.json",
        lambda: {
            "error_msg": "The throttling threshold has been reached",
            "error_code": "APIGW.0308",
            "request_id": "9a4f0e1c2b3d4e5f60718293a4b5c6d7",
        },
    ),
    (
        "nova",
        "nova.json",
        lambda: {"itemNotFound": {"code": 404, "message": "Instance could not be found."}},
    ),
    (
        "nova-over-limit",
        "nova.json",
        lambda: {"overLimit": {"code": 429, "message": "Too many requests.", "retryAfter": "0"}},
    ),
]


def _response(op: str) -> str:
    return f"bms/{op}.response.json"


def _request(op: str) -> str:
    return f"bms/{op}.request.json"


EXAMPLES = (
    [
        pytest.param(_response(op), make, id=f"response-{name}")
        for name, op, make in RESPONSE_EXAMPLES
    ]
    + [
        pytest.param(_request(op), make, id=f"request-{name}")
        for name, op, make in REQUEST_EXAMPLES
    ]
    + [
        pytest.param(f"errors/{rel}", make, id=f"error-{name}")
        for name, rel, make in ERROR_EXAMPLES
    ]
)


@pytest.mark.parametrize(("rel", "make"), EXAMPLES)
def test_documented_example_bodies_validate(rel: str, make: Example) -> None:
    errors = [error.message for error in _validator(rel).iter_errors(make())]
    assert errors == []


@pytest.mark.parametrize(("rel", "make"), EXAMPLES)
def test_documented_examples_use_only_documented_members(rel: str, make: Example) -> None:
    errors = [error.message for error in _validator(rel, strict=True).iter_errors(make())]
    assert errors == []


def _with(make: Example, change: Callable[[dict[str, Any]], Any]) -> Example:
    def build() -> dict[str, Any]:
        body = copy.deepcopy(make())
        change(body)
        return body

    return build


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(body: dict[str, Any]) -> None:
        node = body
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value

    return change


def _drop(path: list[Any]) -> Callable[[dict[str, Any]], None]:
    def change(body: dict[str, Any]) -> None:
        node = body
        for step in path[:-1]:
            node = node[step]
        del node[path[-1]]

    return change


BROKEN = [
    pytest.param(
        _response("ListBareMetalServerDetails"),
        _with(details_body, _drop(["server", "flavor", "ram"])),
        "required",
        id="details-flavor-without-ram",
    ),
    pytest.param(
        _response("ListBaremetalFlavorDetailExtends"),
        _with(flavors_body, _drop(["flavors", 0, "os_extra_specs"])),
        "required",
        id="flavor-list-without-extra-specs",
    ),
    pytest.param(
        _response("ListBaremetalFlavorDetailExtends"),
        _with(flavors_body, _set(["flavors", 0, "ram"], "196608")),
        "type",
        id="flavor-list-ram-as-string",
    ),
    pytest.param(
        _response("ListBareMetalServerDetails"),
        _with(details_body, _set(["server", "flavor", "ram"], 196608)),
        "type",
        id="details-flavor-ram-as-integer",
    ),
    pytest.param(
        _response("ListBareMetalServerDetails"),
        _with(details_body, _set(["server", "addresses", VPC_ID, 0, "version"], 4)),
        "type",
        id="details-address-version-as-integer",
    ),
    pytest.param(
        _response("ListBareMetalServers"),
        _with(list_body, _set(["servers", 0, "addresses", VPC_ID, 0, "version"], 4)),
        "type",
        id="list-address-version-as-integer",
    ),
    pytest.param(
        _response("ChangeBaremetalServerName"),
        _with(rename_body, _set(["server", "addresses", VPC_ID, 0, "version"], "4")),
        "type",
        id="rename-address-version-as-string",
    ),
    pytest.param(
        _response("ListBareMetalServerDetails"),
        _with(
            details_body,
            _set(
                ["server", "os-extended-volumes:volumes_attached", 0, "delete_on_termination"],
                False,
            ),
        ),
        "type",
        id="details-delete-on-termination-as-boolean",
    ),
    pytest.param(
        _response("ChangeBaremetalServerName"),
        _with(
            rename_body,
            _set(
                ["server", "os-extended-volumes:volumes_attached", 0, "delete_on_termination"],
                "false",
            ),
        ),
        "type",
        id="rename-delete-on-termination-as-string",
    ),
    pytest.param(
        _response("ListBareMetalServerDetails"),
        _with(details_body, _set(["server", "OS-EXT-STS:power_state"], 2)),
        "enum",
        id="details-power-state-outside-enum",
    ),
    pytest.param(
        _response("ListBareMetalServerDetails"),
        _with(details_body, _set(["server", "OS-EXT-STS:task_state"], "migrating")),
        "enum",
        id="details-task-state-outside-enum",
    ),
    pytest.param(
        _response("ListBareMetalServerDetails"),
        _with(details_body, _drop(["server", "tenant_id"])),
        "required",
        id="details-without-tenant-id",
    ),
    pytest.param(
        _response("ListBareMetalServers"),
        _with(list_body, _drop(["count"])),
        "required",
        id="list-without-count",
    ),
    pytest.param(
        _response("ShowJobInfos"),
        _with(finished_job_body, _set(["status"], "DONE")),
        "enum",
        id="job-status-outside-enum",
    ),
    pytest.param(
        _response("ShowJobInfos"),
        _with(
            finished_job_body,
            _set(["entities", "sub_jobs", 0, "job_type"], "baremetalBatchCreate"),
        ),
        "enum",
        id="sub-job-type-outside-enum",
    ),
    pytest.param(
        _response("ShowJobInfos"),
        _with(running_job_body, _drop(["end_time"])),
        "required",
        id="job-without-end-time",
    ),
    pytest.param(
        _response("ShowJobInfos"),
        _with(running_job_body, _set(["end_time"], None)),
        "type",
        id="job-end-time-null",
    ),
    pytest.param(
        _response("ShowTenantQuota"),
        _with(quota_body, _set(["absolute", "maxTotalCores"], "20480")),
        "type",
        id="quota-member-as-string",
    ),
    pytest.param(
        _response("ShowTenantQuota"),
        _with(quota_body, _drop(["absolute", "totalCoresUsed"])),
        "required",
        id="quota-without-a-member",
    ),
    pytest.param(
        _response("ListVersions"),
        lambda: {"versions": [{**version(), "status": "STABLE"}]},
        "enum",
        id="version-status-outside-enum",
    ),
    pytest.param(
        _response("ShowResetPwd"),
        lambda: {"resetpwd_flag": True},
        "type",
        id="reset-flag-as-boolean",
    ),
    pytest.param(
        _response("CreateBareMetalServers"),
        lambda: {"job_id": JOB_ID},
        "required",
        id="create-reply-without-order-id",
    ),
    pytest.param(
        _request("BatchRebootBaremetalServers"),
        _with(reboot_request, _drop(["body", "reboot", "type"])),
        "required",
        id="reboot-without-type",
    ),
    pytest.param(
        _request("BatchStopBaremetalServers"),
        _with(stop_request, _set(["body", "os-stop", "type"], "FORCE")),
        "enum",
        id="stop-type-outside-enum",
    ),
    pytest.param(
        _request("BatchStartBaremetalServers"),
        _with(start_request, _set(["body", "os-start", "servers"], servers(1001))),
        "maxItems",
        id="start-with-1001-servers",
    ),
    pytest.param(
        _request("BatchStartBaremetalServers"),
        _with(
            start_request,
            _set(["body", "reboot"], {"type": "HARD", "servers": [{"id": SERVER_ID}]}),
        ),
        "additionalProperties",
        id="start-body-also-carrying-reboot",
    ),
    pytest.param(
        _request("BatchStopBaremetalServers"),
        reboot_request,
        "required",
        id="reboot-body-sent-as-stop",
    ),
    pytest.param(
        _request("ChangeBaremetalServerName"),
        _with(rename_request, _set(["body", "server", "name"], "a" * 64)),
        "maxLength",
        id="server-name-of-64-characters",
    ),
    pytest.param(
        _request("ChangeBaremetalServerName"),
        _with(rename_request, _set(["body", "server", "name"], "bms 01")),
        "pattern",
        id="server-name-with-a-space",
    ),
    pytest.param(
        _request("CreateBareMetalServers"),
        _with(create_request, _set(["body", "server", "count"], 101)),
        "maximum",
        id="create-count-above-100",
    ),
    pytest.param(
        _request("CreateBareMetalServers"),
        _with(create_request, _set(["body", "server", "count"], 0)),
        "minimum",
        id="create-count-zero",
    ),
    pytest.param(
        _request("CreateBareMetalServers"),
        _with(create_request, _drop(["body", "server", "vpcid"])),
        "required",
        id="create-without-vpcid",
    ),
    pytest.param(
        _request("CreateBareMetalServers"),
        _with(create_request, _drop(["body", "server", "extendparam", "periodType"])),
        "required",
        id="create-prepaid-without-period-type",
    ),
    pytest.param(
        _request("CreateBareMetalServers"),
        _with(create_request, _set(["body", "server", "publicip", "id"], VOLUME_ID)),
        "not",
        id="create-publicip-with-id-and-eip",
    ),
    pytest.param(
        _request("ListBareMetalServers"),
        _with(list_request, _set(["query", "page"], 2)),
        "additionalProperties",
        id="list-with-unknown-query-parameter",
    ),
    pytest.param(
        _request("ListBareMetalServers"),
        _with(list_request, _set(["query", "limit"], 1001)),
        "maximum",
        id="list-limit-above-1000",
    ),
    pytest.param(
        _request("ListBareMetalServers"),
        _with(list_request, _set(["query", "offset"], 0)),
        "minimum",
        id="list-offset-zero",
    ),
    pytest.param(
        _request("ListBareMetalServerDetails"),
        lambda: {"path": {"project_id": PROJECT_ID}},
        "required",
        id="details-without-server-id",
    ),
    pytest.param(
        _request("UpdateBaremetalServerMetadata"),
        _with(metadata_request, _set(["body", "metadata", "bad key"], "x")),
        "pattern",
        id="metadata-key-with-a-space",
    ),
    pytest.param(
        _request("UpdateBaremetalServerMetadata"),
        _with(metadata_request, _set(["body", "metadata", "owner"], "x" * 256)),
        "maxLength",
        id="metadata-value-of-256-characters",
    ),
    pytest.param(
        _request("ResetPwdOneClick"),
        lambda: {
            "path": {"project_id": PROJECT_ID, "server_id": SERVER_ID},
            "body": {"reset-password": {"new_password": "Short1!"}},
        },
        "minLength",
        id="new-password-of-7-characters",
    ),
    pytest.param(
        _request("ReinstallBaremetalServerOs"),
        _with(reinstall_request, _set(["body", "os-reinstall", "adminpass"], "Ch4nge-me!")),
        "not",
        id="reinstall-with-password-and-key",
    ),
    pytest.param(
        _request("ReinstallBaremetalServerOs"),
        _with(reinstall_request, _drop(["body", "os-reinstall", "keyname"])),
        "anyOf",
        id="reinstall-without-password-key-or-user-data",
    ),
    pytest.param(
        _request("ShowTenantQuota"),
        lambda: {"path": {"project_id": PROJECT_ID}, "body": {}},
        "additionalProperties",
        id="body-on-a-bodiless-operation",
    ),
    pytest.param(
        "errors/bms.json",
        lambda: {"error": {"code": "0040", "message": "gone"}},
        "pattern",
        id="bms-error-code-without-prefix",
    ),
    pytest.param(
        "errors/bms.json",
        lambda: {"error_code": "BMS.0040", "error_msg": "gone"},
        "required",
        id="bms-error-in-flat-form",
    ),
    pytest.param(
        "errors/gateway.json",
        lambda: {"error_code": "APIGW.0308"},
        "required",
        id="gateway-error-without-message",
    ),
    pytest.param(
        "errors/nova.json",
        lambda: {
            "badRequest": {"code": 400, "message": "a"},
            "itemNotFound": {"code": 404, "message": "b"},
        },
        "maxProperties",
        id="nova-fault-with-two-members",
    ),
    pytest.param(
        "errors/nova.json",
        lambda: {"notFound": {"code": 404, "message": "b"}},
        "enum",
        id="nova-fault-with-unknown-name",
    ),
    pytest.param(
        "errors/nova.json",
        lambda: {"itemNotFound": {"code": "404", "message": "b"}},
        "type",
        id="nova-fault-code-as-string",
    ),
]


@pytest.mark.parametrize(("rel", "make", "keyword"), BROKEN)
def test_a_body_breaking_one_documented_rule_fails_on_that_rule(
    rel: str, make: Example, keyword: str
) -> None:
    tripped = {error.validator for error in _validator(rel).iter_errors(make())}
    assert keyword in tripped


# ---------------------------------------------------------------- generated requests

FORMATS = {"uuid": st.uuids().map(str)}


@pytest.mark.parametrize("rel", REQUEST_FILES)
def test_hypothesis_jsonschema_builds_valid_requests(rel: str) -> None:
    inlined = STORE.inlined(rel)
    assert "$ref" not in json.dumps(inlined)
    validator = _validator(rel)

    @settings(max_examples=5, deadline=None, database=None)
    @given(from_schema(inlined, custom_formats=FORMATS))
    def check(request: dict[str, Any]) -> None:
        assert [error.message for error in validator.iter_errors(request)] == []

    check()
