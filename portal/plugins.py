"""Plugin loading and the block/layout registry of one app (DESIGN.md §4).

Order: hookspecs → disabled plugins blocked → entry points of group
``portal.plugins`` → modules in ``PORTAL_PLUGINS_DIR`` → ``check_pending`` →
registry built → ``portal_setup_app``. One :class:`PluginSet` per app, kept in
``app.extensions["portal.plugins"]``; nothing here is global.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
import logging
import os
import re
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pluggy

from portal import hookspecs
from portal.blocks import NEEDS, Block, CachePolicy
from portal.layouts import Layout

log = logging.getLogger("portal.plugins")

ENTRY_POINT_GROUP = "portal.plugins"
CORE_DISTRIBUTION = "blockportal"
BLOCK_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,62}$")

SOURCE_BUILTIN = "built-in"
SOURCE_ENTRY_POINT = "entry point"
SOURCE_PLUGINS_DIR = "plugins dir"
SOURCE_TEST = "registered directly"


class PluginStartupError(RuntimeError):
    """A plugin problem that must stop the app from starting (e.g. duplicate names)."""


@dataclass
class PluginInfo:
    """What we know about one plugin, loaded or not."""

    name: str
    source: str
    module: str = ""
    distribution: str = ""
    version: str = ""
    status: str = "loaded"  # loaded | disabled | failed | skipped
    #: Why it is not running: the error's first line, then where it was raised.
    error: str = ""
    #: Where the error was raised: the traceback's last frame in the plugin's code.
    error_where: str = ""
    hooks: list[str] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)
    layouts: list[str] = field(default_factory=list)
    path: str = ""
    #: Flask endpoints and CLI commands it added in ``portal_setup_app`` (404 / refused
    #: while it is switched off or failed).
    endpoints: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)

    @property
    def loaded(self) -> bool:
        return self.status == "loaded"


@dataclass
class PluginSet:
    """The plugin manager of one app and everything it produced."""

    manager: pluggy.PluginManager
    plugins: dict[str, PluginInfo] = field(default_factory=dict)
    #: The block types and layouts in use: those of loaded plugins not switched off.
    blocks: dict[str, Block] = field(default_factory=dict)
    block_plugins: dict[str, str] = field(default_factory=dict)
    layouts: dict[str, Layout] = field(default_factory=dict)
    template_dirs: list[Path] = field(default_factory=list)
    trace: bool = False
    #: Plugins an admin switched off (persisted, see portal.plugin_switches). They stay
    #: loaded so that switching them on again needs no restart, but their blocks,
    #: layouts and hooks are not used.
    switched_off: frozenset[str] = frozenset()
    registered_blocks: dict[str, Block] = field(default_factory=dict)
    registered_layouts: dict[str, Layout] = field(default_factory=dict)
    layout_plugins: dict[str, str] = field(default_factory=dict)
    #: Which plugin added each Flask endpoint in ``portal_setup_app``.
    endpoint_plugins: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> list[PluginInfo]:
        return [info for info in self.plugins.values() if info.status == "failed"]

    def plugin_of_endpoint(self, endpoint: str | None) -> str | None:
        """The plugin that added ``endpoint`` in ``portal_setup_app`` (None: the core's)."""
        return self.endpoint_plugins.get(endpoint or "")

    def plugin_in_use(self, name: str) -> bool:
        """Whether plugin ``name`` is loaded and not switched off."""
        info = self.plugins.get(name)
        return info is not None and info.loaded and name not in self.switched_off

    def endpoint_in_use(self, endpoint: str | None) -> bool:
        """Whether ``endpoint`` may answer: the core's, or a plugin's that is in use.

        A switched-off (or failed) plugin's routes answer 404, and menus that
        list plugin screens (the admin's) leave theirs out.
        """
        name = self.plugin_of_endpoint(endpoint)
        return name is None or self.plugin_in_use(name)

    def block(self, name: str) -> Block | None:
        return self.blocks.get(name)

    def apply_switches(self, switched_off: set[str] | frozenset[str]) -> None:
        """Use only the blocks and layouts of plugins that are not switched off.

        Placements of a switched-off plugin's blocks keep their rows: readers
        see nothing of them and editors a "missing plugin" box, exactly as if
        the plugin were uninstalled, until it is switched on again.
        """
        self.switched_off = frozenset(switched_off)
        self.blocks = {
            name: block
            for name, block in self.registered_blocks.items()
            if self.block_plugins[name] not in self.switched_off
        }
        self.layouts = {
            name: layout
            for name, layout in self.registered_layouts.items()
            if self.layout_plugins[name] not in self.switched_off
        }

    def layout(self, name: str) -> Layout | None:
        return self.layouts.get(name)

    def fail(self, name: str, message: str, exc: BaseException | None = None) -> None:
        """Record that a plugin failed, log it, and take back everything it contributed.

        The plugin is unregistered and its block types and layouts leave the
        registry, so a plugin that failed half-way (e.g. in ``portal_setup_app``)
        is consistently absent: its placements show as "missing plugin".
        """
        info = self.plugins.setdefault(name, PluginInfo(name=name, source=SOURCE_ENTRY_POINT))
        detail = message
        if exc is not None:
            # One line (a list or an admin's table), long messages cut.
            text = " ".join(line.strip() for line in str(exc).strip().splitlines())
            text = text if len(text) <= 500 else text[:499] + "…"
            detail = f"{message}: {type(exc).__name__}" + (f": {text}" if text else "")
            info.error_where = error_location(exc)
            if info.error_where:
                detail += f" (at {info.error_where})"
        info.status = "failed"
        info.error = detail
        log.error("Plugin %r skipped — %s", name, detail)
        if exc is not None:
            log.debug("".join(traceback.format_exception(exc)))
        plugin = self.manager.get_plugin(name)
        if plugin is not None:
            self.manager.unregister(plugin, name=name)
        for block_name in info.blocks:
            self.blocks.pop(block_name, None)
            self.registered_blocks.pop(block_name, None)
            self.block_plugins.pop(block_name, None)
        for layout_name in info.layouts:
            self.layouts.pop(layout_name, None)
            self.registered_layouts.pop(layout_name, None)
            self.layout_plugins.pop(layout_name, None)
        info.blocks, info.layouts = [], []

    def call_one(self, plugin_name: str, hook_name: str, **kwargs: Any) -> bool:
        """Call one plugin's implementation of a hook; False if it has none (or is switched off).

        Exceptions propagate: the caller (the outbox) keeps what it was
        delivering and tries again later. Traced like :meth:`call_each`.
        """
        if plugin_name in self.switched_off:
            return False
        for impl in getattr(self.manager.hook, hook_name).get_hookimpls():
            if impl.plugin_name != plugin_name:
                continue
            started = time.perf_counter()
            try:
                impl.function(**{name: kwargs[name] for name in impl.argnames})
            finally:
                if self.trace:
                    elapsed = (time.perf_counter() - started) * 1000
                    log.info("hook %s: plugin %s took %.2f ms", hook_name, plugin_name, elapsed)
            return True
        return False

    def call_each(
        self, hook_name: str, *, disable_on_error: bool = True, **kwargs: Any
    ) -> list[tuple[str, Any]]:
        """Call every implementation of a hook separately, isolating failures.

        Returns ``(plugin_name, result)`` for each implementation that did not
        raise; the others still run when one raises. At start-up
        (``disable_on_error``) a raising plugin is recorded as failed and
        unregistered; at run time (content events) the error is only logged,
        so one bad event does not switch a plugin off for the whole process.
        With tracing on, each call is logged with its time.
        """
        hook = getattr(self.manager.hook, hook_name)
        results: list[tuple[str, Any]] = []
        # What each plugin adds to the app is recorded, so that switching it off can hide it.
        app = kwargs.get("app") if hook_name == "portal_setup_app" else None
        for impl in reversed(hook.get_hookimpls()):
            if impl.plugin_name in self.switched_off:
                continue
            args = {name: kwargs[name] for name in impl.argnames}
            before = _app_contributions(app) if app is not None else None
            started = time.perf_counter()
            try:
                result = impl.function(**args)
            except Exception as exc:
                if before is not None:
                    self._record_contributions(impl.plugin_name, app, before)
                if disable_on_error:
                    self.fail(impl.plugin_name, f"{hook_name} raised", exc)
                else:
                    log.exception("Plugin %r failed in %s", impl.plugin_name, hook_name)
                continue
            finally:
                if self.trace:
                    elapsed = (time.perf_counter() - started) * 1000
                    log.info(
                        "hook %s: plugin %s took %.2f ms", hook_name, impl.plugin_name, elapsed
                    )
            if before is not None:
                self._record_contributions(impl.plugin_name, app, before)
            results.append((impl.plugin_name, result))
        return results

    def _record_contributions(
        self, plugin_name: str, app: Any, before: tuple[set[str], set[str]]
    ) -> None:
        endpoints, commands = _app_contributions(app)
        info = self.plugins.get(plugin_name)
        for endpoint in sorted(endpoints - before[0]):
            self.endpoint_plugins[endpoint] = plugin_name
            if info is not None:
                info.endpoints.append(endpoint)
        if info is not None:
            info.commands.extend(sorted(commands - before[1]))


def build_plugin_set(
    config: dict[str, Any], extra_plugins: list[tuple[str, Any]] = ()
) -> PluginSet:
    """Load every plugin for an app and build its registry.

    ``extra_plugins`` are ``(name, module_or_object)`` pairs registered
    directly (the test harness uses this); ``PORTAL_AUTOLOAD_PLUGINS = False``
    skips entry points and the plugins dir altogether, and
    ``PORTAL_ONLY_PLUGINS`` (a list of entry-point names) loads only those
    entry points.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    plugins = PluginSet(manager=manager, trace=bool(config.get("PORTAL_TRACE_HOOKS")))
    if plugins.trace:
        _install_tracing(manager)

    for name in config.get("PORTAL_DISABLED_PLUGINS") or ():
        manager.set_blocked(name)

    safe_mode = bool(config.get("PORTAL_SAFE_MODE"))
    autoload = config.get("PORTAL_AUTOLOAD_PLUGINS", True)
    only = config.get("PORTAL_ONLY_PLUGINS")  # None = all entry points
    if autoload:
        _load_entry_points(plugins, safe_mode=safe_mode, only=only)
        if config.get("PORTAL_PLUGINS_DIR"):
            _load_plugins_dir(plugins, Path(config["PORTAL_PLUGINS_DIR"]), safe_mode=safe_mode)
    for name, plugin in extra_plugins:
        _register(plugins, name, plugin, PluginInfo(name=name, source=SOURCE_TEST))

    _check_pending(plugins)
    _build_registry(plugins)
    return plugins


def _register(plugins: PluginSet, name: str, plugin: Any, info: PluginInfo) -> None:
    manager = plugins.manager
    if name in plugins.plugins or manager.has_plugin(name):
        # Never let a second plugin of the same name replace (or take down) the first.
        _reject_duplicate_name(plugins, name, info)
        return
    plugins.plugins[name] = info
    if manager.is_blocked(name):
        info.status = "disabled"
        return
    module_file = getattr(plugin, "__file__", None)
    if module_file:
        info.path = str(Path(module_file).resolve().parent)
    info.module = info.module or getattr(plugin, "__name__", type(plugin).__name__)
    try:
        manager.register(plugin, name=name)
    except Exception as exc:  # bad hook signature, plugin object registered twice, ...
        plugins.fail(name, "could not be registered", exc)
        return
    info.hooks = sorted(
        caller.name for caller in manager.get_hookcallers(plugin) or () if caller.name
    )


def _reject_duplicate_name(plugins: PluginSet, name: str, info: PluginInfo) -> None:
    """Report a plugin whose name is taken, under a key of its own."""
    other = plugins.plugins.get(name)
    where = info.distribution or info.path or info.module or info.source
    other_where = (other.distribution or other.path or other.module) if other else "?"
    info.status = "failed"
    info.error = f"plugin name {name!r} is already used by {other_where}"
    plugins.plugins[f"{name} ({where})"] = info
    log.error("Plugin %r from %s skipped — %s", name, where, info.error)


@dataclass(frozen=True)
class InstalledEntryPoint:
    """A ``portal.plugins`` entry point with the name and version of its distribution."""

    entry_point: importlib.metadata.EntryPoint
    distribution: str
    version: str


#: The entry points last read, and the state of ``sys.path`` they were read in.
_installed: tuple[tuple, tuple[InstalledEntryPoint, ...]] | None = None


def _path_state() -> tuple:
    """The folders on ``sys.path`` and when each last changed: installing or removing a
    distribution adds or removes a ``.dist-info`` folder in one of them."""
    state = []
    for entry in sys.path:
        try:
            state.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            state.append((entry, None))
    return tuple(state)


def installed_entry_points() -> tuple[InstalledEntryPoint, ...]:
    """The installed ``portal.plugins`` entry points, sorted by name.

    Finding them parses every installed distribution's metadata, about a third
    of what starting an app costs (tests start hundreds). They change only when a
    distribution is installed or removed, so they are read again only when a
    folder on ``sys.path`` changed (or the path itself did).
    """
    global _installed
    state = _path_state()
    if _installed is not None and _installed[0] == state:
        return _installed[1]
    found = []
    for ep in sorted(
        importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name
    ):
        metadata = ep.dist.metadata if ep.dist is not None else None
        found.append(
            InstalledEntryPoint(
                ep,
                (metadata["Name"] or "") if metadata is not None else "",
                (metadata["Version"] or "") if metadata is not None else "",
            )
        )
    _installed = (state, tuple(found))
    return _installed[1]


def _load_entry_points(plugins: PluginSet, *, safe_mode: bool, only: list[str] | None) -> None:
    for installed in installed_entry_points():
        ep, dist = installed.entry_point, installed.distribution
        builtin = dist == CORE_DISTRIBUTION
        if only is not None and ep.name not in only:
            continue
        info = PluginInfo(
            name=ep.name,
            source=SOURCE_BUILTIN if builtin else SOURCE_ENTRY_POINT,
            module=ep.value,
            distribution=dist,
            version=installed.version,
        )
        if ep.name in plugins.plugins:
            _reject_duplicate_name(plugins, ep.name, info)
            continue
        if safe_mode and not builtin:
            plugins.plugins[ep.name] = info
            info.status = "skipped"
            info.error = "safe mode: only built-in plugins are loaded"
            continue
        if plugins.manager.is_blocked(ep.name):
            plugins.plugins[ep.name] = info
            info.status = "disabled"
            continue
        try:
            plugin = ep.load()
        except Exception as exc:
            plugins.plugins[ep.name] = info
            plugins.fail(ep.name, f"import of {ep.value} failed", exc)
            continue
        _register(plugins, ep.name, plugin, info)


def _load_plugins_dir(plugins: PluginSet, directory: Path, *, safe_mode: bool = False) -> None:
    """Load each ``*.py`` file and each package (folder with ``__init__.py``) in ``directory``.

    Modules are imported as ``portal_plugins_<hash of the folder>.<name>``, so
    two apps with different plugin folders holding same-named plugins do not
    replace each other's modules in ``sys.modules``.
    """
    if not directory.is_dir():
        log.error("PORTAL_PLUGINS_DIR %s is not a folder; no plugins loaded from it", directory)
        return
    namespace = "portal_plugins_" + hashlib.sha1(str(directory.resolve()).encode()).hexdigest()[:8]
    for path in sorted(directory.iterdir()):
        if path.name.startswith(("_", ".")):
            continue
        if path.is_file() and path.suffix == ".py":
            name, init = path.stem, path
        elif path.is_dir() and (path / "__init__.py").exists():
            name, init = path.name, path / "__init__.py"
        else:
            continue
        info = PluginInfo(name=name, source=SOURCE_PLUGINS_DIR, module=str(init), path=str(path))
        if name in plugins.plugins:
            _reject_duplicate_name(plugins, name, info)
            continue
        if safe_mode:
            plugins.plugins[name] = info
            info.status = "skipped"
            info.error = "safe mode: only built-in plugins are loaded"
            continue
        if plugins.manager.is_blocked(name):
            plugins.plugins[name] = info
            info.status = "disabled"
            continue
        module_name = f"{namespace}.{name}"
        try:
            spec = importlib.util.spec_from_file_location(
                module_name, init, submodule_search_locations=[str(path)] if path.is_dir() else None
            )
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            spec.loader.exec_module(module)
        except Exception as exc:
            sys.modules.pop(module_name, None)
            plugins.plugins[name] = info
            plugins.fail(name, f"import of {path} failed", exc)
            continue
        _register(plugins, name, module, info)


def _check_pending(plugins: PluginSet) -> None:
    """Reject plugins that implement hooks which do not exist (typos)."""
    for _attempt in range(len(plugins.plugins) + 1):
        try:
            plugins.manager.check_pending()
            return
        except pluggy.PluginValidationError as exc:
            name = plugins.manager.get_name(exc.plugin) or str(exc.plugin)
            plugins.fail(name, "implements an unknown hook", exc)
    plugins.manager.check_pending()


def _build_registry(plugins: PluginSet) -> None:
    for plugin_name, result in plugins.call_each("portal_register_blocks"):
        try:
            block_classes = _checked_block_list(result)
        except TypeError as exc:
            plugins.fail(plugin_name, "portal_register_blocks returned a wrong value", exc)
            continue
        for cls in block_classes:
            owner = plugins.block_plugins.get(cls.name)
            if owner is not None:
                raise PluginStartupError(
                    f"Block name {cls.name!r} is registered by two plugins: {owner!r} and "
                    f"{plugin_name!r}. Disable one of them (PORTAL_DISABLED_PLUGINS) or rename the block."
                )
            plugins.registered_blocks[cls.name] = cls()
            plugins.block_plugins[cls.name] = plugin_name
            plugins.plugins[plugin_name].blocks.append(cls.name)
            _add_template_dir(plugins, cls.templates_dir())

    for plugin_name, result in plugins.call_each("portal_register_layouts"):
        if not isinstance(result, list | tuple) or not all(isinstance(x, Layout) for x in result):
            plugins.fail(
                plugin_name,
                "portal_register_layouts must return a list of portal.Layout",
                TypeError(f"got {result!r}"),
            )
            continue
        for layout in result:
            if layout.name in plugins.registered_layouts:
                raise PluginStartupError(
                    f"Layout {layout.name!r} is registered twice (second time by plugin "
                    f"{plugin_name!r})."
                )
            plugins.registered_layouts[layout.name] = layout
            plugins.layout_plugins[layout.name] = plugin_name
            plugins.plugins[plugin_name].layouts.append(layout.name)

    for info in plugins.plugins.values():
        if info.loaded and info.path:
            _add_template_dir(plugins, Path(info.path) / "templates")
    plugins.apply_switches(plugins.switched_off)


def _add_template_dir(plugins: PluginSet, path: Path) -> None:
    if path.is_dir() and path not in plugins.template_dirs:
        plugins.template_dirs.append(path)


def _checked_block_list(result: Any) -> list[type[Block]]:
    """Check what a plugin returned from ``portal_register_blocks``."""
    if not isinstance(result, list | tuple):
        raise TypeError(f"expected a list of Block subclasses, got {type(result).__name__}")
    checked = []
    for item in result:
        if not (isinstance(item, type) and issubclass(item, Block)):
            raise TypeError(f"{item!r} is not a subclass of portal.Block")
        if not BLOCK_NAME_RE.match(item.name or ""):
            raise TypeError(
                f"{item.__name__}.name {item.name!r} is not a valid block name "
                "(lower-case letters, digits and _, starting with a letter)"
            )
        if not item.template:
            raise TypeError(f"{item.__name__} declares no template")
        if not isinstance(item.cache, CachePolicy):
            raise TypeError(f"{item.__name__}.cache must be a portal.CachePolicy")
        if "data_version" in item.cache.vary_on and item.data_version is Block.data_version:
            raise TypeError(
                f"{item.__name__}.cache varies on data_version but the class does not "
                "define data_version(self, ctx, settings)"
            )
        unknown = set(item.needs) - NEEDS
        if unknown:
            raise TypeError(f"{item.__name__}.needs has unknown entries {sorted(unknown)}")
        checked.append(item)
    return checked


def _install_tracing(manager: pluggy.PluginManager) -> None:
    """Log every hook call made through the manager and how long it took."""
    local = threading.local()  # each thread (request) keeps its own stack of start times

    def before(hook_name, hook_impls, kwargs):
        local.__dict__.setdefault("started", []).append(time.perf_counter())

    def after(outcome, hook_name, hook_impls, kwargs):
        elapsed = (time.perf_counter() - local.started.pop()) * 1000
        names = ", ".join(impl.plugin_name for impl in hook_impls)
        log.info("hook %s (%s) took %.2f ms", hook_name, names or "no plugins", elapsed)

    manager.add_hookcall_monitoring(before, after)


#: Frames of pluggy's and the portal's own code say nothing about the plugin (a bad
#: hook signature, a registration refused): only frames elsewhere are shown.
_NOT_THE_PLUGIN = (
    str(Path(pluggy.__file__).resolve().parent) + "/",
    str(Path(__file__).resolve().parent) + "/",
)


def error_location(exc: BaseException) -> str:
    """Where ``exc`` was raised, as an admin can act on it: ``file, line N, in f: code``.

    The traceback's last frame outside Python's import machinery, pluggy and
    the portal (so in the plugin's code, or a library it called); for a syntax
    error, the place of the error in the plugin's file. Empty if unknown.
    """
    if isinstance(exc, SyntaxError) and exc.filename:
        code = (exc.text or "").strip()
        return f"{exc.filename}, line {exc.lineno}" + (f": {code}" if code else "")
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if not frame.filename.startswith(("<frozen ", *_NOT_THE_PLUGIN))
    ]
    if not frames:
        return ""
    frame = frames[-1]
    code = (frame.line or "").strip()
    return f"{frame.filename}, line {frame.lineno}, in {frame.name}" + (f": {code}" if code else "")


def _app_contributions(app: Any) -> tuple[set[str], set[str]]:
    """The app's endpoints and the names of its CLI commands, now."""
    return set(app.view_functions), set(app.cli.commands)


def plugins_of(app) -> PluginSet:
    """The :class:`PluginSet` of ``app``."""
    return app.extensions["portal.plugins"]
