import { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { isAtlasError } from '../errors.ts';
import { registerAtlasCommands } from './atlas-commands.ts';
import { registerModelCommands } from './model-commands.ts';
import { registerServeCommand } from './serve-command.ts';

const program = new Command()
  .name('langcell-atlas')
  .description('Search and annotate single cells in plain language with LangCell')
  .showHelpAfterError();

const config = loadConfig();
registerModelCommands(program, config);
registerAtlasCommands(program, config);
registerServeCommand(program, config);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (isAtlasError(error)) {
    process.stderr.write(`error ${error.code}: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
