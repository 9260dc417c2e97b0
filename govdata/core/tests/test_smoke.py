def test_city_fixture_builds(city):
    assert city.department.parent == city.root
