-- End-of-life data per product (endoflife.date shape), replaced product by product on import.
CREATE TABLE eol_products (
    product   TEXT PRIMARY KEY NOT NULL,
    label     TEXT,
    category  TEXT,
    cycles    TEXT NOT NULL,   -- JSON: the product's cycles, newest first
    source    TEXT NOT NULL
);

-- Patches applied to an asset outside the patch records: recorded by hand (`assets patched`) or by a
-- successful task linked to the asset. A closed record counts by itself.
CREATE TABLE asset_patches (
    id     BIGSERIAL PRIMARY KEY,
    asset  TEXT NOT NULL,
    at     TIMESTAMPTZ NOT NULL,
    actor  TEXT NOT NULL,
    via    TEXT NOT NULL,   -- manual, task:<name>
    note   TEXT
);
CREATE INDEX asset_patches_asset ON asset_patches (asset, at);

-- An asset's test command and forge (`[assets.test]`, `[assets.forge]`), as JSON.
ALTER TABLE assets ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
