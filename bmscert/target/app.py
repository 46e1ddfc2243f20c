"""Building the three ASGI apps (BMS, ECS and IAM endpoints) around one shared world."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.routing import Router

from bmscert.core.catalogue import Catalogue, load_catalogue
from bmscert.core.schemas import SchemaStore, load_schemas
from bmscert.target.faults import Faults
from bmscert.target.gateway import Gateway
from bmscert.target.iam import iam_routes
from bmscert.target.lifecycle import Lifecycle
from bmscert.target.model import World
from bmscert.target.registry import registered_handlers
from bmscert.target.seed import build_world
from bmscert.target.settings import TargetSettings


@dataclass
class ReferenceTarget:
    """The apps and the state behind them; tests may inspect ``world`` directly."""

    bms_app: Router
    ecs_app: Router
    iam_app: Router
    world: World
    gateway: Gateway


def build_target(
    settings: TargetSettings,
    catalogue: Catalogue | None = None,
    store: SchemaStore | None = None,
) -> ReferenceTarget:
    catalogue = catalogue or load_catalogue()
    store = store or load_schemas()
    faults = Faults.parse(settings.faults, catalogue)
    world = build_world(settings)
    world.lifecycle = Lifecycle(settings.job_seconds, settings.job_failure_rate, settings.seed)
    if settings.quota_instances is not None:
        _raise_instance_quota(world, settings.quota_instances)
    world.faults = faults
    gateway = Gateway(settings, world, catalogue, store, registered_handlers(), faults)
    bms_app = Router(routes=gateway.routes("bms"), default=gateway.not_found)
    ecs_app = Router(routes=gateway.routes("ecs"), default=gateway.not_found)
    iam_app = Router(routes=iam_routes(gateway.identities, world))
    return ReferenceTarget(bms_app, ecs_app, iam_app, world, gateway)


def _raise_instance_quota(world: World, instances: int) -> None:
    """A test tenant's quota: ``instances`` servers, with cores and RAM for that many of the
    largest flavor, so the instance count is the limit an order meets first."""
    biggest_cores = max(flavor.vcpus for flavor in world.flavors.values())
    biggest_ram = max(flavor.ram_mb for flavor in world.flavors.values())
    for project in world.projects.values():
        project.quota.max_instances = instances
        project.quota.max_cores = max(project.quota.max_cores, instances * biggest_cores)
        project.quota.max_ram_mb = max(project.quota.max_ram_mb, instances * biggest_ram)
