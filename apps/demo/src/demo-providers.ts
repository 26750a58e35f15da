/**
 * The real providers' simulators of `pnpm demo -- --provider <name>`: where each listens unless
 * told, the configuration that points the server at it (the provider's test account unless one
 * is given), and how it is started.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import {
  SIGNALWIRE_TEST_CREDENTIALS,
  startCallApiSimulator,
  TELNYX_TEST_CREDENTIALS,
  TWILIO_TEST_CREDENTIALS,
  VONAGE_TEST_CREDENTIALS,
  type CallApiSimulator,
  type SimulatorOptions,
} from '@ringkit/simulator';
import { loadConfig, type Config } from './config.js';

/** Where the Twilio simulator of `pnpm demo -- --provider twilio` listens unless told. */
export const DEMO_TWILIO_API_URL = 'http://localhost:5010';

/** Where the Telnyx simulator of `pnpm demo -- --provider telnyx` listens unless told. */
export const DEMO_TELNYX_API_URL = 'http://localhost:5020';

/**
 * Where the SignalWire simulator of `pnpm demo -- --provider signalwire` listens unless told: the
 * space's URL.
 */
export const DEMO_SIGNALWIRE_SPACE_URL = 'http://localhost:5030';

/** Where the Vonage simulator of `pnpm demo -- --provider vonage` listens unless told. */
export const DEMO_VONAGE_API_URL = 'http://localhost:5040';

/**
 * The provider's simulator: its name, its URL variable, where it listens unless told, and what
 * it sends the app.
 */
export const REAL_SIMULATORS = {
  twilio: {
    label: 'Twilio',
    apiUrl: 'TWILIO_API_URL',
    defaultUrl: DEMO_TWILIO_API_URL,
    sends: 'callbacks',
  },
  telnyx: {
    label: 'Telnyx',
    apiUrl: 'TELNYX_API_URL',
    defaultUrl: DEMO_TELNYX_API_URL,
    sends: 'webhooks',
  },
  signalwire: {
    label: 'SignalWire',
    apiUrl: 'SIGNALWIRE_SPACE_URL',
    defaultUrl: DEMO_SIGNALWIRE_SPACE_URL,
    sends: 'callbacks',
  },
  vonage: {
    label: 'Vonage',
    apiUrl: 'VONAGE_API_URL',
    defaultUrl: DEMO_VONAGE_API_URL,
    sends: 'events',
  },
} as const;

/** A real provider `pnpm demo` can simulate. */
export type SimulatedProvider = keyof typeof REAL_SIMULATORS;

/** The variable of the URL a real provider's simulator listens at. */
export type SimulatorUrlVariable = (typeof REAL_SIMULATORS)[SimulatedProvider]['apiUrl'];

/** How the calls of `pnpm demo`'s simulators end: mostly completed, some busy or unanswered. */
export const OUTCOMES = { completed: 7, busy: 1, 'no-answer': 1 };

/**
 * The private key (base64 PKCS#8 DER) the Telnyx simulator signs its webhooks with, for each
 * configuration {@link simulatedProviderConfig} made with the public half as `TELNYX_PUBLIC_KEY`.
 */
const telnyxSigningKeys = new WeakMap<Config, string>();

/**
 * A new Ed25519 key pair: the private key as the simulator takes it, the public one as Telnyx
 * shows it.
 */
function telnyxKeyPair() {
  const { privateKey } = generateKeyPairSync('ed25519');
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' });
  return {
    signingKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    publicKey: Buffer.from(String(x), 'base64url').toString('base64'),
  };
}

/**
 * The configuration of `pnpm demo -- --provider <provider>`: `common`, then the provider's test
 * account where `given` has none. Twilio's: its test account SID and auth token. Telnyx's: its
 * test API key and connection id, `CALLER_ID` (+14155550100), and `TELNYX_PUBLIC_KEY` always the
 * public half of a key pair made here, whose private half the simulator signs with.
 * SignalWire's: its test project (id, API token, signing key) and `CALLER_ID`. Vonage's: its test
 * application (id, private key, signature secret) and `CALLER_ID`.
 */
