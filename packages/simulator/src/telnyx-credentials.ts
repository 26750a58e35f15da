/**
 * The account the Telnyx flavour of the simulator plays unless told otherwise: point a Telnyx
 * client at the simulator with `apiKey` and dial with `connectionId`. They are made up and work
 * nowhere else. The key webhooks are verified with is the simulator's own `publicKey`.
 */
export const TELNYX_TEST_CREDENTIALS: Readonly<{ apiKey: string; connectionId: string }> =
  Object.freeze({
    apiKey: 'KEYringkit-test_0123456789abcdef0123456789abcdef',
    connectionId: '1234567890',
  });
