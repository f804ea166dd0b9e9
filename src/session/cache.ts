/**
 * The session cache: temporary credentials only, one JSON file per session under
 * $XDG_CACHE_HOME/awsmfa (0700), each file 0600, replaced atomically (temporary file + rename); on
 * Windows %LOCALAPPDATA%\awsmfa, private by its ACL (see src/platform/win32.ts).
 * A file that is corrupt or truncated is a miss; a directory or file that others could read, or that
 * belongs to someone else, is refused, because it would mean someone else may have read the keys.
 */
// SHA-256 in JavaScript rather than node:crypto: loading node:crypto costs a cached `env` more than all
// the rest of its work together; the hash of one short key is microseconds either way.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
// Reads are synchronous and writes go through fs.promises, which is loaded when first used: a cached
// `env` only reads, and node:fs/promises (with the node:readline it loads) is not loaded for it.
import { closeSync, constants, fstatSync, lstatSync, openSync, promises as fs, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AwsmfaError } from '../errors.js';
import { platform } from '../platform/index.js';

/** A session as the cache holds it; a file may carry other fields as well, which are ignored. */
export interface CachedSession {
  version: 1;
  kind: 'mfa' | 'role';
  profile: string;
  sourceKeyId: string;
  mfaSerial?: string | undefined;
  roleArn?: string | undefined;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: string;
  createdAt: string;
  assumedRoleArn?: string | undefined;
}

const TEXT_FIELDS = ['profile', 'sourceKeyId', 'accessKeyId', 'secretAccessKey', 'sessionToken', 'expiration', 'createdAt'] as const;
const OPTIONAL_TEXT_FIELDS = ['mfaSerial', 'roleArn', 'assumedRoleArn'] as const;

/**
 * Whether parsed JSON is a session: its own fields only, and none named `constructor` or `__proto__`.
 * A plain check rather than a validator library, which a cached `env` would load for these few lines.
 */
function isSession(value: unknown): value is CachedSession {
  if (typeof value !== 'object' || value === null) return false;
  const has = (key: string) => Object.prototype.hasOwnProperty.call(value, key);
  const field = (key: string): unknown => (has(key) ? (value as Record<string, unknown>)[key] : undefined);
  if (has('constructor') || has('__proto__')) return false;
  return (
    field('version') === 1 &&
    (field('kind') === 'mfa' || field('kind') === 'role') &&
    TEXT_FIELDS.every((key) => typeof field(key) === 'string') &&
    OPTIONAL_TEXT_FIELDS.every((key) => field(key) === undefined || typeof field(key) === 'string')
  );
}

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(platform.cacheBase(env), 'awsmfa');
}

/** Seconds left, from the cached expiration. */
export function secondsLeft(session: Pick<CachedSession, 'expiration'>, nowMs = Date.now()): number {
  return wholeSecondsLeft(Date.parse(session.expiration), nowMs);
}

/**
 * Time left counted as the prompt counts it: whole epoch seconds of the expiry (AWSMFA_EXPIRES_AT)
 * minus whole epoch seconds of now ($EPOCHSECONDS), so that a message and the prompt shown right
 * after it never disagree (`59m 59s left` above `[admin 1h]`).
 */
export function wholeSecondsLeft(expiresAtMs: number, nowMs: number): number {
  return Math.floor(expiresAtMs / 1000) - Math.floor(nowMs / 1000);
}

/** A temporary file of the cache this old belongs to a write that will never finish. */
const LEFTOVER_AGE_MS = 60_000;

export class SessionCache {
  constructor(readonly dir: string) {}

  static forEnvironment(env: NodeJS.ProcessEnv = process.env): SessionCache {
    return new SessionCache(cacheDir(env));
  }

  /** A stable file name for a key; the key itself (profile names may be anything) never reaches the file system. */
  fileFor(key: string, prefix = 'session', extension = 'json'): string {
    return join(this.dir, `${prefix}-${bytesToHex(sha256(utf8ToBytes(key))).slice(0, 40)}.${extension}`);
  }

