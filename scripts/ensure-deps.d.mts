export function ensureNodeModules(root: string): void;
export function ensureDebianPackages(packages?: { pkg: string; probe: () => boolean }[]): void;
export function findPgBin(name: string): string | undefined;
export const testDebianPackages: { pkg: string; probe: () => boolean }[];
export function readJson(path: string): unknown;
