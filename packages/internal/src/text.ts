/**
 * Text every store holds as it was given. PostgreSQL refuses U+0000 in `text` and `jsonb` (the
 * write fails), and `pg` sends a lone surrogate (half of a UTF-16 pair) as U+FFFD, so two keys
 * that differ there would be one key; the memory and SQLite stores keep both as given. A value
 * that several stores may hold is checked here, at the boundary that takes it, so that every
 * store answers it the same way: with a validation error that says which character.
 */
import type { z } from 'zod';

/** The index of the first lone surrogate in `text` (one not in a high-low pair), or -1. */
function loneSurrogateAt(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    const next = text.charCodeAt(i + 1);
    if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i += 1;
    else return i;
  }
  return -1;
}

/** Why `text` is not storable text, or `null` when it is. */
export function unstorableText(text: string): string | null {
  const nul = text.indexOf('\u0000');
  if (nul !== -1) return `must not contain the NUL character (U+0000, at index ${nul})`;
  if (text.isWellFormed()) return null;
  const at = loneSurrogateAt(text);
  const unit = text.charCodeAt(at).toString(16).toUpperCase();
  return `must not contain a lone surrogate (U+${unit}, at index ${at}), half of a UTF-16 pair`;
}

/** `schema`, refusing what {@link unstorableText} refuses, with its reason as the message. */
export function storable<T extends z.ZodType<string>>(schema: T): T {
  return schema.check((ctx) => {
    const why = unstorableText(ctx.value);
    if (why !== null) ctx.issues.push({ code: 'custom', message: why, input: ctx.value });
  });
}

/**
 * A string or key of a JSON value that is not storable text, with its path and why, or `null`
 * when there is none. Walks without recursion, so any depth is safe.
 */
export function unstorableIn(
  value: unknown,
): { path: (string | number)[]; message: string } | null {
  /** Each node's parent (its index here) and its key in it; the path is read back from these. */
  const frames: { parent: number; key: string | number }[] = [];
  const pathOf = (frame: number) => {
    const path: (string | number)[] = [];
    for (let f = frame; f >= 0; f = frames[f]!.parent) path.push(frames[f]!.key);
    return path.reverse();
  };
  const stack: [unknown, number][] = [[value, -1]];
  while (stack.length > 0) {
    const [node, frame] = stack.pop()!;
    if (typeof node === 'string') {
      const why = unstorableText(node);
      if (why !== null) return { path: pathOf(frame), message: why };
    } else if (typeof node === 'object' && node !== null) {
      const children: [string | number, unknown][] = Array.isArray(node)
        ? node.map((child, i) => [i, child])
        : Object.entries(node);
      for (const [key] of children) {
        const why = typeof key === 'string' ? unstorableText(key) : null;
        if (why !== null)
          return { path: pathOf(frame), message: `the key ${JSON.stringify(key)} ${why}` };
      }
      for (let i = children.length - 1; i >= 0; i--) {
        frames.push({ parent: frame, key: children[i]![0] });
        stack.push([children[i]![1], frames.length - 1]);
      }
    }
  }
  return null;
}
