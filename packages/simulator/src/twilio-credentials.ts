/**
 * The account the Twilio flavour of the simulator plays unless told otherwise: point a Twilio
 * client at the simulator with these, and check the callbacks' signatures with `authToken`.
 * They are made up and work nowhere else.
 */
export const TWILIO_TEST_CREDENTIALS: Readonly<{ accountSid: string; authToken: string }> =
  Object.freeze({
    accountSid: 'AC0123456789abcdef0123456789abcdef',
    authToken: 'f00dfacef00dfacef00dfacef00dface',
  });
