// The connect step of the two practice APIs: `POST {call}/connect` and `POST {call}/abandon`,
// the same in both but for the path, the ring time's key and the answer's shape.
import type { z } from 'zod';
import type { createHttpClient } from '../http/_client.js';
import type { CountryCode } from '../phone.js';
import { abandonMessage, connectTarget, PRACTICE_MAX_MESSAGE } from './_connect.js';
import type { CallProvider, ConnectCallOptions } from './provider.js';

/** What a practice client's connect step needs of it. */
export interface PracticeConnectOptions {
  http: ReturnType<typeof createHttpClient>;
  /** The path of a call by its id. */
  callPath: (id: string) => string;
  /** The body's key of the agent's ring time: `ring_s` (polling) or `ringS` (webhooks). */
  ringKey: 'ring_s' | 'ringS';
  /** What the API answers, checked as its other answers are. */
  schema: z.ZodType;
  defaultCountry: CountryCode;
}

/**
 * `connectCall` and `abandonCall` of a practice client. Neither is retried once it may have
 * arrived: a second connect would ring the agent again.
 */
export function practiceConnect(
  options: PracticeConnectOptions,
): Required<Pick<CallProvider, 'connectCall' | 'abandonCall'>> {
  const { http, callPath, ringKey, schema, defaultCountry } = options;
  return {
    async connectCall(id: string, to: string, connect: ConnectCallOptions = {}) {
      const target = connectTarget(to, connect, defaultCountry);
      await http.request({
        method: 'post',
        path: `${callPath(id)}/connect`,
        json: { to: target.to, [ringKey]: target.ringS },
        schema,
        signal: connect.signal,
      });
    },
    async abandonCall(id: string, message: string, { signal }: { signal?: AbortSignal } = {}) {
      await http.request({
        method: 'post',
        path: `${callPath(id)}/abandon`,
        json: { message: abandonMessage(message, PRACTICE_MAX_MESSAGE) },
        schema,
        signal,
      });
    },
  };
}
