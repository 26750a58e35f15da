import { createNumDialerClient, type CallProvider } from '@ringkit/call-client';

/**
 * The campaigns' provider with the mock provider: the webhook practice API's client
 * (`num-dialer`), made at its first use, once the server listens, since the webhook URL it hands
 * out names the server. Everything a campaign asks of a provider is passed on: placing calls,
 * and, for a campaign with agents, joining a person who answers to an agent or abandoning the
 * call.
 */
export function lazyNumDialerClient(options: {
  baseUrl: string;
  /** The webhook URL, read at the first use. */
  webhookUrl: () => string;
  callsPerSecond?: number;
}): CallProvider {
  let client: ReturnType<typeof createNumDialerClient> | undefined;
  const made = () => {
    client ??= createNumDialerClient({
      baseUrl: options.baseUrl,
      webhookUrl: options.webhookUrl(),
      ...(options.callsPerSecond === undefined ? {} : { callsPerSecond: options.callsPerSecond }),
    });
    return client;
  };
  return {
    name: 'num-dialer',
    get capabilities() {
      return made().capabilities;
    },
    placeCall: (request) => made().placeCall(request),
    checkCallOptions: (call) => made().checkCallOptions?.(call),
    connectCall: (id, to, connect) => made().connectCall(id, to, connect),
    abandonCall: (id, message, abandon) => made().abandonCall(id, message, abandon),
  };
}
