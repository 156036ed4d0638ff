"""Plugins whose ``portal_register_blocks`` returns something wrong, one class per mistake.

Each is registered directly as an instance; the loader must report it and
skip that plugin's blocks, while the block it also returns never appears.
"""

from portal import NO_CACHE, Block, hookimpl


class Innocent(Block):
    """Returned next to the wrong item: it must not be registered either."""

    name = "innocent_bystander"
    label = "Khối vô tội"
    description = "Đi cùng một mục sai nên bị bỏ qua."
    template = "hello_single/hello.html"
    cache = NO_CACHE


class NotAList:
    @hookimpl
    def portal_register_blocks(self):
        return Innocent  # a class, not a list of classes


class NotABlock:
    @hookimpl
    def portal_register_blocks(self):
        return [Innocent, dict]


class InvalidName:
    class Bad(Block):
        name = "Tên Có Dấu"
        label = "Tên sai"
        description = "Tên không phải slug."
        template = "hello_single/hello.html"

    @hookimpl
    def portal_register_blocks(self):
        return [Innocent, self.Bad]


class NoTemplate:
    class Bad(Block):
        name = "no_template"
        label = "Không có mẫu"
        description = "Quên khai báo template."

    @hookimpl
    def portal_register_blocks(self):
        return [Innocent, self.Bad]


class Raises:
    @hookimpl
    def portal_register_blocks(self):
        raise RuntimeError("registry exploded")


#: (plugin name, object, words the reported error must contain)
CASES = [
    ("not_a_list", NotAList(), "got type"),
    ("not_a_block", NotABlock(), "is not a subclass of portal.Block"),
    ("invalid_name", InvalidName(), "is not a valid block name"),
    ("no_template", NoTemplate(), "declares no template"),
    ("raises", Raises(), "RuntimeError: registry exploded"),
]
