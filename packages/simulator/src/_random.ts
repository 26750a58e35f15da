import { seededRandom } from '@ringkit/internal';
/** A seeded source of pseudo-random draws, so a simulator run can be replayed. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** `true` with probability `p` (0 never, 1 always). Always consumes one draw. */
  chance(p: number): boolean;
  /** An integer in [min, max]. Always consumes one draw. */
  between(min: number, max: number): number;
  /** A key picked with probability proportional to its weight. Always consumes one draw. */
  pick<K extends string>(weights: Readonly<Record<K, number>>): K;
  /** A version-4 UUID made of four draws. */
  uuid(): string;
  /**
   * A lognormal draw whose mean is `mean` (`sigma`: the standard deviation of its logarithm), as
   * talk times are: most short, a few long. Always consumes two draws (Box–Muller).
   */
  lognormal(mean: number, sigma: number): number;
}

export function createRandom(seed: number): Random {
  const next = seededRandom(seed);
  return {
    next,
    chance(p) {
      return next() < p;
    },
    between(min, max) {
      return min + Math.floor(next() * (max - min + 1));
    },
    pick<K extends string>(weights: Readonly<Record<K, number>>): K {
      const entries = (Object.entries(weights) as Array<[K, number]>).filter(([, w]) => w > 0);
      const total = entries.reduce((sum, [, w]) => sum + w, 0);
      let roll = next() * total;
      for (const [key, weight] of entries) {
        roll -= weight;
        if (roll < 0) return key;
      }
      const last = entries.at(-1);
      if (!last) throw new RangeError('pick() needs at least one positive weight');
      return last[0];
    },
    uuid() {
      const bytes = new Uint8Array(16);
      const view = new DataView(bytes.buffer);
      for (let i = 0; i < 4; i++) view.setUint32(i * 4, next() * 2 ** 32);
      bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
      bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
      const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    },
    lognormal(mean, sigma) {
      const u = Math.max(next(), 1e-12);
      const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
      return Math.exp(Math.log(mean) - (sigma * sigma) / 2 + sigma * normal);
    },
  };
}

/** A seed for runs that did not ask for one. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}