export function simulatedProviderConfig(
  provider: SimulatedProvider,
  common: Record<string, string | undefined>,
  given: (key: string) => string | undefined,
): Config {
  const callerId = given('CALLER_ID') ?? '+14155550100';
  switch (provider) {
    case 'twilio':
      return loadConfig({
        ...common,
        TWILIO_ACCOUNT_SID: given('TWILIO_ACCOUNT_SID') ?? TWILIO_TEST_CREDENTIALS.accountSid,
        TWILIO_AUTH_TOKEN: given('TWILIO_AUTH_TOKEN') ?? TWILIO_TEST_CREDENTIALS.authToken,
      });
    case 'telnyx': {
      const { signingKey, publicKey } = telnyxKeyPair();
      const config = loadConfig({
        ...common,
        TELNYX_API_KEY: given('TELNYX_API_KEY') ?? TELNYX_TEST_CREDENTIALS.apiKey,
        TELNYX_CONNECTION_ID: given('TELNYX_CONNECTION_ID') ?? TELNYX_TEST_CREDENTIALS.connectionId,
        // The simulator signs with a key of its own: only its public half checks the webhooks.
        TELNYX_PUBLIC_KEY: publicKey,
        CALLER_ID: callerId,
      });
      telnyxSigningKeys.set(config, signingKey);
      return config;
    }
    case 'signalwire':
      return loadConfig({
        ...common,
        SIGNALWIRE_PROJECT_ID:
          given('SIGNALWIRE_PROJECT_ID') ?? SIGNALWIRE_TEST_CREDENTIALS.projectId,
        SIGNALWIRE_API_TOKEN: given('SIGNALWIRE_API_TOKEN') ?? SIGNALWIRE_TEST_CREDENTIALS.apiToken,
        SIGNALWIRE_SIGNING_KEY:
          given('SIGNALWIRE_SIGNING_KEY') ?? SIGNALWIRE_TEST_CREDENTIALS.signingKey,
        CALLER_ID: callerId,
      });
    case 'vonage':
      return loadConfig({
        ...common,
        VONAGE_APPLICATION_ID:
          given('VONAGE_APPLICATION_ID') ?? VONAGE_TEST_CREDENTIALS.applicationId,
        VONAGE_PRIVATE_KEY: given('VONAGE_PRIVATE_KEY') ?? VONAGE_TEST_CREDENTIALS.privateKey,
        VONAGE_SIGNATURE_SECRET:
          given('VONAGE_SIGNATURE_SECRET') ?? VONAGE_TEST_CREDENTIALS.signatureSecret,
        CALLER_ID: callerId,
      });
  }
}

/** A real provider's simulator, ready to start: its name, the variable and URL it listens at. */
export interface SimulatorToStart {
  name: string;
  variable: SimulatorUrlVariable;
  url: string;
  start(port: number): Promise<CallApiSimulator>;
}

/**
 * The simulator of a real provider's configuration, playing its account: Twilio's taking the
 * configured account SID and auth token (and API key); Telnyx's the API key and connection id,
 * signing with the key {@link simulatedProviderConfig} made for the config; SignalWire's the
 * project; Vonage's the application (the public half of `VONAGE_PRIVATE_KEY` checks the client's
 * tokens), signing its events and answer URL requests with `VONAGE_SIGNATURE_SECRET`. Each
 * takes `knobs` (the inbound calls). `undefined` with the mock provider.
 */
export function simulatorOf(
  config: Config,
  knobs: Pick<SimulatorOptions, 'inbound'>,
): SimulatorToStart | undefined {
  const common = { stepMs: [800, 2500] as [number, number], outcomes: OUTCOMES };
  switch (config.CALL_PROVIDER) {
    case 'twilio': {
      const { TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken } = config;
      const { TWILIO_API_KEY: sid, TWILIO_API_SECRET: secret } = config;
      const twilio = {
        accountSid: accountSid!,
        authToken: authToken!,
        apiKeys: sid && secret ? [{ sid, secret }] : [],
      };
      return {
        name: 'Twilio API simulator',
        variable: 'TWILIO_API_URL',
        url: config.TWILIO_API_URL,
        start: (port) =>
          startCallApiSimulator({ flavour: 'twilio', port, twilio, ...common, ...knobs }),
      };
    }
    case 'telnyx': {
      const signingKey = telnyxSigningKeys.get(config);
      if (signingKey === undefined) {
        throw new Error(
          "TELNYX_PUBLIC_KEY: pnpm demo -- --provider telnyx signs with a key of its own; make the configuration with demoConfig('telnyx', env)",
        );
      }
      const telnyx = { apiKey: config.TELNYX_API_KEY!, connectionId: config.TELNYX_CONNECTION_ID! };
      return {
        name: 'Telnyx API simulator',
        variable: 'TELNYX_API_URL',
        url: config.TELNYX_API_URL,
        start: (port) =>
          startCallApiSimulator({
            flavour: 'telnyx',
            port,
            telnyx,
            telnyxSigningKey: signingKey,
            ...common,
            ...knobs,
          }),
      };
    }
    case 'signalwire': {
      const signalwire = {
        projectId: config.SIGNALWIRE_PROJECT_ID!,
        apiToken: config.SIGNALWIRE_API_TOKEN!,
        signingKey: config.SIGNALWIRE_SIGNING_KEY!,
      };
      return {
        name: 'SignalWire API simulator',
        variable: 'SIGNALWIRE_SPACE_URL',
        url: config.SIGNALWIRE_SPACE_URL!,
        start: (port) =>
          startCallApiSimulator({ flavour: 'signalwire', port, signalwire, ...common, ...knobs }),
      };
    }
    case 'vonage': {
      const publicKey = createPublicKey(createPrivateKey(config.VONAGE_PRIVATE_KEY!))
        .export({ format: 'pem', type: 'spki' })
        .toString();
      const vonage = {
        applicationId: config.VONAGE_APPLICATION_ID!,
        publicKey,
        signatureSecret: config.VONAGE_SIGNATURE_SECRET!,
      };
      return {
        name: 'Vonage API simulator',
        variable: 'VONAGE_API_URL',
        url: config.VONAGE_API_URL,
        start: (port) =>
          startCallApiSimulator({ flavour: 'vonage', port, vonage, ...common, ...knobs }),
      };
    }
    case 'mock':
      return undefined;
  }
}
