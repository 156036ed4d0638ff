"""A plugin whose block varies its cache on a data version it reads itself (docs: data_version)."""

from portal import Block, CachePolicy, hookimpl

SOURCE = {"version": "1", "text": "Phiên bản 1"}
RENDERS = []


class ClockBlock(Block):
    name = "purge_clock"
    label = "Dữ liệu có phiên bản"
    template = "purge_clock/clock.html"
    cache = CachePolicy(timeout=3600, vary_on={"locale", "data_version"})

    def data_version(self, ctx, settings):
        if SOURCE["version"] is None:
            raise OSError("tệp dữ liệu không đọc được")
        return SOURCE["version"]

    def get_context(self, ctx, settings):
        RENDERS.append(SOURCE["text"])
        return {"text": SOURCE["text"]}


@hookimpl
def portal_register_blocks():
    return [ClockBlock]
