// Starts a media worker. Worker threads do not inherit the module hooks of
// the thread that made them (Sotto's own, or vitest's), so the worker
// registers Sotto's hooks itself before loading its TypeScript entry.
await import('../../../scripts/register-ts.mjs');
await import(new URL('./relay-worker.ts', import.meta.url).href);
