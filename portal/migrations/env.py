import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging, unless the process has set up its own
# (the portal's JSON or text lines, pytest's capture): fileConfig replaces every handler
# of the root logger, and whatever the process logged after a migration would be lost.
if not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def get_engine():
    return current_app.extensions["migrate"].db.engine


def get_engine_url():
    try:
        return get_engine().url.render_as_string(hide_password=False).replace("%", "%%")
    except AttributeError:
        return str(get_engine().url).replace("%", "%%")


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option("sqlalchemy.url", get_engine_url())
target_db = current_app.extensions["migrate"].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


#: Set by portal.plugin_data when this environment runs one plugin's migrations:
#: the plugin's name and the version table of its own (alembic_version_<plugin>).
plugin_name = config.attributes.get("portal_plugin")
version_table = config.attributes.get("portal_version_table", "alembic_version")
#: A plugin's migrations commit one by one: when one fails, those before it stay
#: applied and recorded, on SQLite (whose DDL is not rolled back) as on PostgreSQL.
per_migration = plugin_name is not None


def include_object(object, name, type_, reflected, compare_to):
    """Let autogenerate see only the tables this environment owns.

    For the core: its own models' tables (never a plugin's, and never a table
    only found in the database, e.g. one of an uninstalled plugin, since the
    core must not propose to drop it). For a plugin: the tables of its models.
    """
    if type_ != "table":
        return True
    from portal.plugin_data import core_tables, loaded_plugin_objects, module_of, plugin_tables

    if plugin_name is None:
        return name in core_tables()
    plugin = loaded_plugin_objects(current_app).get(plugin_name)
    return name in plugin_tables(module_of(plugin))


def get_metadata():
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url,
        target_metadata=get_metadata(),
        literal_binds=True,
        version_table=version_table,
        include_object=include_object,
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            version_table=version_table,
            include_object=include_object,
            transaction_per_migration=per_migration,
            **conf_args,
        )

        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
