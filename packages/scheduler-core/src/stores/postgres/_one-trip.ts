import type { Pool, PoolClient, QueryResult } from 'pg';
import { guardCheckedOut } from './_retry.js';

/**
 * Statements prepared once per connection of `pool` (`prepare`, a round trip of its own the first
 * time a connection runs them), then run as one simple query each (`run(text)`): several
 * statements in one implicit transaction, so a `set_config(…, true)` among them holds for the
 * rest, and an `EXECUTE` of a prepared statement runs under it. A simple query takes no
 * parameters: values are written into `text` (see `withLiterals`). Any error gives the
 * connection up (the pool opens another, which prepares them again). Resolves to each
 * statement's result, in order.
 */
export function createOneTrip(pool: Pool, prepare: string) {
  /** The pool's connections on which `prepare` ran. */
  const preparedOn = new WeakSet<PoolClient>();
  return async (text: string): Promise<QueryResult[]> => {
    const client = await pool.connect();
    const unguard = guardCheckedOut(client);
    let results: QueryResult[];
    try {
      if (!preparedOn.has(client)) {
        await client.query(prepare);
        preparedOn.add(client);
      }
      results = (await client.query(text)) as unknown as QueryResult[];
    } catch (error) {
      unguard();
      // The connection may be broken: the pool drops it, and its prepared statements with it.
      client.release(error as Error);
      throw error;
    }
    client.release(unguard() ? new Error('the connection broke') : undefined);
    return results;
  };
}

/** A short stable hash of `text` (FNV-1a), in base 36: names of prepared statements unique to a schema. */
export function hashOf(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(36);
}
