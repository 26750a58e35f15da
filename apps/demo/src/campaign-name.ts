/**
 * A campaign's name: its id in the store and in the API's paths, so it is safe in a URL as it
 * is. One rule, read by the server's routes (zod) and by the page's form before it sends, with
 * the same words; this module imports nothing, so the browser bundle takes it as it is.
 */

/** 1 to 100 of `A-Z a-z 0-9 _ . -`, starting with a letter or a digit. */
export const CAMPAIGN_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** The longest name. */
export const CAMPAIGN_NAME_MAX = 100;

/** The rule in words, as the API's refusal and the form's hint say it. */
export const CAMPAIGN_NAME_RULE =
  'letters, digits, _ . and - only (no spaces), starting with a letter or a digit, at most 100';

/**
 * A name that follows the rule, made from one that does not (`Newcomer test` → `Newcomer-test`):
 * each run of other characters becomes one `-`, and what cannot start or end a name goes.
 * `null` when nothing of it is left (`'¿?'`).
 */
export function campaignNameFrom(text: string): string | null {
  const safe = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, CAMPAIGN_NAME_MAX)
    .replace(/[-.]+$/, '');
  return CAMPAIGN_NAME_PATTERN.test(safe) ? safe : null;
}

/**
 * Why `name` cannot be a campaign's name, as the rest of a sentence about it (`must be …`), with
 * a name that would do; `undefined` when it can.
 */
export function campaignNameProblem(name: string): string | undefined {
  if (CAMPAIGN_NAME_PATTERN.test(name)) return undefined;
  const safe = campaignNameFrom(name);
  return `must be ${CAMPAIGN_NAME_RULE}` + (safe ? `, e.g. "${safe}"` : '');
}
