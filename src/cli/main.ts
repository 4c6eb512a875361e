/**
 * The CLI program. `bin/langcell-atlas.js` runs it and passes in what lives outside src/ (the
 * demo atlas's seed for `serve`), so that src/ never imports seed/.
 */
import { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { isAtlasError } from '../errors.ts';
import { registerAnnotateCommands } from './annotate-commands.ts';
import { registerAtlasCommands } from './atlas-commands.ts';
import { registerModelCommands } from './model-commands.ts';
import { registerServeCommand, type ServeHooks } from './serve-command.ts';

export async function runCli(argv: readonly string[], hooks: ServeHooks = {}): Promise<void> {
  const program = new Command()
    .name('langcell-atlas')
    .description('Search and annotate single cells in plain language with LangCell')
    .showHelpAfterError();

  const config = loadConfig();
  registerModelCommands(program, config);
  registerAtlasCommands(program, config);
  registerAnnotateCommands(program, config);
  registerServeCommand(program, config, hooks);

  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (isAtlasError(error)) {
      process.stderr.write(`error ${error.code}: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}
