/** A port one of the programs listens on, and the line that says what to change when it is taken. */
export interface WantedPort {
  port: number;
  host: string;
  message: string;
}

export function demoPorts(argv: string[], env: Record<string, string | undefined>): WantedPort[];

export function simPortMessage(
  flavour: 'polling' | 'webhook' | 'twilio' | 'telnyx' | 'signalwire' | 'vonage',
  port: number,
): string;

export function simPorts(argv: string[], env: Record<string, string | undefined>): WantedPort[];

export function isPortFree(port: number, host: string): Promise<boolean>;

/** The message of every port in `wanted` that is taken, in order; none when all are free. */
export function takenPorts(
  wanted: WantedPort[],
  isFree?: (port: number, host: string) => Promise<boolean>,
): Promise<string[]>;

export function launch(steps: {
  ports: WantedPort[];
  build: () => Promise<unknown>;
  start: () => Promise<unknown>;
  error?: (line: string) => void;
  isFree?: (port: number, host: string) => Promise<boolean>;
}): Promise<number | undefined>;
