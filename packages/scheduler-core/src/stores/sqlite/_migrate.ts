/** The schema of `createSqliteStore`: its versioned migrations, each run once, in order. */
import type { DatabaseSync } from 'node:sqlite';
import { AGENTS_MIGRATION } from './_agents.js';
import { BUDGETS_MIGRATION } from './_budgets.js';
import { TAKING } from './_sql.js';
import { FINISHED_SQL } from '../_columns.js';

/** The wake time of the Store contract (see `wakeTime`), as a generated column. */
const WAKE_AT = `CASE WHEN status = 'scheduled' THEN due_at
  WHEN status IN ('queued', 'initiated', 'ringing', 'answered') THEN lease_until END`;

/** The wake time of migration 7 on: none for campaign rows (`claimCampaign` claims them). */
const OWN_WAKE_AT = `CASE WHEN campaign_id IS NOT NULL THEN NULL
  WHEN status = 'scheduled' THEN due_at
  WHEN status IN ('queued', 'initiated', 'ringing', 'answered') THEN lease_until END`;

/** Versioned migrations; each runs once, in order, recorded in `schema_migrations`. */
const MIGRATIONS: { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE scheduled_calls (
        id TEXT PRIMARY KEY,
        to_phone TEXT NOT NULL,
        status TEXT NOT NULL,
        due_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        version INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        lease_owner TEXT,
        lease_until INTEGER,
        placing_at INTEGER,
        provider_call_id TEXT,
        reason TEXT,
        idempotency_key TEXT UNIQUE,
        events TEXT,
        options TEXT,
        wake_at INTEGER GENERATED ALWAYS AS (
          CASE status WHEN 'scheduled' THEN due_at WHEN 'queued' THEN lease_until END
        ) VIRTUAL
      );
      CREATE INDEX scheduled_calls_wake ON scheduled_calls (wake_at, id) WHERE wake_at IS NOT NULL;
      CREATE INDEX scheduled_calls_created ON scheduled_calls (created_at, id);
      CREATE INDEX scheduled_calls_to ON scheduled_calls (to_phone, created_at, id);
      CREATE INDEX scheduled_calls_provider ON scheduled_calls (provider_call_id)
        WHERE provider_call_id IS NOT NULL;
      CREATE TABLE call_records (
        id TEXT PRIMARY KEY,
        from_phone TEXT NOT NULL,
        to_phone TEXT NOT NULL,
        direction TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        answered_at INTEGER,
        ended_at INTEGER,
        duration_seconds REAL
      );
      CREATE INDEX call_records_from ON call_records (from_phone, started_at, id);
      CREATE INDEX call_records_to ON call_records (to_phone, started_at, id);
    `,
  },
  {
    // A placement whose outcome is unknown is recorded as such (0: known, 1: unknown).
    version: 2,
    sql: `ALTER TABLE call_records ADD COLUMN outcome_unknown INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    // A call in flight wakes at the end of its follow lease, so a dead follower's calls are
    // adopted as soon as it runs out.
    version: 3,
    sql: `
      DROP INDEX scheduled_calls_wake;
      ALTER TABLE scheduled_calls DROP COLUMN wake_at;
      ALTER TABLE scheduled_calls ADD COLUMN wake_at INTEGER GENERATED ALWAYS AS (${WAKE_AT}) VIRTUAL;
      CREATE INDEX scheduled_calls_wake ON scheduled_calls (wake_at, id) WHERE wake_at IS NOT NULL;
    `,
  },
  {
    // A call carries its purpose: the CallOptions of every attempt, as JSON (NULL: none).
    version: 4,
    sql: `ALTER TABLE scheduled_calls ADD COLUMN call_options TEXT;`,
  },
  {
    // Who answered a call, where the provider detected it (NULL: not detected).
    version: 5,
    sql: `ALTER TABLE call_records ADD COLUMN answered_by TEXT;`,
  },
  {
    // Cost stays flat as the store grows: \`list\` and \`countByStatus\` by status, retention's
    // oldest finished calls and oldest records each have an index; the leases of retention.
    version: 6,
    sql: `
      CREATE INDEX scheduled_calls_status ON scheduled_calls (status, created_at, id);
      CREATE INDEX scheduled_calls_finished ON scheduled_calls (updated_at, id)
        WHERE status IN (${FINISHED_SQL});
      CREATE INDEX call_records_started ON call_records (started_at, id);
      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        until_at INTEGER NOT NULL
      );
    `,
  },
  {
    // Campaigns: their entries are rows of scheduled_calls (campaign_id, position) that the
    // scheduler's claims never see (no wake time), claimed by \`claimCampaign\` under the
    // campaign's cap in list order; the scheduler's \`list\` reads partial indexes of its own rows.
    version: 7,
    sql: `
      ALTER TABLE scheduled_calls ADD COLUMN campaign_id TEXT;
      ALTER TABLE scheduled_calls ADD COLUMN position INTEGER;
      DROP INDEX scheduled_calls_wake;
      ALTER TABLE scheduled_calls DROP COLUMN wake_at;
      ALTER TABLE scheduled_calls ADD COLUMN wake_at INTEGER GENERATED ALWAYS AS (${OWN_WAKE_AT}) VIRTUAL;
      CREATE INDEX scheduled_calls_wake ON scheduled_calls (wake_at, id) WHERE wake_at IS NOT NULL;
      DROP INDEX scheduled_calls_created;
      CREATE INDEX scheduled_calls_created ON scheduled_calls (created_at, id)
        WHERE campaign_id IS NULL;
      CREATE INDEX scheduled_calls_own_status ON scheduled_calls (status, created_at, id)
        WHERE campaign_id IS NULL;
      CREATE UNIQUE INDEX scheduled_calls_campaign_position ON scheduled_calls (campaign_id, position)
        WHERE campaign_id IS NOT NULL;
      CREATE INDEX scheduled_calls_campaign_status ON scheduled_calls (campaign_id, status, position)
        WHERE campaign_id IS NOT NULL;
      CREATE INDEX scheduled_calls_campaign_list ON scheduled_calls (campaign_id, created_at, id)
        WHERE campaign_id IS NOT NULL;
      CREATE INDEX scheduled_calls_campaign_due ON scheduled_calls (campaign_id, due_at)
        WHERE campaign_id IS NOT NULL AND status = 'scheduled';
      CREATE INDEX scheduled_calls_campaign_live ON scheduled_calls (campaign_id, lease_until)
        WHERE campaign_id IS NOT NULL AND status IN (${TAKING});
      CREATE INDEX scheduled_calls_campaign_held ON scheduled_calls (campaign_id, placing_at)
        WHERE campaign_id IS NOT NULL AND status = 'failed' AND reason = 'outcome_unknown';
      CREATE TABLE campaigns (
        id TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        concurrency INTEGER NOT NULL,
        total INTEGER NOT NULL,
        fingerprint TEXT NOT NULL,
        settings TEXT NOT NULL,
        next_slot_at REAL NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        version INTEGER NOT NULL
      );
      CREATE INDEX campaigns_created ON campaigns (created_at, id);
    `,
  },
  {
    // What an inbound call's webhooks tell besides its status (NULL: not told): the caller's
    // voicemail, its length, and the provider's own word for the status recorded.
    version: 8,
    sql: `
      ALTER TABLE call_records ADD COLUMN recording_url TEXT;
      ALTER TABLE call_records ADD COLUMN recording_duration_seconds REAL;
      ALTER TABLE call_records ADD COLUMN provider_status TEXT;
    `,
  },
  {
    // A campaign being created: its row is written first, hidden, and its entries in short
    // transactions after it; it shows once the last is written. Who creates it (a token of that
    // one creation) and when it last wrote (NULL for both once it shows).
    version: 9,
    sql: `
      ALTER TABLE campaigns ADD COLUMN creating_by TEXT;
      ALTER TABLE campaigns ADD COLUMN creating_at INTEGER;
      DROP INDEX campaigns_created;
      CREATE INDEX campaigns_created ON campaigns (created_at, id) WHERE creating_by IS NULL;
    `,
  },
  {
    // The do-not-call list: one entry per number, checked by every claim (see SUPPRESSION_SQL);
    // the entries that end by themselves, by their end, for the retention's prune.
    version: 10,
    sql: `
      CREATE TABLE suppressions (
        phone TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        until_at INTEGER
      ) WITHOUT ROWID;
      CREATE INDEX suppressions_until ON suppressions (until_at) WHERE until_at IS NOT NULL;
    `,
  },
  {
    // When a campaign was archived (NULL: it is not): archived ones can be left out of the list.
    version: 11,
    sql: `ALTER TABLE campaigns ADD COLUMN archived_at INTEGER;`,
  },
  { version: 12, sql: BUDGETS_MIGRATION },
  {
    // The provider each call (and each campaign's entries) is placed through: its call ids are
    // that provider's. Rows and campaigns stored before it have none (any provider's).
    // The wake index carries it: a claim of one provider filters due rows in the index alone.
    version: 13,
    sql: `
      ALTER TABLE scheduled_calls ADD COLUMN provider TEXT;
      ALTER TABLE campaigns ADD COLUMN provider TEXT;
      DROP INDEX scheduled_calls_wake;
      CREATE INDEX scheduled_calls_wake ON scheduled_calls (wake_at, id, provider)
        WHERE wake_at IS NOT NULL;
    `,
  },
  {
    // The campaign of each record of a campaign's entry (NULL: no campaign's), for the call log's
    // campaign filter through its own index. The records written before it take their entry's
    // campaign: a record's id is its row's id, a dash and the attempt.
    version: 14,
    sql: `
      ALTER TABLE call_records ADD COLUMN campaign_id TEXT;
      UPDATE call_records SET campaign_id = (
        SELECT c.campaign_id FROM scheduled_calls AS c
        WHERE c.id = substr(call_records.id, 1, length(rtrim(call_records.id, '0123456789')) - 1)
      )
      WHERE direction = 'outbound' AND rtrim(id, '0123456789') <> id
        AND rtrim(id, '0123456789') LIKE '%-';
      CREATE INDEX call_records_campaign ON call_records (campaign_id, started_at, id)
        WHERE campaign_id IS NOT NULL;
    `,
  },
  // The agents an answered call is connected to (see `_agents.ts`).
  { version: 15, sql: AGENTS_MIGRATION },
];

export function migrate(db: DatabaseSync): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)',
  );
  db.exec('BEGIN IMMEDIATE');
  try {
    const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as
      { version: number | null } | undefined;
    const current = row?.version ?? 0;
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(
        migration.version,
        Date.now(),
      );
    }
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
