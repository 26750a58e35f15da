/** What the Twilio client's MSW tests share: the API's addresses, a client's options, a call. */
import type { TwilioClientOptions } from '../src/twilio/index.js';

/** A made-up account: the tests' Twilio is MSW handlers, which check nothing of it. */
export const accountSid = 'AC0123456789abcdef0123456789abcdef';
export const authToken = 'f00dfacef00dfacef00dfacef00dface';
/** Where the tests' Twilio lives (MSW answers there). */
export const BASE = 'https://api.twilio.test';
/** The Calls list: the create POST and the look-ups. */
export const CALLS = `${BASE}/2010-04-01/Accounts/${accountSid}/Calls.json`;
/** The one call SID the tests' answers carry. */
export const SID = 'CA0123456789abcdef0123456789abcdef';
/** The call resource of {@link SID}. */
export const CALL = `${BASE}/2010-04-01/Accounts/${accountSid}/Calls/${SID}.json`;

/** A client's options: quick retries, no reconciliation unless a test asks for it. */
export const options = (extra: Partial<TwilioClientOptions> = {}): TwilioClientOptions => ({
  accountSid,
  authToken,
  from: '+15005550006',
  baseUrl: BASE,
  retry: { limit: 3, baseDelayMs: 1, maxDelayMs: 5 },
  reconcile: false,
  ...extra,
});

/** A call as Twilio answers it, in `status`, with `extra` fields. */
export const callBody = (status = 'queued', extra: Record<string, unknown> = {}) => ({
  sid: SID,
  account_sid: accountSid,
  status,
  to: '+14155552671',
  from: '+15005550006',
  date_created: new Date().toUTCString(),
  ...extra,
});

/** The app's number and a caller, for the inbound calls' tests. */
export const APP_NUMBER = '+15005550006';
export const CALLER = '+14155552671';

/**
 * What Twilio sends about a call to {@link APP_NUMBER} (the voice webhook's parameters, which
 * its action callbacks carry too), with `extra` parameters.
 */
export const inboundParams = (extra: Record<string, string> = {}): Record<string, string> => ({
  AccountSid: accountSid,
  ApiVersion: '2010-04-01',
  CallSid: SID,
  CallStatus: 'ringing',
  Called: APP_NUMBER,
  Caller: CALLER,
  Direction: 'inbound',
  From: CALLER,
  FromCountry: 'US',
  To: APP_NUMBER,
  ToCountry: 'US',
  ...extra,
});

/** An element of a document {@link readXml} read: its name, attributes and children. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  /** Elements and text (entities decoded, adjacent text joined). */
  children: (XmlElement | string)[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * Reads an XML document (elements, attributes, text, the five entities and character
 * references, an optional XML declaration) into its tree, as any XML parser would; throws for
 * anything that is not well-formed XML: a bare `&` or `<`, an unquoted or repeated attribute, a
 * tag closed by another name, more than one root. A check that TwiML is XML, and a way to
 * compare two documents however each escapes its text.
 */
export function readXml(xml: string): XmlElement {
  let at = xml.match(/^<\?xml[^?]*\?>/)?.[0].length ?? 0;
  const fail = (why: string): never => {
    throw new Error(`Not well-formed XML at ${at}: ${why} in ${JSON.stringify(xml)}`);
  };
  const take = (pattern: RegExp): RegExpExecArray | null => {
    const sticky = new RegExp(pattern.source, 'y');
    sticky.lastIndex = at;
    const match = sticky.exec(xml);
    if (match) at = sticky.lastIndex;
    return match;
  };
  const decode = (text: string) =>
    text.replace(/&([a-z]+|#\d+|#x[0-9a-f]+);|[&<]/gi, (whole, ref: string | undefined) => {
      if (ref === undefined) return fail(`a bare ${whole}`);
      if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
      if (ref.startsWith('#')) return String.fromCodePoint(Number(ref.slice(1)));
      return ENTITIES[ref] ?? fail(`an unknown entity ${whole}`);
    });
  const element = (): XmlElement => {
    const name = take(/<([A-Za-z_][\w.-]*)/)?.[1] ?? fail('no element');
    const attributes: Record<string, string> = {};
    for (;;) {
      if (take(/\s*\/>/)) return { name, attributes, children: [] };
      if (take(/\s*>/)) break;
      const attribute = take(/\s+([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/);
      if (attribute === null) return fail(`a malformed attribute of <${name}>`);
      const [, key, double, single] = attribute as unknown as [string, string, string?, string?];
      if (key in attributes) fail(`${key} repeated on <${name}>`);
      attributes[key] = decode(double ?? single ?? '');
    }
    const children: (XmlElement | string)[] = [];
    for (;;) {
      if (at >= xml.length) return fail(`<${name}> never closed`);
      if (take(/<\//)) {
        if (take(new RegExp(`${name}\\s*>`)) === null) fail(`<${name}> closed by another tag`);
        return { name, attributes, children };
      }
      if (xml[at] === '<') children.push(element());
      else {
        const text = decode(take(/[^<]+/)![0]);
        const last = children.length - 1;
        if (typeof children[last] === 'string') children[last] += text;
        else children.push(text);
      }
    }
  };
  take(/\s*/);
  const root = element();
  take(/\s*/);
  if (at !== xml.length) fail('more after the root element');
  return root;
}
