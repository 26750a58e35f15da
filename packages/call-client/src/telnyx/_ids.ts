import { storable } from '@ringkit/internal';
import { z } from 'zod';

/**
 * A call's `call_control_id`, wherever Telnyx gives one (a dial's answer, a status or inbound
 * webhook, a list of active calls): ringkit stores it as the call's provider id, so it must be
 * text every store keeps as given (no U+0000, no lone surrogate).
 */
export const callControlIdSchema = storable(z.string().min(1).max(512));
