import { Router } from 'express';
import { z } from 'zod';
import { rawBody } from '../body.js';
import type { Runtime } from '../runtime.js';
import { serializeDialer } from '../serialize.js';
import { route } from '../validate.js';

export function dialerRouter(runtime: Pick<Runtime, 'dialer'>): Router {
  const { dialer } = runtime;
  const router = Router();

  router.get(
    '/',
    ...route({}, async (_input, res) => {
      const snapshot = await dialer.snapshot();
      res.json({ ...serializeDialer(snapshot, true), campaign: snapshot.campaign });
    }),
  );

  router.post(
    '/start',
    ...route({}, async (_input, res) => {
      const snapshot = await dialer.start();
      res.status(202).json({ ...serializeDialer(snapshot, true), campaign: snapshot.campaign });
    }),
  );

  return router;
}

/** `POST /webhooks/dialer/:token`: the webhook flavour's status callbacks. */
export function webhooksRouter(runtime: Pick<Runtime, 'dialerWebhook'>): Router {
  const router = Router();
  // The raw body: the token is checked before the body is even parsed, so a request with any
  // other token is a 404 whatever it carries.
  router.use(rawBody);
  router.post(
    '/dialer/:token',
    ...route(
      {
        params: z.strictObject({ token: z.string().min(1).max(300) }),
        // The bytes are parsed by call-client's webhook parser, which knows the provider's shape.
        body: z.instanceof(Buffer).optional(),
      },
      async ({ params, body }, res, req) => {
        // Express decodes the parameter: a token counts only as the path spells it, so a
        // percent-encoded copy of it is not the token.
        const raw = req.originalUrl.split('?')[0] ?? '';
        const token = raw.endsWith(`/${params.token}`) ? params.token : '';
        const answer = await runtime.dialerWebhook(token, body ?? '');
        if (answer.body) res.status(answer.status).json(answer.body);
        else res.status(answer.status).end();
      },
    ),
  );
  return router;
}
