import {
  isValidationError,
  type Agent,
  type AgentChanges,
  type Agents,
  type NewAgent,
} from '@ringkit/scheduler-core';
import { Router } from 'express';
import { z } from 'zod';
import { ApiError } from '../http-errors.js';
import type { Runtime } from '../runtime.js';
import { route } from '../validate.js';

/** An agent as the API answers it: snake_case, times in ISO 8601. */
export function serializeAgent(agent: Agent) {
  return {
    id: agent.id,
    name: agent.name,
    reach: agent.reach,
    campaigns: agent.campaigns,
    state: agent.state,
    since: agent.since.toISOString(),
    until: agent.until?.toISOString() ?? null,
    call_id: agent.callId,
    campaign: agent.campaign,
    totals: {
      available_ms: agent.totals.availableMs,
      ringing_ms: agent.totals.ringingMs,
      talking_ms: agent.totals.talkingMs,
      wrap_up_ms: agent.totals.wrapUpMs,
    },
    occupancy: agent.occupancy,
    created_at: agent.createdAt.toISOString(),
    updated_at: agent.updatedAt.toISOString(),
  };
}

/**
 * A JSON object, handed whole to the package: an agent's fields (`id`, `name`, `reach`,
 * `campaigns`, `state`) are spelt the same in the API and in `@ringkit/scheduler-core`, whose one
 * check refuses what is wrong, unknown fields included (a `ValidationError`: `400`).
 */
const fieldsOf = <T>() =>
  z.custom<T>(
    (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
    'must be an object',
  );

const idParams = z.strictObject({ id: z.string() });

const listQuery = z.strictObject({
  // The package checks the cursor (one it gave), the limit (1–500) and the campaign's name.
  cursor: z.string().optional(),
  limit: z
    .string()
    .regex(/^[0-9]{1,6}$/, 'must be a whole number written in decimal digits')
    .transform(Number)
    .optional(),
  campaign: z.string().optional(),
});

const stateBody = z.strictObject({ state: z.enum(['available', 'away']) });

/**
 * The package checks an id given alone (the path's) with no field to name: its refusal
 * (`Invalid agent id: …`) is answered as the API names that id, `id` in `params`.
 */
async function byId<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!isValidationError(error) || !error.message.startsWith('Invalid agent id:')) throw error;
    const issues = error.issues.map((issue) => ({
      in: 'params',
      path: ['id'],
      code: issue.code,
      message: issue.message,
    }));
    throw new ApiError(400, 'invalid_request', `id: ${issues.map((i) => i.message).join('; ')}`, {
      issues,
    });
  }
}

/**
 * The agents of the one store (`runtime.agents`, the call center's), whom progressive and
 * predictive campaigns connect answered calls to: `GET /` pages the roster (`campaign`: those
 * serving it), `POST /` adds one (201; `409 agent_exists` for an id taken), `GET /:id`,
 * `PATCH /:id` (name, reach, campaigns), `POST /:id/state` (`available`: log in, or back from a
 * wrap-up; `away`) and `DELETE /:id`; `404` for an unknown id, `409 agent_busy` for a change of
 * state or a removal while they are on a call. Every worker on the store sees each change, and
 * every worker's calls move their states. Without agent methods in the store, every route is
 * `501 agents_unsupported`.
 */
export function agentsRouter(runtime: Pick<Runtime, 'agents' | 'store'>): Router {
  const router = Router();
  const need = (): Agents => {
    if (runtime.agents) return runtime.agents;
    throw new ApiError(
      501,
      'agents_unsupported',
      `The store "${runtime.store.name}" has no agent methods (insertAgent…): agents need one that has them`,
    );
  };
  const notFound = (id: string) => new ApiError(404, 'not_found', `No agent with id ${id}`);

  router.get(
    '/',
    ...route({ query: listQuery }, async ({ query }, res) => {
      const page = await need().list({
        cursor: query.cursor ?? null,
        ...(query.limit === undefined ? {} : { limit: query.limit }),
        ...(query.campaign === undefined ? {} : { campaign: query.campaign }),
      });
      res.json({ items: page.items.map(serializeAgent), next_cursor: page.nextCursor });
    }),
  );

  router.post(
    '/',
    ...route({ body: fieldsOf<NewAgent>() }, async ({ body }, res) => {
      res.status(201).json(serializeAgent(await need().add(body)));
    }),
  );

  router.get(
    '/:id',
    ...route({ params: idParams }, async ({ params }, res) => {
      const agent = await byId(() => need().get(params.id));
      if (!agent) throw notFound(params.id);
      res.json(serializeAgent(agent));
    }),
  );

  router.patch(
    '/:id',
    ...route(
      { params: idParams, body: fieldsOf<AgentChanges>() },
      async ({ params, body }, res) => {
        res.json(serializeAgent(await byId(() => need().update(params.id, body))));
      },
    ),
  );

  router.post(
    '/:id/state',
    ...route({ params: idParams, body: stateBody }, async ({ params, body }, res) => {
      res.json(serializeAgent(await byId(() => need().setState(params.id, body.state))));
    }),
  );

  router.delete(
    '/:id',
    ...route({ params: idParams }, async ({ params }, res) => {
      if (!(await byId(() => need().remove(params.id)))) throw notFound(params.id);
      res.json({ id: params.id, removed: true });
    }),
  );
  return router;
}
