-- Configured people who can log in to the server: only a hash of the password is kept.
CREATE TABLE users (
    name           TEXT PRIMARY KEY NOT NULL REFERENCES people (name),
    email          TEXT,
    role           TEXT NOT NULL,            -- the role given when the user was added
    password_hash  TEXT NOT NULL,            -- argon2id, PHC string
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);

-- API tokens: the token is shown once; only its SHA-256 is kept.
CREATE TABLE api_tokens (
    id            BIGSERIAL PRIMARY KEY,
    user_name     TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    label         TEXT NOT NULL,
    token_sha256  TEXT NOT NULL UNIQUE,
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    revoked_at    TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON api_tokens (user_name);

-- Browser sessions: the cookie holds a random id; only its SHA-256 is kept, so a copy of the database
-- cannot be used to log in.
CREATE TABLE sessions (
    id_sha256   TEXT PRIMARY KEY NOT NULL,
    user_name   TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
