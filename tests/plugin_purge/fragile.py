"""A plugin whose block fails while ``STATE["broken"]`` is set (a remote service down)."""

from portal import Block, CachePolicy, hookimpl

STATE = {"broken": True}


class FragileBlock(Block):
    name = "purge_fragile"
    label = "Khối mong manh"
    template = "purge_fragile/fragile.html"
    cache = CachePolicy(timeout=60)

    def get_context(self, ctx, settings):
        if STATE["broken"]:
            raise ConnectionError("dịch vụ thời tiết không trả lời")
        return {}


@hookimpl
def portal_register_blocks():
    return [FragileBlock]
