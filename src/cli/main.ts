import { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { isAtlasError } from '../errors.ts';
import { registerAtlasCommands } from './atlas-commands.ts';
import { registerModelCommands } from './model-commands.ts';

const program = new Command()
  .name('langcell-atlas')
  .description('Search and annotate single cells in plain language with LangCell')
  .showHelpAfterError();

const config = loadConfig();
registerModelCommands(program, config);
registerAtlasCommands(program, config);

program
  .command('serve')
  .description('the GraphQL service (not built yet: it needs the atlas store and the API)')
  .action(() => {
    process.stderr.write(
      'The GraphQL service is not built yet: it comes with the atlas store (PostgreSQL + HNSW) and the API, the next pieces of work.\n' +
        'Available now: tokenize, embed and annotate (npx langcell-atlas --help).\n',
    );
    process.exitCode = 1;
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (isAtlasError(error)) {
    process.stderr.write(`error ${error.code}: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
