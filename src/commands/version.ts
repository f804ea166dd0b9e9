import { Command } from 'clipanion';
import { AwsmfaCommand } from './base.js';

export const VERSION = typeof AWSMFA_VERSION === 'string' ? AWSMFA_VERSION : 'development';

export class VersionCommand extends AwsmfaCommand {
  static override paths = [['--version'], ['-v'], ['version']];
  static override usage = Command.Usage({ description: 'print the version of awsmfa' });

  async run(): Promise<void> {
    this.context.out.write(`awsmfa ${VERSION}\n`);
  }
}
