/**
 * Is the shell integration (the `awsmfa` wrapper that makes `use` and `unset` apply to the shell, and
 * the prompt countdown) set up for the shell doctor was started from? A child process cannot see the
 * parent shell's functions, so the answer comes from the startup files that would load it.
 */
import { readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ProfileSet } from '../aws/profiles.js';
import { platform } from '../platform/index.js';
import { dialectFor, type ShellName } from '../shell/index.js';
import { shellsDirectory, type StartupFiles } from '../shell/integration.js';
import { aliasProfiles, commandsOnPath } from '../shell/profile-index.js';
import { result, type CheckResult } from './report.js';

/** The startup files of `shell`, from that shell's own module. */
function shellFiles(shell: ShellName, env: NodeJS.ProcessEnv): StartupFiles {
  return dialectFor(shell).integration.startupFiles(platform.home(env), platform.configHome(env), env);
}

/** A line that mentions awsmfa and is not a comment. */
function loadingLine(text: string): { line: number; text: string } | undefined {
  const lines = text.split(/\r?\n/);
  const index = lines.findIndex((line) => /awsmfa/.test(line) && !/^\s*#/.test(line));
  return index < 0 ? undefined : { line: index + 1, text: (lines[index] ?? '').trim() };
}

async function readOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

export async function checkIntegration(shell: ShellName, env: NodeJS.ProcessEnv): Promise<CheckResult> {
  if (env.AWSMFA_DEMO_DIR) return result('shell-integration', 'info', `${shell}: loaded by \`awsmfa demo\` for this demo shell`);
  const files = shellFiles(shell, env);
  const candidates = [...files.startup];
  for (const dir of files.startupDirs) {
    const names = await readdir(dir).catch(() => [] as string[]);
    candidates.push(...names.filter((name) => name.endsWith('.fish')).sort().map((name) => join(dir, name)));
  }
  for (const path of candidates) {
    const text = await readOrUndefined(path);
    const found = text === undefined ? undefined : loadingLine(text);
    if (found !== undefined) {
      return result('shell-integration', 'ok', `${shell}: ${path} line ${found.line} loads the integration (${found.text.length > 80 ? `${found.text.slice(0, 77)}...` : found.text})`);
    }
  }
  // Advice, not a problem: `eval "$(awsmfa env doug)"` is a first-class way to use awsmfa without it.
  return result(
    'shell-integration',
    'info',
    `${shell}: the integration is not loaded by any startup file (${candidates.length > 0 ? 'looked in ' + files.startup.map((p) => p.replace(platform.home(env), '~')).join(', ') : 'none found'}); without it, ${dialectFor(shell).applyLine('awsmfa env PROFILE')} works; with it come \`awsmfa use\`, the prompt countdown and aliases`,
    howToInstall(files.suggestion),
  );
}

/**
 * The fix for a missing integration as this awsmfa was installed: from a git checkout, its install.sh
 * (by its path, as doctor may run anywhere); installed by npm, where install.sh would only add a
 * second launcher, the line for the shell's startup file.
 */
function howToInstall(suggestion: string): string {
  let root: string | undefined;
  try {
    root = dirname(shellsDirectory());
  } catch {
    root = undefined;
  }
  if (root !== undefined && existsSync(join(root, '.git')) && existsSync(join(root, 'install.sh'))) {
    return `Run ${join(root, 'install.sh')}, or ${suggestion}`;
  }
  return suggestion.charAt(0).toUpperCase() + suggestion.slice(1);
}

export const DEFAULT_ALIAS_PREFIX = 'aws-';

/**
 * Profiles that get no alias (`aws-<profile>`) in this shell: the name cannot be one, or it already
 * names a builtin of the shell or a command on PATH, which an alias would hide (aws-vault for a
 * profile named `vault`). The same rules the profile index applies (src/shell/profile-index.ts).
 */
export async function checkAliases(shell: ShellName, profiles: ProfileSet, env: NodeJS.ProcessEnv): Promise<CheckResult> {
  const dialect = dialectFor(shell);
  const candidates = aliasProfiles(profiles);
  const invalid = candidates.filter((name) => !dialect.index.isAliasName(`${DEFAULT_ALIAS_PREFIX}${name}`));
  const usable = candidates.filter((name) => dialect.index.isAliasName(`${DEFAULT_ALIAS_PREFIX}${name}`));
  const onPath = dialect.index.aliasesShadowCommands ? await commandsOnPath(env.PATH, new Set(usable.map((name) => `${DEFAULT_ALIAS_PREFIX}${name}`))) : new Map<string, string>();
  const taken = usable.flatMap((name) => {
    const alias = `${DEFAULT_ALIAS_PREFIX}${name}`;
    const by = dialect.index.builtins.has(alias) ? `a ${shell} builtin` : onPath.get(alias);
    return by === undefined ? [] : [`${alias} (${by} has that name; use \`awsmfa use ${name}\`)`];
  });
  if (invalid.length === 0 && taken.length === 0) {
    return result('aliases', 'ok', candidates.length === 0 ? `${shell}: no profile to make an alias for` : `${shell}: every MFA or role profile gets an alias (${DEFAULT_ALIAS_PREFIX}${candidates[0]}${candidates.length > 1 ? ', …' : ''})`);
  }
  const parts: string[] = [];
  if (invalid.length > 0) {
    const names = invalid.map((name) => JSON.stringify(name)).join(', ');
    parts.push(`no ${DEFAULT_ALIAS_PREFIX}<profile> alias for ${names}: ${invalid.length === 1 ? 'that name is' : 'those names are'} not usable as a ${shell} alias; use \`awsmfa use ${JSON.stringify(invalid[0])}\` instead`);
  }
  if (taken.length > 0) parts.push(`no alias that would hide a command: ${taken.join(', ')}`);
  return result('aliases', 'info', `${shell}: ${parts.join('; ')}`);
}

/**
 * Whether Tab completes awsmfa in a new interactive shell of this kind, for the shells where it can be
 * missing although the integration loads (see completionProbe). Undefined where nothing can go wrong.
 */
export async function checkCompletion(shell: ShellName, env: NodeJS.ProcessEnv): Promise<CheckResult | undefined> {
  const probe = dialectFor(shell).integration.completionProbe;
  if (probe === undefined) return undefined;
  // Loaded here, not at start-up: every command's start would pay for it.
  const { execFile } = await import('node:child_process');
  const outcome = await new Promise<{ stdout: string; error: { code?: string | number | null } | null }>((resolve) => {
    execFile(probe.program, [...probe.args], { env, cwd: platform.home(env), timeout: 15_000 }, (error, stdout) => resolve({ stdout: String(stdout), error }));
  });
  if (outcome.error?.code === 'ENOENT') return result('shell-completion', 'skip', `${shell}: not installed here, so Tab completion was not tried`);
  if (outcome.stdout.includes('awsmfa completes')) return result('shell-completion', 'ok', `${shell}: Tab completes awsmfa in a new ${shell}`);
  return result('shell-completion', 'warn', `${shell}: Tab does not complete awsmfa in a new ${shell}: its completion system is not started`, probe.fix);
}
