/**
 * The project the SignalWire flavour of the simulator plays unless told otherwise: point a
 * SignalWire (Compatibility API) client at the simulator with `projectId` and `apiToken`, and
 * check the callbacks' signatures with `signingKey`. They are made up and work nowhere else.
 */
export const SIGNALWIRE_TEST_CREDENTIALS: Readonly<{
  projectId: string;
  apiToken: string;
  signingKey: string;
}> = Object.freeze({
  projectId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  apiToken: 'PTf00dfacef00dfacef00dfacef00dfacef00dface0123',
  signingKey: 'PSK_f00dfacef00dfacef00dface',
});
