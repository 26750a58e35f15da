import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually, startTestApp, type TestApp } from '../_test-utils.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('a campaign that is done', () => {
  it('refuses pause, resume and stop with 409 campaign_done, and stays done', async () => {
    app = await startTestApp();
    const url = app.url;
    const created = await api(`${url}/api/campaigns`, {
      method: 'POST',
      body: { name: 'finished', numbers: ['+13018040009', '+14155552671'] },
    });
    expect(created.status).toBe(201);
    await eventually(
      async () => (await api(`${url}/api/campaigns/finished`)).json.state === 'done',
    );
    for (const action of ['pause', 'resume', 'stop']) {
      const { status, json } = await api(`${url}/api/campaigns/finished/${action}`, {
        method: 'POST',
      });
      expect(status).toBe(409);
      expect(json.error.code).toBe('campaign_done');
      expect(json.error.details).toMatchObject({ reason: 'campaign_done', status: 'done' });
    }
    expect((await api(`${url}/api/campaigns/finished`)).json.state).toBe('done');
  });
});
