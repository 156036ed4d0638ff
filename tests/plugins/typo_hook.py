"""Implements ``portal_register_block`` (missing "s"): a hook that does not exist."""

from portal import NO_CACHE, Block, hookimpl


class TypoBlock(Block):
    name = "typo_block"
    label = "Khối gõ nhầm"
    description = "Không bao giờ được đăng ký."
    template = "hello_single/hello.html"
    cache = NO_CACHE


@hookimpl
def portal_register_block():
    return [TypoBlock]
