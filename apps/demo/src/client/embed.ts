/**
 * `/embed.js`: registers `<rk-scheduler>`, `<rk-dialer>` and `<rk-call-history>` on any site.
 * Elements without an `api` attribute talk to the server this script came from.
 *
 * @example
 * <script src="http://localhost:4000/embed.js"></script>
 * <rk-dialer></rk-dialer>
 */
import './_embed-origin.js';

export { RkSchedulerElement } from './rk-scheduler.js';
export { RkDialerElement } from './rk-dialer.js';
export { RkCallHistoryElement } from './rk-call-history.js';
