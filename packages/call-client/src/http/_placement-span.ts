/**
 * The `ringkit.place_call` span of a placement: the provider's name, the server, the HTTP status,
 * the outcome (`placed`, `not_placed` or `unknown`), the provider's call id and status. Never the
 * phone number, never an error's message (it may quote one).
 */
import {
  createTracing,
  endSpan,
  SPAN_KIND_CLIENT,
  type SpanLike,
  type TracerLike,
} from '@ringkit/internal';
import { isHttpError } from '../errors/errors.js';
import { placementOutcomeOf } from '../errors/placement.js';
import type { ProviderCall } from '../providers/provider.js';

/** Runs one placement, `place`, in its span; `place` gets the span, or none when not tracing. */
export type TracePlacement = (
  provider: string,
  place: (span: SpanLike | undefined) => Promise<ProviderCall>,
) => Promise<ProviderCall>;

/** Traces the placements of a client of the API at `server` with `tracer` (the global one by default). */
export function tracePlacements(tracer: TracerLike | undefined, server: URL): TracePlacement {
  const tracing = createTracing('@ringkit/call-client', tracer);
  const serverPort = Number(server.port || (server.protocol === 'https:' ? 443 : 80));
  return (provider, place) => {
    if (!tracing.enabled) return place(undefined);
    const span = tracing.start(
      'ringkit.place_call',
      {
        'ringkit.provider': provider,
        'server.address': server.hostname,
        'server.port': serverPort,
        'http.request.method': 'POST',
      },
      { kind: SPAN_KIND_CLIENT },
    );
    if (span === undefined) return place(undefined);
    return tracing
      .within(span, () => place(span))
      .then(
        (call) => {
          span.setAttribute('ringkit.placement.outcome', 'placed');
          span.setAttribute('ringkit.call.provider_id', call.id);
          span.setAttribute('ringkit.call.status', call.status);
          if (call.reconciled === true) span.setAttribute('ringkit.call.reconciled', true);
          endSpan(span);
          return call;
        },
        (error: unknown) => {
          span.setAttribute('ringkit.placement.outcome', placementOutcomeOf(error));
          if (isHttpError(error)) {
            span.setAttribute('http.response.status_code', error.status);
            if (error.attempts > 1)
              span.setAttribute('http.request.resend_count', error.attempts - 1);
          }
          endSpan(span, error);
          throw error;
        },
      );
  };
}
