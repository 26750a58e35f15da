import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  classifyFailure,
  createRetrier,
  guardCheckedOut,
  inTransaction,
  isTransactionConflict,
  setLocalStatement,
} from './_retry.js';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

function logged() {
  const lines: { level: 'info' | 'warn'; message: string }[] = [];
  const logger = {
    info: (message: string) => lines.push({ level: 'info', message }),
    warn: (message: string) => lines.push({ level: 'warn', message }),
  };
  return {
    lines,
    retrier: createRetrier({ label: 'test', timeoutMs: 5_000, logger, isClosed: () => false }),
  };
}

/** A function that fails with each of `errors` in turn, then resolves `'done'`. */
function failing(errors: Error[]) {
  const seen: boolean[] = [];
  return {
    seen,
    fn: async (maybeDone: boolean) => {
      seen.push(maybeDone);
      const error = errors.shift();
      if (error) throw error;
      return 'done';
    },
  };
}

describe('createRetrier', () => {
  it('runs a transaction PostgreSQL aborted as a deadlock again, and logs it as one', async () => {
    const { lines, retrier } = logged();
    const { fn, seen } = failing([pgError('40P01', 'deadlock detected')]);
    expect(await retrier.run(fn)).toBe('done');
    expect(seen).toEqual([false, false]);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBe('warn');
    expect(lines[0]!.message).toContain('40P01: deadlock detected');
    expect(lines[0]!.message).toContain('conflicted with another one');
    expect(lines[0]!.message).not.toContain('lost the connection');
  });

  it('runs a serialization failure again, logged the same way', async () => {
    const { lines, retrier } = logged();
    const { fn } = failing([pgError('40001', 'could not serialize access')]);
    expect(await retrier.run(fn)).toBe('done');
    expect(lines.map((l) => l.message)).toEqual([
      expect.stringContaining('40001: could not serialize access'),
    ]);
  });

  it('logs a lost connection and its return, and tells the retry it may have committed', async () => {
    const { lines, retrier } = logged();
    const { fn, seen } = failing([pgError('ECONNRESET', 'read ECONNRESET')]);
    expect(await retrier.run(fn)).toBe('done');
    expect(seen).toEqual([false, true]);
    expect(lines.map((l) => l.level)).toEqual(['warn', 'info']);
    expect(lines[0]!.message).toContain('lost the connection');
    expect(lines[1]!.message).toContain('reconnected');
  });

  it('throws any other error at once', async () => {
    const { lines, retrier } = logged();
    const error = pgError('23505', 'duplicate key');
    const { fn, seen } = failing([error]);
    await expect(retrier.run(fn)).rejects.toBe(error);
    expect(seen).toEqual([false]);
    expect(lines).toEqual([]);
  });
});

describe('classifyFailure', () => {
  it('takes a deadlock and a serialization failure as not run, and names them conflicts', () => {
    for (const code of ['40P01', '40001']) {
      expect(classifyFailure(pgError(code, 'x'))).toBe('not_run');
      expect(isTransactionConflict(pgError(code, 'x'))).toBe(true);
    }
    expect(isTransactionConflict(pgError('57P01', 'x'))).toBe(false);
    expect(isTransactionConflict('40P01')).toBe(false);
  });
});

describe('guardCheckedOut', () => {
  it('keeps an error of a checked-out connection from ending the process, and says it broke', () => {
    const client = new EventEmitter();
    // Without a listener, an `error` event throws: in a pg client, an uncaught exception.
    expect(() => client.emit('error', new Error('terminating connection'))).toThrow();
    const unguard = guardCheckedOut(client);
    expect(() => client.emit('error', new Error('terminating connection'))).not.toThrow();
    expect(unguard()).toBe(true);
    expect(client.listenerCount('error')).toBe(0);
  });

  it('says nothing broke when no error came', () => {
    const client = new EventEmitter();
    const unguard = guardCheckedOut(client);
    expect(unguard()).toBe(false);
    expect(client.listenerCount('error')).toBe(0);
  });
});

describe('inTransaction', () => {
  /** A pool of one fake connection that records what it is sent and how it is released. */
  function recordingPool() {
    const sent: string[] = [];
    const released: (boolean | Error | undefined)[] = [];
    const client = Object.assign(new EventEmitter(), {
      query: async (text: string) => {
        sent.push(text);
        return { rows: [] };
      },
      release: (broken?: boolean | Error) => released.push(broken),
    });
    return { sent, released, pool: { connect: async () => client as never } };
  }

  it('sends the settings with its BEGIN, in the same round trip, and commits', async () => {
    const { sent, released, pool } = recordingPool();
    const settings = { enable_seqscan: 'off', plan_cache_mode: 'force_generic_plan' };
    const result = await inTransaction(
      pool,
      async (client) => {
        await client.query('SELECT 1');
        return 'done';
      },
      settings,
    );
    expect(result).toBe('done');
    expect(sent).toEqual([
      "BEGIN;\nSELECT set_config('enable_seqscan', 'off', true), " +
        "set_config('plan_cache_mode', 'force_generic_plan', true)",
      'SELECT 1',
      'COMMIT',
    ]);
    expect(released).toEqual([false]);
    expect(setLocalStatement({ work_mem: '8MB' })).toBe(
      "SELECT set_config('work_mem', '8MB', true)",
    );
  });

  it('begins plainly without settings, and rolls back what throws', async () => {
    const { sent, released, pool } = recordingPool();
    await expect(
      inTransaction(pool, async () => {
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(sent).toEqual(['BEGIN', 'ROLLBACK']);
    expect(released).toEqual([false]);
  });
});
