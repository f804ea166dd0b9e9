/**
 * Running code in real, clean shells from tests: no user configuration, a throwaway HOME, only the
 * environment a test asks for. Everything is asynchronous, because other tests serve HTTP from the
 * same process and a synchronous child would stall them.
 *
 *     if (!(await requireShell(t, 'fish'))) return;          // skipped visibly when fish is missing
 *     const after = await envAfter('fish', code, ['AWS_ACCESS_KEY_ID'], { env: { AWS_PROFILE: 'x' } });
 *     assert.equal(after.status, 0);
 *     assert.equal(after.vars.AWS_ACCESS_KEY_ID, 'AKIA…');
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';
import type { ShellName } from '../../src/shell/dialect.js';
import { PWSH_QUIET, pwshAvailable, pwshPath } from './pwsh.js';

interface ShellProgram {
  readonly command: string;
  /** Arguments that run a script file without reading any startup file the shell lets us skip. */
  readonly args: (scriptFile: string) => string[];
  readonly extension: string;
}

const PROGRAMS: Readonly<Record<ShellName, ShellProgram>> = {
  bash: { command: 'bash', args: (file) => ['--norc', '--noprofile', file], extension: '.bash' },
  // -f skips every startup file but /etc/zshenv, which zsh always reads.
  zsh: { command: 'zsh', args: (file) => ['-f', file], extension: '.zsh' },
  // --no-config skips config.fish, conf.d and universal variables (fish 3.6+). fish still creates
  // ~/.config/fish and ~/.local/share/fish, which is one reason HOME is a temporary directory.
  fish: { command: 'fish', args: (file) => ['--no-config', file], extension: '.fish' },
  // Found on PATH or in ~/.dotnet/tools (see ./pwsh.ts).
  pwsh: {
    command: 'pwsh',
    args: (file) => ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', file],
    extension: '.ps1',
  },
};

const availability = new Map<ShellName, Promise<boolean>>();

/** Whether the shell's program is there (looked up, not started). */
export function shellAvailable(name: ShellName): Promise<boolean> {
  let found = availability.get(name);
  if (!found) {
    found = name === 'pwsh' ? pwshAvailable() : onPath(PROGRAMS[name].command);
    availability.set(name, found);
  }
  return found;
}

/** The program to start for the shell: pwsh may live outside PATH, where `dotnet tool` puts it. */
async function programPath(name: ShellName): Promise<string> {
  return (name === 'pwsh' ? await pwshPath() : undefined) ?? PROGRAMS[name].command;
}

async function onPath(command: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      await access(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/**
 * For the first lines of a test: true when the shell is there; otherwise marks the test skipped
 * with '<shell> not installed' (so it shows in the report, never as a pass) and returns false.
 */
export async function requireShell(t: TestContext, name: ShellName): Promise<boolean> {
  if (await shellAvailable(name)) return true;
  t.skip(`${name} not installed`);
  return false;
}

export interface RunOptions {
  /** The whole environment besides PATH, HOME (a fresh empty directory) and LANG=C.UTF-8, which it may override. */
  readonly env?: Readonly<Record<string, string>>;
  readonly stdin?: string | Buffer;
  /** Defaults to the temporary HOME. */
  readonly cwd?: string;
  /** The shell is killed after this long (default 20 s) and the run rejects. */
  readonly timeoutMs?: number;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  /** The shell's exit code; null when a signal ended it. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Runs a script (written to a temporary file, never passed as argv) in a clean, non-interactive shell. */
export async function runShell(name: ShellName, script: string, options: RunOptions = {}): Promise<RunResult> {
  const program = PROGRAMS[name];
  return withTempDir(async (dir) => {
    const home = join(dir, 'home');
    await mkdir(home);
    const scriptFile = join(dir, `script${program.extension}`);
    await writeFile(scriptFile, script);
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', ...(name === 'pwsh' ? PWSH_QUIET : {}), ...options.env };
    return spawnCollect(await programPath(name), program.args(scriptFile), {
      env,
      cwd: options.cwd ?? home,
      stdin: options.stdin,
      timeoutMs: options.timeoutMs ?? 20_000,
    });
  });
}

function spawnCollect(
  command: string,
  args: string[],
  options: { env: Record<string, string>; cwd: string; stdin: string | Buffer | undefined; timeoutMs: number },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // A shell that exits without reading its stdin makes the write fail with EPIPE; that is not an error here.
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin ?? '');
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = {
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        code,
        signal,
      };
      if (timedOut) {
        reject(new Error(`${command} did not finish within ${options.timeoutMs} ms\n${describe(result)}`));
      } else {
        resolve(result);
      }
    });
  });
}

