import { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { isAtlasError } from '../errors.ts';
import { registerModelCommands } from './model-commands.ts';

const program = new Command()
  .name('langcell-atlas')
  .description('Search and annotate single cells in plain language with LangCell')
  .showHelpAfterError();

registerModelCommands(program, loadConfig());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (isAtlasError(error)) {
    process.stderr.write(`error ${error.code}: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