  /** Refuses a directory that is a link, someone else's, or open to group or others. */
  private async checkDir(): Promise<boolean> {
    let info;
    try {
      info = lstatSync(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new AwsmfaError(`cannot use the cache directory ${this.dir} (${(error as NodeJS.ErrnoException).code})`, {
        hint: `Check ${this.dir} and its parents, or ${platform.cacheOverride}.`,
      });
    }
    if (!info.isDirectory()) {
      throw new AwsmfaError(`the cache path ${this.dir} is not a directory`, { hint: `Remove it (rm ${this.dir}); awsmfa will create the directory.` });
    }
    const owner = platform.foreignOwner(info);
    if (owner !== undefined) {
      throw new AwsmfaError(`the cache directory ${this.dir} belongs to another user (${owner})`, {
        hint: `Remove it (it may hold someone else's sessions) or ${platform.cacheOverride}.`,
      });
    }
    if (platform.openToOthers(info)) {
      throw new AwsmfaError(`the cache directory ${this.dir} is open to other users (${platform.describeMode(info)})`, {
        hint: `Run: ${platform.privateCommand(this.dir, true)}`,
      });
    }
    return true;
  }

  /** Creates the directory (0700) if it is missing; refuses one that is unsafe. */
  async ensureDirectory(): Promise<void> {
    if (await this.checkDir()) return;
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    try {
      await platform.restrictDirectory(this.dir);
    } catch (error) {
      // Left in place, the folder would pass for a protected one at the next run.
      await fs.rmdir(this.dir).catch(() => undefined);
      throw error;
    }
    await this.checkDir();
  }

  /** The cached session for `key`, or undefined when there is none or it cannot be read as one. */
  async read(key: string): Promise<CachedSession | undefined> {
    if (!(await this.checkDir())) return undefined;
    return this.readSession(this.fileFor(key));
  }

  private async readSession(path: string): Promise<CachedSession | undefined> {
    const parsed = await this.readJson(path);
    if (!isSession(parsed) || Number.isNaN(Date.parse(parsed.expiration))) return undefined;
    return parsed;
  }

  /** The parsed JSON of a file in the cache, or undefined when there is none or it is not JSON. */
  async readRecord(path: string): Promise<unknown> {
    if (!(await this.checkDir())) return undefined;
    return this.readJson(path);
  }

  /** The text of a file in the cache, on the same terms as a session's; undefined when there is none. */
  async readText(path: string): Promise<string | undefined> {
    if (!(await this.checkDir())) return undefined;
    return this.readTrusted(path);
  }

  private async readJson(path: string): Promise<unknown> {
    const text = this.readTrusted(path);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }

  /** A file of the cache as text, refused if it is a link, someone else's or open to others. */
  private readTrusted(path: string): string | undefined {
    let fd;
    try {
      // O_NONBLOCK: opening a FIFO someone put here would otherwise wait for a writer forever.
      fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      if (code === 'ELOOP') {
        throw new AwsmfaError(`the cache file ${path} is a symbolic link`, { hint: `Remove it: rm ${path}` });
      }
      throw new AwsmfaError(`cannot read the cache file ${path} (${code})`, { hint: `Remove it: rm ${path}` });
    }
    try {
      const info = fstatSync(fd);
      // A FIFO, socket or device holds no session: a miss, and the next write renames a file over it.
      if (info.isFIFO() || info.isSocket() || info.isCharacterDevice() || info.isBlockDevice()) return undefined;
      if (!info.isFile()) throw new AwsmfaError(`the cache file ${path} is not a regular file`, { hint: `Remove it: rm -r ${path}` });
      const owner = platform.foreignOwner(info);
      if (owner !== undefined) {
        throw new AwsmfaError(`the cache file ${path} belongs to another user (${owner})`, { hint: `Remove it: rm ${path}` });
      }
      if (platform.openToOthers(info)) {
        throw new AwsmfaError(`the cache file ${path} is readable by other users (${platform.describeMode(info)})`, {
          hint: `Its keys may have been read: run \`awsmfa clear\`, or at least ${platform.privateCommand(path, false)}.`,
        });
      }
      return readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  }

  /** Writes the whole entry to a new file, then renames it over the old one: readers see old or new, never half. */
  async write(key: string, session: CachedSession): Promise<void> {
    await this.writeJson(this.fileFor(key), session);
  }

  /** Writes JSON to a file of the cache atomically, creating the cache directory if needed. */
  async writeJson(target: string, value: unknown): Promise<void> {
    await this.writeText(target, `${JSON.stringify(value)}\n`);
  }

  /** Writes text to a file of the cache atomically (0600), creating the cache directory if needed. */
  async writeText(target: string, text: string): Promise<void> {
    await this.ensureDirectory();
    await this.sweepLeftovers();
    const temporary = join(this.dir, `.tmp-${process.pid}-${bytesToHex(globalThis.crypto.getRandomValues(new Uint8Array(6)))}`);
    const handle = await fs.open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } catch (error) {
      await handle.close();
      await fs.unlink(temporary).catch(() => undefined);
      throw error;
    }
    await handle.close();
    try {
      await platform.replaceFile(temporary, target);
    } catch (error) {
      await fs.unlink(temporary).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Temporary files left by a run that was killed between writing and renaming hold session keys: they
   * are removed once they are clearly abandoned. A write takes milliseconds from creating its temporary
   * file to renaming it, so age alone tells, even for a run on another machine sharing this home.
   */
  private async sweepLeftovers(): Promise<void> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return;
    }
    const cutoff = Date.now() - LEFTOVER_AGE_MS;
    for (const name of names) {
      if (!name.startsWith('.tmp-') && !name.startsWith('.stale-')) continue;
      const path = join(this.dir, name);
      try {
        const info = await fs.lstat(path);
        if (info.isFile() && info.mtimeMs < cutoff) await fs.unlink(path);
      } catch {
        // Gone already, or removed by another run at the same moment.
      }
    }
  }

  async remove(key: string): Promise<boolean> {
    try {
      await fs.unlink(this.fileFor(key));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  /** Every readable cached session with the path it lives at. */
  async entries(): Promise<{ path: string; session: CachedSession }[]> {
    if (!(await this.checkDir())) return [];
    const names = (await fs.readdir(this.dir)).filter((name) => name.startsWith('session-') && name.endsWith('.json'));
    // Node's readdir already sorts (libuv's scandir compares the names with strcmp); sorting here keeps
    // the order this function promises, whatever Node does.
    // Stryker disable next-line MethodExpression,BlockStatement: equivalent, see above.
    names.sort();
    const found: { path: string; session: CachedSession }[] = [];
    for (const name of names) {
      const path = join(this.dir, name);
      const session = await this.readSession(path);
      if (session !== undefined) found.push({ path, session });
    }
    return found;
  }
}
