/**
 * One run at a time gets a new session for an MFA device. Two runs that both find no session (two
 * terminals, or an SDK calling credential_process for several clients at once) would otherwise each ask
 * for a code; AWS accepts each code once, so the second would fail or the person would be asked twice.
 * With the lock, the second waits for the first and then finds the session the first cached.
 *
 * The lock is a file in the cache directory, created with O_EXCL (atomic on every local file system and
 * on NFSv3 and later), holding the holder's pid, host name and start time. A lock whose process is gone
 * (killed with SIGKILL, a machine that crashed) is taken over; so is one older than any run could
 * reasonably hold it, which covers a pid reused by another program and a holder on another machine.
 */
import { randomBytes } from 'node:crypto';
import { constants, readFileSync, unlinkSync } from 'node:fs';
import { link, lstat, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AwsmfaError } from '../errors.js';
import { undoOnInterrupt } from '../interrupts.js';
import { say } from '../output.js';
import { platform } from '../platform/index.js';
import { nodeOs } from '../platform/node-os.js';
import type { SessionCache } from './cache.js';

/** How long a run waits for another one by default (a person may be typing the code over there). */
export const DEFAULT_LOCK_WAIT_SECONDS = 120;
/** Longer than a person takes to answer a prompt: beyond this, a lock is left over whatever its pid says. */
export const LOCK_MAX_HOLD_MS = 15 * 60_000;
/** The file is created, then its holder written: a file still unreadable this long after is left over. */
const UNWRITTEN_GRACE_MS = 10_000;
const POLL_MS = 100;

interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

export interface DeviceLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. Synchronous, so that it can run while a signal ends the process. */
  release(): void;
}

/** Seconds to wait for another run (AWSMFA_LOCK_TIMEOUT overrides; 0 means not at all). */
export function lockWaitSeconds(env: NodeJS.ProcessEnv): number {
  // Unset and empty are alike (Number('') would be 0, no wait at all).
  const text = env.AWSMFA_LOCK_TIMEOUT ?? '';
  const configured = Number(text);
  return text !== '' && Number.isFinite(configured) && configured >= 0 ? configured : DEFAULT_LOCK_WAIT_SECONDS;
}

export function lockPath(cache: SessionCache, device: string): string {
  return cache.fileFor(device, 'lock', 'lock');
}

function processAlive(pid: number): boolean {
  // kill(0 or negative) would address process groups: such a holder is nonsense, so not alive.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseHolder(text: string): Holder | undefined {
  try {
    const value = JSON.parse(text) as Partial<Holder> | null;
    // Stryker disable next-line OptionalChaining: null.pid throws inside this try, and is unreadable alike.
    if (typeof value?.pid === 'number' && typeof value.host === 'string' && typeof value.since === 'string') {
      return { pid: value.pid, host: value.host, since: value.since };
    }
  } catch {
    // Being written, or garbage: judged by the file's age.
  }
  return undefined;
}

interface Observed {
  readonly ino: number;
  readonly ageMs: number;
  readonly holder: Holder | undefined;
}

