// The types of the SignalWire flavour; `types.ts` re-exports them.

/**
 * The project the SignalWire flavour plays (SignalWire's Compatibility "LaML" API), and the
 * credentials it accepts.
 */
export interface SimulatorSignalWireAccount {
  /**
   * The project's id, a UUID: the `AccountSid` of paths, resources and callbacks, and the user of
   * HTTP Basic auth. Requests under another one are answered 404.
   */
  projectId: string;
  /** The API token: HTTP Basic `projectId:apiToken` is accepted. */
  apiToken: string;
  /**
   * The project's signing key: status callbacks and inbound requests are signed with it (Twilio's
   * algorithm) in the `X-SignalWire-Signature` header.
   */
  signingKey: string;
}
