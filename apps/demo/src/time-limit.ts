import type { CallProvider } from '@ringkit/call-client';

/**
 * The room, in seconds, a campaign call's time limit leaves before its timeout: the ringing
 * before an answer (60 s by default at Twilio and SignalWire, 30 s at Telnyx, 60 s at Vonage,
 * which count the limit from the answer) and the end's webhook on its way.
 */
export const TIME_LIMIT_ROOM_S = 300;

/** The shortest time limit worth sending, in seconds. */
const SHORTEST_LIMIT_S = 60;

/**
 * The talk time (`timeLimitS`) each campaign call is given when the campaigns' call timeout is
 * `callTimeoutMs`: the provider then ends a call by itself before that timeout would end it
 * `failed` (`timeout`) while it still goes on, holding no place under the campaign's cap.
 * `undefined` when the timeout leaves no room for a minute of talk.
 */
export function timeLimitFor(callTimeoutMs: number): number | undefined {
  const limit = Math.floor(callTimeoutMs / 1000) - TIME_LIMIT_ROOM_S;
  return limit >= SHORTEST_LIMIT_S ? limit : undefined;
}

/**
 * `provider`, sending `timeLimitS` with every call that gives none, when the provider honours it
 * (Twilio's and SignalWire's `TimeLimit`, Telnyx's `time_limit_secs`, Vonage's `length_timer`);
 * otherwise (the practice APIs honour no option) `provider` itself.
 */
export function withTimeLimit(
  provider: CallProvider,
  timeLimitS: number | undefined,
): CallProvider {
  if (timeLimitS === undefined || !provider.capabilities.options?.includes('timeLimitS')) {
    return provider;
  }
  const limited = Object.create(provider) as CallProvider;
  limited.placeCall = (request) =>
    provider.placeCall(request.timeLimitS === undefined ? { ...request, timeLimitS } : request);
  return limited;
}
