// Types for suite-counts.mjs (plain JS: npm test runs it before any TypeScript loader).
export interface SuiteCounts {
  passed: number;
  failed: number;
}
export function countLine(line: string, counts: SuiteCounts): void;
export function totalLine(counts: SuiteCounts): string;
