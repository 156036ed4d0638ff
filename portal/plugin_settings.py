"""Plugin settings: declared by a plugin, read from the environment, the config or the admin.

A plugin declares its settings in one place, a module attribute
``PLUGIN_SETTINGS`` (a list of :class:`PluginSetting`), next to its hooks.
Each setting has a variable of its own, ``PORTAL_PLUGIN_<PLUGIN>_<SETTING>``
(upper case; any character other than a letter or digit becomes ``_``).

Where a value comes from, first found wins:

1. the environment variable;
2. the app's configuration under the same key (``create_app(config)``,
   ``make_app(config=...)``);
3. the instance file ``plugins.toml`` in the instance folder, a table per
   plugin (``[weather]`` then ``days = 5``);
4. for a setting declared ``editable=True``, the value an admin saved in the
   admin Plugins screen (stored in ``plugin_setting_values``);
5. the declared default.

So the operator has the last word: a setting fixed by the environment, the
config or the instance file is shown read-only on the admin screen, with what
fixes it.

Values from the environment, the config and the instance file are checked
once, when the app is built (before ``portal_setup_app``). A bad value marks the plugin failed with a
message naming the variable, the expected type and the value (a secret's value
is never shown), exactly like a plugin that failed to import: its blocks show
as "missing plugin" and the site still starts. Admin values are checked when
the form is saved (a bad one is refused with a field error, nothing stored);
every worker reads the stored values again at most every
``PORTAL_PLUGIN_SYNC_SECONDS``, like the plugin switches
(:mod:`portal.plugin_switches`), so a change needs no restart.

Plugins read their values with :func:`plugin_setting` or :func:`settings_of`.
"""

from __future__ import annotations

import logging
import re
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError

from portal.config import DEFAULTS as CORE_DEFAULTS
from portal.content import audit
from portal.content.purges import plugin_event
from portal.content.unit_of_work import require_unit
from portal.extensions import db
from portal.models import PluginSettingValue
from portal.plugins import PluginSet, plugins_of

log = logging.getLogger("portal.plugin_settings")

#: The module attribute a plugin declares its settings in.
DECLARATION_ATTRIBUTE = "PLUGIN_SETTINGS"

SettingType = Literal["str", "int", "bool", "float", "choice", "list", "url", "secret"]

#: What each type expects, as said in error messages (English: logs, CLI) and forms.
TYPE_DESCRIPTIONS = {
    "str": "text",
    "int": "a whole number",
    "bool": "a yes/no value (1/0, true/false, yes/no, on/off)",
    "float": "a number",
    "choice": "one of the choices",
    "list": "a comma-separated list of text",
    "url": "an http:// or https:// address",
    "secret": "text (a secret)",
}
TYPE_LABELS_VI = {
    "str": "văn bản",
    "int": "số nguyên",
    "bool": "có/không",
    "float": "số",
    "choice": "một lựa chọn",
    "list": "danh sách (cách nhau bằng dấu phẩy)",
    "url": "địa chỉ http:// hoặc https://",
    "secret": "bí mật",
}

#: How a secret value is shown anywhere (screen, CLI, audit log).
MASK = "••••••"

SOURCE_ENVIRONMENT = "environment"
SOURCE_CONFIG = "config"
SOURCE_INSTANCE_FILE = "instance file"
SOURCE_ADMIN = "admin"
SOURCE_DEFAULT = "default"

#: How the error of a plugin failed by its settings starts.
SETTINGS_FAILURE = "bad setting — "

#: The instance file of plugin settings, in the app's instance folder.
INSTANCE_FILE = "plugins.toml"

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}

_STATE = "portal.plugin_settings"
_LAST_SYNC = "portal.plugin_settings.synced_at"


