"""Volume attachments of a server, driven through both API families.

Generated sequences of attaches and detaches of the spare volume the profile lends
(``resources.volume_id``), each through the BMS native API (a job, followed to its end) or
through Nova (polled until the attachment shows or goes), act on the harness's own server.
The model holds whether the spare volume is attached, beside the volumes the server had at
the start: attaching it again is BMS.1009 natively and a 409 through Nova, detaching it when
it is not attached is BMS.0114 natively and a 404 through Nova, reading its attachment is a
404 when it is not there. After every step both families must list exactly the model's
volumes.
"""

import pytest
from hypothesis.stateful import initialize, invariant, rule

from bmscert.runners.machines import MachineContext, ModelMachine

pytest_plugins = (
    "bmscert.runners.nova_fixtures",
    "bmscert.runners.generation",
    "bmscert.runners.properties",
)

OPERATIONS = (
    "AttachBaremetalServerVolume",
    "DetachBaremetalServerVolume",
    "ShowBaremetalServerVolumeInfo",
    "attach_volume",
    "detach_volume",
    "show_volume_attachment",
    "list_volume_attachments",
)
pytestmark = [pytest.mark.stateful, pytest.mark.mutating, pytest.mark.operations(*OPERATIONS)]


class VolumesModel(ModelMachine):
    """The server's volumes: the ones it started with, and the spare one or not."""

    def reset(self):
        self.context.bench.reset_volume(self.context.checkpoint)

    @initialize()
    def start_from_what_the_target_shows(self):
        bench = self.context.bench
        self.spare = bench.spare_volume
        self.wait_until_settled()
        shown = bench.attached_to(self.server_id)
        self.attached = self.spare in shown
        self.others = shown - {self.spare}

    def _path(self, **extra):
        return {"server_id": self.server_id, **extra}

    def _wait_for_the_spare(self, attached):
        self.context.bench.wait_for_attachment(self.server_id, self.spare, attached)

    # ------------------------------------------------------------------ BMS native

    @rule()
    def attach_through_bms(self):
        body = {"volumeAttachment": {"volumeId": self.spare}}
        reply = self.send("AttachBaremetalServerVolume", path=self._path(), json_body=body)
        if self.attached:
            self.refused(reply, 400, code="BMS.1009")
            return
        self.accepted(reply)
        if self.follow(reply) == "SUCCESS":
            self.attached = True

    @rule()
    def detach_through_bms(self):
        path = self._path(attachment_id=self.spare)
        reply = self.send("DetachBaremetalServerVolume", path=path)
        if not self.attached:
            self.refused(reply, 400, code="BMS.0114")
            return
        self.accepted(reply)
        if self.follow(reply) == "SUCCESS":
            self.attached = False

    # ------------------------------------------------------------------ Nova

    @rule()
    def attach_through_nova(self):
        body = {"volumeAttachment": {"volumeId": self.spare}}
        reply = self.send("attach_volume", path=self._path(), json_body=body)
        if self.attached:
            self.refused(reply, 409, fault="conflictingRequest", naming=(self.spare,))
            return
        self.accepted(reply)
        self._wait_for_the_spare(attached=True)
        self.attached = True

    @rule()
    def detach_through_nova(self):
        reply = self.send("detach_volume", path=self._path(volume_id=self.spare))
        if not self.attached:
            self.refused(reply, 404, fault="itemNotFound")
            return
        self.accepted(reply)
        self._wait_for_the_spare(attached=False)
        self.attached = False

    @rule()
    def read_the_spare_attachment(self):
        reply = self.send("show_volume_attachment", path=self._path(volume_id=self.spare))
        if not self.attached:
            self.refused(reply, 404, fault="itemNotFound")
            return
        self.accepted(reply)
        shown = (reply.json or {}).get("volumeAttachment", {}).get("volumeId")
        self.matches("the attachment's volume", self.spare, shown, reply)

    # ------------------------------------------------------------------ what both show

    @invariant()
    def both_families_list_the_model(self):
        expected = self.others | ({self.spare} if self.attached else set())
        native = self.look("ShowBaremetalServerVolumeInfo", path=self._path())
        self.accepted(native)
        listed = {item.get("volumeId") for item in native.json.get("volumeAttachments", [])}
        self.matches("volumes through the BMS API", expected, listed, native)
        nova = self.look("list_volume_attachments", path=self._path())
        self.accepted(nova)
        listed = {item.get("volumeId") for item in nova.json.get("volumeAttachments", [])}
        self.matches("volumes through Nova", expected, listed, nova)


def test_volume_attachments_agree_with_the_model_through_both_families(
    generation, bench, request_strategies, fleet, verify
):
    server_id = fleet.owned(verify)
    VolumesModel.context = MachineContext(generation, bench, request_strategies, server_id)
    checkpoint = bench.checkpoint(server_id)
    VolumesModel.context.checkpoint = checkpoint
    try:
        generation.run_machine(VolumesModel, "volume attachments")
    finally:
        bench.restore(checkpoint)
