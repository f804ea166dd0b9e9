import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import type { ShellLaunch } from '../demo/shells.js';
import { DEMO_ROLE_PROFILE, DEMO_USER_PROFILE } from '../demo/profiles.js';
import type { DemoWorld } from '../demo/world.js';
import { AwsmfaError } from '../errors.js';
import { say } from '../output.js';
import { colorLevel, styleFor } from '../report/style.js';
import { detectShell, parseShellName } from '../shell/index.js';
import { AwsmfaCommand } from './base.js';
import { SHELL_CHOICES } from './options.js';

const SIGNAL_STATUS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/**
 * Runs a program to its end with the terminal handed over, and returns the status a shell would
 * report for it. Ctrl-C and Ctrl-\ typed in the demo shell are the shell's business. A hang-up or a
 * kill of the demo is passed on as a hang-up (an interactive shell ignores SIGTERM), so that the shell
 * ends first and the caller still cleans up; the status is then that of the signal the demo received.
 */
async function runToEnd(program: string, args: readonly string[], env: NodeJS.ProcessEnv, stdio: 'inherit' | ['ignore', 'inherit', 'inherit']): Promise<number> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { env, stdio });
    let received: NodeJS.Signals | undefined;
    const ignore = () => undefined;
    const forward = (signal: NodeJS.Signals) => {
      received ??= signal;
      child.kill('SIGHUP');
    };
    process.on('SIGINT', ignore);
    process.on('SIGQUIT', ignore);
    process.on('SIGTERM', forward);
    process.on('SIGHUP', forward);
    const done = () => {
      process.off('SIGINT', ignore);
      process.off('SIGQUIT', ignore);
      process.off('SIGTERM', forward);
      process.off('SIGHUP', forward);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      done();
      reject(
        error.code === 'ENOENT'
          ? new AwsmfaError(`cannot start the demo shell: ${program} is not installed (or not on PATH)`, { hint: 'Pick another one: awsmfa demo --shell bash' })
          : error,
      );
    });
    child.on('close', (status, signal) => {
      done();
      if (received !== undefined) return resolve(SIGNAL_STATUS[received] ?? 128);
      resolve(status ?? (signal === null ? 1 : (SIGNAL_STATUS[signal] ?? 128)));
    });
  });
}

export class DemoCommand extends AwsmfaCommand {
  static override paths = [['demo']];

  static override usage = Command.Usage({
    description: 'try awsmfa with no AWS account: a demo shell against a loopback STS emulator',
    details: `
      Starts an STS emulator on 127.0.0.1 with a demo IAM user (\`${DEMO_USER_PROFILE}\`, with a virtual MFA device) and a role that requires MFA (\`${DEMO_ROLE_PROFILE}\`), writes a config for them into a private temporary directory, and starts your shell (or \`--shell\`) with the awsmfa integration loaded and pointed at all of it. Your own ~/.aws files, cache and startup files are not used. \`awsmfa demo code\`, in the demo shell or another terminal, prints the demo device's current code.

      When the demo shell exits, the emulator stops and the directory is removed. Without a terminal (or with \`--script\`), the whole flow runs by itself and prints a transcript: a session with the code supplied, the exported variables (secrets masked), GetCallerIdentity with them, the cache at work, the role, and \`unset\`.
    `,
    examples: [
      ['Start a demo shell', 'awsmfa demo'],
      ['The same in fish', 'awsmfa demo --shell fish'],
      ['Watch the whole flow run by itself', 'awsmfa demo --script'],
      ['In another terminal: the demo MFA code', 'awsmfa demo code'],
    ],
  });

  shellOption = Option.String('--shell', { description: 'The shell to start: bash, zsh, fish or pwsh (default: the one you are in)', validator: t.isEnum(SHELL_CHOICES) });
  script = Option.Boolean('--script', false, { description: 'Run the whole flow without a terminal and print it (the default when stdin is not a terminal)' });

  async run(): Promise<number> {
    const interactive = !this.script && (this.context.stdin as { isTTY?: boolean }).isTTY === true;
    // The emulator and the rest of the demo are loaded only when a demo starts.
    const { createDemoWorld } = await import('../demo/world.js');
    const world = await createDemoWorld(this.context.env);
    let status: number;
    try {
      status = interactive ? await this.shell(world) : await this.transcript(world);
    } finally {
      // Before anything else is written: after a hang-up, a write to the terminal fails.
      await world.close();
    }
    if (interactive) say('demo over: the emulator is stopped and its files are removed', this.context.stderr);
    else this.context.out.write(this.farewell(status));
    return status;
  }