@dataclass(frozen=True)
class PluginSetting:
    """One setting a plugin declares in its ``PLUGIN_SETTINGS`` list.

    ``type`` is one of ``str``, ``int``, ``bool``, ``float``, ``choice`` (one
    of ``choices``), ``list`` (a list of text; comma-separated in the
    environment), ``url`` (http or https) or ``secret`` (text never shown nor
    logged). ``default`` is used when no source sets the value (``None``: no
    value). ``editable=True`` lets admins change it in the admin Plugins
    screen. ``label`` is the form's label (the name when empty); ``help`` is
    shown under the field and by ``portal plugins --settings``.

    ``multiline=True`` (``str`` only) makes the admin field a textarea.
    ``check`` is called with every typed value, whatever its source (the
    default included); it raises ``ValueError`` with a message for the admin
    (Vietnamese) when the value cannot be used: the admin form shows that
    message on the field and saves nothing; a value from the environment, the
    config or the instance file fails the plugin, as a badly typed one does.
    """

    name: str
    type: SettingType = "str"
    default: Any = None
    help: str = ""
    editable: bool = False
    choices: tuple[str, ...] = ()
    label: str = ""
    multiline: bool = False
    check: Callable[[Any], None] | None = field(default=None, compare=False)

    @property
    def secret(self) -> bool:
        return self.type == "secret"

    def shown(self, value: Any) -> str:
        """``value`` as it may be displayed: secrets masked, lists joined."""
        if value is None:
            return "—"
        if self.secret:
            return MASK
        if isinstance(value, list):
            return ", ".join(value)
        return str(value)


class SettingError(ValueError):
    """A setting value or declaration that cannot be used; nothing changed."""


