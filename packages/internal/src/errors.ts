/**
 * The error helpers every ringkit package shares. An error carries its family's brand (a
 * registered symbol, `ringkit.<family>`), so a guard recognises it even when it comes from another
 * realm or another copy of the package, where `instanceof` fails.
 */

/** Marks `error` as one of `family` (e.g. `'DialerError'`). */
export function brand(error: object, family: string): void {
  Object.defineProperty(error, Symbol.for(`ringkit.${family}`), { value: true });
}

/** Whether `error` carries the brand of `family`. */
export function hasBrand(error: unknown, family: string): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as Record<symbol, unknown>)[Symbol.for(`ringkit.${family}`)] === true
  );
}

/**
 * A type guard for an error class: `instanceof`, or, across realms and copies, the brand of its
 * family and (for a subclass) its `name`.
 *
 * @example
 * export const isHttpError = errorGuard(HttpError, 'CallApiError', 'HttpError');
 */
export function errorGuard<T>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any constructor signature
  type: abstract new (...args: any[]) => T,
  family: string,
  name?: string,
): (error: unknown) => error is T {
  return (error): error is T =>
    error instanceof type ||
    (hasBrand(error, family) && (name === undefined || (error as Error).name === name));
}

/** One problem found in an input: zod's issues and the packages' own checks read the same. */
export interface Issue {
  path: readonly PropertyKey[];
  message: string;
}

/** `window.start: must be HH:MM; to: not a phone number` */
export function formatIssues(issues: readonly Issue[]): string {
  return issues
    .map((i) => `${i.path.length > 0 ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}
