/**
 * What differs between operating systems, behind one interface, as the shell dialects are: where the
 * files are, what "private to the user" means and how it is checked, how a file is replaced, where the
 * terminal is, and which shell is the default. Nothing else in the program asks which system it is on.
 */
import type { Stats } from 'node:fs';
import type { ShellName } from '../shell/dialect.js';

export interface Platform {
  readonly name: 'posix' | 'win32';
  /** The home the AWS CLI means by `~`: its `.aws` folder holds config and credentials by default. */
  home(env: NodeJS.ProcessEnv): string;
  /** The folder of per-user configuration (XDG_CONFIG_HOME, ~/.config; %APPDATA% on Windows). */
  configHome(env: NodeJS.ProcessEnv): string;
  /** The folders PowerShell reads the user's $PROFILE from, newest PowerShell first. */
  powershellProfileDirs(home: string, configHome: string): string[];
  /** The folder awsmfa's cache folder (`awsmfa`) is made in. */
  cacheBase(env: NodeJS.ProcessEnv): string;
  /** For hints: how a user points the cache at a folder of their own. */
  readonly cacheOverride: string;
  /** The owner of a file when it is not this user (as a person would name them), else undefined. */
  foreignOwner(info: Pick<Stats, 'uid'>): string | undefined;
  /** Whether the file's permissions let other users read or write it, as far as `info` can tell. */
  openToOthers(info: Pick<Stats, 'mode'>): boolean;
  /** Whether other users may write the file (a config file may be readable, never writable, by others). */
  writableByOthers(info: Pick<Stats, 'mode'>): boolean;
  /** The permissions in `info`, for messages. */
  describeMode(info: Pick<Stats, 'mode'>): string;
  /** The command that makes a file or folder private, for hints. */
  privateCommand(path: string, directory: boolean): string;
  /**
   * Makes a folder awsmfa has just created private to this user where creating it with mode 0700
   * is not enough to do so. Throws when it cannot.
   */
  restrictDirectory(path: string): Promise<void>;
  /** Makes an existing file private to this user; returns what it did, for the user, or undefined when nothing was needed. */
  makeFilePrivate(path: string): Promise<string | undefined>;
  /**
   * Who besides the user (and the system itself) may read the file, for `awsmfa doctor`, which may
   * take its time: an empty list when nobody, undefined when the system would not say.
   */
  othersWithAccess(path: string, info: Pick<Stats, 'mode'>): Promise<string[] | undefined>;
  /** Replaces `target` by `temporary` in one step: readers see the old file or the new one. */
  replaceFile(temporary: string, target: string): Promise<void>;
  /** The terminal's path, to read from (the MFA code) and to write to (questions). */
  readonly terminalInput: string;
  readonly terminalOutput: string;
  /**
   * Whether a character device is a terminal, where its device number tells (asking the terminal driver
   * means loading node:tty, and node:net with it); undefined where it must be asked.
   */
  terminalByNumber(info: Pick<Stats, 'rdev'>): boolean | undefined;
  /** The program name of this process's parent, where that costs no more than one small file read. */
  parentProcessName(): string | undefined;
  /** The program `exec` starts when given no command: the user's interactive shell. */
  interactiveShell(env: NodeJS.ProcessEnv): string;
  /** The shell whose code `env` prints when neither the user nor the environment says. */
  readonly defaultShell: ShellName;
  /** How to let the system keep time. */
  readonly clockHint: string;
  /** The system's keyring, as a person knows it, and how to start it when it cannot be reached. */
  readonly keyringName: string;
  readonly keyringStartHint: string;
  /** The system's own command that deletes the keyring entry of `account` under `service`. */
  keyringDeleteCommand(service: string, account: string): string;
}