class SettingCheckError(SettingError):
    """A typed value refused by the setting's own ``check``; ``message`` is the check's text."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.message = message


def variable_name(plugin: str, setting: str) -> str:
    """``PORTAL_PLUGIN_<PLUGIN>_<SETTING>``: the environment/config key of a setting."""
    return re.sub(r"[^A-Z0-9]", "_", f"PORTAL_PLUGIN_{plugin}_{setting}".upper())


def _bad(setting: PluginSetting, where: str, raw: Any) -> SettingError:
    shown = "(value hidden)" if setting.secret else repr(raw)
    expected = TYPE_DESCRIPTIONS[setting.type]
    if setting.type == "choice":
        expected = "one of " + ", ".join(repr(c) for c in setting.choices)
    return SettingError(f"{where}: expected {expected}, got {shown}")


def parse(setting: PluginSetting, raw: Any, where: str = "") -> Any:
    """Convert ``raw`` (text from the environment or a form, or a typed config value).

    Raises :class:`SettingError` naming ``where`` (the variable or field), the
    expected type and the value (hidden for secrets).
    """
    where = where or setting.name
    value = _parse_type(setting, raw, where)
    if setting.check is not None and value is not None:
        try:
            setting.check(value)
        except ValueError as exc:
            raise SettingCheckError(where, str(exc)) from None
    return value


def _parse_type(setting: PluginSetting, raw: Any, where: str) -> Any:
    kind = setting.type
    if kind in {"str", "secret"}:
        if not isinstance(raw, str):
            raise _bad(setting, where, raw)
        return raw
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in TRUE_WORDS | FALSE_WORDS:
            return raw.strip().lower() in TRUE_WORDS
        raise _bad(setting, where, raw)
    if kind == "int":
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and re.fullmatch(r"\s*[-+]?\d+\s*", raw):
            return int(raw)
        raise _bad(setting, where, raw)
    if kind == "float":
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return float(raw)
        if isinstance(raw, str):
            try:
                value = float(raw.strip())
            except ValueError:
                raise _bad(setting, where, raw) from None
            if value == value and value not in {float("inf"), float("-inf")}:
                return value
        raise _bad(setting, where, raw)
    if kind == "choice":
        value = raw.strip() if isinstance(raw, str) else raw
        if value in setting.choices:
            return value
        raise _bad(setting, where, raw)
    if kind == "list":
        if isinstance(raw, str):
            return [part.strip() for part in raw.split(",") if part.strip()]
        if isinstance(raw, list | tuple) and all(isinstance(item, str) for item in raw):
            return list(raw)
        raise _bad(setting, where, raw)
    if kind == "url":
        if isinstance(raw, str):
            parts = urlsplit(raw.strip())
            if parts.scheme in {"http", "https"} and parts.netloc:
                return raw.strip()
        raise _bad(setting, where, raw)
    raise SettingError(f"{where}: unknown setting type {kind!r}")


def check_declarations(plugin: str, declared: Any) -> list[PluginSetting]:
    """Check what a plugin put in ``PLUGIN_SETTINGS``; :class:`SettingError` if it is wrong."""
    if not isinstance(declared, list | tuple):
        raise SettingError(
            f"{DECLARATION_ATTRIBUTE} must be a list of portal.PluginSetting, "
            f"got {type(declared).__name__}"
        )
    checked: list[PluginSetting] = []
    names: set[str] = set()
    for item in declared:
        if not isinstance(item, PluginSetting):
            raise SettingError(
                f"{DECLARATION_ATTRIBUTE} holds {item!r}, not a portal.PluginSetting"
            )
        if not NAME_RE.match(item.name or ""):
            raise SettingError(
                f"setting name {item.name!r} is not valid "
                "(lower-case letters, digits and _, starting with a letter)"
            )
        if item.name in names:
            raise SettingError(f"setting {item.name!r} is declared twice")
        if item.type not in TYPE_DESCRIPTIONS:
            raise SettingError(
                f"setting {item.name!r} has unknown type {item.type!r} "
                f"(one of {', '.join(TYPE_DESCRIPTIONS)})"
            )
        if item.type == "choice" and not item.choices:
            raise SettingError(f"setting {item.name!r} is a choice but declares no choices")
        if item.multiline and item.type != "str":
            raise SettingError(f"setting {item.name!r} is multiline but not of type 'str'")
        if item.check is not None and not callable(item.check):
            raise SettingError(f"setting {item.name!r} has a check that is not callable")
        if item.default is not None:
            parse(item, item.default, f"default of setting {item.name!r}")
        names.add(item.name)
        checked.append(item)
    return checked


@dataclass
class SettingsState:
    """The declared settings of one app and where their values come from."""

    declared: dict[str, dict[str, PluginSetting]] = field(default_factory=dict)
    #: Values fixed by the environment or the config: (plugin, name) -> (value, source).
    fixed: dict[tuple[str, str], tuple[Any, str]] = field(default_factory=dict)
    #: Values saved by admins (editable settings only), as last read from the database.
    stored: dict[tuple[str, str], Any] = field(default_factory=dict)

    @property
    def any_editable(self) -> bool:
        return any(s.editable for settings in self.declared.values() for s in settings.values())

    def resolve(self, plugin: str, name: str) -> tuple[Any, str]:
        """``(value, source)`` of one setting."""
        setting = self.declared[plugin][name]
        if (plugin, name) in self.fixed:
            return self.fixed[plugin, name]
        if setting.editable and (plugin, name) in self.stored:
            return self.stored[plugin, name], SOURCE_ADMIN
        return setting.default, SOURCE_DEFAULT


def state_of(app: Flask) -> SettingsState:
    return app.extensions[_STATE]


def _setting(state: SettingsState, plugin: str, name: str | None = None) -> dict:
    settings = state.declared.get(plugin)
    if settings is None:
        raise LookupError(f"Plugin {plugin!r} declares no settings (or is not loaded)")
    if name is not None and name not in settings:
        raise LookupError(
            f"Plugin {plugin!r} declares no setting {name!r} "
            f"(it declares: {', '.join(sorted(settings)) or 'none'})"
        )
    return settings


def plugin_setting(plugin: str, name: str) -> Any:
    """The current value of setting ``name`` of plugin ``plugin`` in the current app.

    Typed as declared (``int``, ``bool``, ``list`` of text, ...). Raises
    :class:`LookupError` for a setting the plugin does not declare.
    """
    state = state_of(current_app)
    _setting(state, plugin, name)
    return state.resolve(plugin, name)[0]


def known_setting_keys(app: Flask) -> dict[str, set[str]]:
    """For each plugin that declares settings, the variables of its settings
    (``PORTAL_PLUGIN_<PLUGIN>_``: {``PORTAL_PLUGIN_<PLUGIN>_<SETTING>``, ...})."""
    return {
        variable_name(plugin, ""): {variable_name(plugin, name) for name in settings}
        for plugin, settings in state_of(app).declared.items()
    }


def settings_of(plugin: str) -> dict[str, Any]:
    """Every setting of plugin ``plugin`` as a dict ``{name: value}``."""
    state = state_of(current_app)
    return {name: state.resolve(plugin, name)[0] for name in _setting(state, plugin)}


def read_instance_file(instance_path: str) -> tuple[Path, dict[str, dict[str, Any]]]:
    """The tables of ``plugins.toml`` in the instance folder (none when there is no file).

    A file that is not valid TOML, or whose top level holds anything but
    tables, stops start-up with a message naming the file, like a bad
    ``PORTAL_*`` variable of the core.
    """
    path = Path(instance_path) / INSTANCE_FILE
    if not path.is_file():
        return path, {}
    try:
        tables = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RuntimeError(f"{path} is not valid TOML: {exc}") from exc
    for plugin, table in tables.items():
        if not isinstance(table, dict):
            raise RuntimeError(
                f"{path}: {plugin!r} must be a table of settings ([{plugin}]), "
                f"got {type(table).__name__}"
            )
    return path, tables


def _read_fixed(
    plugin: str,
    settings: list[PluginSetting],
    environ: dict[str, str],
    config: dict,
    file_table: tuple[Path, dict[str, Any]] | None = None,
) -> dict[tuple[str, str], tuple[Any, str]]:
    fixed = {}
    path, table = file_table or (Path(INSTANCE_FILE), {})
    unknown = sorted(set(table) - {s.name for s in settings})
    if unknown:
        raise SettingError(
            f"{path} [{plugin}] sets {', '.join(repr(n) for n in unknown)}, which the plugin "
            f"does not declare (it declares: {', '.join(s.name for s in settings) or 'none'})"
        )
    for setting in settings:
        key = variable_name(plugin, setting.name)
        if key in CORE_DEFAULTS:
            raise SettingError(
                f"setting {setting.name!r} would be read from {key}, a variable of the portal "
                "itself; rename the setting"
            )
        if key in environ:
            where = f"environment variable {key}"
            fixed[plugin, setting.name] = (parse(setting, environ[key], where), SOURCE_ENVIRONMENT)
        elif key in config:
            where = f"config key {key}"
            fixed[plugin, setting.name] = (parse(setting, config[key], where), SOURCE_CONFIG)
        elif setting.name in table:
            where = f"{path} [{plugin}] {setting.name}"
            value = parse(setting, table[setting.name], where)
            fixed[plugin, setting.name] = (value, SOURCE_INSTANCE_FILE)
    return fixed


def load(
    plugins: PluginSet,
    config: dict,
    environ: dict[str, str],
    instance_path: str | None = None,
) -> SettingsState:
    """Gather every loaded plugin's declarations and check their fixed values.

    A plugin whose declaration or value is wrong is marked failed (see
    :meth:`portal.plugins.PluginSet.fail`) with the message; the others go on.
    """
    path, tables = read_instance_file(instance_path) if instance_path else (None, {})
    state = SettingsState()
    for plugin_name in sorted(set(tables) - set(plugins.plugins)):
        log.warning("%s: no plugin %r is installed; its table is not used", path, plugin_name)
    for info in list(plugins.plugins.values()):
        if not info.loaded:
            continue
        plugin = plugins.manager.get_plugin(info.name)
        declared = getattr(plugin, DECLARATION_ATTRIBUTE, None)
        if declared is None:
            if info.name not in tables:
                continue
            declared = []  # a table for it in the instance file is a mistake, said below
        try:
            settings = check_declarations(info.name, declared)
            file_table = (path, tables.get(info.name, {})) if path else None
            state.fixed.update(_read_fixed(info.name, settings, environ, config, file_table))
        except SettingError as exc:
            plugins.fail(info.name, f"{SETTINGS_FAILURE}{exc}")
            continue
        state.declared[info.name] = {s.name: s for s in settings}
    return state


def _read_stored(state: SettingsState) -> dict[tuple[str, str], Any]:
    stored = {}
    for row in db.session.scalars(select(PluginSettingValue)):
        setting = state.declared.get(row.plugin, {}).get(row.name)
        if setting is None or not setting.editable:
            continue  # a plugin not loaded here, or a setting it no longer declares
        try:
            stored[row.plugin, row.name] = parse(setting, row.value)
        except SettingError as exc:
            log.warning("Stored value of plugin %r ignored — %s", row.plugin, exc)
    return stored


def sync_due(app: Flask) -> bool:
    """Whether :func:`sync` would read the admins' values now (some are editable, the
    interval has passed)."""
    if not state_of(app).any_editable:
        return False
    last = app.extensions.get(_LAST_SYNC)
    interval = float(app.config["PORTAL_PLUGIN_SYNC_SECONDS"])
    return last is None or time.monotonic() - last >= interval


def sync(app: Flask, *, force: bool = False) -> None:
    """Read the admins' values again if the last read is older than the interval."""
    state = state_of(app)
    if not state.any_editable or (not force and not sync_due(app)):
        return
    app.extensions[_LAST_SYNC] = time.monotonic()
    try:
        state.stored = _read_stored(state)
    except (OperationalError, ProgrammingError):
        db.session.rollback()  # no table yet: nothing saved by admins


