/** What a campaign with agents tells of a person who answered an entry's call. */
export interface DialerAgentEvent {
  index: number;
  phone: string;
  /** The provider's id of the call. */
  callId: string | null;
  waitMs: number;
}
