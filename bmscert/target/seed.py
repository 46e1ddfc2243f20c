"""The state the reference target starts with: a project with servers, volumes, a job, and the
key pair the first server was built with; a second project (another tenant) with a server,
a job and a key pair of its own; two users in each project.

Ids are derived from the settings' seed, so a given seed always yields the same ids and a
test can name them without asking the target first.
"""

from __future__ import annotations

import base64
import time
import uuid

from bmscert.target.model import (
    Attachment,
    Flavor,
    Image,
    Job,
    Keypair,
    Nic,
    Project,
    Server,
    SubJob,
    User,
    Volume,
    World,
)
from bmscert.target.nova.keys import emulated_public_key, fingerprint
from bmscert.target.settings import TargetSettings

_NAMESPACE = uuid.UUID("6f1c7e0a-3a55-4f0e-9d49-3b5d2c1e8a10")
AVAILABILITY_ZONE = "cn-north-4a"
DOMAIN_NAME = "bmscert"
# Each role's user: (name, index of its id, whether it belongs to the second project).
USERS = {
    "main": ("bmscert-main", 0, False),
    "peer": ("bmscert-peer", 2, False),
    "other": ("bmscert-other", 3, True),
    "other_peer": ("bmscert-other-peer", 4, True),
}
OTHER_SERVER_INDEX = 9


class SeedIds:
    """Deterministic ids: ``uuid('server', 1)`` is the same for the same seed."""

    def __init__(self, seed: str):
        self.seed = seed

    def uuid(self, kind: str, index: int = 0) -> str:
        return str(uuid.uuid5(_NAMESPACE, f"{self.seed}/{kind}/{index}"))

    def hex(self, kind: str, index: int = 0) -> str:
        return uuid.uuid5(_NAMESPACE, f"{self.seed}/{kind}/{index}").hex

    def windows_password(self) -> str:
        """Stands in for the encrypted initial password: base64 of 96 derived bytes."""
        raw = b"".join(uuid.uuid5(_NAMESPACE, f"{self.seed}/pw/{n}").bytes for n in range(6))
        return base64.b64encode(raw).decode("ascii")

    def mac(self, index: int) -> str:
        raw = uuid.uuid5(_NAMESPACE, f"{self.seed}/mac/{index}").bytes[:5]
        return "fa:16:" + ":".join(f"{byte:02x}" for byte in raw[:4])


def _flavors() -> dict[str, Flavor]:
    def specs(arch: str, board: str, boot: str, evs: str, cpu: str, mem: str, disk: str):
        return {
            "resource_type": "ironic",
            "capabilities:cpu_arch": arch,
            "capabilities:hypervisor_type": "ironic",
            "capabilities:board_type": board,
            "baremetal:__support_evs": evs,
            "baremetal:extBootType": boot,
            "baremetal:net_num": "2",
            "baremetal:netcard_detail": "2*10GE",
            "baremetal:cpu_detail": cpu,
            "baremetal:memory_detail": mem,
            "baremetal:disk_detail": disk,
            "cond:operation:status": "normal",
        }

    flavors = [
        Flavor(
            "physical.s4.medium",
            32,
            196608,
            800,
            specs(
                "x86_64",
                "s4m",
                "LocalDisk",
                "true",
                "2*16core 2.6GHz",
                "12*16GB DDR4",
                "2*800GB SSD RAID1",
            ),
        ),
        Flavor(
            "physical.o2.medium",
            48,
            393216,
            0,
            specs(
                "x86_64",
                "o2m",
                "Volume",
                "true",
                "2*24core 2.8GHz",
                "12*32GB DDR4",
                "quick provisioning, boots from EVS",
            ),
        ),
        Flavor(
            "physical.kl1.3xlarge",
            128,
            524288,
            14400,
            specs(
                "aarch64",
                "kl1",
                "LocalDisk",
                "false",
                "2*64core 2.6GHz",
                "16*32GB DDR4",
                "2*800GB SSD RAID1 + 12*1.2TB SAS",
            ),
        ),
    ]
    return {flavor.id: flavor for flavor in flavors}


def _images(ids: SeedIds) -> dict[str, Image]:
    images = [
        Image(ids.uuid("image", 1), "CentOS 7.9 64bit for BareMetal", "Linux"),
        Image(ids.uuid("image", 2), "Windows Server 2019 Standard for BareMetal", "Windows"),
    ]
    return {image.id: image for image in images}


