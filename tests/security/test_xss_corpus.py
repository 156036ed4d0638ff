"""The XSS corpus itself: big enough, every kind covered, every vector names itself.

That the vectors really run, and that the detector reports them, is checked in
a browser by tests/browser/test_xss_detector.py.
"""

from __future__ import annotations

import html
from collections import Counter

from security.xss_corpus import (
    BY_NUMBER,
    CONTEXTS,
    DECODERS,
    KINDS,
    LIVE,
    TRIPWIRES,
    VECTORS,
    Vector,
    echo_page,
    numbers_in,
    pack,
    stored_form,
)


def test_at_least_150_distinct_vectors_that_run():
    assert len({vector.payload for vector in VECTORS}) == len(VECTORS) >= 150
    assert len(LIVE) >= 150


def test_numbers_are_unique():
    assert len(BY_NUMBER) == len(VECTORS)
    assert all(vector.number > 0 for vector in VECTORS)


def test_every_kind_listed_in_the_issue_has_several_vectors():
    per_kind = Counter(vector.kind for vector in VECTORS)
    assert set(per_kind) == set(KINDS)
    assert min(per_kind.values()) >= 6, per_kind


def well_formed(vector: Vector) -> bool:
    return (
        vector.context in CONTEXTS
        and vector.decode in DECODERS
        # Short enough for every text field (the shortest take 200 characters).
        and len(vector.payload) <= 200
        # Nothing a database refuses to store, so every vector can be planted.
        and "\x00" not in vector.payload
        and bool(stored_form(vector.payload))
    )


def test_every_vector_is_well_formed():
    assert [vector.number for vector in VECTORS if not well_formed(vector)] == []


def names_itself(vector: Vector) -> bool:
    """A report of what ran must say which vector it was: from the marker call, the
    decoded text the browser shows (entities undone), or the template tripwire."""
    shown = vector.decoded
    named = set(numbers_in(shown)) | set(numbers_in(html.unescape(shown)))
    return vector.number in named or TRIPWIRES.get(vector.tripwire) == vector.number


def test_every_vector_names_its_own_number():
    assert [vector.number for vector in VECTORS if not names_itself(vector)] == []


def test_tripwires_never_appear_in_the_text_as_typed():
    for vector in VECTORS:
        if vector.tripwire:
            assert vector.tripwire not in vector.payload
            assert all(vector.tripwire not in other.payload for other in VECTORS)
    assert len(TRIPWIRES) == sum(1 for vector in VECTORS if vector.tripwire)


def test_inert_vectors_say_why_and_are_few():
    inert = [vector for vector in VECTORS if vector.inert]
    assert all(len(vector.inert) > 20 for vector in inert)
    assert len(inert) <= len(VECTORS) // 20


def test_numbers_in_reads_the_forms_a_report_contains():
    assert numbers_in('<img src="x" onerror="xss(17)">') == [17]
    assert numbers_in("xss`49`") == [49]
    assert numbers_in("window['xss'](39)") == [39]
    assert numbers_in("javascript:xss%28215%29") == [215]
    assert numbers_in('<base href="//xss216.invalid/">') == [216]
    assert numbers_in("alert(46) and confirm(47)") == [46, 47]
    assert numbers_in("no vector here, 17 apples") == []
    assert numbers_in("xss(99999)") == []


def test_pack_fits_every_vector_into_fields_without_splitting_one():
    for limit in (200, 300, 1000):
        texts = pack(VECTORS, limit)
        assert all(len(text) <= limit for text in texts)
        joined = " ".join(texts)
        assert all(stored_form(vector.payload) in joined for vector in VECTORS)


def test_echo_page_puts_the_decoded_vector_in_its_context():
    escaped = next(v for v in VECTORS if v.payload.startswith("&lt;img") and v.decode)
    # "&lt;img …" undone, as a careless page would:
    assert f"<div><img src=x onerror=xss({escaped.number})></div>" in echo_page(escaped)
    quote = next(v for v in VECTORS if v.payload.startswith('" onmouseover'))
    assert f'<input value="" onmouseover="xss({quote.number})">' in echo_page(quote)
    # In a script the vector is a JSON string that cannot end the script element early.
    round_trip = echo_page(next(v for v in VECTORS if v.context == "roundtrip"))
    assert round_trip.count("</script>") == 1
