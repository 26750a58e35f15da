/** A package of the workspace as the build check sees it. */
export interface WorkspacePackage {
  name: string;
  /** Whether it has a `build` script (a package without one is bundled from its sources). */
  build: boolean;
  /** Its workspace dependencies, by name. */
  deps: string[];
}

/** One input file of a build: its path, size and modification time. */
export interface InputFile {
  path: string;
  size: number;
  mtimeMs: number;
}

/** What a build recorded: its key, and a fingerprint of the `dist/` it wrote. */
export interface BuildStamp {
  key: string;
  outputs: string;
}

export function buildKeys(
  packages: WorkspacePackage[],
  files: Record<string, InputFile[]>,
): Record<string, string>;

export function staleBuilds(input: {
  packages: WorkspacePackage[];
  targets: string[];
  keys: Record<string, string>;
  stamps: Record<string, BuildStamp>;
  outputs: Record<string, string | null>;
}): string[];

export function readWorkspace(root: string): (WorkspacePackage & { folder: string })[];

export function inputsOf(root: string, folder: string): InputFile[];

export function outputsOf(dir: string): string | null;

export function ensureBuilt(
  root: string,
  targets: string[],
  options?: {
    run?: (root: string, names: string[]) => Promise<unknown>;
    log?: (line: string) => void;
  },
): Promise<string[]>;
