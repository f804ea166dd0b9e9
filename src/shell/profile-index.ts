/**
 * What the shell integration needs to know about the AWS config (profile names for completion, the
 * per-profile aliases), computed here and kept in one file per shell under the cache directory, so
 * that a shell never parses the config itself and its start costs the same with 5 profiles or 5,000.
 *
 * The file is plain lines that a shell reads with one builtin (bash's mapfile, zsh's $(<file), fish's
 * read, .NET's ReadAllLines); nothing in it is parsed as code. A shell trusts it while no watched path
 * is newer than the file and the recorded environment is its own; otherwise it asks for a new one.
 *
 * Why the file's modification time is set back to the second before the config was read: a shell
 * compares times with a builtin test, in whole seconds in bash 3.2 and fish. A change made in the same
 * second as the read would otherwise look no newer than the index and be missed; with the index dated
 * a second earlier, every change after the read is newer, whatever the resolution. A file changed in
 * the second before the read makes the index look stale once more, and the next shell refreshes it
 * again: one more run, never a missed change. The parent directories are watched too, because an
 * editor that saves by renaming a new file over the old one (or `mv backup config`) may leave a
 * modification time older than the index, while the directory's changes with every rename.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, readFile, readdir, rename, stat, unlink, utimes } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { loadProfiles, profileFiles, type ProfileSet } from '../aws/profiles.js';
import { profileNames } from '../report/profiles.js';
import { SessionCache } from '../session/cache.js';
import type { Dialect } from './dialect.js';

/** The index's first line: its layout, which each shell's code checks before it reads anything else. */
export function indexFormat(dialect: Dialect): string {
  return `awsmfa-index ${dialect.index.version}`;
}

/** The lines before the profile names, in order; the shells read them by position. */
export interface IndexHeader {
  /** The environment the index was made for, as the shell sees it; any difference means refresh. */
  readonly configVariable: string;
  readonly credentialsVariable: string;
  readonly home: string;
  readonly path: string;
  readonly aliasPrefix: string;
  /** What the shell tests with -nt (or its own equivalent): the two files and their directories. */
  readonly watched: readonly [string, string, string, string];
  /** fish: the directory of alias functions it adds to fish_function_path; empty elsewhere. */
  readonly functionDir: string;
}

export interface AliasEntry {
  /** The alias: prefix + profile. */
  readonly name: string;
  readonly profile: string;
}

export interface IndexContent {
  readonly header: IndexHeader;
  /** Every profile, for completion. */
  readonly profiles: readonly string[];
  /** Profiles with mfa_serial or role_arn whose alias name the shell can take and nothing else has. */
  readonly aliases: readonly AliasEntry[];
  /** Alias names left out because a command on PATH or a builtin of the shell already has them. */
  readonly shadowed: readonly { readonly name: string; readonly by: string }[];
}

/** How a dialect puts its part of the index into lines, and what its shell already names. */
export interface IndexDialect {
  /**
   * The version of this shell's index, in its first line: raised whenever the lines change, so that an
   * index an older awsmfa wrote is made again rather than read as the new layout.
   */
  readonly version: number;
  /** The lines after the profile names: the aliases, and whatever else this shell loads from the index. */
  aliasLines(aliases: readonly AliasEntry[], profiles: readonly string[]): string[];
  /** Whether the shell can take `name` as an alias (or alias function) name. */
  isAliasName(name: string): boolean;
  /** The shell's builtins and keywords: an alias of one of these names would hide it. */
  readonly builtins: ReadonlySet<string>;
  /** Whether an alias would hide a command on PATH (false where aliases are resolved only when nothing else is found). */
  readonly aliasesShadowCommands: boolean;
  /** fish: one autoloaded function file per alias, kept in a directory; its file name and text. */
  functionFile?(alias: AliasEntry): { file: string; text: string };
  /**
   * bash, zsh: the aliases in a file of their own next to the index (`aliases-<prefix>.<shell>`), so
   * that a start reads the index's header and this file, never the profile names before the aliases:
   * zsh's as code it compiles, bash's as the lines of its one `alias` call.
   */
  aliasFile?(aliases: readonly AliasEntry[]): string;
}

