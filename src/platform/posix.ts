/** Linux, macOS and the BSDs: files are private by their owner and mode, the terminal is /dev/tty. */
import type { Stats } from 'node:fs';
// fs.promises is loaded when first used (by a write): a cached `env` does not load it.
import { promises as fs, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { nodeOs } from './node-os.js';
import type { Platform } from './platform.js';

function octal(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, '0');
}

const darwin = process.platform === 'darwin';
const linuxLike = process.platform === 'linux' || process.platform === 'freebsd';
const linux = process.platform === 'linux';

/** The major number of a Linux device number, as glibc's major() takes it apart. */
function linuxMajor(rdev: number): number {
  return ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
}

/**
 * Linux numbers its devices for good: a pseudo-terminal (what every terminal window and ssh session
 * gives, majors 136–143) is a terminal, and the memory devices (major 1: /dev/null, /dev/zero,
 * /dev/full…) are not. Any other device, and any device elsewhere, is asked.
 */
function terminalByNumber(info: Pick<Stats, 'rdev'>): boolean | undefined {
  if (!linux) return undefined;
  const major = linuxMajor(info.rdev);
  if (major === 1) return false;
  if (major >= 136 && major <= 143) return true;
  return undefined;
}

export const posix: Platform = {
  name: 'posix',
  home: (env) => env.HOME || nodeOs().homedir(),
  // The XDG base directory rule: a relative XDG_CACHE_HOME is invalid and ignored.
  configHome: (env) => (env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(env.HOME || nodeOs().homedir(), '.config')),
  powershellProfileDirs: (_home, configHome) => [join(configHome, 'powershell')],
  cacheBase: (env) => (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : join(env.HOME || nodeOs().homedir(), '.cache')),
  cacheOverride: 'set XDG_CACHE_HOME to a directory of your own',
  // process.getuid exists on every system this module serves (index.ts picks win32.ts elsewhere).
  foreignOwner: (info) => (info.uid !== process.getuid!() ? `uid ${info.uid}` : undefined),
  openToOthers: (info) => (info.mode & 0o077) !== 0,
  writableByOthers: (info) => (info.mode & 0o022) !== 0,
  describeMode: (info) => `mode ${octal(info.mode)}`,
  privateCommand: (path, directory) => `chmod ${directory ? 700 : 600} ${path}`,
  // mkdir(…, 0o700) already made it private.
  restrictDirectory: async () => undefined,
  async makeFilePrivate(path) {
    const info = await fs.stat(path).catch(() => undefined);
    if (info === undefined || (info.mode & 0o077) === 0) return undefined;
    await fs.chmod(path, 0o600);
    return `made ${path} private (it was mode ${octal(info.mode)}, now 0600)`;
  },
  // rename(2) replaces atomically even while readers hold the old file open.
  othersWithAccess: async (_path, info) => ((info.mode & 0o077) !== 0 ? [`mode ${octal(info.mode)}`] : []),
  replaceFile: (temporary, target) => fs.rename(temporary, target),
  terminalInput: '/dev/tty',
  terminalOutput: '/dev/tty',
  terminalByNumber,
  parentProcessName() {
    if (process.platform !== 'linux') return undefined;
    try {
      return readFileSync(`/proc/${process.ppid}/comm`, 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  },
  interactiveShell: (env) => env.SHELL || '/bin/sh',
  defaultShell: 'bash',
  clockHint: darwin
    ? 'Turn on "Set time and date automatically" in System Settings → General → Date & Time (and check the phone with the MFA app too).'
    : 'Let the system keep time: sudo timedatectl set-ntp true (and check the clock of the phone with the MFA app too).',
  keyringName: darwin ? 'the macOS Keychain' : 'the Secret Service (GNOME Keyring, KWallet or KeePassXC)',
  keyringStartHint: linuxLike
    ? 'Start a Secret Service in this session (GNOME Keyring, KWallet or KeePassXC; DBUS_SESSION_BUS_ADDRESS must point at the session bus), '
    : 'Unlock the keyring, ',
  // On Linux, libsecret-tools; the entry is found by the attributes the keyring binding stores it under.
  keyringDeleteCommand: (service, account) =>
    darwin ? `security delete-generic-password -s ${service} -a ${account}` : `secret-tool clear service ${service} username ${account}`,
};
