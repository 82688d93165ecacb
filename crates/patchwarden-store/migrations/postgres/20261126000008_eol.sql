-- End-of-life data per product (endoflife.date shape), replaced product by product on import.
CREATE TABLE eol_products (
    product   TEXT PRIMARY KEY NOT NULL,
    label     TEXT,
    category  TEXT,
    cycles    TEXT NOT NULL,   -- JSON: the product's cycles, newest first
    source    TEXT NOT NULL
);
