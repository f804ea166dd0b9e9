/**
 * The index of a large AWS config or credentials file: where each section starts and which profile,
 * sso-session or services section it is, so that a run parses the few sections it needs (its profile
 * and the chain) instead of thousands, and decodes only those: offsets are in bytes. It holds names and
 * offsets only, never a value: the credentials file's keys are not copied anywhere. One file per AWS
 * file in the cache directory (0700), 0600, replaced atomically (SessionCache.writeText).
 *
 * An index is made only from a file the AWS CLI reads without complaint (no duplicate, no BOM, no bad
 * line anywhere) and without `[DEFAULT]` (whose keys every section would need), and is used only for
 * that very file: keyed on its device, inode, size, and modification and change times in nanoseconds.
 * File times are coarse (a write within the same clock tick, or on a file system that counts whole
 * seconds, may keep them), so, as git does with "racily clean" entries, no index is written for a file
 * whose times are not safely older than the moment it was read: any change made after that moment then
 * moves its change time, which nobody can set back. Anything in doubt (no index, another identity, an
 * index that does not fit the file, a section that does not read as the one looked for) means the file
 * is parsed whole, as without an index.
 */
import { stat } from 'node:fs/promises';
import { configSectionRole, DEFAULT_SECTION, type ParsedIni } from './config-files.js';
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

/** Where one section is in the file, in bytes: from its header line's first byte to the next section's. */
export interface SectionSpan {
  readonly start: number;
  readonly end: number;
}

