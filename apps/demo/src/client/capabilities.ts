/** What the API's provider honours, asked once per API and page. */
import { request } from './api.js';
import type { ApiLimitsJson, CapabilitiesJson } from './types.js';

const asked = new Map<string, Promise<CapabilitiesJson>>();

/**
 * `GET /api/capabilities` of the API at `base`. Every element of a page shares one answer; a
 * request that failed is made again by the next caller.
 */
export function capabilities(base: string): Promise<CapabilitiesJson> {
  let answer = asked.get(base);
  if (!answer) {
    answer = request<CapabilitiesJson>(base, '/api/capabilities');
    asked.set(base, answer);
    answer.catch(() => asked.delete(base));
  }
  return answer;
}

/** The call options the API at `base` honours; none when it cannot say (an older server). */
export async function callOptions(base: string): Promise<readonly string[]> {
  try {
    return (await capabilities(base)).call_options;
  } catch {
    return [];
  }
}

/** The limits of the API at `base` that a form shows; `null` when it cannot say (an older server). */
export async function apiLimits(base: string): Promise<ApiLimitsJson | null> {
  try {
    return (await capabilities(base)).limits ?? null;
  } catch {
    return null;
  }
}

/**
 * The name the API's scheduled calls store as their provider; `null` when it cannot say (an
 * older server, or a failed request).
 */
export async function providerName(base: string): Promise<string | null> {
  try {
    return (await capabilities(base)).provider_name ?? null;
  } catch {
    return null;
  }
}
