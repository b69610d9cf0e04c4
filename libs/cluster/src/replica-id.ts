import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** `REPLICA_ID`, or host name, pid and a random suffix: unique per process, readable in logs and /health/ready. */
export function resolveReplicaId(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.REPLICA_ID?.trim();
  if (configured) return configured;
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export const REPLICA_ID = Symbol('REPLICA_ID');
