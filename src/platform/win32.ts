/**
 * Windows. There are no POSIX modes (Node reports 0666 or 0444 for every file) and no owner ids, so a
 * file's mode says nothing about who can read it. What makes a file private there is its ACL, and
 * Node cannot read ACLs without starting a program, which every cached `env` would then pay for.
 * So the guarantee is made where it is cheap: the cache lives under %LOCALAPPDATA%, which Windows
 * gives to the user alone (with SYSTEM and the administrators), and the folder awsmfa creates there
 * has its inherited ACL replaced by one that grants the user alone, with icacls, once. `awsmfa doctor`
 * reads the ACLs back (see ./acl.ts) and names anyone else who has access.
 */
// fs.promises and timers.promises are loaded when first used: both platforms are in the cached `env`'s
// bundle, which uses neither.
import { existsSync, promises as fs, type Stats } from 'node:fs';
import { win32 as path } from 'node:path';
import { promises as timers } from 'node:timers';
import { AwsmfaError } from '../errors.js';
import { nodeOs } from './node-os.js';
import type { Platform } from './platform.js';

/** icacls's name for this user; DOMAIN\user when the domain is known. */
export function accountName(env: NodeJS.ProcessEnv): string {
  const user = env.USERNAME || path.basename(nodeOs().homedir());
  return env.USERDOMAIN ? `${env.USERDOMAIN}\\${user}` : user;
}

/**
 * The full path of `program` in a folder of PATH, or undefined. Windows would look in the current
 * folder first, where anyone who can put a file could stand in for icacls or PowerShell.
 */
export function findOnPath(program: string, env: NodeJS.ProcessEnv): string | undefined {
  // Windows' environment names are case-insensitive; Node's copy of it keeps the case it was given.
  const value = Object.entries(env).find(([name]) => name.toLowerCase() === 'path')?.[1] ?? '';
  for (const dir of value.split(';')) {
    if (dir === '' || !path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, program);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

async function icacls(args: readonly string[]): Promise<string> {
  const program = findOnPath('icacls.exe', process.env);
  if (program === undefined) throw new Error('icacls.exe is not on PATH');
  // Loaded here: a run that creates nothing never needs child_process.
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    execFile(program, [...args], { windowsHide: true, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`icacls says: ${(stderr || stdout || error.message).trim().split(/\r?\n/)[0]}`));
      else resolve(stdout);
    });
  });
}

/** The grant that leaves the user alone: inheritance off, every other entry dropped. */
export function privateAclArguments(target: string, account: string, directory: boolean): string[] {
  return [target, '/inheritance:r', '/grant:r', `${account}:${directory ? '(OI)(CI)F' : 'F'}`];
}

/** What a replacement may meet: a reader (an editor, a virus scanner) that opened the file without sharing its deletion. */
const BUSY = new Set(['EPERM', 'EACCES', 'EBUSY']);
/** Such readers hold a file for milliseconds; beyond this, the error is real. */
const REPLACE_PATIENCE_MS = 5_000;

/**
 * rename() over a file another process holds open fails on Windows unless that process allowed
 * deletion when it opened the file (Node and awsmfa do; some programs do not). Retrying for a few
 * seconds outlasts such a reader; the target is never removed first, so a reader that looks in the
 * meantime finds the old file, whole.
 */
export async function replaceWithRetry(
  temporary: string,
  target: string,
  move: (from: string, to: string) => Promise<void> = (from, to) => fs.rename(from, to),
  patienceMs = REPLACE_PATIENCE_MS,
): Promise<void> {
  const started = Date.now();
  for (let wait = 10; ; wait = Math.min(wait * 2, 250)) {
    try {
      await move(temporary, target);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (!BUSY.has(code)) throw error;
      if (Date.now() - started >= patienceMs) {
        throw new AwsmfaError(`cannot replace ${target}: another program keeps it open (${code})`, {
          hint: 'Close the program that has it open (an editor, a viewer, a virus scanner busy with it), then run the command again.',
          cause: error,
        });
      }
    }
    await timers.setTimeout(wait);
  }
}

export const win32: Platform = {
  name: 'win32',
  // As the AWS CLI on Windows: %USERPROFILE%, not a HOME that Git Bash or MSYS may have set.
  home: (env) => env.USERPROFILE || nodeOs().homedir(),
  configHome: (env) => env.APPDATA || path.join(env.USERPROFILE || nodeOs().homedir(), 'AppData', 'Roaming'),
  // PowerShell 7 and Windows PowerShell 5.1; a Documents folder moved elsewhere (OneDrive) is not followed.
  powershellProfileDirs: (home) => [path.join(home, 'Documents', 'PowerShell'), path.join(home, 'Documents', 'WindowsPowerShell')],
  cacheBase: (env) => env.LOCALAPPDATA || path.join(env.USERPROFILE || nodeOs().homedir(), 'AppData', 'Local'),
  cacheOverride: 'set LOCALAPPDATA to a folder of your own',
  foreignOwner: () => undefined,
  openToOthers: () => false,
  writableByOthers: () => false,
  describeMode: () => 'its ACL',
  // Double quotes and the account spelled out: the same line works in PowerShell and in cmd.
  privateCommand: (target, directory) => {
    const [, inheritance, grant, who] = privateAclArguments(target, accountName(process.env), directory);
    return `icacls "${target}" ${inheritance} ${grant} "${who}"`;
  },
  async restrictDirectory(target) {
    const account = accountName(process.env);
    try {
      await icacls(privateAclArguments(target, account, true));
    } catch (error) {
      throw new AwsmfaError(`cannot make ${target} private to ${account}: ${(error as Error).message}`, {
        hint: `awsmfa keeps session keys there only behind an ACL that lets you alone in. Check that icacls (in System32) runs, or ${win32.cacheOverride}.`,
        cause: error,
      });
    }
  },
  async makeFilePrivate(target) {
    const account = accountName(process.env);
    await icacls(privateAclArguments(target, account, false));
    return `made ${target} private to ${account} (its ACL now grants ${account} alone)`;
  },
  async othersWithAccess(target) {
    const { othersWithAccess } = await import('./acl.js');
    return othersWithAccess(target);
  },
  replaceFile: (temporary, target) => replaceWithRetry(temporary, target),
  terminalInput: '\\\\.\\CONIN$',
  terminalOutput: '\\\\.\\CONOUT$',
  terminalByNumber: () => undefined,
  // No /proc; asking Windows for the parent costs a process. PSModulePath tells PowerShell instead.
  parentProcessName: () => undefined,
  // SHELL when Git Bash or MSYS set it; else PowerShell 7 when it is on PATH, else the Windows
  // PowerShell that every Windows has.
  interactiveShell: (env) => env.SHELL || findOnPath('pwsh.exe', env) || findOnPath('powershell.exe', env) || 'powershell.exe',
  defaultShell: 'pwsh',
  clockHint: 'Turn on "Set time automatically" in Settings → Time & language → Date & time (and check the phone with the MFA app too).',
  keyringName: 'the Windows Credential Manager',
  keyringStartHint: 'Unlock the keyring, ',
  // The binding names a Credential Manager entry ACCOUNT.SERVICE.
  keyringDeleteCommand: (service, account) => `cmdkey /delete:${account}.${service}`,
};

export { icacls };
