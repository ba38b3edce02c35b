import type { Tier } from '../policy/index.ts';

export const ROLES = ['owner', 'admin', 'provider', 'staff'] as const;
export type Role = (typeof ROLES)[number];

export const DEVICE_KINDS = ['desk_phone', 'softphone', 'ata'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

export type UserStatus = 'active' | 'disabled';

/** Who performed a command: recorded with every change. */
export interface Actor {
  type: 'user' | 'token' | 'cli' | 'system';
  id: string | null;
  /** Where the request came from (the API's client address); recorded in the audit log. */
  sourceIp?: string | null;
}

export const CLI_ACTOR: Actor = { type: 'cli', id: null };

export interface Practice {
  id: string;
  name: string;
  tier: Tier;
  sipDomain: string;
  createdAt: string;
}

export interface User {
  id: string;
  practiceId: string;
  email: string;
  displayName: string;
  role: Role;
  status: UserStatus;
  extension: string | null;
  createdAt: string;
}

export interface Device {
  id: string;
  userId: string;
  extension: string;
  kind: DeviceKind;
  label: string;
  sipUsername: string;
  status: 'active' | 'disabled';
  createdAt: string;
}

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

const RANK: Record<Role, number> = { owner: 4, admin: 3, provider: 2, staff: 1 };

export function roleAtLeast(role: Role, min: Role): boolean {
  return RANK[role] >= RANK[min];
}

export function lowerRole(a: Role, b: Role): Role {
  return RANK[a] <= RANK[b] ? a : b;
}
