"""Flavors and their extra specs through the Nova API; BMS flavors are named physical.*."""

from __future__ import annotations

from bmscert.target.http import Call, Reply, nova_fault
from bmscert.target.model import Flavor
from bmscert.target.nova import render
from bmscert.target.nova.lookup import flavor_of
from bmscert.target.nova.paging import listing, page
from bmscert.target.registry import handles

SORT_KEYS = {
    "flavorid": lambda f: f.id,
    "name": lambda f: f.name,
    "memory_mb": lambda f: f.ram_mb,
    "vcpus": lambda f: f.vcpus,
    "root_gb": lambda f: f.disk_gb,
}


def _listed(call: Call) -> tuple[list[Flavor], list[dict[str, str]]]:
    min_disk = call.query_value("minDisk", 0)
    min_ram = call.query_value("minRam", 0)
    matching = [
        flavor
        for flavor in call.world.flavors.values()
        if flavor.disk_gb >= min_disk and flavor.ram_mb >= min_ram
    ]
    key = SORT_KEYS[call.query_value("sort_key", "flavorid")]
    ordered = sorted(matching, key=key, reverse=call.query_value("sort_dir") == "desc")
    return page(call, ordered, lambda flavor: flavor.id)


@handles("list_flavors")
def list_flavors(call: Call) -> Reply:
    flavors, next_links = _listed(call)
    shown = [render.flavor_summary(call, flavor) for flavor in flavors]
    return Reply(200, listing("flavors", shown, next_links))


@handles("list_flavors_detail")
def list_flavors_detail(call: Call) -> Reply:
    flavors, next_links = _listed(call)
    shown = [render.flavor_detail(call, flavor) for flavor in flavors]
    return Reply(200, listing("flavors", shown, next_links))


@handles("show_flavor")
def show_flavor(call: Call) -> Reply:
    return Reply(200, {"flavor": render.flavor_detail(call, flavor_of(call))})


@handles("list_flavor_extra_specs")
def list_extra_specs(call: Call) -> Reply:
    return Reply(200, {"extra_specs": dict(flavor_of(call).extra_specs)})


@handles("show_flavor_extra_spec")
def show_extra_spec(call: Call) -> Reply:
    flavor = flavor_of(call)
    key = call.path["flavor_extra_spec_key"]
    if key not in flavor.extra_specs:
        raise nova_fault(404, f"Flavor {flavor.id} has no extra specs with key {key}.")
    return Reply(200, {key: flavor.extra_specs[key]})
