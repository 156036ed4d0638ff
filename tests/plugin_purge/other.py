"""A plugin with a plain cached block, which a weather purge must leave alone."""

from portal import Block, CachePolicy, hookimpl

RENDERS = []


class OtherBlock(Block):
    name = "purge_other"
    label = "Khối khác"
    template = "purge_other/other.html"
    cache = CachePolicy(timeout=3600, tags={"other-data"})

    def get_context(self, ctx, settings):
        RENDERS.append(1)
        return {}


@hookimpl
def portal_register_blocks():
    return [OtherBlock]
