/**
 * What people read: messages on stderr (stdout is for shell code and data), times as they think
 * of them ("11h 59m left, until 03:14"), colour only where it helps and only when wanted.
 */
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

/** Parts of a duration, largest first. */
const DURATION_UNITS: readonly [seconds: number, unit: string][] = [
  [86_400, 'd'],
  [3_600, 'h'],
  [60, 'm'],
  [1, 's'],
];

/**
 * "11h 59m", "41m", "45s", "1d 2h": the two largest parts, as a prompt-sized word. Plain arithmetic, no
 * date library: every command prints it, the cached `env` included, and a date library's locale
 * tables are most of what such a command would load for it.
 */
export function formatRemaining(seconds: number): string {
  if (seconds <= 0) return 'expired';
  let rest = Math.floor(seconds);
  const parts = DURATION_UNITS.map(([size, unit]): [number, string] => {
    const value = Math.floor(rest / size);
    rest -= value * size;
    return [value, unit];
  });
  const first = parts.findIndex(([value]) => value > 0);
  return parts
    .slice(first, first + 2)
    .filter(([value]) => value > 0)
    .map(([value, unit]) => `${value}${unit}`)
    .join(' ');
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A local wall-clock time ("14:05"), with the date when it is not today ("Tue 3 Dec 14:05"). */
export function formatUntil(instant: Date, now: Date = new Date()): string {
  if (Number.isNaN(instant.getTime())) throw new RangeError('Invalid time value');
  const clock = `${String(instant.getHours()).padStart(2, '0')}:${String(instant.getMinutes()).padStart(2, '0')}`;
  return instant.toDateString() === now.toDateString() ? clock : `${WEEKDAYS[instant.getDay()]} ${instant.getDate()} ${MONTHS[instant.getMonth()]} ${clock}`;
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
