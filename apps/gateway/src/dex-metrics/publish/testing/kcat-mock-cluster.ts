import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface ConsumedRecord {
  key: string;
  /** null for a tombstone */
  value: string | null;
  partition: number;
  offset: number;
  /** record headers (`seq`: the message's per-key sequence) */
  headers: Record<string, string>;
}

export interface MockCluster {
  bootstrap: string;
  records: ConsumedRecord[];
  /** waits until `count` records were consumed */
  waitFor(count: number, timeoutMs?: number): Promise<ConsumedRecord[]>;
  close(): void;
}

export function kcatAvailable(): boolean {
  return spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0;
}

/**
 * librdkafka's built-in mock cluster, started by `kcat` (Debian package), with kcat itself consuming `topic`.
 * No Kafka or Docker needed; see reference/exchanges-dex.md §2.6.
 */
export function startMockCluster(topic: string, timeoutMs = 10_000): Promise<MockCluster> {
  const child: ChildProcess = spawn(
    'kcat',
    ['-C', '-b', 'localhost:1', '-t', topic, '-X', 'test.mock.num.brokers=1', '-X', 'debug=mock', '-u', '-Z', '-f', '%k\\t%s\\t%S\\t%p\\t%o\\t%h\\n'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const records: ConsumedRecord[] = [];
  const waiters: Array<() => void> = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      const [key, value, length, partition, offset, headerList = ''] = line.split('\t');
      const headers = Object.fromEntries(headerList.split(',').filter((h) => h.includes('=')).map((h) => [h.slice(0, h.indexOf('=')), h.slice(h.indexOf('=') + 1)]));
      records.push({ key, value: length === '-1' ? null : value, partition: Number(partition), offset: Number(offset), headers });
    }
    waiters.splice(0).forEach((wake) => wake());
  });
  const close = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => {
      close();
      reject(new Error(`kcat mock cluster did not report its bootstrap address within ${timeoutMs} ms:\n${log.slice(-2000)}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const match = /bootstrap\.servers=([\d.]+:\d+)/.exec(log);
      if (!match) return;
      clearTimeout(timer);
      child.stderr!.removeAllListeners('data');
      child.stderr!.resume(); // keep draining the debug log
      resolve({
        bootstrap: match[1],
        records,
        close,
        waitFor: (count, waitMs = 10_000) =>
          new Promise((done, fail) => {
            const deadline = setTimeout(() => fail(new Error(`consumed ${records.length} of ${count} records: ${JSON.stringify(records)}`)), waitMs);
            const check = () => {
              if (records.length >= count) {
                clearTimeout(deadline);
                done(records.slice());
              } else waiters.push(check);
            };
            check();
          }),
      });
    });
  });
}
