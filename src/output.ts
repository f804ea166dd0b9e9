/**
 * What people read: messages on stderr (stdout is for shell code and data), times as they think
 * of them ("11h 59m left, until 03:14"), colour only where it helps and only when wanted.
 */
import { format } from 'date-fns/format';
import { intervalToDuration } from 'date-fns/intervalToDuration';
import { AwsmfaError } from './errors.js';
import { wholeSecondsLeft } from './session/cache.js';
import { inspect } from 'node:util';
import { colorLevel } from './report/color-level.js';

/**
 * The text in a colour, as the stream and NO_COLOR / FORCE_COLOR allow. Node's own table of terminal
 * codes, not chalk: these lines are the output of every command, the cached `env` included, and chalk
 * asks the terminals about colour support as soon as it is loaded.
 */
function paint(stream: NodeJS.WritableStream, format: 'dim' | 'red' | 'yellow', text: string): string {
  if (colorLevel(stream, process.env) === 0) return text;
  const [open, close] = inspect.colors[format] ?? [0, 0];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}

/** "11h 59m", "41m", "45s", "1d 2h": the two largest parts, as a prompt-sized word. */
export function formatRemaining(seconds: number): string {
  if (seconds <= 0) return 'expired';
  const d = intervalToDuration({ start: 0, end: seconds * 1000 });
  const parts: [number | undefined, string][] = [
    [d.years, 'y'],
    [d.months, 'mo'],
    [d.days, 'd'],
    [d.hours, 'h'],
    [d.minutes, 'm'],
    [d.seconds, 's'],
  ];
  const first = parts.findIndex(([value]) => (value ?? 0) > 0);
  return parts
    .slice(first, first + 2)
    .filter(([value]) => (value ?? 0) > 0)
    .map(([value, unit]) => `${value}${unit}`)
    .join(' ');
}

/** A local wall-clock time, with the date when it is not today. */
export function formatUntil(instant: Date, now: Date = new Date()): string {
  return instant.toDateString() === now.toDateString() ? format(instant, 'HH:mm') : format(instant, 'EEE d MMM HH:mm');
}

export function describeExpiry(expiration: string, nowMs: number = Date.now()): string {
  const until = new Date(expiration);
  const left = wholeSecondsLeft(until.getTime(), nowMs);
  return left <= 0 ? `expired at ${formatUntil(until, new Date(nowMs))}` : `until ${formatUntil(until, new Date(nowMs))} (${formatRemaining(left)} left)`;
}

export function say(message: string, stderr: NodeJS.WritableStream = process.stderr): void {
  stderr.write(`${paint(stderr, 'dim', 'awsmfa:')} ${message}\n`);
}

export function warn(message: string, stderr: NodeJS.WritableStream = process.stderr): void {
  stderr.write(`${paint(stderr, 'yellow', 'awsmfa: warning:')} ${message}\n`);
}

/** An error as two lines: what went wrong, then what to do. Unexpected errors say so, without a stack unless asked. */
export function reportError(error: unknown, stderr: NodeJS.WritableStream = process.stderr, debug = false): number {
  if (error instanceof AwsmfaError) {
    if (error.exitCode === 130) {
      stderr.write(`${paint(stderr, 'red', 'awsmfa:')} interrupted\n`);
      return 130;
    }
    stderr.write(`${paint(stderr, 'red', 'awsmfa: error:')} ${error.message}\n`);
    if (error.hint !== undefined) stderr.write(`  ${error.hint}\n`);
    if (debug && error.cause !== undefined) stderr.write(`  cause: ${String((error.cause as Error)?.stack ?? error.cause)}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`${paint(stderr, 'red', 'awsmfa: unexpected error:')} ${message}\n`);
  stderr.write('  This is a bug in awsmfa; run again with --debug and report what it prints (it contains no secrets).\n');
  if (debug && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
  return 70;
}
