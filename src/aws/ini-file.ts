/**
 * Setting a few keys in one section of an AWS INI file (~/.aws/credentials, ~/.aws/config) while every
 * other byte stays as it was: comments, blank lines, spacing, order, line endings, other sections.
 *
 * Which line belongs to which section, and what counts as a key, is decided the way the AWS SDK's loader
 * decides it (parseIni in @smithy/core's config module), so that what we change is exactly what the SDKs
 * then read. The file is replaced atomically: a temporary file in the same directory, then rename.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AwsmfaError } from '../errors.js';

/** New values by key; null removes the key. */
export type IniValues = Readonly<Record<string, string | null>>;

/** Section prefixes the loader knows; `[profile x]` is the section `profile.x`, `[other x]` is ignored. */
const PREFIXED_SECTION = /^([\w-]+)\s(["'])?([\w-@+.%:/]+)\2$/;
const SECTION_PREFIXES = new Set(['profile', 'sso-session', 'services']);
const KEY_NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * The name the loader files a section header's contents under: `doug`, `profile.doug`, or undefined
 * for a header whose keys it ignores.
 */
export function sectionId(header: string): string | undefined {
  const prefixed = PREFIXED_SECTION.exec(header);
  if (prefixed) return SECTION_PREFIXES.has(prefixed[1]!) ? `${prefixed[1]}.${prefixed[3]}` : undefined;
  return header === '' ? undefined : header;
}

/** One line as the loader sees it. */
interface ParsedLine {
  /** The line's bytes without its line ending, one char per byte. */
  readonly raw: string;
  readonly eol: string;
  readonly kind: 'header' | 'key' | 'subsection' | 'other';
  /** The section the line is in (for a header: the one it opens). */
  readonly section: string | undefined;
  /** For key lines: the key as the loader names it (`s3.max_concurrent_requests` inside a sub-section). */
  readonly key?: string;
  readonly value?: string;
}

/** The line's text as the loader reads it (UTF-8). */
function decoded(raw: string): string {
  return Buffer.from(raw, 'latin1').toString('utf8');
}

function encoded(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

function withoutComment(line: string): string {
  return line.split(/(^|\s)[;#]/)[0]!.trim();
}

function parseLines(text: string): ParsedLine[] {
  const lines: ParsedLine[] = [];
  let section: string | undefined;
  let subsection: string | undefined;
  for (const match of text.matchAll(/[^\n]*\n|[^\n]+$/g)) {
    const whole = match[0];
    const eol = whole.endsWith('\r\n') ? '\r\n' : whole.endsWith('\n') ? '\n' : '';
    const raw = whole.slice(0, whole.length - eol.length);
    const line = decoded(raw);
    const trimmed = withoutComment(line);
    if (trimmed.startsWith('[') && trimmed.endsWith(']')) {
      section = sectionId(trimmed.slice(1, -1));
      subsection = undefined;
      lines.push({ raw, eol, kind: 'header', section });
      continue;
    }
    const equals = trimmed.indexOf('=');
    if (section === undefined || equals <= 0) {
      lines.push({ raw, eol, kind: 'other', section });
      continue;
    }
    const name = trimmed.slice(0, equals).trim();
    const value = trimmed.slice(equals + 1).trim();
    if (value === '') {
      subsection = name;
      lines.push({ raw, eol, kind: 'subsection', section });
      continue;
    }
    if (subsection !== undefined && line.trimStart() === line) subsection = undefined;
    const key = subsection === undefined ? name : `${subsection}.${name}`;
    lines.push({ raw, eol, kind: 'key', section, key, value });
  }
  return lines;
}

/** The section's keys as the loader reads them (repeated sections merged, the last value winning), or undefined if there is no such section. */
export function readIniSection(text: string, section: string): Record<string, string> | undefined {
  const id = sectionId(section);
  let found: Record<string, string> | undefined;
  for (const line of parseLines(text)) {
    if (line.section !== id || id === undefined) continue;
    found ??= {};
    if (line.kind === 'key') found[line.key!] = line.value!;
  }
  return found;
}

function checkUpdate(section: string, values: IniValues): void {
  if (sectionId(section) === undefined || /[\r\n[\]]/.test(section) || section.trim() !== section || withoutComment(section) !== section) {
    throw new AwsmfaError(`${JSON.stringify(section)} cannot be written as an INI section name`, {
      hint: 'Use letters, digits and - _ . @ + = , : / only.',
    });
  }
  for (const [key, value] of Object.entries(values)) {
    if (!KEY_NAME.test(key)) throw new Error(`not a key for an INI file: ${JSON.stringify(key)}`);
    if (value === null) continue;
    // A value survives the loader only if reading the line back gives the same string.
    const line = `${key} = ${value}`;
    const reread = withoutComment(line);
    if (/[\r\n]/.test(value) || value === '' || reread.slice(reread.indexOf('=') + 1).trim() !== value) {
      throw new AwsmfaError(`the value for ${key} cannot be written to an INI file as it is`, {
        hint: 'Values must be on one line, without surrounding spaces, and without " #" or " ;" (they start a comment).',
      });
    }
  }
}

/** The key line with its value replaced, its spacing and trailing comment kept. */
function replaceValue(raw: string, value: string): string {
  const line = decoded(raw);
  const comment = /(^|\s)[;#]/.exec(line);
  const body = comment === null ? line : line.slice(0, comment.index);
  const trailing = comment === null ? '' : line.slice(comment.index);
  const equals = body.indexOf('=');
  const old = body.slice(equals + 1);
  const before = /^\s*/.exec(old)![0];
  const after = /\s*$/.exec(old)![0];
  return encoded(`${body.slice(0, equals + 1)}${before}${value}${after}${trailing}`);
}

/**
 * The text with `values` set in `section`: existing keys keep their line (and its spacing and comment),
 * keys set to null lose their lines, new keys go after the last key of the section's last occurrence,
 * and a missing section is added at the end. Everything else is returned unchanged.
 * `text` and the result hold one char per byte (latin1), so that no byte is ever re-encoded.
 */
export function updateIniText(text: string, section: string, values: IniValues): string {
  checkUpdate(section, values);
  const id = sectionId(section);
  const lines = parseLines(text);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const pending = new Map(Object.entries(values));
  const present = new Set<string>();
  let insertAfter = -1;
  const out: { raw: string; eol: string }[] = [];
  for (const line of lines) {
    const ours = line.section === id && line.kind !== 'other';
    if (ours && line.kind === 'key' && pending.has(line.key!)) {
      const value = pending.get(line.key!);
      present.add(line.key!);
      if (value === null || value === undefined) continue;
      out.push({ raw: replaceValue(line.raw, value), eol: line.eol });
    } else {
      out.push({ raw: line.raw, eol: line.eol });
    }
    if (ours) insertAfter = out.length - 1;
  }
  const added = [...pending].filter(([key, value]) => value !== null && !present.has(key)).map(([key, value]) => ({ raw: `${key} = ${value}`, eol }));
  if (added.length > 0) {
    if (insertAfter >= 0) {
      const anchor = out[insertAfter]!;
      if (anchor.eol === '') anchor.eol = eol;
      out.splice(insertAfter + 1, 0, ...added);
    } else {
      const last = out.at(-1);
      if (last !== undefined && last.eol === '') last.eol = eol;
      if (last !== undefined && last.raw.trim() !== '') out.push({ raw: '', eol });
      out.push({ raw: `[${section}]`, eol }, ...added);
    }
  }
  return out.map((line) => line.raw + line.eol).join('');
}

export interface IniFileOptions {
  /** Mode of a file that does not exist yet (an existing file keeps its own). Default 0600. */
  readonly newFileMode?: number;
  /** Called with the complete temporary file in place, just before it replaces the file (tests simulate crashes here). */
  readonly beforeReplace?: (temporaryPath: string) => Promise<void> | void;
}

export interface IniFileResult {
  /** The file written: the target of a symbolic link, not the link. */
  readonly path: string;
  readonly created: boolean;
  readonly changed: boolean;
  readonly mode: number;
}

/** The real file behind `path`, so that replacing it keeps a symbolic link (dotfile setups) in place. */
async function realTarget(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const link = await lstat(path).catch(() => undefined);
    if (link?.isSymbolicLink()) {
      throw new AwsmfaError(`${path} is a symbolic link to a file that does not exist`, { hint: `Create the file it points to, or remove the link.` });
    }
    return path;
  }
}

function temporaryPrefix(target: string): string {
  return `.${basename(target)}.awsmfa-`;
}

/** Temporary files left by an earlier run that died before its rename (they may hold keys). */
async function removeLeftovers(target: string): Promise<void> {
  const prefix = temporaryPrefix(target);
  const names = await readdir(dirname(target)).catch(() => [] as string[]);
  for (const name of names) {
    const match = name.startsWith(prefix) ? /^(\d+)-[0-9a-f]+\.tmp$/.exec(name.slice(prefix.length)) : null;
    if (match === null) continue;
    const pid = Number(match[1]);
    let alive = pid === process.pid;
    if (!alive) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch (error) {
        alive = (error as NodeJS.ErrnoException).code === 'EPERM';
      }
    }
    if (!alive) await unlink(join(dirname(target), name)).catch(() => undefined);
  }
}

interface Snapshot {
  readonly bytes: Buffer | undefined;
  readonly mode: number | undefined;
  readonly uid: number | undefined;
  readonly gid: number | undefined;
  readonly stamp: string;
}

async function snapshot(target: string): Promise<Snapshot> {
  try {
    const info = await stat(target);
    if (!info.isFile()) throw new AwsmfaError(`${target} is not a regular file`, { hint: 'Move whatever is there out of the way.' });
    const bytes = await readFile(target);
    return { bytes, mode: info.mode & 0o7777, uid: info.uid, gid: info.gid, stamp: `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}` };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { bytes: undefined, mode: undefined, uid: undefined, gid: undefined, stamp: 'absent' };
    throw error;
  }
}

async function currentStamp(target: string): Promise<string> {
  try {
    const info = await stat(target);
    return `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
  } catch {
    return 'absent';
  }
}

/**
 * Sets `values` in `section` of the INI file at `path`, keeping every other byte. `values` may be a
 * function of the section as it is now (read in the same pass), which can also refuse by throwing.
 * Readers see the old file or the new one, never a mix; a crash leaves the old file as it was.
 */
export async function updateIniFile(
  path: string,
  section: string,
  values: IniValues | ((current: Readonly<Record<string, string>> | undefined) => IniValues),
  options: IniFileOptions = {},
): Promise<IniFileResult> {
  const target = await realTarget(path);
  const directory = dirname(target);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  await removeLeftovers(target);
  for (let attempt = 1; ; attempt++) {
    const before = await snapshot(target);
    const text = before.bytes?.toString('latin1') ?? '';
    const wanted = typeof values === 'function' ? values(readIniSection(text, section)) : values;
    const next = updateIniText(text, section, wanted);
    const mode = before.mode ?? options.newFileMode ?? 0o600;
    if (before.bytes !== undefined && next === text) return { path: target, created: false, changed: false, mode };

    const temporary = join(directory, `${temporaryPrefix(target)}${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      try {
        await handle.writeFile(Buffer.from(next, 'latin1'));
        await handle.chmod(mode);
        if (before.uid !== undefined && typeof process.getuid === 'function' && before.uid !== process.getuid()) {
          // Only root can give a file away; for anyone else the file keeps the writer as owner.
          await handle.chown(before.uid, before.gid!).catch(() => undefined);
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      await options.beforeReplace?.(temporary);
      // Someone else changed the file while we worked on it: start again from their version.
      if ((await currentStamp(target)) !== before.stamp && attempt < 3) {
        await unlink(temporary);
        continue;
      }
      await rename(temporary, target);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
    await syncDirectory(directory);
    return { path: target, created: before.bytes === undefined, changed: true, mode };
  }
}

/** Makes the rename itself durable; some file systems cannot, which costs only durability. */
async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await open(directory, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}
