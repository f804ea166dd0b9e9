#!/usr/bin/env node
import { SHELL_CODE_COMMANDS, cli } from './cli.js';
import { runCli } from './commands/base.js';

void runCli(cli, SHELL_CODE_COMMANDS);
