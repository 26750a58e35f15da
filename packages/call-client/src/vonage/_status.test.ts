import { CallStatus as OfficialCallStatus } from '@vonage/voice';
import { describe, expect, it } from 'vitest';
import { isCallStatus } from '../status.js';
import { toVonageStatus, VONAGE_CALL_STATUSES } from './_status.js';

const OFFICIAL_WORDS: string[] = Object.values(OfficialCallStatus);

describe('toVonageStatus', () => {
  it('knows every status word of the official @vonage/voice CallStatus enum', () => {
    expect(OFFICIAL_WORDS.length).toBeGreaterThanOrEqual(11);
    for (const word of OFFICIAL_WORDS) {
      expect(VONAGE_CALL_STATUSES).toContain(word);
      const mapped = toVonageStatus(word);
      expect(mapped.known).toBe(true);
      expect(isCallStatus(mapped.status)).toBe(true);
      expect(mapped.providerStatus).toBe(word);
    }
  });

  it.each([
    ['started', 'initiated'],
    ['ringing', 'ringing'],
    ['answered', 'answered'],
    ['completed', 'completed'],
    ['busy', 'busy'],
    ['cancelled', 'canceled'],
    ['failed', 'failed'],
    ['rejected', 'failed'],
    ['timeout', 'no-answer'],
    ['unanswered', 'no-answer'],
  ])('maps %s onto %s, with no answeredBy', (word, status) => {
    expect(toVonageStatus(word)).toEqual({ status, providerStatus: word, known: true });
  });

  it.each([
    ['machine', 'machine'],
    ['human', 'human'],
  ])('reads the machine detection result %s as answered by a %s', (word, answeredBy) => {
    expect(toVonageStatus(word)).toEqual({
      status: 'answered',
      providerStatus: word,
      answeredBy,
      known: true,
    });
  });

  it('lists exactly the official words and human', () => {
    expect([...VONAGE_CALL_STATUSES].sort()).toEqual([...OFFICIAL_WORDS, 'human'].sort());
  });

  it('reads a word in another letter case or with spaces, keeping it verbatim', () => {
    expect(toVonageStatus(' Completed ')).toEqual({
      status: 'completed',
      providerStatus: ' Completed ',
      known: true,
    });
  });

  it.each(['disconnected', 'transfer', '', 'constructor', '__proto__', 'toString'])(
    'keeps the unknown word %j verbatim as providerStatus with status initiated',
    (word) => {
      expect(toVonageStatus(word)).toEqual({
        status: 'initiated',
        providerStatus: word,
        known: false,
      });
    },
  );
});
