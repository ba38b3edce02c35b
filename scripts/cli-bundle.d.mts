/** A current bundle of `sotto`'s TypeScript under `root`, built if need be; undefined when none can be made. */
export function ensureCliBundle(root: string): Promise<string | undefined>;
