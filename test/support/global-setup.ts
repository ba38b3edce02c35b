import type { TestProject } from 'vitest/node';
import { startPostgres, type PostgresCluster } from './postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

let cluster: PostgresCluster | undefined;

export async function setup(project: TestProject): Promise<void> {
  cluster = await startPostgres();
  project.provide('postgresUrl', cluster.url);
}

export async function teardown(): Promise<void> {
  cluster?.stop();
}
