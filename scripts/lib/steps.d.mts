export interface Totals {
  passed: number;
  failed: number;
  skipped: number;
}

export interface StepResult {
  code: number;
  output: string;
}

export declare function countTests(text: string, totals: Totals): boolean;

export declare function lineWriter(
  write: (text: string) => void,
  prefix?: string,
): { push(chunk: string): void; end(): void };

export declare function pnpmStep(step: string, prefix?: string): Promise<StepResult>;

export interface PhasesResult {
  code: number;
  failed: string[];
  notRun: string[];
}

export declare function runPhases(
  phases: string[][][],
  totals: Totals,
  runStep?: (step: string, prefix: string) => Promise<StepResult>,
): Promise<PhasesResult>;