def _server(ids: SeedIds, project: Project, index: int, **fields) -> Server:
    created = fields.pop("created")
    vpc_id = ids.uuid("vpc", 1)
    nic_count = fields.pop("nic_count", 1)
    nics = [
        Nic(
            port_id=ids.uuid("port", index * 10 + n),
            mac=ids.mac(index * 10 + n),
            vpc_id=vpc_id,
            subnet_id=ids.uuid("subnet", n),
            network_id=ids.uuid("network", n),
            ip=f"192.168.{n}.{10 + index}",
            pci_address=f"0000:00:0{n + 1}.0",
        )
        for n in range(nic_count)
    ]
    return Server(
        id=ids.uuid("server", index),
        project_id=project.id,
        user_id=project.user_id,
        availability_zone=AVAILABILITY_ZONE,
        vpc_id=vpc_id,
        created=created,
        updated=created + 300,
        launched_at=created + 240,
        host=f"bms.{AVAILABILITY_ZONE}",
        host_id=ids.hex("host", index)[:56],
        instance_name=f"instance-{index:08x}",
        hostname=f"host-{index}",
        reservation_id=f"r-{ids.hex('reservation', index)[:8]}",
        security_groups=[{"name": "default", "id": ids.uuid("security-group", 1)}],
        nics=nics,
        **fields,
    )


def _attach_disks(server: Server, project: Project, ids: SeedIds, index: int) -> None:
    system = Volume(
        ids.uuid("volume", index * 10),
        150,
        "SSD",
        AVAILABILITY_ZONE,
        status="in-use",
        bootable=True,
    )
    data = Volume(
        ids.uuid("volume", index * 10 + 1), 500, "SAS", AVAILABILITY_ZONE, status="in-use"
    )
    project.volumes.update({system.id: system, data.id: data})
    server.attachments = [
        Attachment(system.id, "/dev/sda", boot_index="0", delete_on_termination=True),
        Attachment(data.id, "/dev/sdb"),
    ]


def build_world(settings: TargetSettings, now: float | None = None) -> World:
    """The seeded world: three servers (two running, one stopped), volumes and a job."""
    now = time.time() if now is None else now
    ids = SeedIds(settings.seed)
    images = _images(ids)
    linux, windows = list(images)
    project = Project(id=ids.hex("project"), name=settings.region, user_id=ids.hex("user"))
    day = 86400.0

    servers = [
        _server(
            ids,
            project,
            1,
            name="bms-web-01",
            flavor_id="physical.s4.medium",
            image_id=linux,
            created=now - 30 * day,
            key_name="bmscert-seed-key",
            user_metadata={"purpose": "web", "owner": "platform-team"},
            tags=["__type_baremetal", "env=prod"],
        ),
        _server(
            ids,
            project,
            2,
            name="bms-db-01",
            flavor_id="physical.kl1.3xlarge",
            image_id=linux,
            created=now - 20 * day,
            status="SHUTOFF",
            vm_state="stopped",
            power_state=4,
            nic_count=2,
            user_metadata={"purpose": "database"},
            tags=["__type_baremetal"],
        ),
        _server(
            ids,
            project,
            3,
            name="bms-win-01",
            flavor_id="physical.o2.medium",
            image_id=windows,
            created=now - 10 * day,
            resetpwd_supported=False,
            windows_password=ids.windows_password(),
            tags=["__type_baremetal"],
        ),
    ]
    for index, server in enumerate(servers, start=1):
        _attach_disks(server, project, ids, index)
        project.servers[server.id] = server
    for n in range(1, 3):
        spare = Volume(ids.uuid("spare-volume", n), 100 * n, "SAS", AVAILABILITY_ZONE)
        project.volumes[spare.id] = spare

    job = _finished_create_job(ids, project, servers[0])
    project.jobs[job.job_id] = job
    other = _other_project(ids, settings, linux, now)
    world = World(
        flavors=_flavors(),
        images=images,
        projects={project.id: project, other.id: other},
        region=settings.region,
        users=_users(ids, project, other),
    )
    seed_key = _seed_keypair(ids, project, servers[0])
    world.keypairs_of(project.user_id)[seed_key.name] = seed_key
    other_server = other.servers[ids.uuid("server", OTHER_SERVER_INDEX)]
    other_key = _seed_keypair(ids, other, other_server, key_id=2)
    world.keypairs_of(other.user_id)[other_key.name] = other_key
    return world


