"""Registers a block named "twin"; so does twin_b: start-up must stop."""

from portal import NO_CACHE, Block, hookimpl


class TwinA(Block):
    name = "twin"
    label = "Khối sinh đôi A"
    description = "Trùng tên với khối của twin_b."
    template = "hello_single/hello.html"
    cache = NO_CACHE


@hookimpl
def portal_register_blocks():
    return [TwinA]
