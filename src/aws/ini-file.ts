/**
 * Setting a few keys in one section of an AWS INI file (~/.aws/credentials, ~/.aws/config) while every
 * other byte stays as it was: comments, blank lines, spacing, order, line endings, other sections.
 *
 * Which line belongs to which section, and what counts as a key and its value, is decided by the same
 * scanner awsmfa reads the files with (config-files.ts, botocore's reading), so that what we change is
 * exactly what the AWS CLI then reads. The file is replaced atomically: a temporary file in the same
 * directory, then rename.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, realpath, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AwsmfaError } from '../errors.js';
import { platform } from '../platform/index.js';
import { SessionCache } from '../session/cache.js';
import { lockDevice } from '../session/lock.js';
import { configSectionRole, decodeIni, parseIni, pyStrip, scanIni, type IniProblem } from './config-files.js';

/** New values by key; null removes the key. */
export type IniValues = Readonly<Record<string, string | null>>;

const KEY_NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * Which section a header's contents belong to, for matching headers: `profile.doug` for `[profile doug]`
 * (however it is quoted or spaced, as botocore names it), `doug` for `[doug]`; undefined for `[]`.
 */
export function sectionId(header: string): string | undefined {
  if (header === '') return undefined;
  const role = configSectionRole(header);
  if (role.kind === 'other' || header === 'default') return header;
  return `${role.kind}.${role.name}`;
}

/** One line as the reader sees it. */
interface ParsedLine {
  /** The line's text without its line ending. */
  readonly raw: string;
  readonly eol: string;
  readonly kind: 'header' | 'key' | 'continuation' | 'other';
  /** The section the line is in (for a header: the one it opens). */
  readonly section: string | undefined;
  /** For key lines: the key as the reader names it (lower case). */
  readonly key?: string;
  readonly value?: string;
}

function parseLines(text: string): ParsedLine[] {
  const parts = text.split(/(\r\n|\r|\n)/);
  const raws: string[] = [];
  const eols: string[] = [];
  // split() with a captured separator gives an odd number of parts, so index never equals parts.length,
  // and the empty text is answered below whatever the loop did.
  // Stryker disable next-line EqualityOperator
  for (let index = 0; index < parts.length; index += 2) {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: see above
    if (index === parts.length - 1 && parts[index] === '' && index > 0) break;
    raws.push(parts[index]!);
    eols.push(parts[index + 1] ?? '');
  }
  if (text === '') return [];
  const { lines: scanned } = scanIni(raws);
  let section: string | undefined;
  return raws.map((raw, index) => {
    const line = scanned[index]!;
    const eol = eols[index]!;
    if (line.kind === 'header') {
      section = sectionId(line.header!);
      return { raw, eol, kind: 'header', section };
    }
    if (line.kind === 'option') return { raw, eol, kind: 'key', section, key: line.key!, value: line.value! };
    if (line.kind === 'continuation') return { raw, eol, kind: 'continuation', section, key: line.key! };
    return { raw, eol, kind: 'other', section };
  });
}

/**
 * The section's keys as the reader reads them (repeated sections merged, the last value winning, which
 * the AWS CLI would refuse; updateIniFile refuses such a file), or undefined if there is no such section.
 */
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
  // Names every reader takes the same way: the AWS CLI, and the SDKs, whose loader knows fewer characters.
  // Stryker disable next-line ConditionalExpression: sectionId is undefined only for '', which the pattern refuses first.
  if (!/^(?:profile )?[\w@+.%:/=,-]+$/.test(section) || sectionId(section) === undefined) {
    throw new AwsmfaError(`${JSON.stringify(section)} cannot be written as an INI section name`, {
      hint: 'Use letters, digits and - _ . @ + = , : / only.',
    });
  }
  for (const [key, value] of Object.entries(values)) {
    if (!KEY_NAME.test(key)) throw new Error(`not a key for an INI file: ${JSON.stringify(key)}`);
    if (value === null) continue;
    // A value must read back the same to every reader: the AWS CLI (no inline comments) and the SDKs
    // (which cut a value at " #" or " ;").
    if (/[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]/.test(value) || value === '' || pyStrip(value) !== value || value.trim() !== value || /\s[#;]/.test(value)) {
      throw new AwsmfaError(`the value for ${key} cannot be written to an INI file as it is`, {
        hint: 'Values must be on one line, without surrounding spaces, and without " #" or " ;" (they start a comment).',
      });
    }
  }
}

/** The key line with its value replaced, its spacing kept. All the rest of the line was the old value (the CLI has no inline comments). */
function replaceValue(raw: string, value: string): string {
  const delimiter = raw.search(/[=:]/);
  const old = raw.slice(delimiter + 1);
  // Stryker disable next-line Regex: a pattern that matches the empty string matches at 0, with or without ^.
  const before = /^[ \t]*/.exec(old)![0];
  const after = /[ \t]*$/.exec(old)![0];
  return `${raw.slice(0, delimiter + 1)}${before}${value}${after}`;
}

/**
 * The text with `values` set in `section`: existing keys keep their line (and its spacing), keys set to
 * null lose their lines, new keys go after the last key of the section's last occurrence, and a missing
 * section is added at the end. A replaced or removed key loses its indented continuation lines, which
 * the AWS CLI reads as part of its value. Everything else is returned unchanged.
 */
