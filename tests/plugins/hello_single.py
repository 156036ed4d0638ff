"""A single-file plugin: one block with one setting, template in ../templates/hello_single/."""

from wtforms import Form, StringField

from portal import NO_CACHE, Block, hookimpl


class HelloSettings(Form):
    greeting = StringField("Lời chào", default="Xin chào bạn đọc")


class HelloSingle(Block):
    name = "hello_single"
    label = "Lời chào"
    description = "Một dòng chào bạn đọc (plugin một tệp)."
    settings_form = HelloSettings
    template = "hello_single/hello.html"
    cache = NO_CACHE


@hookimpl
def portal_register_blocks():
    return [HelloSingle]
