-- Black Canyon Tickets: PostgreSQL roles and database. Run ONCE per cluster, as a superuser,
-- before the first `bct migrate`. Safe to run again (it only creates what is missing and resets
-- role attributes and passwords to what you pass in). See docs/tenancy.md.
--
-- The three passwords are psql variables. Generate fresh ones; never commit them:
--
--   psql -h DB_HOST -U postgres -v ON_ERROR_STOP=1 \
--        -v owner_password="$(openssl rand -base64 32)" \
--        -v web_password="$(openssl rand -base64 32)" \
--        -v worker_password="$(openssl rand -base64 32)" \
--        -v dbname=blackcanyon \
--        -f deploy/postgres/roles.sql
--
-- Then put them in the environment (URL-encode characters such as / + = in passwords):
--   MIGRATE_DATABASE_URL=postgres://bct_owner:<owner_password>@DB_HOST:5432/blackcanyon
--   DATABASE_URL=postgres://bct_web:<web_password>@DB_HOST:5432/blackcanyon
--   WORKER_DATABASE_URL=postgres://bct_worker:<worker_password>@DB_HOST:5432/blackcanyon
--
-- Roles:
--   bct_app     NOLOGIN group. Row-level security confines it to the organizer in
--               app.organizer_id (plus public rows). Owns nothing; cannot bypass RLS.
--   bct_system  NOLOGIN group. While app.system = 'on', sees every organizer's rows.
--   bct_owner   LOGIN. Owns the database and every table (runs migrations). Member of
--               bct_system so data migrations can run in tenancy.system_context().
--               RLS is FORCEd, so even the owner sees nothing outside a system context.
--   bct_web     LOGIN. The web app (DATABASE_URL). Member of bct_app only.
--   bct_worker  LOGIN. The task worker (WORKER_DATABASE_URL). Member of bct_app and bct_system:
--               organizer tasks set app.organizer_id, cross-organizer jobs (expiry, payouts,
--               retention) use tenancy.system_context().

\set ON_ERROR_STOP on

-- Placeholders for the passwords you must pass with -v. The script stops if one is left.
\if :{?owner_password}
\else
  \set owner_password 'REPLACE-ME-owner-password'
\endif
\if :{?web_password}
\else
  \set web_password 'REPLACE-ME-web-password'
\endif
\if :{?worker_password}
\else
  \set worker_password 'REPLACE-ME-worker-password'
\endif
\if :{?dbname}
\else
  \set dbname blackcanyon
\endif

SELECT (:'owner_password' LIKE 'REPLACE-ME%' OR :'web_password' LIKE 'REPLACE-ME%'
        OR :'worker_password' LIKE 'REPLACE-ME%'
        OR least(length(:'owner_password'), length(:'web_password'),
                 length(:'worker_password')) < 16) AS placeholders_left \gset
\if :placeholders_left
  \warn 'roles.sql: pass real passwords (16+ characters) with -v owner_password=... -v web_password=... -v worker_password=...'
  DO $$ BEGIN RAISE EXCEPTION 'placeholder or short passwords: nothing was changed'; END $$;
\endif

BEGIN;

-- Group roles. The migration core/0002 creates them too when missing (development); here the
-- operator creates them so the migration owner needs no CREATEROLE privilege.
SELECT 'CREATE ROLE bct_app NOLOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bct_app') \gexec
SELECT 'CREATE ROLE bct_system NOLOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bct_system') \gexec
ALTER ROLE bct_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE bct_system NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;

-- Login roles. None is a superuser or may bypass row-level security.
SELECT 'CREATE ROLE bct_owner LOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bct_owner') \gexec
SELECT 'CREATE ROLE bct_web LOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bct_web') \gexec
SELECT 'CREATE ROLE bct_worker LOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bct_worker') \gexec

ALTER ROLE bct_owner LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'owner_password';
ALTER ROLE bct_web LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'web_password';
ALTER ROLE bct_worker LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'worker_password';

GRANT bct_system TO bct_owner;
GRANT bct_app TO bct_web;
GRANT bct_app TO bct_worker;
GRANT bct_system TO bct_worker;

COMMIT;

-- The database, owned by the migration owner (CREATE DATABASE cannot run in a transaction).
SELECT format('CREATE DATABASE %I OWNER bct_owner ENCODING ''UTF8'' TEMPLATE template0', :'dbname')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'dbname') \gexec
SELECT format('ALTER DATABASE %I OWNER TO bct_owner', :'dbname') \gexec
-- Only our roles may connect.
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'dbname') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO bct_web, bct_worker', :'dbname') \gexec

\connect :"dbname"

-- Only the owner may create objects; the app roles get data access per table after each
-- `bct migrate` (core.rls.grant_app_privileges), never DDL.
ALTER SCHEMA public OWNER TO bct_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO bct_app, bct_system;
