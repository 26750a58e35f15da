import { describe, expect, it } from 'vitest';
import {
  campaignField,
  checkCampaignForm,
  modeQuery,
  type CampaignFormInput,
} from './campaign-form.js';

const limits = { campaign_numbers: 10_000, campaign_body_bytes: 1024, schedule_ahead_ms: 1 };
const input = (patch: Partial<CampaignFormInput>): CampaignFormInput => ({
  name: '',
  content: '+13018040009',
  bytes: 12,
  fromFile: false,
  ...patch,
});

describe('the campaign form', () => {
  it("refuses a name the server would refuse, in the server's words, before sending", () => {
    expect(checkCampaignForm(input({ name: 'Newcomer test' }), limits)).toEqual({
      name:
        'The name must be letters, digits, _ . and - only (no spaces), starting with a letter ' +
        'or a digit, at most 100, e.g. "Newcomer-test".',
    });
    expect(checkCampaignForm(input({ name: 'Newcomer-test' }), limits)).toEqual({});
  });

  it('refuses an empty list, and one larger than the server takes', () => {
    expect(checkCampaignForm(input({ content: ' \n' }), limits).list).toMatch(/^Paste the numbers/);
    expect(checkCampaignForm(input({ bytes: 2048, fromFile: true }), limits).list).toBe(
      "This file is 2 KiB; a campaign's list may be at most 1 KiB: split it into several campaigns.",
    );
    // An older server says no limit: the server's 413 says it then.
    expect(checkCampaignForm(input({ bytes: 2048 }), null)).toEqual({});
  });

  it("puts each of the server's refusals on the field it is about", () => {
    expect(campaignField({ in: 'query', path: ['name'], message: '' })).toBe('name');
    expect(campaignField({ path: [], code: 'campaign_exists', message: '' })).toBe('name');
    expect(campaignField({ in: 'body', path: ['concurrency'], message: '' })).toBe('concurrency');
    expect(campaignField({ in: 'body', path: ['numbers', 1], message: '' })).toBe('list');
    for (const code of [
      'invalid_numbers',
      'invalid_csv',
      'unsupported_call_option',
      'payload_too_large',
    ]) {
      expect(campaignField({ path: [], code, message: '' })).toBe('list');
    }
    expect(campaignField({ in: 'query', path: [], code: 'unrecognized_keys', message: '' })).toBe(
      undefined,
    );
    for (const field of ['mode', 'ratio', 'seller_name', 'callback_number']) {
      expect(campaignField({ in: 'query', path: [field], message: '' })).toBe(field);
    }
    // A setting the form does not offer is said above its button.
    expect(campaignField({ in: 'query', path: ['abandon_cap'], message: '' })).toBeUndefined();
  });

  it('sends the mode and the fields of an agent mode in the query, nothing for power', () => {
    const form = (fields: Record<string, string>) => {
      const data = new FormData();
      for (const [key, value] of Object.entries(fields)) data.set(key, value);
      return data;
    };
    expect(modeQuery(form({ mode: 'power' }))).toEqual([]);
    expect(modeQuery(form({}))).toEqual([]);
    expect(
      modeQuery(form({ mode: 'progressive', seller_name: ' Acme ', callback_number: '' })),
    ).toEqual([
      ['mode', 'progressive'],
      ['seller_name', 'Acme'],
    ]);
    expect(
      modeQuery(
        form({ mode: 'ratio', ratio: '2', seller_name: 'Acme', callback_number: '4155550100' }),
      ),
    ).toEqual([
      ['mode', 'ratio'],
      ['ratio', '2'],
      ['seller_name', 'Acme'],
      ['callback_number', '4155550100'],
    ]);
  });
});
