/**
 * `/embed.js`: registers `<rk-scheduler>` (with `<rk-schedule-form>` and `<rk-call-timeline>`),
 * `<rk-dialer>`, `<rk-campaigns>`, `<rk-call-history>`, `<rk-call-log>`, `<rk-do-not-call>`, `<rk-agents>` and `<rk-ops>` on any site, and the `<rk-token-form>` that
 * asks for the server's access token when it answers 401.
 * Elements without an `api` attribute talk to the server this script came from.
 *
 * @example
 * <script src="http://localhost:4000/embed.js"></script>
 * <rk-dialer></rk-dialer>
 */
import './_embed-origin.js';

export { RkSchedulerElement } from './rk-scheduler/rk-scheduler.js';
export { RkScheduleFormElement } from './rk-schedule-form/rk-schedule-form.js';
export { RkCallTimelineElement } from './rk-call-timeline/rk-call-timeline.js';
export { RkDialerElement } from './rk-dialer/rk-dialer.js';
export { RkCampaignsElement } from './rk-campaigns/rk-campaigns.js';
export { RkCallHistoryElement } from './rk-call-history/rk-call-history.js';
export { RkCallLogElement } from './rk-call-log/rk-call-log.js';
export { RkDoNotCallElement } from './rk-do-not-call/rk-do-not-call.js';
export { RkAgentsElement } from './rk-agents/rk-agents.js';
export { RkOpsElement } from './rk-ops/rk-ops.js';
export { RkTokenFormElement } from './rk-token-form/rk-token-form.js';
