/**
 * The index of a large AWS config or credentials file: where each section starts and which profile,
 * sso-session or services section it is, so that a run parses the few sections it needs (its profile
 * and the chain) instead of thousands. It holds names and offsets only, never a value: the credentials
 * file's keys are not copied anywhere. One file per AWS file in the cache directory (0700), 0600,
 * replaced atomically (SessionCache.writeJson).
 *
 * An index is made only from a file the AWS CLI reads without complaint (no duplicate, no BOM, no bad
 * line anywhere) and without `[DEFAULT]` (whose keys every section would need), and is used only for
 * that very file: keyed on its device, inode, size, and modification and change times in nanoseconds.
 * File times are coarse (a write within the same clock tick, or on a file system that counts whole
 * seconds, may keep them), so, as git does with "racily clean" entries, no index is written for a file
 * whose times are not safely older than the moment it was read: any change made after that moment then
 * moves its change time, which nobody can set back. Anything in doubt (no index, another identity, an
 * index that does not fit the text) means the file is parsed whole, as without an index.
 */
import { stat } from 'node:fs/promises';
import { configSectionRole, DEFAULT_SECTION, lineStarts, type ParsedIni } from './config-files.js';
import type { SessionCache } from '../session/cache.js';

/** What identifies one version of a file, as fstat gives it. */
export interface FileIdentity {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
}

/** One version of a file as a run read it: what identified it, and when the reading began. */
export interface FileVersion {
  readonly identity: FileIdentity;
  readonly readAt: bigint;
}

export interface SectionIndex {
  /** The length of the text it was made from, in UTF-16 code units. */
  readonly chars: number;
  /** Where each section's header line starts in the text; a section ends where the next one starts. */
  readonly starts: readonly number[];
  /** Profile name → its section (the last one naming it, as the AWS CLI takes it). */
  readonly profiles: ReadonlyMap<string, number>;
  /** `[sso-session x]` and `[services x]` sections of a config file. */
  readonly ssoSessions: ReadonlyMap<string, number>;
  readonly services: ReadonlyMap<string, number>;
}

export interface IndexPolicy {
  /** Smaller files are parsed whole: that costs less than reading an index. */
  readonly minBytes: number;
  /** How much older than the moment it was read a file's times must be for an index to be made of it. */
  readonly settledNs: bigint;
  /** Write the index during loadProfiles (tests), rather than once the command has succeeded. */
  readonly writeAtOnce?: boolean;
}

/**
 * 32 KiB is about 350 profiles, parsed in well under a millisecond. Two seconds covers file systems
 * that keep whole seconds (or two, FAT) and the kernel's coarse clock lagging the one read here.
 */
export const INDEX_POLICY: IndexPolicy = { minBytes: 32 * 1024, settledNs: 2_000_000_000n };

/** The moment a file is about to be read, on the clock file times are taken from. */
export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** git's rule against "racily clean" files: both times strictly older than the read, by the margin. */
export function settled(identity: FileIdentity, readAtNs: bigint, marginNs: bigint): boolean {
  return identity.mtimeNs < readAtNs - marginNs && identity.ctimeNs < readAtNs - marginNs;
}

/** The index of a parsed file, or undefined when the file may not have one. */
export function buildIndex(text: string, parsed: ParsedIni, credentials: boolean): SectionIndex | undefined {
  if (parsed.problem !== undefined || parsed.headers.some((header) => header.name === DEFAULT_SECTION)) return undefined;
  const lineAt = lineStarts(text);
  const profiles = new Map<string, number>();
  const ssoSessions = new Map<string, number>();
  const services = new Map<string, number>();
  parsed.headers.forEach((header, section) => {
    if (credentials) {
      profiles.set(header.name, section);
      return;
    }
    const role = configSectionRole(header.name);
    if (role.kind === 'profile') profiles.set(role.name, section);
    else if (role.kind === 'sso-session') ssoSessions.set(role.name, section);
    else if (role.kind === 'services') services.set(role.name, section);
  });
  return { chars: text.length, starts: parsed.headers.map((header) => lineAt[header.line]!), profiles, ssoSessions, services };
}

/**
 * The identity of the file at `path` now, without reading it (following a link, as reading it does):
 * null when there is no such file, undefined when it is something awsmfa would not read as one (a
 * directory, a file it may not read…), for the caller to read it and say why.
 */
export async function currentIdentity(path: string): Promise<FileIdentity | null | undefined> {
  try {
    const info = await stat(path, { bigint: true });
    return info.isFile() ? { dev: info.dev, ino: info.ino, size: info.size, mtimeNs: info.mtimeNs, ctimeNs: info.ctimeNs } : undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? null : undefined;
  }
}

/** The index as kept in its file: sections by number, names beside them (JSON, no values). */
interface Stored {
  readonly format: 1;
  readonly path: string;
  readonly file: { readonly dev: string; readonly ino: string; readonly size: string; readonly mtimeNs: string; readonly ctimeNs: string };
  readonly chars: number;
  readonly starts: readonly number[];
  readonly profiles: readonly (string | number)[];
  readonly ssoSessions: readonly (string | number)[];
  readonly services: readonly (string | number)[];
}

