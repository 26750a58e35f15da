export declare const CHROMIUM: string;

/** What the summary reads of the machine: its environment and whether a file exists. */
export interface Machine {
  env: Record<string, string | undefined>;
  exists: (path: string) => boolean;
}

export declare function skippedGroups(machine: Machine): string[];

export declare function summaryLine(
  totals: { passed: number; failed: number; skipped: number },
  machine: Machine,
): string;
