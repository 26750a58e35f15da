/**
 * The statements of the two campaign floors beside bench/campaigns/dialer.ts's durable PostgreSQL rows:
 * the one with no provider (`_dialer-floor-worker.ts`) and the one through the same harness as
 * ringkit's workers (`_dialer-bare-worker.ts`). `s` is the floor's schema, quoted.
 */

/**
 * The floor's tables, as narrow as they can be: `total` entries waiting under a campaign-wide
 * cap of `cap`. `byProviderId`: the entries are also found by provider id (the harness floor's
 * ends come by webhook).
 */
export function floorTables(
  s: string,
  total: number,
  cap: number,
  { byProviderId = false } = {},
): string {
  return `CREATE SCHEMA ${s};
    CREATE TABLE ${s}.entries (id text PRIMARY KEY, position integer NOT NULL,
      to_phone text NOT NULL, status text NOT NULL, lease_owner text, placing_at bigint,
      provider_call_id text, updated_at bigint NOT NULL);
    CREATE INDEX entries_next ON ${s}.entries (position) WHERE status = 'scheduled';
    CREATE INDEX entries_live ON ${s}.entries (status) WHERE status IN ('queued', 'initiated');
    ${byProviderId ? `CREATE UNIQUE INDEX entries_provider ON ${s}.entries (provider_call_id);` : ''}
    CREATE TABLE ${s}.campaign (id integer PRIMARY KEY, cap integer NOT NULL);
    CREATE TABLE ${s}.records (id text PRIMARY KEY, to_phone text NOT NULL, status text NOT NULL,
      started_at bigint, ended_at bigint);
    INSERT INTO ${s}.campaign (id, cap) VALUES (1, ${cap});
    INSERT INTO ${s}.entries (id, position, to_phone, status, updated_at)
      SELECT 'e' || i, i, '+1301804' || lpad(i::text, 4, '0'), 'scheduled', 0
      FROM generate_series(0, ${total} - 1) AS i;`;
}

/**
 * The claim of up to `wanted` entries under the campaign-wide cap, marked, in one round trip:
 * the campaign's row locked in a statement of its own (so that the claim's snapshot sees every
 * claim committed before it), the places taken counted, the entries claimed and marked, and the
 * whole committed durably. Literals, as a simple query of several statements takes no
 * parameters (the worker's name is a plain word). Its third result holds the rows claimed.
 */
export const floorClaim = (s: string, worker: string, wanted: number, now: number) => `BEGIN;
  SELECT cap FROM ${s}.campaign WHERE id = 1 FOR UPDATE;
  UPDATE ${s}.entries SET status = 'queued', lease_owner = '${worker}', updated_at = ${now},
      placing_at = ${now}
    WHERE id IN (SELECT id FROM ${s}.entries WHERE status = 'scheduled'
      ORDER BY position
      LIMIT LEAST(${wanted}, GREATEST(0, (SELECT cap FROM ${s}.campaign WHERE id = 1)
        - (SELECT count(*) FROM ${s}.entries WHERE status IN ('queued', 'initiated'))))
      FOR UPDATE SKIP LOCKED)
    RETURNING id, to_phone;
  COMMIT;`;

/** The answer's write with its call record: `$1` the entry, `$2` the provider id, `$3` now. */
export const floorAnswer = (s: string) => ({
  name: 'floor_answer',
  text: `WITH u AS (UPDATE ${s}.entries SET status = 'initiated', provider_call_id = $2,
      updated_at = $3 WHERE id = $1 RETURNING id, to_phone)
    INSERT INTO ${s}.records (id, to_phone, status, started_at)
    SELECT id, to_phone, 'initiated', $3 FROM u`,
});
