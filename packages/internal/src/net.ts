/**
 * The system error codes of a connection that was never made: DNS found no host, or the host
 * refused or could not be reached. A request that failed with one surely never reached the
 * server, so it did nothing there and may be sent again. (A connection that broke after it was
 * made, `ECONNRESET` or `EPIPE`, tells nothing of the kind.)
 */
export const NEVER_CONNECTED_ERRNOS: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);