def save(plugin: str, values: dict[str, Any]) -> list[str]:
    """Save admin values of editable settings of ``plugin`` in the current unit of work.

    ``values`` maps setting names to raw values (form text or typed values);
    a secret given as ``""`` or ``None`` keeps its value. Everything is
    checked first: a bad value, a setting that is not editable or that the
    environment/config fixes raises :class:`SettingError` and nothing is
    written. Returns the names whose value changed; the change is
    audit-logged (``{name: value as shown}`` before and after, secrets
    masked; the audit log drops names that look secret altogether) and applied to this worker once the unit
    has committed (other workers follow, see :func:`sync`).
    """
    unit = require_unit("Saving plugin settings")
    app = current_app._get_current_object()
    state = state_of(app)
    settings = _setting(state, plugin)
    new: dict[str, Any] = {}
    for name, raw in values.items():
        setting = settings.get(name)
        if setting is None or not setting.editable:
            raise SettingError(f"Setting {name!r} of plugin {plugin!r} is not editable")
        if (plugin, name) in state.fixed:
            raise SettingError(
                f"Setting {name!r} of plugin {plugin!r} is fixed by "
                f"{variable_name(plugin, name)} ({state.fixed[plugin, name][1]})"
            )
        if setting.secret and raw in ("", None):
            continue
        new[name] = parse(setting, raw)
    changed = [name for name, value in new.items() if state.resolve(plugin, name)[0] != value]
    if not changed:
        return []
    before, after = {}, {}
    for name in changed:
        setting = settings[name]
        before[name] = setting.shown(state.resolve(plugin, name)[0])
        after[name] = setting.shown(new[name])
        row = db.session.get(PluginSettingValue, (plugin, name)) or PluginSettingValue(
            plugin=plugin, name=name
        )
        row.value = new[name]
        row.updated_by_name = unit.actor.name
        db.session.add(row)
    audit.record(
        "plugin.settings",
        subject_type="plugin",
        summary=f"Đổi cấu hình plugin “{plugin}”: {', '.join(changed)}",
        before=before,
        after=after,
    )

    def apply() -> None:
        for name in changed:
            state.stored[plugin, name] = new[name]

    unit.on_commit(apply)
    # Blocks drawn from these settings may be on any page, and pages are kept whole.
    unit.announce(plugin_event(plugin))
    return changed


def describe(app: Flask) -> list[dict[str, Any]]:
    """Every declared setting with its variable, type, default, value and source (masked)."""
    state = state_of(app)
    rows = []
    for plugin in sorted(state.declared):
        for name, setting in state.declared[plugin].items():
            value, source = state.resolve(plugin, name)
            rows.append(
                {
                    "plugin": plugin,
                    "setting": setting,
                    "variable": variable_name(plugin, name),
                    "default": setting.shown(setting.default),
                    "value": setting.shown(value),
                    "source": source,
                }
            )
    return rows


def init_app(app: Flask, environ: dict[str, str] | None = None) -> None:
    """Check every plugin's settings (before ``portal_setup_app``) and keep workers in step."""
    import os

    plugins = plugins_of(app)
    environ = dict(os.environ if environ is None else environ)
    app.extensions[_STATE] = load(plugins, app.config, environ, app.instance_path)
    with app.app_context():
        sync(app, force=True)
        db.session.remove()
    app.before_request(lambda: sync(current_app._get_current_object()))
