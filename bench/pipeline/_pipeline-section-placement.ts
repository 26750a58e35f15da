/**
 * Section 1 of `pipeline.ts`: plain `fetch`, ky alone and each client's `placeCall` against the
 * simulator, and `parseStatusWebhook`.
 */
import {
  createMockCallApiClient,
  createNumDialerClient,
  createWebhookToken,
  parseStatusWebhook,
} from '@ringkit/call-client';
import { createTwilioClient } from '@ringkit/call-client/twilio';
import { TWILIO_TEST_CREDENTIALS } from '@ringkit/simulator';
import ky from 'ky';
import { startSim } from './_pipeline-children.js';
import { compare, profiled, type LoopResult } from './_pipeline-measure.js';
import { CALLER, CONCURRENCY, NO_STEPS, numberOf, PLACE_CALLS } from './_pipeline-settings.js';
import { fmt, quick, table } from '../_stats.js';

export async function placement() {
  console.log(`\n# Placement: ${PLACE_CALLS} calls per run, median of 3 interleaved runs\n`);
  const rows: Record<string, string | number>[] = [];
  const addRows = (
    flavour: string,
    concurrency: number,
    results: Record<string, LoopResult>,
    floor: string,
  ) => {
    for (const [name, r] of Object.entries(results)) {
      rows.push({
        flavour,
        way: name,
        concurrency,
        'calls/s': Math.round(r.perSecond),
        '× fetch': r.perSecond / results[floor]!.perSecond,
        'p50 ms': r.p50,
        'p99 ms': r.p99,
        'CPU µs/call': Math.round(r.cpuPerCallUs),
      });
    }
  };

  const polling = await startSim({ flavour: 'polling', stepMs: NO_STEPS });
  const client = createMockCallApiClient({ baseUrl: polling.url });
  const api = ky.create({ timeout: 10_000, retry: 0 });
  for (const concurrency of [1, CONCURRENCY]) {
    const results = await profiled(`placement-polling-c${concurrency}`, () =>
      compare(
        {
          fetch: async (i) => {
            const response = await fetch(`${polling.url}/api/call`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ phone_number: numberOf(i) }),
            });
            if (!response.ok) throw new Error(`HTTP ${response.status}`);
            return response.json();
          },
          'ky alone': (i) =>
            api.post(`${polling.url}/api/call`, { json: { phone_number: numberOf(i) } }).json(),
          placeCall: (i) => client.placeCall({ to: numberOf(i) }),
        },
        PLACE_CALLS,
        concurrency,
      ),
    );
    addRows('polling', concurrency, results, 'fetch');
  }
  await polling.close();

  const webhook = await startSim({ flavour: 'webhook', stepMs: NO_STEPS });
  const hookUrl = `http://127.0.0.1:9/hooks/${createWebhookToken()}`; // no webhook is sent
  const numDialer = createNumDialerClient({ baseUrl: webhook.url, webhookUrl: hookUrl });
  const webhookResults = await profiled('placement-webhook', () =>
    compare(
      {
        fetch: async (i) => {
          const response = await fetch(`${webhook.url}/call`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ phone: numberOf(i), webhookURL: hookUrl }),
          });
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
          return response.json();
        },
        placeCall: (i) => numDialer.placeCall({ to: numberOf(i) }),
      },
      PLACE_CALLS,
      CONCURRENCY,
    ),
  );
  addRows('webhook', CONCURRENCY, webhookResults, 'fetch');
  await webhook.close();

  const { accountSid, authToken } = TWILIO_TEST_CREDENTIALS;
  const twilio = await startSim({ flavour: 'twilio', stepMs: NO_STEPS, callsPerSecond: 10_000 });
  const twilioClient = createTwilioClient({
    accountSid,
    authToken,
    from: CALLER,
    twiml: '<Response><Say>Hello</Say></Response>',
    baseUrl: twilio.url,
  });
  const callsUrl = `${twilio.url}/2010-04-01/Accounts/${accountSid}/Calls.json`;
  const authorization = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const twilioResults = await profiled('placement-twilio', () =>
    compare(
      {
        fetch: async (i) => {
          const response = await fetch(callsUrl, {
            method: 'POST',
            headers: { authorization },
            body: new URLSearchParams({
              To: numberOf(i),
              From: CALLER,
              Twiml: '<Response><Say>Hello</Say></Response>',
            }),
          });
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
          return response.json();
        },
        placeCall: (i) => twilioClient.placeCall({ to: numberOf(i) }),
      },
      PLACE_CALLS,
      CONCURRENCY,
    ),
  );
  addRows('twilio', CONCURRENCY, twilioResults, 'fetch');
  await twilio.close();
  table(rows);

  const body = JSON.stringify({ id: 1001, status: 'answered' });
  const events = quick ? 200_000 : 1_000_000;
  const t0 = performance.now();
  for (let i = 0; i < events; i += 1) parseStatusWebhook(JSON.parse(body));
  console.log(
    `\nparseStatusWebhook: ${fmt(events / ((performance.now() - t0) / 1000), 0)} events/s`,
  );
}
