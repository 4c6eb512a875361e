/**
 * The CLI program. `bin/langcell-atlas.js` runs it and passes in what lives outside src/ (the
 * demo atlas's seed for `serve`, its held-out cells for `fidelity`), so that src/ never imports seed/.
 */
import { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { isAtlasError } from '../errors.ts';
import { registerAnnotateCommands } from './annotate-commands.ts';
import { registerAtlasCommands } from './atlas-commands.ts';
import type { DemoReference } from './fidelity-command.ts';
import { registerModelCommands } from './model-commands.ts';
import { registerServeCommand, type ServeHooks } from './serve-command.ts';

/** What the CLI gets from outside src/ (the demo atlas in seed/). */
export interface CliHooks extends ServeHooks {
  /** The demo atlas's held-out cells and label texts, for `fidelity`. */
  readonly demoReference?: () => Promise<DemoReference>;
}

export async function runCli(argv: readonly string[], hooks: CliHooks = {}): Promise<void> {
  const program = new Command()
    .name('langcell-atlas')
    .description('Search and annotate single cells in plain language with LangCell')
    .showHelpAfterError();

  const config = loadConfig();
  registerModelCommands(program, config, hooks.demoReference);
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