export function updateIniText(text: string, section: string, values: IniValues): string {
  checkUpdate(section, values);
  const id = sectionId(section);
  const lines = parseLines(text);
  const eol = /\r\n|\r|\n/.exec(text)?.[0] ?? '\n';
  const pending = new Map(Object.entries(values).map(([key, value]) => [key.toLowerCase(), value]));
  const present = new Set<string>();
  let insertAfter = -1;
  let replacing: string | undefined;
  const out: { raw: string; eol: string }[] = [];
  for (const line of lines) {
    const ours = line.section === id && line.kind !== 'other';
    if (ours && line.kind === 'continuation' && line.key === replacing) continue;
    replacing = undefined;
    // Stryker disable next-line ConditionalExpression: a continuation of a pending key was skipped above, and other lines have no key.
    if (ours && line.kind === 'key' && pending.has(line.key!)) {
      const value = pending.get(line.key!);
      present.add(line.key!);
      replacing = line.key;
      // Stryker disable next-line ConditionalExpression: a pending key always has a value (undefined only for the type's sake).
      if (value === null || value === undefined) continue;
      out.push({ raw: replaceValue(line.raw, value), eol: line.eol });
    } else {
      out.push({ raw: line.raw, eol: line.eol });
    }
    if (ours) insertAfter = out.length - 1;
  }
  const added = Object.entries(values)
    .filter(([key, value]) => value !== null && !present.has(key.toLowerCase()))
    .map(([key, value]) => ({ raw: `${key} = ${value}`, eol }));
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

/** The refusal to change a file the AWS CLI cannot read: writing into it would hide the problem. */
function refuseUnparsable(path: string, problem: IniProblem): AwsmfaError {
  return new AwsmfaError(`the AWS CLI cannot read ${path} ("Unable to parse config file"): line ${problem.line}: ${problem.why}; awsmfa changes nothing in it`, {
    hint: `Fix line ${problem.line} of ${path} first; \`aws configure list-profiles\` reads it without error once it is right.`,
  });
}

/**
 * The text without `section` when every occurrence of it holds only its header and blank lines; with
 * a key, a sub-section or a comment left in it, the text unchanged. The blank line that separated a
 * removed last section from the one before it goes too.
 */
export function withoutEmptySection(text: string, section: string): string {
  const id = sectionId(section);
  const lines = parseLines(text);
  const ours = lines.map((line) => id !== undefined && line.section === id);
  if (!ours.some(Boolean) || lines.some((line, index) => ours[index] && line.kind !== 'header' && line.raw.trim() !== '')) return text;
  const kept = lines.filter((_, index) => !ours[index]);
  if (ours.at(-1) === true) {
    while (kept.length > 0 && kept.at(-1)!.raw.trim() === '') kept.pop();
  }
  return kept.map((line) => line.raw + line.eol).join('');
}

export interface IniFileOptions {
  /** Mode of a file that does not exist yet (an existing file keeps its own). Default 0600. */
  readonly newFileMode?: number;
  /** A section left with nothing but its header (and blank lines) is removed instead of kept empty. */
  readonly dropEmptySection?: boolean;
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
    // Our own pid answers kill(0) too: the shortcut saves a system call, and mutated is equivalent.
    // Stryker disable next-line ConditionalExpression
    let alive = pid === process.pid;
    // Stryker disable next-line ConditionalExpression: see above
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
  // One awsmfa at a time reads, changes and replaces the file: two writers that each read the old file
  // and rename their version over it would lose one of the changes (ten parallel logins kept eight).
  const lock = await lockDevice(SessionCache.forEnvironment(process.env), `file:${target}`, { env: process.env, stderr: process.stderr, what: target, doing: 'changing' });
  try {
    return await replaceSection(path, target, directory, section, values, options);
  } finally {
    lock.release();
  }
}

async function replaceSection(
  path: string,
  target: string,
  directory: string,
  section: string,
  values: IniValues | ((current: Readonly<Record<string, string>> | undefined) => IniValues),
  options: IniFileOptions,
): Promise<IniFileResult> {
  await removeLeftovers(target);
  for (let attempt = 1; ; attempt++) {
    const before = await snapshot(target);
    let text = '';
    if (before.bytes !== undefined) {
      const decoded = decodeIni(before.bytes);
      if ('problem' in decoded) throw refuseUnparsable(path, decoded.problem);
      const problem = parseIni(decoded.text).problem;
      if (problem !== undefined) throw refuseUnparsable(path, problem);
      text = decoded.text;
    }
    const wanted = typeof values === 'function' ? values(readIniSection(text, section)) : values;
    const updated = updateIniText(text, section, wanted);
    const next = options.dropEmptySection === true ? withoutEmptySection(updated, section) : updated;
    const mode = before.mode ?? options.newFileMode ?? 0o600;
    if (before.bytes !== undefined && next === text) return { path: target, created: false, changed: false, mode };

    const temporary = join(directory, `${temporaryPrefix(target)}${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      try {
        // Stryker disable next-line StringLiteral: UTF-8 is Buffer.from's default.
        await handle.writeFile(Buffer.from(next, 'utf8'));
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
      // Another program (aws configure, an editor) changed the file while we worked on it: start again
      // from its version; if it keeps changing, give up rather than replace what it wrote.
      if ((await currentStamp(target)) !== before.stamp) {
        await unlink(temporary);
        if (attempt < 3) continue;
        throw new AwsmfaError(`${target} kept changing while awsmfa was updating [${section}] in it; nothing was written`, {
          hint: 'Another program is writing to it (aws configure, an editor?): let it finish, then run this again.',
        });
      }
      await platform.replaceFile(temporary, target);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
    await syncDirectory(directory);
    return { path: target, created: before.bytes === undefined, changed: true, mode };
  }
}

/** Makes the rename itself durable; some file systems cannot, which costs only durability. */
// Stryker disable all: only a power cut between the rename and the next flush would show a mutant here.
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
// Stryker restore all
