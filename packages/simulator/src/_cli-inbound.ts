import { z } from 'zod';
import { INBOUND_PATH } from './_inbound.js';
import { isE164, isHttpUrl } from './_values.js';
import type { SimulatorInboundKnobs } from './types.js';

// The `--inbound-…` options of `ringkit-sim`: which app the Twilio, SignalWire, Telnyx or Vonage
// flavour rings, how often, from and to whom.

export const INBOUND_USAGE = `
Inbound calls (the Twilio, Telnyx, SignalWire or Vonage flavour rings an app; give one of their ports):
  --inbound-url URL          where to ring: Twilio's (SignalWire's) voice URL, Telnyx's webhook URL,
                             the Vonage application's answer URL
  --inbound-status-url URL   Twilio, SignalWire: where each call's final status goes
  --inbound-event-url URL    Vonage: the application's event URL, where the caller's leg's events go
  --inbound-every D          ring at random, D apart on average (20s, 500ms, 2m)  [off]
  --inbound-from N           the caller (E.164)                       [+1 415 555 01xx]
  --inbound-to N             the app's number called (E.164)          [+15005550006]
  A call rings now on POST <simulator>${INBOUND_PATH} (JSON: url?, from?, to?, statusCallbackUrl?,
  eventUrl?).
`;

export const INBOUND_OPTIONS = {
  'inbound-url': { type: 'string' },
  'inbound-status-url': { type: 'string' },
  'inbound-event-url': { type: 'string' },
  'inbound-every': { type: 'string' },
  'inbound-from': { type: 'string' },
  'inbound-to': { type: 'string' },
} as const;

const UNITS = { ms: 1, s: 1000, m: 60_000 } as const;

const schema = z.object({
  url: z.string().refine(isHttpUrl, '--inbound-url must be an http(s) URL').optional(),
  statusCallbackUrl: z
    .string()
    .refine(isHttpUrl, '--inbound-status-url must be an http(s) URL')
    .optional(),
  eventUrl: z.string().refine(isHttpUrl, '--inbound-event-url must be an http(s) URL').optional(),
  everyMs: z
    .string()
    .regex(/^\d+(?:\.\d+)?(?:ms|s|m)?$/, '--inbound-every must be a duration: 20s, 500ms, 2m')
    .transform((value) => {
      const [, amount, unit] = /^([\d.]+)(ms|s|m)?$/.exec(value) ?? [];
      return Number(amount) * UNITS[(unit ?? 's') as keyof typeof UNITS];
    })
    .refine((ms) => ms > 0, '--inbound-every must be above 0')
    .optional(),
  from: z.string().refine(isE164, '--inbound-from must be a phone number in E.164').optional(),
  to: z.string().refine(isE164, '--inbound-to must be a phone number in E.164').optional(),
});

/** The `inbound` knobs the `--inbound-…` options ask for (`{}`: none given), or what is wrong with them. */
export function parseInboundOptions(
  values: Partial<Record<keyof typeof INBOUND_OPTIONS, string>>,
): { ok: true; inbound: SimulatorInboundKnobs } | { ok: false; message: string } {
  const parsed = schema.safeParse({
    url: values['inbound-url'],
    statusCallbackUrl: values['inbound-status-url'],
    eventUrl: values['inbound-event-url'],
    everyMs: values['inbound-every'],
    from: values['inbound-from'],
    to: values['inbound-to'],
  });
  if (!parsed.success) {
    return { ok: false, message: parsed.error.issues.map((i) => i.message).join('; ') };
  }
  const inbound = Object.fromEntries(
    Object.entries(parsed.data).filter(([, value]) => value !== undefined),
  ) as SimulatorInboundKnobs;
  return { ok: true, inbound };
}

/**
 * What is wrong with the `inbound` knobs read (from the options, the variables and the scenario)
 * for the flavours started, or `undefined`. They apply to the one real-provider flavour started.
 */
export function checkInbound(
  inbound: SimulatorInboundKnobs | undefined,
  flavours: { twilio: boolean; telnyx: boolean; signalwire: boolean; vonage?: boolean },
): string | undefined {
  if (!inbound || Object.keys(inbound).length === 0) return undefined;
  const started = Object.values(flavours).filter(Boolean).length;
  if (started === 0) {
    return '--inbound-… options need --twilio-port, --telnyx-port, --signalwire-port or --vonage-port';
  }
  if (started > 1) {
    return 'inbound calls ring one app: start only one of --twilio-port, --telnyx-port, --signalwire-port and --vonage-port';
  }
  if (inbound.statusCallbackUrl !== undefined && (flavours.telnyx || flavours.vonage)) {
    const name = flavours.telnyx ? 'Telnyx' : 'Vonage';
    return `--inbound-status-url needs --twilio-port or --signalwire-port (${name} has none)`;
  }
  if (inbound.eventUrl !== undefined && !flavours.vonage) {
    return '--inbound-event-url needs --vonage-port';
  }
  if (inbound.everyMs !== undefined && inbound.url === undefined) {
    return '--inbound-every needs --inbound-url';
  }
  return undefined;
}

/** The line that says where inbound calls ring and how to ring one. */
export function inboundLine(simulatorUrl: string, inbound: SimulatorInboundKnobs): string {
  const where = inbound.url ?? 'the url each ring names';
  const often = inbound.everyMs === undefined ? '' : ` about every ${formatMs(inbound.everyMs)}`;
  return `inbound calls ring ${where}${often}; POST ${simulatorUrl}${INBOUND_PATH} rings one now`;
}

function formatMs(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
