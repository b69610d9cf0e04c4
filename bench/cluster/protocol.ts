/** IPC messages between bench:cluster's orchestrator (run.ts) and its client processes (client-worker.ts). */

export type WorkerCommand =
  /** open `count` clients on `url` (through the load balancer), `concurrency` handshakes at a time */
  | { type: 'connect'; url: string; count: number; concurrency: number }
  /** from now on, count the events detected in [fromMs, toMs) (epoch ms); resets the figures */
  | { type: 'window'; fromMs: number; toMs: number }
  | { type: 'report' }
  /** close every client (code 1000) */
  | { type: 'close' }
  | { type: 'exit' };

/** Latency histogram: 1 ms bins (the events' own timestamps have millisecond resolution) up to 60 s. */
export const LATENCY_BINS = 60_001;

export interface ReplicaFigures {
  /** event frames received inside the window by this replica's clients */
  frames: number;
  /** event frames whose event was detected before or after the window (not counted) */
  outsideWindow: number;
  /** frames a client had already received (same seq twice) */
  duplicates: number;
  /** frames whose fields could not be read, or whose full parse (a sample) disagreed */
  invalid: number;
  /** the distinct event seqs the replica's clients received */
  distinctSeqs: number[];
  /** events received per client (every client of a replica should get the same events) */
  eventsPerClient: { min: number; max: number };
  /** sparse latency histogram: [ms bin, count] */
  histogram: Array<[number, number]>;
}

export interface WorkerReport {
  /** open clients per HAProxy server (gateway-N) */
  connections: Record<string, number>;
  servers: Record<string, ReplicaFigures>;
  unexpectedCloses: number;
  cpuMs: number;
  sinceMs: number;
}
