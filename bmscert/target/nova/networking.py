"""A server's addresses (/ips, keyed by VPC id) and NICs (os-interface)."""

from __future__ import annotations

from bmscert.target.http import Call, Reply, nova_fault
from bmscert.target.nova import render
from bmscert.target.nova.lookup import server_of
from bmscert.target.registry import handles


@handles("list_server_ips")
def list_ips(call: Call) -> Reply:
    return Reply(200, {"addresses": render.addresses(server_of(call), detailed=False)})


@handles("show_server_ips_by_network")
def show_ips_of_network(call: Call) -> Reply:
    label = call.path["network_label"]
    grouped = render.addresses(server_of(call), detailed=False)
    if label not in grouped:
        raise nova_fault(404, "Instance is not a member of specified network")
    return Reply(200, {label: grouped[label]})


@handles("list_server_interfaces")
def list_interfaces(call: Call) -> Reply:
    nics = server_of(call).nics
    return Reply(200, {"interfaceAttachments": [render.interface(nic) for nic in nics]})


@handles("show_server_interface")
def show_interface(call: Call) -> Reply:
    server = server_of(call)
    port_id = call.path["port_id"]
    for nic in server.nics:
        if nic.port_id == port_id:
            return Reply(200, {"interfaceAttachment": render.interface(nic)})
    raise nova_fault(404, f"Instance {server.id} does not have a port with id {port_id}")