export interface SectionIndex {
  /** The length of the file it was made from, in bytes. */
  readonly bytes: number;
  /** How many sections the file has. */
  readonly sections: number;
  /**
   * Where profile `name`'s section is (the last one naming it, as the AWS CLI takes it), undefined when
   * the file has no such profile. Looked up in the stored text, without reading the other entries: a run
   * asks for a few of thousands. The span is checked where it is used (sectionSpan), not here.
   */
  profile(name: string): SectionSpan | undefined;
  /** Every profile name, in the order the file first names them; undefined when an entry is not readable. */
  profileNames(): string[] | undefined;
  /** `[sso-session x]` and `[services x]` sections of a config file. */
  readonly ssoSessions: ReadonlyMap<string, SectionSpan>;
  readonly services: ReadonlyMap<string, SectionSpan>;
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

/** Where each line splitLines gives starts in the file, in bytes (a line break is one byte or CR LF, never inside a character). */
function lineByteStarts(bytes: Uint8Array): number[] {
  const starts = [0];
  for (let at = 0; at < bytes.length; at++) {
    const byte = bytes[at];
    if (byte === 0x0d && bytes[at + 1] === 0x0a) at++;
    else if (byte !== 0x0a && byte !== 0x0d) continue;
    starts.push(at + 1);
  }
  return starts;
}

/** An index as made from a parsed file, kept in memory until it is written. */
interface MadeIndex {
  readonly bytes: number;
  readonly sections: number;
  readonly profiles: ReadonlyMap<string, SectionSpan>;
  readonly ssoSessions: ReadonlyMap<string, SectionSpan>;
  readonly services: ReadonlyMap<string, SectionSpan>;
}

/** The index of a parsed file (its bytes and their reading), or undefined when the file may not have one. */
export function buildIndex(bytes: Uint8Array, parsed: ParsedIni, credentials: boolean): MadeIndex | undefined {
  if (parsed.problem !== undefined || parsed.headers.some((header) => header.name === DEFAULT_SECTION)) return undefined;
  const lineAt = lineByteStarts(bytes);
  const starts = parsed.headers.map((header) => lineAt[header.line]!);
  const profiles = new Map<string, SectionSpan>();
  const ssoSessions = new Map<string, SectionSpan>();
  const services = new Map<string, SectionSpan>();
  parsed.headers.forEach((header, section) => {
    const span = { start: starts[section]!, end: starts[section + 1] ?? bytes.length };
    if (credentials) {
      profiles.set(header.name, span);
      return;
    }
    const role = configSectionRole(header.name);
    if (role.kind === 'profile') profiles.set(role.name, span);
    else if (role.kind === 'sso-session') ssoSessions.set(role.name, span);
    else if (role.kind === 'services') services.set(role.name, span);
  });
  return { bytes: bytes.length, sections: starts.length, profiles, ssoSessions, services };
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

/**
 * The index as kept in its file: a first line of JSON (the file it describes, its sso-session and
 * services sections as `[name, start, end, …]`), then one line per profile, its name as a JSON string,
 * a tab, and its section's start and end: `"doug"\t120\t188`. A JSON string holds no raw line break
 * or tab, so a name's line is found by searching for it, and a run parses no other line.
 */
interface StoredHeader {
  readonly format: 2;
  readonly path: string;
  readonly file: { readonly dev: string; readonly ino: string; readonly size: string; readonly mtimeNs: string; readonly ctimeNs: string };
  readonly bytes: number;
  readonly sections: number;
  readonly ssoSessions: readonly (string | number)[];
  readonly services: readonly (string | number)[];
  /** The length of the profiles' lines together: a file cut short or added to is not used. */
  readonly body: number;
}

/** A file identity as JSON keeps it (numbers as decimal strings: nanoseconds do not fit a double). */
export type StoredIdentity = StoredHeader['file'];

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
  return cache.fileFor(path, 'config-index', 'txt');
}

/** `[name, start, end, …]` as a map, or undefined when it is not that. */
function spansOf(flat: unknown): Map<string, SectionSpan> | undefined {
  if (!Array.isArray(flat) || flat.length % 3 !== 0) return undefined;
  const spans = new Map<string, SectionSpan>();
  for (let at = 0; at < flat.length; at += 3) {
    const [name, start, end]: unknown[] = flat.slice(at, at + 3);
    if (typeof name !== 'string' || typeof start !== 'number' || typeof end !== 'number') return undefined;
    spans.set(name, { start, end });
  }
  return spans;
}

/** A profile's line after its name: `\tSTART\tEND`, as a span (NaN where it does not read as numbers). */
function spanAfter(line: string): SectionSpan {
  const fields = line.split('\t');
  const number = (field: string | undefined) => (field !== undefined && /^\d{1,15}$/.test(field) ? Number(field) : NaN);
  return fields.length === 3 && fields[0] === '' ? { start: number(fields[1]), end: number(fields[2]) } : { start: NaN, end: NaN };
}

/** The index of exactly this version of the file at `path`, or undefined. */
export async function readIndex(cache: SessionCache, path: string, identity: FileIdentity): Promise<SectionIndex | undefined> {
  let text: string | undefined;
  try {
    text = await cache.readText(indexPath(cache, path));
  } catch {
    // A cache directory awsmfa would refuse for sessions is no place to trust an index from.
    return undefined;
  }
  if (text === undefined || !text.endsWith('\n')) return undefined;
  const headerEnd = text.indexOf('\n');
  let header: Partial<StoredHeader>;
  try {
    header = JSON.parse(text.slice(0, headerEnd)) as Partial<StoredHeader>;
  } catch {
    return undefined;
  }
  if (typeof header !== 'object' || header === null || header.format !== 2 || header.path !== path) return undefined;
  if (!isIdentity(header.file, identity)) return undefined;
  const { bytes, sections } = header;
  if (!Number.isInteger(bytes) || !Number.isInteger(sections) || header.body !== text.length - headerEnd - 1) return undefined;
  const ssoSessions = spansOf(header.ssoSessions);
  const services = spansOf(header.services);
  if (ssoSessions === undefined || services === undefined) return undefined;
  const body = text;
  return {
    bytes: bytes!,
    sections: sections!,
    ssoSessions,
    services,
    profile(name) {
      const key = `\n${JSON.stringify(name)}\t`;
      const at = body.indexOf(key, headerEnd);
      if (at < 0) return undefined;
      const from = at + key.length - 1;
      return spanAfter(body.slice(from, body.indexOf('\n', from)));
    },
    profileNames() {
      const names: string[] = [];
      for (let at = headerEnd + 1; at < body.length; ) {
        const end = body.indexOf('\n', at);
        const tab = body.indexOf('\t', at);
        if (tab < 0 || tab > end) return undefined;
        try {
          const name: unknown = JSON.parse(body.slice(at, tab));
          if (typeof name !== 'string') return undefined;
          names.push(name);
        } catch {
          return undefined;
        }
        at = end + 1;
      }
      return names;
    },
  };
}

/**
 * Where section `span` is in a file of `bytes` bytes, or undefined when the index says something
 * impossible there. The caller then checks that the text there reads as the section it looked for.
 */
export function sectionSpan(index: SectionIndex, span: SectionSpan): SectionSpan | undefined {
  const { start, end } = span;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start >= end || end > index.bytes) return undefined;
  return span;
}

/** Keeps the index of a file read at `readAtNs`, when its times are settled; failing to is only a slower next run. */
export async function writeIndex(cache: SessionCache, path: string, identity: FileIdentity, readAtNs: bigint, index: MadeIndex, policy: IndexPolicy): Promise<boolean> {
  if (!settled(identity, readAtNs, policy.settledNs)) return false;
  const flat = (spans: ReadonlyMap<string, SectionSpan>) => [...spans].flatMap(([name, span]) => [name, span.start, span.end]);
  let body = '';
  for (const [name, span] of index.profiles) body += `${JSON.stringify(name)}\t${span.start}\t${span.end}\n`;
  const header: StoredHeader = {
    format: 2,
    path,
    file: storedIdentity(identity),
    bytes: index.bytes,
    sections: index.sections,
    ssoSessions: flat(index.ssoSessions),
    services: flat(index.services),
    body: body.length,
  };
  try {
    await cache.writeText(indexPath(cache, path), `${JSON.stringify(header)}\n${body}`);
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
