/**
 * Which int8 operator form is faster in onnxruntime-node on this CPU: the cell encoder's fp32 graph
 * against its two int8 rewrites (tools/model/quantize.py: DynamicQuantizeMatMul, or
 * DynamicQuantizeLinear + MatMulInteger), interleaved run by run so machine load hits them alike.
 *
 *   npx tsx bench/int8-ops.ts --dir DIR [--rounds 6] [--threads 2]
 * DIR holds cell_encoder.fp32.onnx, cell_encoder.dqmatmul.onnx, cell_encoder.matmulinteger.onnx
 * (made by `python3 -c "from tools.model.quantize import quantize_file; ..."`, see bench/README.md).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import { writeReport } from './lib/report.ts';

const { values } = parseArgs({
  options: { dir: { type: 'string' }, rounds: { type: 'string', default: '6' }, threads: { type: 'string', default: '2' }, 'no-report': { type: 'boolean', default: false } },
});
if (!values.dir) throw new Error('--dir is required');
const forms = ['fp32', 'dqmatmul', 'matmulinteger'] as const;
const threads = Number(values.threads);
const shapes: Array<[number, number]> = [
  [8, 256],
  [1, 2048],
];
const sessions = new Map<string, ort.InferenceSession>();
for (const form of forms) {
  sessions.set(
    form,
    await ort.InferenceSession.create(join(values.dir, `cell_encoder.${form}.onnx`), { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' }),
  );
}
function feeds(batch: number, length: number): Record<string, ort.Tensor> {
  const ids = new BigInt64Array(batch * length);
  for (let i = 0; i < ids.length; i += 1) ids[i] = BigInt(2 + ((i * 7919) % 25000));
  return { input_ids: new ort.Tensor('int64', ids, [batch, length]), attention_mask: new ort.Tensor('int64', new BigInt64Array(batch * length).fill(1n), [batch, length]) };
}
const seconds = new Map<string, number>();
for (const [batch, length] of shapes) {
  const input = feeds(batch, length);
  for (const form of forms) await sessions.get(form)!.run(input); // warm-up
  for (let round = 0; round < Number(values.rounds); round += 1) {
    for (const form of forms) {
      const started = process.hrtime.bigint();
      await sessions.get(form)!.run(input, ['cell_embedding']);
      const key = `${batch}x${length} ${form}`;
      seconds.set(key, (seconds.get(key) ?? 0) + Number(process.hrtime.bigint() - started) / 1e9);
    }
  }
}
const rows = shapes.flatMap(([batch, length]) =>
  forms.map((form) => {
    const s = seconds.get(`${batch}x${length} ${form}`)!;
    const fp32 = seconds.get(`${batch}x${length} fp32`)!;
    return `| ${batch}×${length} | ${form} | ${(s / Number(values.rounds)).toFixed(3)} | ${(fp32 / s).toFixed(2)}× |`;
  }),
);
const markdown = [
  `${values.rounds} interleaved runs per form and shape, ${threads} threads; speed-up = fp32 seconds ÷ the form's, same rounds.`,
  '',
  '| batch × length | form | s per run | ÷ fp32 |',
  '| --- | --- | --- | --- |',
  ...rows,
  '',
].join('\n');
process.stdout.write(markdown);
if (!values['no-report']) {
  await writeReport({
    name: 'int8-ops',
    title: 'int8 operator forms: cell encoder at LangCell size (random weights)',
    parameters: { rounds: Number(values.rounds), threads, shapes: shapes.map(([b, l]) => `${b}×${l}`).join(', ') },
    results: Object.fromEntries(seconds),
    markdown,
  });
}