export function indexDirectory(env: NodeJS.ProcessEnv): string {
  return join(SessionCache.forEnvironment(env).dir, 'shell');
}

/**
 * One index per shell and alias prefix, so that shells loading the integration with different
 * prefixes do not take turns replacing one file. The shells spell the prefix in the name the same way.
 */
function fileName(kind: string, dialect: Dialect, aliasPrefix: string): string {
  return `${kind}-${aliasPrefix.replace(/[^A-Za-z0-9_-]/g, '_')}.${dialect.name}`;
}

export function indexFile(dialect: Dialect, env: NodeJS.ProcessEnv, aliasPrefix: string): string {
  return join(indexDirectory(env), fileName('index', dialect, aliasPrefix));
}

function functionDirectory(dialect: Dialect, env: NodeJS.ProcessEnv, aliasPrefix: string): string {
  return join(indexDirectory(env), fileName('functions', dialect, aliasPrefix));
}

/** Names of the executables in the directories of PATH, each with the first directory holding it. */
export async function commandsOnPath(path: string | undefined, wanted: ReadonlySet<string>): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '' || !dir.startsWith('/')) continue;
    const entries = await readdir(dir).catch(() => [] as string[]);
    for (const entry of entries) {
      if (!wanted.has(entry) || found.has(entry)) continue;
      const info = await stat(join(dir, entry)).catch(() => undefined);
      if (info?.isFile() && (info.mode & 0o111) !== 0) found.set(entry, join(dir, entry));
    }
  }
  return found;
}

/** Profiles that get an alias: those with mfa_serial or role_arn. */
export function aliasProfiles(profiles: ProfileSet): string[] {
  return profileNames(profiles).filter((name) => profiles.value(name, 'mfa_serial') !== undefined || profiles.value(name, 'role_arn') !== undefined);
}

export function headerFor(dialect: Dialect, env: NodeJS.ProcessEnv, aliasPrefix: string): IndexHeader {
  const files = profileFiles(env);
  return {
    configVariable: env.AWS_CONFIG_FILE ?? '',
    credentialsVariable: env.AWS_SHARED_CREDENTIALS_FILE ?? '',
    home: env.HOME ?? '',
    path: dialect.index.aliasesShadowCommands ? (env.PATH ?? '') : '',
    aliasPrefix,
    watched: [files.configPath, files.credentialsPath, dirname(files.configPath), dirname(files.credentialsPath)],
    functionDir: dialect.index.functionFile ? functionDirectory(dialect, env, aliasPrefix) : '',
  };
}

/** The index for a shell: the config as awsmfa reads it; a config it cannot read is no profiles, silently. */
export async function computeIndex(dialect: Dialect, env: NodeJS.ProcessEnv, aliasPrefix: string): Promise<IndexContent> {
  const header = headerFor(dialect, env, aliasPrefix);
  let profiles: ProfileSet | undefined;
  try {
    profiles = await loadProfiles(env);
  } catch {
    // The shell asked nothing of the user: it starts with no profile names and says nothing.
    profiles = undefined;
  }
  const names = profiles ? profileNames(profiles) : [];
  const candidates = (profiles ? aliasProfiles(profiles) : [])
    .map((profile) => ({ name: `${aliasPrefix}${profile}`, profile }))
    .filter((alias) => alias.name !== '' && dialect.index.isAliasName(alias.name));
  const onPath = dialect.index.aliasesShadowCommands ? await commandsOnPath(env.PATH, new Set(candidates.map((alias) => alias.name))) : new Map<string, string>();
  const shadowed: { name: string; by: string }[] = [];
  const aliases = candidates.filter((alias) => {
    const by = dialect.index.builtins.has(alias.name) ? `a ${dialect.name} builtin` : onPath.get(alias.name);
    if (by !== undefined) shadowed.push({ name: alias.name, by });
    return by === undefined;
  });
  return { header, profiles: names, aliases, shadowed };
}