  private async shell(world: DemoWorld): Promise<number> {
    const shell = (this.shellOption === undefined ? undefined : parseShellName(this.shellOption)) ?? detectShell(this.context.env);
    const { prepareShell } = await import('../demo/shells.js');
    const launch: ShellLaunch = await prepareShell(shell, world.dir);
    await this.banner(world, shell);
    // A terminal that went away makes writes to it fail; that must not stop the cleanup.
    this.context.stderr.on('error', () => undefined);
    return runToEnd(launch.program, launch.args, { ...world.env, ...launch.env }, 'inherit');
  }

  private async banner(world: DemoWorld, shell: string): Promise<void> {
    const style = styleFor(this.context.stderr, this.context.env);
    const { currentDemoCode } = await import('../demo/code.js');
    const code = currentDemoCode(world.record, Date.now() / 1000);
    const line = (command: string, what: string) => `    ${style.bold(command.padEnd(34))}${style.dim(what)}`;
    this.context.stderr.write(
      [
        '',
        `${style.bold('awsmfa demo')}: a throwaway AWS account on this computer only (STS at ${world.emulator.url}), in ${shell}.`,
        '',
        `  profiles   ${DEMO_USER_PROFILE.padEnd(11)} an IAM user with a virtual MFA device`,
        `             ${DEMO_ROLE_PROFILE.padEnd(11)} a role whose trust policy requires MFA (keys from ${DEMO_USER_PROFILE})`,
        `  MFA code   ${style.bold(code)} right now; \`awsmfa demo code\` prints the current one, here or in another terminal`,
        '',
        '  Try:',
        line(`awsmfa use ${DEMO_USER_PROFILE}`, 'type the code when asked; the prompt counts down'),
        line('awsmfa status', 'the session and its time left'),
        line(`awsmfa use ${DEMO_ROLE_PROFILE}`, 'the role: no new code, the MFA session is reused'),
        line('aws sts get-caller-identity', 'if the AWS CLI v2 is installed'),
        line(`awsmfa exec ${DEMO_ROLE_PROFILE} -- env`, 'one command with the session, the shell untouched'),
        line('awsmfa unset', 'the shell as it was before'),
        line('exit', 'ends the demo and removes everything it made'),
        '',
        '',
      ].join('\n'),
    );
  }

  private async transcript(world: DemoWorld): Promise<number> {
    const bold = colorLevel(this.context.out, this.context.env) > 0;
    // The transcript runs in sh, which `env` cannot recognise as a shell of its own; without these,
    // the user's login shell (or PowerShell's variables) would decide what code it prints.
    const env: NodeJS.ProcessEnv = { ...world.env, SHELL: '/bin/sh' };
    delete env.PSModulePath;
    const { demoScript } = await import('../demo/script.js');
    return runToEnd('sh', ['-c', demoScript({ bold })], env, ['ignore', 'inherit', 'inherit']);
  }

  private farewell(status: number): string {
    return status === 0
      ? '\nThe demo is over; the emulator is stopped and everything it made is removed.\nTry it by hand with `awsmfa demo` in a terminal, or set up your own profile: `awsmfa doctor` says what is missing.\n'
      : `\nThe demo stopped at a failing step (status ${status}); everything it made is removed.\n`;
  }
}

export class DemoCodeCommand extends AwsmfaCommand {
  static override paths = [['demo', 'code']];

  static override usage = Command.Usage({
    description: "print the running demo's current MFA code (what the demo user's authenticator app would show)",
    details: `
      Finds the running \`awsmfa demo\` of this user (from inside the demo shell, or from another terminal) and prints a code it accepts now: this 30-second step's, or the next one's when this one was already used. Only the demo's own device is known to it.
    `,
    examples: [['In the demo shell, or in another terminal', 'awsmfa demo code']],
  });

  async run(): Promise<number> {
    const { findRunningDemo, usableDemoCode } = await import('../demo/code.js');
    const demo = await findRunningDemo(this.context.env);
    let answer = await usableDemoCode(demo, Date.now() / 1000);
    if (answer.waitSeconds > 0) {
      say(`both codes of this moment are used; the next one comes in ${answer.waitSeconds} s`, this.context.stderr);
      await new Promise((resolve) => setTimeout(resolve, answer.waitSeconds * 1000));
      answer = await usableDemoCode(demo, Date.now() / 1000);
    }
    this.context.out.write(`${answer.code}\n`);
    if ((this.context.stderr as { isTTY?: boolean }).isTTY) say(`valid for about ${answer.validForSeconds} s, once`, this.context.stderr);
    return 0;
  }
}
