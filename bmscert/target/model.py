"""The reference target's state: flavors, images, servers, volumes, jobs, quotas, key pairs.

One ``World`` holds everything; both endpoints (BMS native and ECS/Nova) read and change the
same objects, so an effect through one API is seen through the other, as on the real cloud.
The request path is single-threaded (one asyncio loop), so the state needs no locks.
Time-driven changes (a job finishing, a server leaving BUILD) are computed when observed,
from timestamps, so no background task can race a request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Flavor:
    id: str
    vcpus: int
    ram_mb: int
    disk_gb: int
    extra_specs: dict[str, str]

    @property
    def name(self) -> str:
        return self.id


@dataclass
class Image:
    id: str
    name: str
    os_type: str
    os_bit: str = "64"
    image_type: str = "gold"


@dataclass
class Nic:
    port_id: str
    mac: str
    vpc_id: str
    subnet_id: str
    network_id: str
    ip: str
    port_state: str = "ACTIVE"
    driver_mode: str = "virtio"
    pci_address: str = "0000:00:0c.0"


@dataclass
class Volume:
    id: str
    size_gb: int
    volume_type: str
    availability_zone: str
    status: str = "available"
    bootable: bool = False
    shareable: bool = False


@dataclass
class Attachment:
    volume_id: str
    device: str
    boot_index: str = "-1"
    delete_on_termination: bool = False


@dataclass
class Server:
    id: str
    name: str
    project_id: str
    user_id: str
    flavor_id: str
    image_id: str
    availability_zone: str
    vpc_id: str
    created: float
    updated: float
    launched_at: float
    status: str = "ACTIVE"
    vm_state: str = "active"
    task_state: str | None = None
    power_state: int = 1
    key_name: str = ""
    host: str = ""
    host_id: str = ""
    instance_name: str = ""
    hostname: str = ""
    reservation_id: str = ""
    launch_index: int = 0
    description: str = ""
    locked: bool = False
    nics: list[Nic] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    user_metadata: dict[str, str] = field(default_factory=dict)
    system_metadata: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    security_groups: list[dict[str, str]] = field(default_factory=list)
    resetpwd_supported: bool = True
    windows_password: str | None = None
    user_data: str = ""
    failed_reinstall: bool = False
    counts_in_quota: bool = True
    order_id: str = ""


@dataclass
class SubJob:
    job_id: str
    job_type: str
    server_id: str
    status: str = "INIT"
    begin: float = 0.0
    end: float | None = None
    error_code: str | None = None
    fail_reason: str | None = None
    timeline: Any = None


@dataclass
class Job:
    """An asynchronous job; ``timeline`` drives its status when it is observed."""

    job_id: str
    job_type: str
    project_id: str
    begin: float
    status: str = "INIT"
    end: float | None = None
    server_id: str | None = None
    sub_jobs: list[SubJob] = field(default_factory=list)
    error_code: str | None = None
    fail_reason: str | None = None
    timeline: Any = None
    operation: str = ""
    terminal_reads: int = 0


@dataclass
class Quota:
    max_instances: int = 20
    max_cores: int = 2000
    max_ram_mb: int = 8_192_000
    max_keypairs: int = 100
    max_server_meta: int = 128
    max_personality: int = 5
    max_personality_size: int = 10240
    max_server_groups: int = 10
    max_server_group_members: int = 16
    max_security_groups: int = -1
    max_security_group_rules: int = -1
    max_floating_ips: int = -1
    max_image_meta: int = 128


@dataclass
class Project:
    id: str
    name: str
    user_id: str
    servers: dict[str, Server] = field(default_factory=dict)
    volumes: dict[str, Volume] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    quota: Quota = field(default_factory=Quota)

    def used(self, flavors: dict[str, Flavor]) -> tuple[int, int, int]:
        """Servers, cores and RAM (MB) the project's servers consume."""
        servers = [s for s in self.servers.values() if s.status != "DELETED" and s.counts_in_quota]
        cores = sum(flavors[s.flavor_id].vcpus for s in servers)
        ram = sum(flavors[s.flavor_id].ram_mb for s in servers)
        return len(servers), cores, ram


@dataclass
class Keypair:
    """An SSH key pair of one user; the private half is never kept."""

    id: int
    name: str
    user_id: str
    public_key: str
    fingerprint: str
    created: float
    type: str = "ssh"


@dataclass(frozen=True)
class User:
    """An IAM user: a member of one project, in one domain (the account)."""

    id: str
    name: str
    domain_id: str
    domain_name: str
    project_id: str


@dataclass
class World:
    flavors: dict[str, Flavor]
    images: dict[str, Image]
    projects: dict[str, Project]
    region: str = "cn-north-4"
    lifecycle: Any = None
    faults: Any = None
    keypairs: dict[str, dict[str, Keypair]] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def keypairs_of(self, user_id: str) -> dict[str, Keypair]:
        """The key pairs of ``user_id`` by name; key pairs belong to users, not projects."""
        return self.keypairs.setdefault(user_id, {})

    def project(self, project_id: str) -> Project | None:
        return self.projects.get(project_id)

    def user_by_id(self, user_id: str) -> User | None:
        return next((user for user in self.users.values() if user.id == user_id), None)