/** Lines that must stay one line each: a value holding a line break could not be read back. */
function oneLine(value: string): string {
  return value.replace(/[\r\n]/g, '\u0000');
}

export function renderIndex(dialect: Dialect, content: IndexContent): string {
  const h = content.header;
  const lines = [
    indexFormat(dialect),
    h.configVariable,
    h.credentialsVariable,
    h.home,
    h.path,
    h.aliasPrefix,
    ...h.watched,
    h.functionDir,
    String(content.profiles.length),
    ...content.profiles,
    ...dialect.index.aliasLines(content.aliases, content.profiles),
  ];
  return `${lines.map(oneLine).join('\n')}\n`;
}

/** Writes `text` to `path` atomically (temporary file + rename), 0600, dated `mtime`. */
async function writeAtomically(path: string, text: string, mtime?: Date): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
  try {
    if (mtime) await utimes(temporary, mtime, mtime);
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

/** fish: one function file per alias; files of aliases that are gone are removed. */
async function syncFunctionFiles(dialect: Dialect, dir: string, aliases: readonly AliasEntry[]): Promise<void> {
  const make = dialect.index.functionFile;
  if (!make) return;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const wanted = new Map(aliases.map((alias) => [make(alias).file, make(alias).text]));
  // Only function files: a `.tmp` here is another run's write in progress (shells started at once).
  for (const entry of await readdir(dir)) {
    if (entry.endsWith('.fish') && !wanted.has(entry)) await unlink(join(dir, entry)).catch(() => undefined);
  }
  for (const [file, text] of wanted) {
    const path = join(dir, file);
    const existing = await readFile(path, 'utf8').catch(() => undefined);
    if (existing !== text) await writeAtomically(path, text);
  }
}

/** Makes and writes the index of one shell. Returns what it wrote. */
export async function refreshIndex(dialect: Dialect, env: NodeJS.ProcessEnv, aliasPrefix: string): Promise<IndexContent> {
  const readAt = Date.now();
  const content = await computeIndex(dialect, env, aliasPrefix);
  await SessionCache.forEnvironment(env).ensureDirectory();
  const dir = indexDirectory(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  if (content.header.functionDir) await syncFunctionFiles(dialect, content.header.functionDir, content.aliases);
  // Dated the whole second before the read began: see the comment at the top.
  const stamp = new Date((Math.floor(readAt / 1000) - 1) * 1000);
  // Before the index, so that a shell that sees the new index finds the aliases that go with it.
  const aliasText = dialect.index.aliasFile?.(content.aliases);
  if (aliasText !== undefined) await writeAtomically(join(dir, fileName('aliases', dialect, aliasPrefix)), aliasText, stamp);
  await writeAtomically(indexFile(dialect, env, aliasPrefix), renderIndex(dialect, content), stamp);
  return content;
}

/** Whether a shell of this kind would trust its index as it stands: the same rules as the shell code. */
export async function indexIsFresh(dialect: Dialect, env: NodeJS.ProcessEnv, aliasPrefix: string): Promise<boolean> {
  const path = indexFile(dialect, env, aliasPrefix);
  const [info, text] = await Promise.all([lstat(path).catch(() => undefined), readFile(path, 'utf8').catch(() => undefined)]);
  if (!info || text === undefined) return false;
  const lines = text.split('\n');
  const h = headerFor(dialect, env, aliasPrefix);
  const expected = [indexFormat(dialect), h.configVariable, h.credentialsVariable, h.home, h.path, h.aliasPrefix].map(oneLine);
  if (expected.some((line, i) => lines[i] !== line)) return false;
  for (const watched of h.watched) {
    const seen = await stat(watched).catch(() => undefined);
    if (seen && seen.mtimeMs > info.mtimeMs) return false;
  }
  return true;
}
