/** `code` with each `console.log(…); // → expected` checked when it runs; the claims' lines. */
export declare function withPrintChecks(code: string): { code: string; claims: number[] };
