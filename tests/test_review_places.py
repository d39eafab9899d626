"""Positions in words (review/places.py): a map link and the distance from the checkpoint, or
from the property when there is no checkpoint or it has no position; nothing without a fix."""

from __future__ import annotations

from types import SimpleNamespace as Row

from patrol.review.places import map_url, place_of

CHECKPOINT = Row(label="Entré", name=None, lat=55.58712, lon=13.01466)
PROPERTY = Row(label=None, name="Rasmusgatan 5", lat=55.5875, lon=13.0150)


def test_distance_from_the_checkpoint_and_a_map_link():
    record = Row(lat=55.58712 + 0.001, lon=13.01466, accuracy_m=9.6)
    place = place_of(record, CHECKPOINT, PROPERTY)
    assert place.reference == "checkpoint" and place.reference_name == "Entré"
    assert 110 < place.distance_m < 112  # 0.001° of latitude is about 111 m
    assert place.url == map_url(record.lat, record.lon)
    assert place.url.startswith("https://www.openstreetmap.org/?mlat=55.588120&mlon=13.014660")
    assert place.coordinates == "55.58812, 13.01466"


def test_the_distance_stored_at_check_in_wins():
    record = Row(lat=55.6, lon=13.0, accuracy_m=None)
    assert place_of(record, CHECKPOINT, stored_distance=42.0).distance_m == 42.0


def test_without_a_checkpoint_position_the_property_is_the_reference():
    record = Row(lat=55.5875, lon=13.0150, accuracy_m=5)
    unplaced = Row(label="Källare", name=None, lat=None, lon=None)
    place = place_of(record, unplaced, PROPERTY)
    assert place.reference == "property" and place.reference_name == "Rasmusgatan 5"
    assert place.distance_m == 0
    alone = place_of(record)
    assert alone.distance_m is None and alone.url


def test_no_position_is_no_place():
    assert place_of(Row(lat=None, lon=None, accuracy_m=None), CHECKPOINT, PROPERTY) is None


def test_a_heading_does_not_say_the_street_twice():
    from types import SimpleNamespace

    from patrol.sites.models import Property

    def after(name: str, address: str) -> str:
        # The rule alone: building a Property here would configure the mappers before every
        # feature's models are imported.
        return Property.address_after_name.fget(SimpleNamespace(name=name, address=address))

    assert after("Jespersgatan 6", "Jespersgatan 6, 214 36 Malmö") == "214 36 Malmö"
    assert after("jespersgatan 6", "Jespersgatan 6 214 36 Malmö") == "214 36 Malmö"
    assert after("Jespersgatan 6", "Jespersgatan 6") == ""
    # Another number on the same street, or a name that is not the street, keeps the address.
    assert after("Jespersgatan 6", "Jespersgatan 60, Malmö") == "Jespersgatan 60, Malmö"
    assert after("Gården", "Rasmusgatan 5, Malmö") == "Rasmusgatan 5, Malmö"
