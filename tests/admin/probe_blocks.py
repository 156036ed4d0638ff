"""Blocks for the admin tests: one with settings that can be invalid, one that always fails.

Registered through the ``app_plugins`` fixture of tests/admin/conftest.py, so the
admin tests do not depend on the settings forms of the built-in blocks.
"""

from wtforms import Form, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from portal import Block, CachePolicy, hookimpl


class NoteSettings(Form):
    text = StringField(
        "Nội dung ghi chú",
        default="Ghi chú mẫu",
        validators=[
            DataRequired("Hãy nhập nội dung ghi chú."),
            Length(max=40, message="Ghi chú tối đa 40 ký tự."),
        ],
    )
    count = IntegerField(
        "Số lần nhắc",
        default=1,
        validators=[NumberRange(min=1, max=9, message="Số lần nhắc từ 1 đến 9.")],
    )


class ProbeNote(Block):
    name = "probe_note"
    label = "Ghi chú thử"
    description = "Một dòng ghi chú (khối dùng trong bài kiểm thử trang quản trị)."
    group = "Kiểm thử"
    settings_form = NoteSettings
    template = "probe_note/note.html"
    cache = CachePolicy(timeout=300, vary_on={"page"})


class ProbeCrash(Block):
    name = "probe_crash"
    label = "Khối luôn lỗi"
    description = "Khối ném lỗi mỗi khi chạy; trang sắp xếp khối không được chạy nó."
    group = "Kiểm thử"
    template = "probe_crash/crash.html"

    def get_context(self, ctx, settings):
        raise RuntimeError("probe_crash ran")


@hookimpl
def portal_register_blocks():
    return [ProbeNote, ProbeCrash]
