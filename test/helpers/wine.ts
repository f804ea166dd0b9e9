/**
 * The built CLI run by Node.js for Windows under Wine (tools/node-windows.sh of the shared tools):
 * process.platform is 'win32' there, and Linux paths are reached as Z:\… paths. Each run gets a
 * Windows profile of its own (LOCALAPPDATA, USERPROFILE) inside the test's temporary home.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { CLI, ROOT, type RunResult, type World } from './fixture.js';

export const NODE_WINDOWS = process.env.AWSMFA_NODE_WINDOWS ?? join(ROOT, '..', 'shared', 'tools', 'node-windows.sh');
const NODE_WINDOWS_HOME = process.env.NODE_WINDOWS_HOME ?? join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'node-windows');
const PRELOAD = join(ROOT, 'test', 'helpers', 'wine-profile.cjs');

/** A Linux path as Windows programs under Wine see it. */
export function windowsPath(path: string): string {
  return `Z:${path.replaceAll('/', '\\')}`;
}

let check: Promise<string | undefined> | undefined;

/** Why the Wine tests cannot run here, or undefined when they can. */
export function wineMissing(): Promise<string | undefined> {
  check ??= (async () => {
    try {
      await access(NODE_WINDOWS, constants.X_OK);
    } catch {
      return `${NODE_WINDOWS} not found: Node.js for Windows cannot be run`;
    }
    const found = await run('sh', ['-c', 'command -v wine'], { PATH: process.env.PATH ?? '/usr/bin:/bin' });
    if (found.code !== 0) return 'wine not installed (apt-get install wine64)';
    const setup = await run(NODE_WINDOWS, ['--setup'], wineEnvironment({}));
    return setup.code === 0 ? undefined : `node-windows.sh --setup failed: ${setup.stderr.trim().split('\n').pop()}`;
  })();
  return check;
}

/** For the first lines of a test: true when Wine can run node.exe; otherwise skips the test visibly. */
export async function requireWine(t: TestContext): Promise<boolean> {
  const missing = await wineMissing();
  if (missing === undefined) return true;
  t.skip(missing);
  return false;
}

/** What node-windows.sh needs on the Linux side, plus `windows`, which Wine passes on to node.exe. */
function wineEnvironment(windows: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? homedir(),
    NODE_WINDOWS_HOME,
    WINEDEBUG: '-all',
    ...windows,
  };
}

/**
 * The environment of awsmfa for Windows in `world`: the world's variables with Z:\ paths, no XDG or
 * HOME (Windows has neither), and its own LOCALAPPDATA and USERPROFILE under the world's home.
 */
export function windowsEnvironment(world: World, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(world.env)) {
    if (name === 'PATH' || name === 'HOME' || name.startsWith('XDG_')) continue;
    env[name] = value.startsWith('/') ? windowsPath(value) : value;
  }
  return {
    ...env,
    AWSMFA_TEST_LOCALAPPDATA: windowsPath(join(world.home, 'AppData', 'Local')),
    AWSMFA_TEST_USERPROFILE: windowsPath(world.home),
    ...extra,
  };
}

function run(program: string, args: readonly string[], env: Record<string, string>, stdin = '', timeoutMs = 120_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { env, cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ stdout, stderr, code, signal }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
  });
}

/** The command line that runs the built CLI under Wine, for a terminal (tmux) to start. */
export function windowsCommand(args: readonly string[]): string[] {
  return [NODE_WINDOWS, '-r', windowsPath(PRELOAD), windowsPath(CLI), ...args];
}

/** Linux-side variables node-windows.sh needs, for a terminal (tmux) to start it with. */
export function wineLauncherEnvironment(windows: Record<string, string>): Record<string, string> {
  return wineEnvironment(windows);
}

/** Runs the built CLI with Node.js for Windows, with `windows` as its environment (Wine adds its own). */
export function awsmfaWindows(args: readonly string[], options: { env: Record<string, string>; stdin?: string }): Promise<RunResult> {
  const [program, ...rest] = windowsCommand(args);
  return run(program!, rest, wineEnvironment(options.env), options.stdin ?? '');
}

/** Runs a script of the tests with Node.js for Windows (no preload, no awsmfa). */
export function runWindowsScript(script: string, args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  return run(NODE_WINDOWS, [windowsPath(script), ...args], wineEnvironment(env));
}

/** The Linux path of node.exe (node-windows.sh --setup prints it). */
export async function nodeExe(): Promise<string> {
  const setup = await run(NODE_WINDOWS, ['--setup'], wineEnvironment({}));
  return setup.stdout.trim();
}

/** The Wine prefix node-windows.sh prepares, for a test that runs wine itself. */
export function winePrefix(): string {
  return join(NODE_WINDOWS_HOME, `prefix-${process.env.NODE_WINDOWS_VERSION ?? '20'}`);
}
