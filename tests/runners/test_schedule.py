"""Open-model plans: arrivals on a clock, split between workers without gaps or overlaps."""

import pytest

from bmscert.runners.schedule import (
    LoadPlan,
    Segment,
    Stream,
    arrivals,
    ceiling_steps,
    fill,
    is_template,
    ramp_segments,
    segments_for,
)


def _stream(rate=10.0, seconds=3.0):
    return Stream(
        "ShowResetPwd", "GET", "http://127.0.0.1:1", "/x", 500, (Segment("s", 0.0, seconds, rate),)
    )


def test_arrivals_are_evenly_spaced_in_the_middle_of_their_slots():
    offsets = [offset for _, offset, _ in arrivals(_stream(rate=4.0, seconds=1.0))]
    assert offsets == [0.125, 0.375, 0.625, 0.875]


@pytest.mark.parametrize("workers", [1, 2, 3, 5])
def test_workers_share_every_arrival_exactly_once(workers):
    stream = _stream(rate=7.0, seconds=3.0)
    shares = [list(arrivals(stream, index, workers)) for index in range(workers)]
    sequences = sorted(sequence for share in shares for sequence, _, _ in share)
    assert sequences == list(range(stream.planned()))


def test_the_staircase_offers_each_fraction_of_the_ceiling_per_window():
    steps = ceiling_steps(10, (0.5, 1.5), windows_per_step=1.5)
    segments = segments_for(100, 10, steps)
    assert [s.step for s in segments] == ["50%", "150%", "recovery"]
    assert [s.arrivals for s in segments] == [75, 225, 75]


def test_the_discovery_ramp_doubles_and_holds_its_top_rate_longer():
    segments = ramp_segments(1, 2, 16, 2.0, 6.0)
    assert [s.rate for s in segments] == [1, 2, 4, 8, 16]
    assert segments[-1].end - segments[-1].start == 6.0
    assert segments[-2].end - segments[-2].start == 2.0


def test_a_plan_survives_the_trip_to_the_load_processes():
    plan = LoadPlan("ceiling", 10, "TOKEN_ENV", (_stream(),), workers=2, start_epoch=1.5)
    assert LoadPlan.from_json(plan.to_json()) == plan


def test_placeholders_make_each_arrival_recognisable_and_keep_secrets_out_of_plans():
    template = '{"name": "bmscert-probe-{sequence}", "pw": "{secret}Aa1!"}'
    assert is_template(template)
    assert fill(template, 7, "s3cr3t") == '{"name": "bmscert-probe-000007", "pw": "s3cr3tAa1!"}'
