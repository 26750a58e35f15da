import type { Pool } from 'pg';
import { inTransaction } from './_retry.js';
import { FINISHED_SQL, LIVE_SQL } from '../_columns.js';
import { AGENTS_MIGRATION } from './_agent-sql.js';

/**
 * Versioned migrations; each runs once, in order, inside the transaction that holds the
 * migration lock, and is recorded in `<schema>.schema_migrations`. `{s}` is the quoted schema.
 *
 * Times are `bigint` epoch milliseconds (mapped to numbers), like every other store. `wake_at` is
 * the wake time of the Store contract, kept by PostgreSQL itself; claims and `nextDueAt` read it
 * through one partial index. Ids sort with `COLLATE "C"`, the code-unit order of the other stores.
 */
const MIGRATIONS: { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE {s}.scheduled_calls (
        id text COLLATE "C" PRIMARY KEY,
        to_phone text NOT NULL,
        status text NOT NULL,
        due_at bigint NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        version integer NOT NULL,
        attempt integer NOT NULL,
        lease_owner text,
        lease_until bigint,
        placing_at bigint,
        provider_call_id text,
        reason text,
        idempotency_key text,
        events jsonb,
        options jsonb,
        wake_at bigint GENERATED ALWAYS AS (
          CASE status WHEN 'scheduled' THEN due_at WHEN 'queued' THEN lease_until END
        ) STORED
      );
      CREATE INDEX scheduled_calls_wake ON {s}.scheduled_calls (wake_at, id)
        WHERE wake_at IS NOT NULL;
      CREATE INDEX scheduled_calls_created ON {s}.scheduled_calls (created_at, id);
      CREATE INDEX scheduled_calls_to ON {s}.scheduled_calls (to_phone, created_at, id);
      CREATE INDEX scheduled_calls_status ON {s}.scheduled_calls (status, created_at, id);
      CREATE UNIQUE INDEX scheduled_calls_idempotency_key ON {s}.scheduled_calls (idempotency_key)
        WHERE idempotency_key IS NOT NULL;
      CREATE INDEX scheduled_calls_provider_call_id ON {s}.scheduled_calls (provider_call_id)
        WHERE provider_call_id IS NOT NULL;

      CREATE TABLE {s}.call_records (
        id text COLLATE "C" PRIMARY KEY,
        from_phone text NOT NULL,
        to_phone text NOT NULL,
        direction text NOT NULL,
        status text NOT NULL,
        started_at bigint NOT NULL,
        answered_at bigint,
        ended_at bigint,
        duration_seconds double precision
      );
      CREATE INDEX call_records_from ON {s}.call_records (from_phone, started_at DESC, id DESC);
      CREATE INDEX call_records_to ON {s}.call_records (to_phone, started_at DESC, id DESC);

      -- Every LISTENing worker learns a new or earlier wake time at once: inserts announce the
      -- earliest wake time of the statement's rows, updates only a wake time that moved earlier
      -- (a retry, a release, a reschedule), so claims and lease renewals stay silent.
      CREATE FUNCTION {s}.notify_wake() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        next bigint;
      BEGIN
        IF TG_LEVEL = 'STATEMENT' THEN
          SELECT min(wake_at) INTO next FROM new_rows;
        ELSE
          next := NEW.wake_at;
        END IF;
        IF next IS NOT NULL THEN
          PERFORM pg_notify(TG_TABLE_SCHEMA || '_wake', next::text);
        END IF;
        RETURN NULL;
      END
      $fn$;
      CREATE TRIGGER scheduled_calls_wake_insert AFTER INSERT ON {s}.scheduled_calls
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION {s}.notify_wake();
      CREATE TRIGGER scheduled_calls_wake_update AFTER UPDATE ON {s}.scheduled_calls
        FOR EACH ROW
        WHEN (NEW.wake_at IS NOT NULL AND (OLD.wake_at IS NULL OR NEW.wake_at < OLD.wake_at))
        EXECUTE FUNCTION {s}.notify_wake();
    `,
  },
  {
    // A placement whose outcome is unknown is recorded as such.
    version: 2,
    sql: `ALTER TABLE {s}.call_records ADD COLUMN outcome_unknown boolean NOT NULL DEFAULT false;`,
  },
  {
    // A call in flight wakes at the end of its follow lease, so a dead follower's calls are
    // adopted as soon as it runs out. The trigger that reads the column goes and comes back.
    version: 3,
    sql: `
      DROP TRIGGER scheduled_calls_wake_update ON {s}.scheduled_calls;
      DROP INDEX {s}.scheduled_calls_wake;
      ALTER TABLE {s}.scheduled_calls DROP COLUMN wake_at;
      ALTER TABLE {s}.scheduled_calls ADD COLUMN wake_at bigint GENERATED ALWAYS AS (
        CASE WHEN status = 'scheduled' THEN due_at
          WHEN status IN ('queued', 'initiated', 'ringing', 'answered') THEN lease_until END
      ) STORED;
      CREATE INDEX scheduled_calls_wake ON {s}.scheduled_calls (wake_at, id)
        WHERE wake_at IS NOT NULL;
      CREATE TRIGGER scheduled_calls_wake_update AFTER UPDATE ON {s}.scheduled_calls
        FOR EACH ROW
        WHEN (NEW.wake_at IS NOT NULL AND (OLD.wake_at IS NULL OR NEW.wake_at < OLD.wake_at))
        EXECUTE FUNCTION {s}.notify_wake();
    `,
  },
  {
    // The send budget every worker shares (`callsPerSecond`): the next free send slot, in epoch
    // ms with a fraction. One row, locked by each budgeted claim for its transaction.
    version: 4,
    sql: `
      CREATE TABLE {s}.send_budget (
        id integer PRIMARY KEY CHECK (id = 1),
        next_at double precision NOT NULL
      );
      INSERT INTO {s}.send_budget (id, next_at) VALUES (1, 0);
    `,
  },
  {
    // A call carries its purpose: the CallOptions of every attempt (NULL: none).
    version: 5,
    sql: `ALTER TABLE {s}.scheduled_calls ADD COLUMN call_options jsonb;`,
  },
  {
    // Who answered a call, where the provider detected it (NULL: not detected).
    version: 6,
    sql: `ALTER TABLE {s}.call_records ADD COLUMN answered_by text;`,
  },
  {
    // Cost stays flat as the store grows: live calls are counted through a small partial index
    // (index-only), retention finds the oldest finished calls and records through theirs; the
    // leases of retention. On a large table the two indexes take a while to build, holding
    // writes meanwhile (as any migration): run it at a quiet moment.
    version: 7,
    sql: `
      CREATE INDEX scheduled_calls_live ON {s}.scheduled_calls (status)
        WHERE status IN (${LIVE_SQL});
      CREATE INDEX scheduled_calls_finished ON {s}.scheduled_calls (updated_at, id)
        WHERE status IN (${FINISHED_SQL});
      CREATE INDEX call_records_started ON {s}.call_records (started_at, id);
      CREATE TABLE {s}.leases (
        name text PRIMARY KEY,
        owner text NOT NULL,
        until_at bigint NOT NULL
      );
    `,
  },
  {
    // Campaigns: a campaign row (what every worker must agree on) and its entries, ordinary rows
    // with a campaign and a position. Campaign rows have no wake time, so the scheduler's claims,
    // `nextDueAt`, the wake index and the NOTIFY trigger never see them: the generated column
    // and what reads it go and come back, as in migration 3, which rewrites the table and
    // rebuilds its indexes (run it at a quiet moment). The scheduler-wide list walks indexes of
    // the scheduler's own rows only (a number's calls are few: its index keeps every row); each
    // campaign statement has a partial index of campaign rows (see `_sql.ts`).
    version: 8,
    sql: `
      DROP TRIGGER scheduled_calls_wake_update ON {s}.scheduled_calls;
      DROP INDEX {s}.scheduled_calls_wake;
      ALTER TABLE {s}.scheduled_calls DROP COLUMN wake_at;
      ALTER TABLE {s}.scheduled_calls
        ADD COLUMN campaign_id text COLLATE "C",
        ADD COLUMN position integer;
      ALTER TABLE {s}.scheduled_calls ADD COLUMN wake_at bigint GENERATED ALWAYS AS (
        CASE WHEN campaign_id IS NOT NULL THEN NULL
          WHEN status = 'scheduled' THEN due_at
          WHEN status IN ('queued', 'initiated', 'ringing', 'answered') THEN lease_until END
      ) STORED;
      CREATE INDEX scheduled_calls_wake ON {s}.scheduled_calls (wake_at, id)
        WHERE wake_at IS NOT NULL;
      CREATE TRIGGER scheduled_calls_wake_update AFTER UPDATE ON {s}.scheduled_calls
        FOR EACH ROW
        WHEN (NEW.wake_at IS NOT NULL AND (OLD.wake_at IS NULL OR NEW.wake_at < OLD.wake_at))
        EXECUTE FUNCTION {s}.notify_wake();

      DROP INDEX {s}.scheduled_calls_created;
      DROP INDEX {s}.scheduled_calls_status;
      CREATE INDEX scheduled_calls_created ON {s}.scheduled_calls (created_at, id)
        WHERE campaign_id IS NULL;
      CREATE INDEX scheduled_calls_status ON {s}.scheduled_calls (status, created_at, id)
        WHERE campaign_id IS NULL;

      CREATE UNIQUE INDEX scheduled_calls_campaign_position
        ON {s}.scheduled_calls (campaign_id, position) WHERE campaign_id IS NOT NULL;
      CREATE INDEX scheduled_calls_campaign_status
        ON {s}.scheduled_calls (status, campaign_id, position) WHERE campaign_id IS NOT NULL;
      CREATE INDEX scheduled_calls_campaign_list
        ON {s}.scheduled_calls (campaign_id, status, created_at, id) WHERE campaign_id IS NOT NULL;
      CREATE INDEX scheduled_calls_campaign_next
        ON {s}.scheduled_calls (campaign_id, position, due_at)
        WHERE campaign_id IS NOT NULL AND status = 'scheduled';
      CREATE INDEX scheduled_calls_campaign_due ON {s}.scheduled_calls (campaign_id, due_at)
        WHERE campaign_id IS NOT NULL AND status = 'scheduled';
      CREATE INDEX scheduled_calls_campaign_live ON {s}.scheduled_calls (campaign_id, lease_until)
        WHERE campaign_id IS NOT NULL AND status IN ('queued', 'initiated', 'ringing', 'answered');
      CREATE INDEX scheduled_calls_campaign_held ON {s}.scheduled_calls (campaign_id, placing_at)
        WHERE campaign_id IS NOT NULL AND status = 'failed' AND reason = 'outcome_unknown';

      CREATE TABLE {s}.campaigns (
        id text COLLATE "C" PRIMARY KEY,
        state text NOT NULL,
        concurrency integer NOT NULL,
        total integer NOT NULL,
        fingerprint text NOT NULL,
        settings jsonb NOT NULL,
        next_slot_at double precision NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        version integer NOT NULL
      );
      CREATE INDEX campaigns_created ON {s}.campaigns (created_at, id);
    `,
  },
  {
    // What an inbound call's webhooks tell besides its status (NULL: not told): the caller's
    // voicemail, its length, and the provider's own word for the status recorded.
    version: 9,
    sql: `ALTER TABLE {s}.call_records ADD COLUMN recording_url text,
      ADD COLUMN recording_duration_seconds double precision,
      ADD COLUMN provider_status text;`,
  },
  {
    // The do-not-call list: one entry per number, checked by every claim (see `_suppressions.ts`);
    // the entries that end by themselves, by their end, for the retention's prune.
    version: 10,
    sql: `CREATE TABLE {s}.suppressions (
        phone text COLLATE "C" PRIMARY KEY,
        reason text NOT NULL,
        created_at bigint NOT NULL,
        until_at bigint
      );
      CREATE INDEX suppressions_until ON {s}.suppressions (until_at) WHERE until_at IS NOT NULL;`,
  },
  {
    // When a campaign was archived (NULL: it is not): archived ones can be left out of the list.
    version: 11,
    sql: `ALTER TABLE {s}.campaigns ADD COLUMN archived_at bigint;`,
  },
  {
    // Named send budgets, shared by weight (the store's own stays in send_budget): each one's
    // next free slot, and the standing of each claimant. A claim locks its budget's row for its
    // transaction, so the claims of every worker take turns on it.
    version: 12,
    sql: `
      CREATE TABLE {s}.send_budgets (name text PRIMARY KEY, next_at double precision NOT NULL);
      CREATE TABLE {s}.send_shares (
        budget text NOT NULL,
        key text NOT NULL,
        weight double precision NOT NULL,
        virtual_at double precision NOT NULL,
        waiting_until double precision NOT NULL,
        PRIMARY KEY (budget, key)
      );
    `,
  },
  {
    // The provider each call (and each campaign's entries) is placed through: its call ids are
    // that provider's. Rows and campaigns stored before it have none (any provider's).
    version: 13,
    sql: `
      ALTER TABLE {s}.scheduled_calls ADD COLUMN provider text;
      ALTER TABLE {s}.campaigns ADD COLUMN provider text;
    `,
  },
  {
    // The campaign of each record of a campaign's entry (NULL: no campaign's), for the call log's
    // campaign filter through its own index. The records written before it take their entry's
    // campaign: a record's id is its row's id, a dash and the attempt.
    version: 14,
    sql: `
      ALTER TABLE {s}.call_records ADD COLUMN campaign_id text COLLATE "C";
      UPDATE {s}.call_records AS r SET campaign_id = c.campaign_id
        FROM {s}.scheduled_calls AS c
        WHERE c.campaign_id IS NOT NULL AND r.direction = 'outbound' AND r.id ~ '-[0-9]+$'
          AND c.id = regexp_replace(r.id, '-[0-9]+$', '');
      CREATE INDEX call_records_campaign ON {s}.call_records (campaign_id, started_at DESC, id DESC)
        WHERE campaign_id IS NOT NULL;
    `,
  },
  // The agents an answered call is connected to (see `_agents.ts`).
  { version: 15, sql: AGENTS_MIGRATION },
  {
    // Each status step of a call writes a new row version (a step changes its status, which
    // indexes hold), and so an entry in each index whose condition it meets. Two of them served
    // reads that the status indexes serve as well: counts of live calls (each status a range of
    // `scheduled_calls_status` and `scheduled_calls_campaign_status`, read index-only) and the
    // scheduler's own calls listed without a status (a page read status by status through
    // `scheduled_calls_status`, as with statuses, and merged; see `listStatement`). Dropped,
    // a call's schedule, claim and answer write five entries fewer. (`IF EXISTS`: an index
    // already dropped by hand is no reason to refuse the migration.)
    version: 16,
    sql: `DROP INDEX IF EXISTS {s}.scheduled_calls_live;
      DROP INDEX IF EXISTS {s}.scheduled_calls_created;`,
  },
];

/** First key of the migration advisory lock ("RING"); the second is the schema name's hash. */
const LOCK_NAMESPACE = 0x52494e47;

/**
 * Applies pending migrations in one transaction, under a transaction-level advisory lock that
 * only migrations of this schema take: stores starting together apply each migration once.
 */
export async function migrate(pool: Pool, schema: string): Promise<void> {
  const s = `"${schema}"`;
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_NAMESPACE, schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)`,
    );
    const { rows } = await client.query<{ version: number }>(
      `SELECT COALESCE(MAX(version), 0)::int AS version FROM ${s}.schema_migrations`,
    );
    const current = rows[0]?.version ?? 0;
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      await client.query(migration.sql.replaceAll('{s}', s));
      await client.query(
        `INSERT INTO ${s}.schema_migrations (version, applied_at) VALUES ($1, $2)`,
        [migration.version, Date.now()],
      );
    }
  });
}