def _users(ids: SeedIds, project: Project, other: Project) -> dict[str, User]:
    """Two users per project, by role; the first of each owns its project's seeded servers."""
    domain_id = ids.hex("domain")
    return {
        role: User(
            id=ids.hex("user", index),
            name=name,
            domain_id=domain_id,
            domain_name=DOMAIN_NAME,
            project_id=other.id if in_other else project.id,
        )
        for role, (name, index, in_other) in USERS.items()
    }


def _other_project(ids: SeedIds, settings: TargetSettings, image_id: str, now: float) -> Project:
    """Another tenant of the same region: one running server, its creation job, its disks."""
    other = Project(
        id=ids.hex("project", 2),
        name=f"{settings.region}_bmscert-other",
        user_id=ids.hex("user", 3),
    )
    server = _server(
        ids,
        other,
        OTHER_SERVER_INDEX,
        name="bms-other-01",
        flavor_id="physical.s4.medium",
        image_id=image_id,
        created=now - 5 * 86400.0,
        key_name="bmscert-other-key",
        user_metadata={"purpose": "another tenant"},
        tags=["__type_baremetal"],
    )
    _attach_disks(server, other, ids, OTHER_SERVER_INDEX)
    other.servers[server.id] = server
    job = _finished_create_job(ids, other, server, index=2)
    other.jobs[job.job_id] = job
    return other


def _seed_keypair(ids: SeedIds, project: Project, server: Server, key_id: int = 1) -> Keypair:
    salt = "" if key_id == 1 else f"/{key_id}"
    material = b"".join(
        uuid.uuid5(_NAMESPACE, f"{ids.seed}/key{salt}/{n}").bytes for n in range(16)
    )
    public_key = emulated_public_key(material, comment="bmscert-seed")
    return Keypair(
        id=key_id,
        name=server.key_name,
        user_id=project.user_id,
        public_key=public_key,
        fingerprint=fingerprint(public_key),
        created=server.created - 3600,
    )


def _finished_create_job(ids: SeedIds, project: Project, server: Server, index: int = 1) -> Job:
    begin = server.created
    end = server.launched_at
    sub_job = SubJob(
        ids.hex("sub-job", index),
        "baremetalSingleCreate",
        server.id,
        status="SUCCESS",
        begin=begin + 1,
        end=end - 1,
    )
    return Job(
        ids.hex("job", index),
        "baremetalBatchCreate",
        project.id,
        begin,
        status="SUCCESS",
        end=end,
        sub_jobs=[sub_job],
    )


def seed_resources(settings: TargetSettings) -> dict[str, str]:
    """Ids a client may use without discovering them: the project, a server, the job, a
    volume attached to nothing (no API of the subset lists volumes), and what a mutating suite
    builds servers from (image, flavor, network)."""
    ids = SeedIds(settings.seed)
    return {
        "project_id": ids.hex("project"),
        "server_id": ids.uuid("server", 1),
        "job_id": ids.hex("job", 1),
        "api_version": "v1",
        "volume_id": ids.uuid("spare-volume", 1),
        "image_id": ids.uuid("image", 1),
        "windows_image_id": ids.uuid("image", 2),
        "flavor_id": "physical.s4.medium",
        "vpc_id": ids.uuid("vpc", 1),
        "subnet_id": ids.uuid("network", 0),
        "availability_zone": AVAILABILITY_ZONE,
        "user_id": ids.hex("user"),
    }


def seed_identities(settings: TargetSettings) -> dict[str, dict[str, str]]:
    """Who each role is (never a secret): user name, domain, user id, project id."""
    ids = SeedIds(settings.seed)
    projects = {False: ids.hex("project"), True: ids.hex("project", 2)}
    return {
        role: {
            "username": name,
            "domain": DOMAIN_NAME,
            "user_id": ids.hex("user", index),
            "project_id": projects[in_other],
        }
        for role, (name, index, in_other) in USERS.items()
    }
