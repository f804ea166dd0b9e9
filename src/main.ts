import { SHELL_CODE_COMMANDS, commandsFor, createCli } from './cli.js';
import { runCli } from './commands/base.js';
import { helpWords } from './commands/command-line.js';

const argv = helpWords(process.argv.slice(2));
void runCli(createCli(commandsFor(argv)), SHELL_CODE_COMMANDS, argv);
