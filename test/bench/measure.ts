/**
 * Measuring commands as a person runs them: wall time from spawn to exit, many times after a warm-up,
 * reported as median and spread; peak memory from GNU time. Children are spawned asynchronously because
 * the STS emulator answers from this process.
 */
import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';

export interface Sample {
  readonly medianMs: number;
  readonly p10Ms: number;
  readonly p90Ms: number;
  readonly runs: number;
}

export interface Command {
  readonly argv: readonly string[];
  readonly env: Record<string, string>;
  readonly stdin?: string;
}

function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

export function summarize(samples: readonly number[]): Sample {
  const sorted = [...samples].sort((a, b) => a - b);
  return { medianMs: quantile(sorted, 0.5), p10Ms: quantile(sorted, 0.1), p90Ms: quantile(sorted, 0.9), runs: sorted.length };
}

/** Runs once; resolves with the wall time in ms. A non-zero exit is an error: a benchmark of a failure measures nothing. */
export function runOnce(command: Command): Promise<number> {
  return new Promise((resolve, reject) => {
    const [program, ...args] = command.argv;
    const started = process.hrtime.bigint();
    // stdout is a pipe that is read to its end, as `eval "$(awsmfa env …)"` reads it (not /dev/null, a
    // device that a program may have to ask whether it is a terminal).
    const child = spawn(program!, args, { env: command.env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.resume();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code === 0) resolve(ms);
      else reject(new Error(`${command.argv.join(' ')} exited ${code}: ${stderr.trim().slice(0, 500)}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(command.stdin ?? '');
  });
}

/** `warmup` unmeasured runs, then `runs` measured ones; `prepare(i)` may return the command for run i. */
export async function timeCommand(make: (i: number) => Command | Promise<Command>, runs: number, warmup: number): Promise<Sample> {
  for (let i = 0; i < warmup; i++) await runOnce(await make(i));
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await runOnce(await make(warmup + i)));
  return summarize(samples);
}

/**
 * Two commands measured in alternation, so that whatever else the machine does in the meantime weighs on
 * both alike; returns both samples.
 */
export async function timePair(a: (i: number) => Command | Promise<Command>, b: (i: number) => Command | Promise<Command>, runs: number, warmup: number): Promise<[Sample, Sample]> {
  for (let i = 0; i < warmup; i++) {
    await runOnce(await a(i));
    await runOnce(await b(i));
  }
  const sa: number[] = [];
  const sb: number[] = [];
  for (let i = 0; i < runs; i++) {
    sa.push(await runOnce(await a(warmup + i)));
    sb.push(await runOnce(await b(warmup + i)));
  }
  return [summarize(sa), summarize(sb)];
}

export async function gnuTimeAvailable(): Promise<boolean> {
  return access('/usr/bin/time').then(
    () => true,
    () => false,
  );
}

/** Peak resident memory (KiB) of one run, from GNU time's %M. */
export function peakMemory(command: Command): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%M', ...command.argv], { env: command.env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (code) => {
      const kib = Number(stderr.trim().split('\n').pop());
      if (code === 0 && Number.isFinite(kib)) resolve(kib);
      else reject(new Error(`${command.argv.join(' ')} exited ${code}: ${stderr.trim().slice(0, 500)}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(command.stdin ?? '');
  });
}

export async function medianPeakMemory(command: Command, runs: number): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < runs; i++) values.push(await peakMemory(command));
  return summarize(values).medianMs;
}