/**
 * How a user applies awsmfa's output, with the output read from `file` instead of awsmfa's stdout:
 * bash/zsh `eval "$(…)"`, fish `… | source`, PowerShell `… | Out-String | Invoke-Expression`.
 */
export function applyFileStatement(shell: ShellName, file: string): string {
  const path = plainPath(file);
  switch (shell) {
    case 'bash':
    case 'zsh':
      return `eval "$(cat '${path}')"`;
    case 'fish':
      return `cat '${path}' | source`;
    case 'pwsh':
      return `cat '${path}' | Out-String | Invoke-Expression`;
  }
}

export interface EnvAfterOptions extends RunOptions {
  /** Shell code run first, e.g. options a user's interactive shell may have (`setopt rc_quotes`). */
  readonly prelude?: string;
  /** Apply from inside a shell function, as the integration's `awsmfa` wrapper does. */
  readonly inFunction?: boolean;
}

export interface EnvAfterResult extends RunResult {
  /** The status of the eval / source / Invoke-Expression itself (pwsh: 0 when it succeeded, else 1). */
  readonly status: number;
  /** Each requested name as a child process then sees it: its value, or null when it is not in the environment. */
  readonly vars: Record<string, string | null>;
  /** The same values as the exact bytes of the environment. */
  readonly bytes: Record<string, Buffer | null>;
}

/** Applies `code` the way a user applies awsmfa's output, then reports the status and the environment. */
export async function envAfter(
  shell: ShellName,
  code: string,
  names: readonly string[],
  options: EnvAfterOptions = {},
): Promise<EnvAfterResult> {
  return withTempDir(async (dir) => {
    const codeFile = join(dir, 'code');
    await writeFile(codeFile, code);
    return envAfterStatement(shell, applyFileStatement(shell, codeFile), names, options);
  });
}

/**
 * Runs one statement (e.g. `eval "$(awsmfa env doug)"`) in a clean shell, then reports its status and
 * the environment a child process would get. Rejects when the shell did not get as far as the report
 * (it exited, or the statement ended the script).
 */
export async function envAfterStatement(
  shell: ShellName,
  statement: string,
  names: readonly string[],
  options: EnvAfterOptions = {},
): Promise<EnvAfterResult> {
  return withTempDir(async (dir) => {
    const envFile = join(dir, 'env');
    const statusFile = join(dir, 'status');
    const script = REPORTING_SCRIPTS[shell]({
      prelude: options.prelude ?? '',
      statement,
      inFunction: options.inFunction ?? false,
      envFile: plainPath(envFile),
      statusFile: plainPath(statusFile),
    });
    const run = await runShell(shell, script, options);
    let environment: Buffer;
    let status: string;
    try {
      environment = await readFile(envFile);
      status = (await readFile(statusFile, 'utf8')).trim();
    } catch {
      throw new Error(`${shell} stopped before reporting its environment\n${describe(run)}`);
    }
    if (!/^\d+$/.test(status)) throw new Error(`${shell} reported the status ${JSON.stringify(status)}\n${describe(run)}`);
    const all = parseEnvironment(environment);
    const bytes: Record<string, Buffer | null> = {};
    const vars: Record<string, string | null> = {};
    for (const name of names) {
      const value = all.get(name);
      bytes[name] = value ?? null;
      vars[name] = value === undefined ? null : value.toString('utf8');
    }
    return { ...run, status: Number(status), vars, bytes };
  });
}

