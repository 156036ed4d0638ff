"""Registers a block named "twin"; so does twin_a: start-up must stop."""

from portal import NO_CACHE, Block, hookimpl


class TwinB(Block):
    name = "twin"
    label = "Khối sinh đôi B"
    description = "Trùng tên với khối của twin_a."
    template = "hello_single/hello.html"
    cache = NO_CACHE


@hookimpl
def portal_register_blocks():
    return [TwinB]
