"""Project-wide reads: flavors and quota."""

from __future__ import annotations

from bmscert.target.bms import render
from bmscert.target.http import Call, Reply
from bmscert.target.registry import handles


@handles("ListBaremetalFlavorDetailExtends")
def list_flavors(call: Call) -> Reply:
    flavors = [
        render.flavor_extended(flavor, call.base_url, call.project.id)
        for flavor in call.world.flavors.values()
    ]
    return Reply(200, {"flavors": flavors})


@handles("ShowTenantQuota")
def show_quota(call: Call) -> Reply:
    quota = call.project.quota
    servers, cores, ram = call.project.used(call.world.flavors)
    absolute = {
        "maxTotalInstances": quota.max_instances,
        "maxTotalCores": quota.max_cores,
        "maxTotalRAMSize": quota.max_ram_mb,
        "maxTotalKeypairs": quota.max_keypairs,
        "maxServerMeta": quota.max_server_meta,
        "maxPersonality": quota.max_personality,
        "maxPersonalitySize": quota.max_personality_size,
        "maxServerGroups": quota.max_server_groups,
        "maxServerGroupMembers": quota.max_server_group_members,
        "totalServerGroupsUsed": 0,
        "maxSecurityGroups": quota.max_security_groups,
        "maxSecurityGroupRules": quota.max_security_group_rules,
        "maxTotalFloatingIps": quota.max_floating_ips,
        "maxImageMeta": quota.max_image_meta,
        "totalInstancesUsed": servers,
        "totalCoresUsed": cores,
        "totalRAMUsed": ram,
        "totalSecurityGroupsUsed": 1,
        "totalFloatingIpsUsed": 0,
    }
    return Reply(200, {"absolute": absolute})
