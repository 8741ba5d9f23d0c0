"""
Trigram indexes for the product search (`?search=`), on PostgreSQL only.

The filter is `name` or `description` `icontains` the text, which Django
writes as `UPPER(column::text) LIKE UPPER('%text%')`: a B-tree cannot help
with a leading wildcard, so every search read the whole table. A GIN index
of the same expressions with `gin_trgm_ops` answers it from the index. The
indexes are not in the model's Meta (SQLite has neither GIN nor pg_trgm),
so this migration adds nothing on other databases and the migration state
stays the same everywhere.
"""

from django.db import migrations

INDEXES = {
    "catalog_product_name_trgm": "UPPER(name::text)",
    "catalog_product_description_trgm": "UPPER(description)",
}


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON catalog_product "
            f"USING gin ({expression} gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_product_image_generated_names"),
    ]

    operations = [
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
