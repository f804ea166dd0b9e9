import { SHELL_CODE_COMMANDS, commandsFor, createCli } from './cli.js';
import { runCli } from './commands/base.js';

const argv = process.argv.slice(2);
void runCli(createCli(commandsFor(argv)), SHELL_CODE_COMMANDS, argv);
