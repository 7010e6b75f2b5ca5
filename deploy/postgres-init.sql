-- Runs once, when the postgres container initialises an empty data volume
-- (docker-entrypoint-initdb.d). One database per service; the owner is the
-- POSTGRES_USER the script runs as. Alembic creates the tables (`migrate all`).
CREATE DATABASE gateway;
CREATE DATABASE registry;
CREATE DATABASE monitoring;
CREATE DATABASE payments;
CREATE DATABASE assets;
