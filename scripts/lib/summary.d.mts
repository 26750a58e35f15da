export declare const CHROMIUM: string;

/** What the summary reads of the machine: its environment and whether a file exists. */
export interface Machine {
  env: Record<string, string | undefined>;
  exists: (path: string) => boolean;
}

/** What `pnpm test` ran: every step it has, the ones that failed, those it never started. */
export interface StepsRun {
  all: string[];
  failed: string[];
  notRun: string[];
}

export declare function skippedGroups(machine: Machine, ran?: string[]): string[];

export declare function summaryLine(
  totals: { passed: number; failed: number; skipped: number },
  machine: Machine,
  steps?: StepsRun,
): string;