interface ReportingScript {
  readonly prelude: string;
  readonly statement: string;
  readonly inFunction: boolean;
  readonly envFile: string;
  readonly statusFile: string;
}

/**
 * Per shell: run the prelude, then the statement (maybe inside a function), then save its status and
 * `env -0` (the exact bytes a child process receives) to files, away from anything the code prints.
 */
const REPORTING_SCRIPTS: Readonly<Record<ShellName, (s: ReportingScript) => string>> = {
  bash: posixReport,
  zsh: posixReport,
  fish: (s) =>
    [
      s.prelude,
      ...(s.inFunction
        ? ['function __awsmfa_test_apply', s.statement, 'end', '__awsmfa_test_apply']
        : [s.statement]),
      'set __awsmfa_test_status $status',
      `env -0 > '${s.envFile}'`,
      `printf '%s\\n' $__awsmfa_test_status > '${s.statusFile}'`,
      '',
    ].join('\n'),
  pwsh: (s) =>
    [
      s.prelude,
      ...(s.inFunction ? ['function __awsmfa_test_apply {', s.statement, '}'] : []),
      '$__awsmfa_test_ok = $false',
      'try {',
      s.inFunction ? '__awsmfa_test_apply' : s.statement,
      '$__awsmfa_test_ok = $?',
      '} catch { $__awsmfa_test_ok = $false }',
      '$__awsmfa_test_vars = [Environment]::GetEnvironmentVariables()',
      "$__awsmfa_test_text = ''",
      'foreach ($__awsmfa_test_key in $__awsmfa_test_vars.Keys) {',
      "  $__awsmfa_test_text += $__awsmfa_test_key + '=' + $__awsmfa_test_vars[$__awsmfa_test_key] + [char]0",
      '}',
      `[IO.File]::WriteAllText('${s.envFile}', $__awsmfa_test_text)`,
      `[IO.File]::WriteAllText('${s.statusFile}', $(if ($__awsmfa_test_ok) { '0' } else { '1' }))`,
      '',
    ].join('\n'),
};

function posixReport(s: ReportingScript): string {
  return [
    s.prelude,
    ...(s.inFunction ? ['__awsmfa_test_apply() {', s.statement, '}', '__awsmfa_test_apply'] : [s.statement]),
    '__awsmfa_test_status=$?',
    `env -0 > '${s.envFile}'`,
    `printf '%s\\n' "$__awsmfa_test_status" > '${s.statusFile}'`,
    '',
  ].join('\n');
}

/** `env -0` output: NAME=VALUE entries, each ended by NUL (which no name or value can contain). */
function parseEnvironment(dump: Buffer): Map<string, Buffer> {
  const entries = new Map<string, Buffer>();
  let start = 0;
  while (start < dump.length) {
    let end = dump.indexOf(0, start);
    if (end === -1) end = dump.length;
    const entry = dump.subarray(start, end);
    const equals = entry.indexOf(0x3d);
    if (equals > 0) entries.set(entry.subarray(0, equals).toString('utf8'), Buffer.from(entry.subarray(equals + 1)));
    start = end + 1;
  }
  return entries;
}

/**
 * Temporary paths go into the scripts as-is between single quotes, which reads them literally in every
 * shell as long as they hold no quote, no line break and (for fish) no double or final backslash.
 */
function plainPath(path: string): string {
  if (/['\n\r\u2018-\u201B]|\\\\|\\$/.test(path)) throw new Error(`cannot put ${JSON.stringify(path)} into a test script`);
  return path;
}

async function withTempDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'awsmfa-shell-'));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function describe(run: RunResult): string {
  return `exit code: ${run.code ?? run.signal}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
}
