/** The CLI's progress lines: a resumed run's rate counts only the cells this run stored. */
import { describe, expect, it } from 'vitest';
import { startProgress } from '../../src/cli/progress.ts';

function logStream(): { stream: NodeJS.WriteStream; lines: string[] } {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (text: string) => lines.push(text) } as unknown as NodeJS.WriteStream;
  return { stream, lines };
}

describe('startProgress', () => {
  it('a resume at 900 of 1000 cells shows 0 cells/s until new cells arrive, not 900 cells in no time', () => {
    const { stream, lines } = logStream();
    const progress = startProgress('ingest pbmc', 1000, stream, 900);
    progress.update(900);
    expect(lines).toEqual(['ingest pbmc: 900/1000 cells, 0.0 cells/s, ETA 0s\n']);
  });
});
