import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { isValidPhoneNumber } from '@ringkit/call-client';
import { z } from 'zod';
import { ApiError } from './http-errors.js';
import { plainWords } from './plain-words.js';

/** What a route takes; each part left out must be empty (no query string, no body). */
export interface RouteSchemas {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
}

type Out<S, K extends keyof RouteSchemas> = S extends { [P in K]: infer T extends z.ZodType }
  ? z.output<T>
  : undefined;

/** The validated input of a route, as `route()` puts it on `res.locals.input`. */
export interface RouteInput<S extends RouteSchemas> {
  params: Out<S, 'params'>;
  query: Out<S, 'query'>;
  body: Out<S, 'body'>;
}

const noQuery = z.strictObject({});
const noBody = z.union([z.undefined(), z.strictObject({})]);

/**
 * A route: parses params, query and body with zod, puts the result on `res.locals.input` (never
 * back on `req`), then runs `handler` with it. Unknown query parameters and body fields are
 * refused with a 400 that lists every issue, each in plain words ({@link plainWords}).
 */
export function route<S extends RouteSchemas>(
  schemas: S,
  handler: (input: RouteInput<S>, res: Response, req: Request) => unknown,
): RequestHandler[] {
  const parse: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    const issues: { in: string; path: (string | number)[]; code: string; message: string }[] = [];
    const check = (where: 'params' | 'query' | 'body', schema: z.ZodType, value: unknown) => {
      const result = schema.safeParse(value, { error: plainWords });
      if (result.success) return result.data;
      for (const issue of result.error.issues) {
        issues.push({
          in: where,
          path: issue.path.map((p) => (typeof p === 'number' ? p : String(p))),
          code: issue.code,
          message: issue.message,
        });
      }
      return undefined;
    };
    const input = {
      params: schemas.params ? check('params', schemas.params, req.params) : undefined,
      query: check('query', schemas.query ?? noQuery, { ...req.query }),
      body: check('body', schemas.body ?? noBody, req.body),
    };
    if (issues.length > 0) {
      const message = issues
        // Named by the field alone, as the API names it wherever it is given (the CSV route
        // takes in its query what the JSON route takes in its body): `issues` says where.
        .map((i) => `${i.path.length > 0 ? i.path.join('.') : i.in}: ${i.message}`)
        .slice(0, 5)
        .join('; ');
      throw new ApiError(400, 'invalid_request', message, { issues });
    }
    res.locals.input = input;
    next();
  };
  const run: RequestHandler = async (req, res) => {
    await handler(res.locals.input as RouteInput<S>, res, req);
  };
  return [parse, run];
}

/** A query value that may be given once, repeated, or comma-separated: always a list. */
export function listParam<T extends z.ZodType<unknown, string>>(item: T) {
  return z
    .union([z.string(), z.array(z.string())])
    .transform((v) =>
      [v]
        .flat()
        .flatMap((s) => s.split(','))
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    )
    .pipe(z.array(item).min(1));
}

/** `limit` as a query parameter. */
export const limitParam = (max: number, fallback: number) =>
  z
    .string()
    .regex(/^[0-9]{1,6}$/, 'must be a whole number written in decimal digits')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max))
    .optional()
    .transform((value) => value ?? fallback);

/** A number in a query string, written in decimal digits, then checked by `schema`. */
export const numberParam = <T extends z.ZodNumber>(schema: T) =>
  z
    .string()
    .regex(/^[0-9]{1,6}(\.[0-9]{1,6})?$/, 'must be a number written in decimal digits')
    .transform(Number)
    .pipe(schema)
    .optional();

/** A phone number in any form `toE164` takes (the packages normalise it to E.164). */
export const phoneParam = z
  .string()
  .min(1)
  .max(64)
  .refine((value) => isValidPhoneNumber(value), 'not a valid phone number');
