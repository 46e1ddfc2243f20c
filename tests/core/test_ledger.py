"""The ledger: whole lines from any number of processes, read back into what is left."""

import multiprocessing

from bmscert.core.ledger import Claims, Ledger, read_ledger


def _append_many(path, worker):
    ledger = Ledger(path)
    for n in range(300):
        ledger.append("requested", "server", name=f"w{worker}-{n}-" + "x" * 200)
    ledger.close()


def test_records_from_several_processes_never_interleave(tmp_path):
    path = tmp_path / "ledger.jsonl"
    workers = [
        multiprocessing.get_context("spawn").Process(target=_append_many, args=(path, w))
        for w in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    records = read_ledger(path)
    assert len(records) == 1200
    assert len(path.read_text().splitlines()) == 1200


def test_an_order_its_job_and_its_servers_ids_make_one_claim(tmp_path):
    records = [
        {"event": "requested", "kind": "server", "name": "bmscert-r-a", "identity": "main"},
        {
            "event": "created",
            "kind": "server",
            "name": "bmscert-r-a",
            "job_id": "j1",
            "order_id": "o1",
            "identity": "main",
        },
        {
            "event": "created",
            "kind": "server",
            "ids": ["s1"],
            "order_id": "o1",
            "identity": "main",
        },
    ]

    (claim,) = Claims.from_records(records).outstanding()

    assert (claim.name, claim.id, claim.job_id, claim.acknowledged) == (
        "bmscert-r-a",
        "s1",
        "j1",
        True,
    )


def test_an_order_of_several_servers_claims_each_suffixed_name():
    records = [{"event": "requested", "kind": "server", "name": "bmscert-r-b", "count": 3}]
    names = [claim.name for claim in Claims.from_records(records).outstanding()]
    assert names == ["bmscert-r-b-0001", "bmscert-r-b-0002", "bmscert-r-b-0003"]


def test_what_was_deleted_or_found_gone_is_no_longer_outstanding():
    records = [
        {"event": "created", "kind": "server", "name": "n1", "id": "s1", "identity": "main"},
        {"event": "created", "kind": "keypair", "name": "k1", "identity": "peer"},
        {"event": "created", "kind": "keypair", "name": "k1", "identity": "main"},
        {"event": "deleted", "kind": "server", "id": "s1", "identity": "main"},
        {"event": "gone", "kind": "keypair", "name": "k1", "identity": "main"},
    ]
    (left,) = Claims.from_records(records).outstanding()
    assert (left.kind, left.name, left.identity) == ("keypair", "k1", "peer")