/** The lock file as it is now, or undefined when there is none; refuses one that is not safely ours. */
async function observe(path: string): Promise<Observed | undefined> {
  let info;
  try {
    info = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (!info.isFile()) {
    throw new AwsmfaError(`the lock file ${path} is not a regular file`, { hint: `Remove it: rm -r ${path}` });
  }
  const owner = platform.foreignOwner(info);
  if (owner !== undefined) {
    throw new AwsmfaError(`the lock file ${path} belongs to another user (${owner})`, {
      hint: `Someone else can write in your cache directory: check it (ls -la ${join(path, '..')}), then remove the file: rm ${path}`,
    });
  }
  if (platform.openToOthers(info)) {
    throw new AwsmfaError(`the lock file ${path} is open to other users (${platform.describeMode(info)})`, {
      hint: `awsmfa creates it 0600; something else made this one. Remove it: rm ${path}`,
    });
  }
  // Gone since lstat: no holder.
  // Stryker disable next-line StringLiteral,ArrowFunction: '' and undefined both parse as no holder; a Buffer parses as its UTF-8 text.
  const text = await readFile(path, 'utf8').catch(() => '');
  return { ino: info.ino, ageMs: Date.now() - info.mtimeMs, holder: parseHolder(text) };
}

/** Why a lock can be taken over, or undefined while its holder may still be at work. */
function staleness(observed: Observed, host: string): string | undefined {
  const { holder, ageMs } = observed;
  if (holder === undefined) return ageMs > UNWRITTEN_GRACE_MS ? 'an unreadable lock' : undefined;
  if (ageMs > LOCK_MAX_HOLD_MS) return `a lock held since ${holder.since}`;
  if (holder.host === host && !processAlive(holder.pid)) return `a lock left by awsmfa (pid ${holder.pid}), which is no longer running`;
  return undefined;
}

/**
 * Moves a stale lock out of the way. Renaming is atomic, so of several runs that judged the same lock
 * stale only one moves it; the inode tells whether what was moved is still the lock that was judged.
 * A fresh lock taken meanwhile by another run is put back with link(), which, unlike rename(), never
 * replaces a lock a third run may have taken in between.
 */
async function takeOver(path: string, judged: Observed): Promise<boolean> {
  const aside = join(path, '..', `.stale-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await rename(path, aside);
  } catch {
    return false;
  }
  const moved = await lstat(aside).catch(() => undefined);
  const stillStale = moved === undefined || moved.ino === judged.ino;
  if (!stillStale) await link(aside, path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
  return stillStale;
}

async function tryCreate(path: string, content: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new AwsmfaError(`cannot create the lock file ${path} (${(error as NodeJS.ErrnoException).code})`, {
      hint: `Check the cache directory ${join(path, '..')}, or ${platform.cacheOverride}.`,
    });
  }
  try {
    // Stryker disable next-line StringLiteral: a string is written as UTF-8 without the encoding too.
    await handle.writeFile(content, 'utf8');
    return true;
  } finally {
    await handle.close();
  }
}

export interface LockOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly stderr: NodeJS.WritableStream;
  /** What the lock is for, in messages: the MFA device's ARN. */
  readonly what: string;
  /** What the holder is doing with it, in messages (default: getting a session for). */
  readonly doing?: string;
}

/** Waits (within the configured limit) until this run alone may get a new session for `device`. */
export async function lockDevice(cache: SessionCache, device: string, options: LockOptions): Promise<DeviceLock> {
  await cache.ensureDirectory();
  const path = lockPath(cache, device);
  const host = nodeOs().hostname();
  const me: Holder = { pid: process.pid, host, since: new Date().toISOString() };
  const content = `${JSON.stringify(me)}\n`;
  const waitMs = lockWaitSeconds(options.env) * 1000;
  const doing = options.doing ?? 'getting a session for';
  const started = Date.now();
  let told = false;
  for (;;) {
    // Stryker disable next-line BooleanLiteral: assigned by tryCreate before it is read.
    let created = false;
    // Ours is recognised by its content (pid and start time), not merely by its name: a lock taken over
    // after a very long hold may meanwhile belong to another run.
    const release = () => {
      forget();
      try {
        if (readFileSync(path, 'utf8') === content) unlinkSync(path);
      } catch {
        // Already gone: nothing of ours to remove.
      }
    };
    // Registered before the file is created, so that a signal arriving meanwhile still removes it (if
    // it comes before the content is written, the empty file is taken over after a few seconds).
    const forget = undoOnInterrupt(release);
    try {
      created = await tryCreate(path, content);
    } catch (error) {
      forget();
      throw error;
    }
    if (created) return { path, release };
    forget();

    const observed = await observe(path);
    if (observed === undefined) continue;
    const stale = staleness(observed, host);
    if (stale !== undefined) {
      if (await takeOver(path, observed)) say(`took over ${stale}`, options.stderr);
      continue;
    }
    const holder = observed.holder;
    const who = holder === undefined ? 'another awsmfa' : `another awsmfa (pid ${holder.pid}${holder.host === host ? '' : ` on ${holder.host}`})`;
    if (Date.now() - started >= waitMs) {
      throw new AwsmfaError(`${who} is ${doing} ${options.what}, and this one stopped waiting after ${Math.round(waitMs / 1000)} s`, {
        hint: `Finish or cancel that one (it may be asking for the MFA code in another terminal), then try again; if no awsmfa is running, remove ${path}. AWSMFA_LOCK_TIMEOUT sets the wait in seconds.`,
      });
    }
    if (!told) {
      say(`waiting for ${who}, which is ${doing} ${options.what}`, options.stderr);
      told = true;
    }
    // How often it looks again (100–200 ms, spread so that waiting runs do not poll in step).
    // Stryker disable next-line ArithmeticOperator: pacing, which no guard depends on.
    await sleep(POLL_MS + Math.floor(Math.random() * POLL_MS));
  }
}
