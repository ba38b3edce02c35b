export * from './tiers.ts';
export * from './practice-policy.ts';
export * from './decide.ts';
export * from './posture.ts';
