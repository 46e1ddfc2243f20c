"""The schema store: documented and closed views, and readable problem locations."""


def test_a_documented_flavor_list_has_no_problems(store):
    body = {"flavors": []}
    assert store.problems("bms/ListBaremetalFlavorDetailExtends.response.json", body) == []


def test_a_problem_is_located_by_json_path(store):
    body = {"resetpwd_flag": "yes"}
    problems = store.problems("bms/ShowResetPwd.response.json", body)
    assert [p.where for p in problems] == ["$.resetpwd_flag"]


def test_an_undocumented_member_shows_only_in_the_closed_view(store):
    body = {"resetpwd_flag": "True", "surprise": 1}
    schema = "bms/ShowResetPwd.response.json"
    assert store.problems(schema, body) == []
    extra = store.undocumented_members(schema, body)
    assert len(extra) == 1
    assert "surprise" in extra[0].message


def test_free_maps_stay_open_in_the_closed_view(store):
    body = {"metadata": {"any-key": "any value"}}
    assert (
        store.undocumented_members("bms/UpdateBaremetalServerMetadata.response.json", body) == []
    )


def test_a_part_of_a_schema_can_be_validated_alone(store):
    schema = "bms/ListBareMetalServers.request.json"
    assert store.problems(schema, {"limit": 10}, "/properties/query") == []
    assert store.problems(schema, {"limit": 0}, "/properties/query")