/** A file identity as JSON keeps it (numbers as decimal strings: nanoseconds do not fit a double). */
export type StoredIdentity = Stored['file'];

export function storedIdentity(identity: FileIdentity): StoredIdentity {
  return { dev: String(identity.dev), ino: String(identity.ino), size: String(identity.size), mtimeNs: String(identity.mtimeNs), ctimeNs: String(identity.ctimeNs) };
}

/** Whether `have`, read back from a cache file, is the stored form of exactly this identity. */
export function isIdentity(have: unknown, identity: FileIdentity): boolean {
  if (typeof have !== 'object' || have === null) return false;
  const stored = have as Partial<StoredIdentity>;
  const want = storedIdentity(identity);
  return stored.dev === want.dev && stored.ino === want.ino && stored.size === want.size && stored.mtimeNs === want.mtimeNs && stored.ctimeNs === want.ctimeNs;
}

function indexPath(cache: SessionCache, path: string): string {
  return cache.fileFor(path, 'config-index');
}

/** `[name, section, name, section, …]` as a map, or undefined when it is not that. (A plain loop: 5,000 entries are read at every run.) */
function entriesOf(flat: unknown, sections: number): Map<string, number> | undefined {
  if (!Array.isArray(flat) || flat.length % 2 !== 0) return undefined;
  const entries = new Map<string, number>();
  for (let at = 0; at < flat.length; at += 2) {
    const name: unknown = flat[at];
    const section: unknown = flat[at + 1];
    if (typeof name !== 'string' || !Number.isInteger(section) || (section as number) < 0 || (section as number) >= sections) return undefined;
    entries.set(name, section as number);
  }
  return entries;
}

/** The index of exactly this version of the file at `path`, or undefined. */
export async function readIndex(cache: SessionCache, path: string, identity: FileIdentity): Promise<SectionIndex | undefined> {
  let stored: Partial<Stored> | null | undefined;
  try {
    stored = (await cache.readRecord(indexPath(cache, path))) as Partial<Stored> | null | undefined;
  } catch {
    // A cache directory awsmfa would refuse for sessions is no place to trust an index from.
    return undefined;
  }
  if (typeof stored !== 'object' || stored === null || stored.format !== 1 || stored.path !== path) return undefined;
  if (!isIdentity(stored.file, identity)) return undefined;
  const { starts, chars } = stored;
  // Each start is checked when its section is looked up (sectionBounds): a run looks up a few of thousands.
  if (!Number.isInteger(chars) || !Array.isArray(starts)) return undefined;
  const profiles = entriesOf(stored.profiles, starts.length);
  const ssoSessions = entriesOf(stored.ssoSessions, starts.length);
  const services = entriesOf(stored.services, starts.length);
  if (profiles === undefined || ssoSessions === undefined || services === undefined) return undefined;
  return { chars: chars!, starts, profiles, ssoSessions, services };
}

/** Whether the index was made from a text of this length (the identity says it is this very version of the file). */
export function fitsText(index: SectionIndex, text: string): boolean {
  return index.chars === text.length;
}

/**
 * Where section number `section` is in the text: from its header line to the next section's, or
 * undefined when the index says something impossible there. The caller then checks that the text
 * there reads as the section it looked for.
 */
export function sectionBounds(index: SectionIndex, section: number): { start: number; end: number } | undefined {
  const start: unknown = index.starts[section];
  const next: unknown = section + 1 < index.starts.length ? index.starts[section + 1] : index.chars;
  if (!Number.isInteger(start) || !Number.isInteger(next) || (start as number) < 0 || (start as number) >= (next as number) || (next as number) > index.chars) return undefined;
  return { start: start as number, end: next as number };
}

/** Keeps the index of a file read at `readAtNs`, when its times are settled; failing to is only a slower next run. */
export async function writeIndex(cache: SessionCache, path: string, identity: FileIdentity, readAtNs: bigint, index: SectionIndex, policy: IndexPolicy): Promise<boolean> {
  if (!settled(identity, readAtNs, policy.settledNs)) return false;
  const stored: Stored = {
    format: 1,
    path,
    file: storedIdentity(identity),
    chars: index.chars,
    starts: [...index.starts],
    profiles: [...index.profiles].flat(),
    ssoSessions: [...index.ssoSessions].flat(),
    services: [...index.services].flat(),
  };
  try {
    await cache.writeJson(indexPath(cache, path), stored);
    return true;
  } catch {
    return false;
  }
}

const afterwards: (() => Promise<void>)[] = [];

/**
 * Runs `work` once the command has succeeded: when nothing else is left to do and the exit code is 0
 * (a failed command changes nothing). A run ended with process.exit() skips it, and only misses an index.
 */
export function afterSuccess(work: () => Promise<void>): void {
  if (afterwards.length === 0) {
    process.once('beforeExit', () => {
      const all = afterwards.splice(0);
      if (Number(process.exitCode ?? 0) !== 0) return;
      void Promise.all(all.map((each) => each().catch(() => undefined)));
    });
  }
  afterwards.push(work);
}

/** For a caller that has succeeded and ends the process itself (process.exit): the work kept for success, done now. */
export async function runAfterSuccess(): Promise<void> {
  const all = afterwards.splice(0);
  await Promise.all(all.map((each) => each().catch(() => undefined)));
}
