"""portal.untrusted: the first check of every imported file."""

from __future__ import annotations

import pytest

from portal.untrusted import UntrustedInputError, is_storable, load_json


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"\xff\xfe{}", "is not UTF-8 text (byte 0"),
        (b'{"title": "B\xe1\xba\xaf', "is not valid JSON: Unterminated string"),
        (b"[" * 100_000, "nested too deeply"),
        (b"[" * 66 + b"]" * 66, "nested too deeply"),
        (b'{"a": ["x\\u0000y"]}', "a[0] holds a NUL character at position 1"),
        (b'{"a": "\\ud800"}', "a holds a lone surrogate (U+D800)"),
        (b'{"k\\u0000": 1}', "k\\x00 holds a NUL character"),
    ],
    ids=["encoding", "truncated", "deep", "just-too-deep", "nul", "surrogate", "nul-in-key"],
)
def test_bad_json_is_refused_with_one_clear_line(raw, expected):
    with pytest.raises(UntrustedInputError) as refused:
        load_json(raw, what="articles.json")
    message = str(refused.value)
    assert message.startswith("articles.json")
    assert expected in message
    assert "\n" not in message


def test_good_json_is_read_as_it_is():
    raw = '\ufeff{"tên": ["Bắc Kạn", 1, null, {"x": "Chỉ thị số 30-CT/TW"}]}'.encode()
    assert load_json(raw, what="f") == {"tên": ["Bắc Kạn", 1, None, {"x": "Chỉ thị số 30-CT/TW"}]}


def test_a_surrogate_pair_is_fine_and_a_lone_one_is_not():
    assert is_storable("ảnh 😀")  # a character outside the BMP, as one code point
    assert not is_storable("\udc00")
    assert not is_storable("a\x00b")
