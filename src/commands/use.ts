import { Command } from 'clipanion';
import { AwsmfaError } from '../errors.js';
import { reportError } from '../output.js';
import { EnvCommand } from './env.js';

/**
 * `awsmfa use` is the shell integration's: its wrapper function runs `awsmfa use --shell NAME …`,
 * captures the code and applies it, which the program itself cannot do to the shell that started it.
 * Run that way (a --shell and a stdout that is not a terminal), `use` is `env` under its own name, so
 * that help and usage errors speak of `use`. Reached any other way, the integration is not loaded,
 * and this says how to fix that.
 */
export class UseCommand extends EnvCommand {
  static override paths = [['use']];

  static override usage = Command.Usage({
    description: 'start an MFA session in this shell (through the shell integration, `awsmfa init`)',
    details: `
      The same as \`awsmfa env\`, applied to the current shell by the \`awsmfa\` function that \`awsmfa init\` defines. \`awsmfa unset\` takes the session out again.
    `,
    examples: [
      ['Start a session', 'awsmfa use doug'],
      ['With the code and a one-hour session', 'awsmfa use doug --token-code 123456 --duration 3600'],
    ],
  });

  override async run(): Promise<void> {
    const captured = (this.context.out as NodeJS.WriteStream).isTTY !== true;
    if (this.shellOption !== undefined && captured) return super.run();
    throw new AwsmfaError('`awsmfa use` needs the shell integration, which is not loaded in this shell', {
      hint: 'Load it from your shell\'s start-up file (`awsmfa init --help` shows the line for each shell), or apply `awsmfa env <profile>` yourself.',
      exitCode: 2,
    });
  }

  // Nothing of this goes to an eval, so stdout gets no failure statement.
  protected override fail(error: unknown): number {
    return reportError(error, this.context.stderr, this.debug);
  }
}
