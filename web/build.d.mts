export function portalBuildIsStale(root: string): boolean;
export function ensurePortalBuilt(root: string): void;
