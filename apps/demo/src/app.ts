import express, { type Express } from 'express';
import helmet from 'helmet';
import { bodyLimitOf, jsonBody, rawBody, readBody } from './body.js';
import { errorHandler, notFound } from './http-errors.js';
import { createHttpLogger } from './logger.js';
import { agentsRouter } from './routes/agents.js';
import { callLogRouter } from './routes/call-log.js';
import { callsRouter } from './routes/calls.js';
import { campaignEntriesRouter } from './routes/campaign-entries.js';
import { campaignFiguresRouter } from './routes/campaign-figures.js';
import { campaignsRouter } from './routes/campaigns.js';
import { capabilitiesRouter } from './routes/capabilities.js';
import { dialerRouter, webhooksRouter } from './routes/dialer.js';
import { eventsRouter } from './routes/events.js';
import { metricsRouter } from './routes/metrics.js';
import { opsRouter } from './routes/ops.js';
import { notFoundPage, pagesRouter } from './routes/pages.js';
import { scheduledCallsRouter } from './routes/scheduled-calls.js';
import { suppressionsRouter } from './routes/suppressions.js';
import { telnyxWebhookHandler } from './routes/telnyx-webhooks.js';
import {
  SIGNALWIRE_ROUTES,
  TWILIO_ROUTES,
  twilioVoiceHandler,
  twilioWebhookHandler,
} from './routes/twilio-webhooks.js';
import { vonageAnswerHandler, vonageWebhookHandler } from './routes/vonage-webhooks.js';
import type { Runtime } from './runtime.js';
import { bearerAuth, cors, hostCheck, jsonOnly, mutationRateLimit } from './security.js';
import { SIGNALWIRE_VOICE_PATH, SIGNALWIRE_WEBHOOK_PATH } from './signalwire.js';
import { TELNYX_WEBHOOK_PATH } from './telnyx.js';
import { TWILIO_VOICE_PATH, TWILIO_WEBHOOK_PATH } from './twilio.js';
import { VONAGE_ANSWER_PATH, VONAGE_WEBHOOK_PATH } from './vonage.js';

export interface AppOptions {
  /** The built front end; pages answer 503 without it. */
  publicDir?: string | undefined;
  /** `false` while shutting down: `/healthz` answers 503. */
  isReady?: () => boolean;
}

/** The demo's HTTP app: the JSON API, the provider webhooks, live events and the pages. */
export function createApp(runtime: Runtime, options: AppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(createHttpLogger(runtime.logger));
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          // Lit adopts constructed style sheets; 'unsafe-inline' covers browsers that need <style>.
          styleSrc: ["'self'", "'unsafe-inline'"],
          connectSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'self'"],
        },
      },
      // Served over plain HTTP on localhost: no upgrade, no HSTS.
      strictTransportSecurity: false,
    }),
  );

  // Bodies are read here and nowhere else, up to BODY_LIMIT_BYTES on every route (a campaign's
  // list, CAMPAIGN_BODY_LIMIT_BYTES): a larger one is a 413 from its Content-Length, before it
  // is read, or as soon as a chunked one passes it.
  app.use(readBody(bodyLimitOf));

  app.get('/healthz', (_req, res) => {
    const ready = options.isReady?.() ?? true;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'shutting_down' });
  });

  // Everything but /healthz answers only to this server's own names (DNS rebinding).
  app.use(hostCheck(runtime.config));
  // Twilio's callbacks are form-encoded and signed: their handler takes the raw body. The voice
  // webhook (calls to CALLER_ID) and its TwiML's steps share one route, signed the same way.
  if (runtime.config.CALL_PROVIDER === 'twilio') {
    app.post(TWILIO_WEBHOOK_PATH, rawBody, twilioWebhookHandler(TWILIO_ROUTES, runtime));
    app.post(TWILIO_VOICE_PATH, rawBody, twilioVoiceHandler(TWILIO_ROUTES, runtime));
  }
  // Telnyx's webhooks are JSON signed over their exact bytes: the raw body, never parsed first.
  if (runtime.config.CALL_PROVIDER === 'telnyx') {
    app.post(TELNYX_WEBHOOK_PATH, rawBody, telnyxWebhookHandler(runtime));
  }
  // SignalWire's are Twilio's, signed with the project's signing key: the raw body too.
  if (runtime.config.CALL_PROVIDER === 'signalwire') {
    app.post(SIGNALWIRE_WEBHOOK_PATH, rawBody, twilioWebhookHandler(SIGNALWIRE_ROUTES, runtime));
    app.post(SIGNALWIRE_VOICE_PATH, rawBody, twilioVoiceHandler(SIGNALWIRE_ROUTES, runtime));
  }
  // Vonage's events are JSON whose signed JWT covers the body's hash: the raw body. Its answer
  // URL (calls to CALLER_ID) is asked by GET (or POST), and its NCCO's events come back by POST.
  if (runtime.config.CALL_PROVIDER === 'vonage') {
    app.post(VONAGE_WEBHOOK_PATH, rawBody, vonageWebhookHandler(runtime));
    const answer = vonageAnswerHandler(runtime);
    app.route(VONAGE_ANSWER_PATH).get(rawBody, answer).post(rawBody, answer);
  }
  app.use('/webhooks', webhooksRouter(runtime));
  app.use('/metrics', bearerAuth(runtime.config), metricsRouter(runtime));

  app.use(['/api', '/embed.js'], cors(runtime.config));
  app.use(
    '/api',
    bearerAuth(runtime.config),
    jsonOnly,
    mutationRateLimit(runtime.config),
    jsonBody,
  );
  app.use('/api/scheduled-calls', scheduledCallsRouter(runtime));
  app.use('/api/dialer', dialerRouter(runtime));
  app.use('/api/campaigns', campaignsRouter(runtime));
  app.use('/api/campaigns', campaignEntriesRouter(runtime));
  app.use('/api/campaigns', campaignFiguresRouter(runtime));
  app.use('/api', callLogRouter(runtime));
  app.use('/api/calls', callsRouter(runtime));
  app.use('/api/suppressions', suppressionsRouter(runtime));
  app.use('/api/agents', agentsRouter(runtime));
  app.use('/api/capabilities', capabilitiesRouter(runtime));
  app.use('/api/events', eventsRouter(runtime));
  app.use('/api/ops', opsRouter(runtime));

  app.use(pagesRouter(options.publicDir));
  app.use(notFoundPage(options.publicDir));
  app.use(notFound);
  app.use(errorHandler(runtime.logger));
  return app;
}
