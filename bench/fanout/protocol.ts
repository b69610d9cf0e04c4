/** IPC messages between the orchestrator (run.ts) and the server / client processes. */

export type ServerCommand =
  | { type: 'memory' }
  | { type: 'frames'; frames: string[] } // base64 frame per group (bare server only)
  | { type: 'run'; hz: number; durationMs: number }
  | { type: 'probe'; ticks: number } // gateway only: CPU of load + render + serialise of all views, without sending
  | { type: 'exit' };

export interface MemorySample {
  rss: number;
  heapUsed: number;
  connections: number;
}

export interface RunReport {
  ticks: number;
  elapsedMs: number;
  /** CPU of the server process during the run (user + system), ms */
  cpuMs: number;
  /** of which system (kernel: the socket writes, and on loopback much of the receiving side's TCP work), ms */
  cpuSystemMs: number;
  /** time inside the tick function (load + render + send loop for the gateway; send loop for bare), ms per tick */
  tickMs: { mean: number; max: number };
  /** gateway: event-loop time rendering and serialising views during the run (the hub's render histogram), ms */
  renderMs: number;
  /** time in GC pauses of the main thread during the run (perf_hooks 'gc' entries), ms */
  gcMs: number;
  /** minor page faults of the server process during the run (kernel work that allocation causes) */
  minorFaults: number;
  eventLoopUtilization: number;
  /** frames the server wrote (gateway: hub counter; bare: sends) and skipped under backpressure */
  framesSent: number;
  framesSkipped: number;
  rssAfter: number;
}

export type ServerKind = 'gateway' | 'bare';

export type WorkerCommand =
  /** `subscribe`: the /v1/stream scenario, each client subscribes to `stream` with its group's params */
  | { type: 'connect'; server: ServerKind; urls: string[]; clients: number[]; subscribe?: { stream: string; params: Array<Record<string, string>> } }
  | { type: 'reset' }
  | { type: 'report' }
  | { type: 'capture' }
  | { type: 'exit' };

/** Latency histogram: 0.05 ms bins up to 5 s (later frames land in the last bin). */
export const BIN_MS = 0.05;
export const BINS = 100_001;

export interface WorkerReport {
  frames: number;
  bytes: number;
  /** frames missing between two received ones (skipped by the server or lost) */
  gaps: number;
  /** frames whose header or JSON (checked on a sample) was not as expected */
  invalid: number;
  /** sparse histogram: [bin, count] pairs */
  histogram: Array<[number, number]>;
  cpuMs: number;
  sinceMs: number;
}
