"""The country list used by organizer forms."""

from __future__ import annotations

from blackcanyon.core.countries import COUNTRIES, COUNTRY_CODES, country_name, is_country


def test_the_list_has_every_assigned_iso_3166_alpha_2_code():
    assert len(COUNTRIES) == 249
    assert len(COUNTRY_CODES) == 249
    assert all(len(code) == 2 and code.isupper() for code, _ in COUNTRIES)
    assert {"US", "GB", "DE", "JP", "BR", "ZA", "AX", "SS", "XK"} - COUNTRY_CODES == {"XK"}


def test_the_list_is_sorted_by_name_for_people():
    names = [name for _, name in COUNTRIES]
    assert names[0] == "Afghanistan"
    assert names.index("Åland Islands") < names.index("Albania")
    assert names[-1] == "Zimbabwe"


def test_lookups():
    assert country_name("us") == "United States"
    assert country_name("QQ") == "QQ"
    assert is_country("de")
    assert not is_country("EU")
