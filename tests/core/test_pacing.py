"""The harness paces itself under a fraction of every documented ceiling."""

from bmscert.core.pacing import Pacer


def test_the_budget_is_the_fraction_of_the_ceiling(catalogue):
    pacer = Pacer(0.2, 60)
    assert pacer.budget(catalogue["ShowWindowsBaremetalServerPwd"]) == 10
    assert pacer.budget(catalogue["list_servers"]) is None


def test_a_call_past_the_budget_waits_for_the_window(catalogue):
    pacer = Pacer(0.04, 1)
    operation = catalogue["ShowWindowsBaremetalServerPwd"]
    waits = [pacer.wait_turn(operation) for _ in range(3)]
    assert waits[:2] == [0.0, 0.0]
    assert waits[2] > 0
