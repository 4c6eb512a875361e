/**
 * How `SessionFactory` chooses an execution provider, with a fake onnxruntime: under `auto` it tries
 * CUDA, then WebGPU, then the CPU, for real (a bundled provider may still find no GPU), logs the one
 * it got and what was unavailable, and keeps it for every later graph; when nothing loads it refuses
 * with EXECUTION_PROVIDER_UNAVAILABLE. No GPU is needed: the fake fails the providers a test names.
 */
import { describe, expect, it } from 'vitest';
import { AtlasError } from '../../src/errors.ts';
import { SessionFactory, type ExecutionProvider, type SessionCreator, type ort } from '../../src/model/sessions.ts';

interface Attempt {
  readonly modelPath: string;
  readonly options: ort.InferenceSession.SessionOptions;
}

/** A fake onnxruntime: fails the providers in `failing` with their message, opens the rest. */
function fakeRuntime(failing: Readonly<Partial<Record<ExecutionProvider, string>>>) {
  const attempts: Attempt[] = [];
  // The factory only hands sessions on; a tagged object stands for one (no graph is ever run here).
  const opened = (provider: string) => ({ provider }) as unknown as ort.InferenceSession;
  const create: SessionCreator = (modelPath, options) => {
    attempts.push({ modelPath, options });
    const provider = String(options.executionProviders?.[0]);
    const failure = Object.entries(failing).find(([name]) => name === provider)?.[1];
    return failure === undefined ? Promise.resolve(opened(provider)) : Promise.reject(new Error(failure));
  };
  const providersTried = () => attempts.map((attempt) => attempt.options.executionProviders?.[0]);
  return { create, attempts, providersTried, opened };
}

describe('SessionFactory', () => {
  it('auto: CUDA and WebGPU unavailable → the CPU, logged with what was unavailable, then kept', async () => {
    const runtime = fakeRuntime({
      // onnxruntime's messages run over several lines; the log keeps the first.
      cuda: 'libcudart.so.12: cannot open shared object file: No such file or directory\n    at InferenceSession.create',
      webgpu: 'No available adapters.',
    });
    const log: string[] = [];
    const sessions = new SessionFactory({ provider: 'auto', cpuThreads: 2, log: (line) => log.push(line) }, runtime.create);

    const session = await sessions.create('/bundle/cell_encoder.onnx');
    expect(session).toEqual(runtime.opened('cpu'));
    expect(runtime.providersTried()).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(sessions.provider).toBe('cpu');
    expect(log).toEqual([
      'onnxruntime execution provider: cpu (unavailable: cuda: libcudart.so.12: cannot open shared object file: No such file or directory; webgpu: No available adapters.)',
    ]);
    // The CPU provider gets the configured threads; the GPU attempts did not.
    expect(runtime.attempts.map((attempt) => attempt.options.intraOpNumThreads)).toEqual([undefined, undefined, 2]);
    expect(runtime.attempts[2]!.options.interOpNumThreads).toBe(1);

    // The next graph of the bundle goes straight to the provider chosen, without a second log line.
    await sessions.create('/bundle/text_encoder.onnx');
    expect(runtime.providersTried()).toEqual(['cuda', 'webgpu', 'cpu', 'cpu']);
    expect(runtime.attempts.at(-1)!.modelPath).toBe('/bundle/text_encoder.onnx');
    expect(log).toHaveLength(1);
  });

  it('auto: a GPU provider that loads is chosen first, with nothing reported unavailable', async () => {
    const runtime = fakeRuntime({});
    const log: string[] = [];
    const sessions = new SessionFactory({ provider: 'auto', cpuThreads: 0, log: (line) => log.push(line) }, runtime.create);
    expect(await sessions.create('/bundle/cell_encoder.onnx')).toEqual(runtime.opened('cuda'));
    expect(runtime.providersTried()).toEqual(['cuda']);
    expect(log).toEqual(['onnxruntime execution provider: cuda']);
  });

  it('every candidate failing is EXECUTION_PROVIDER_UNAVAILABLE, naming each failure and the way out', async () => {
    const runtime = fakeRuntime({ cuda: 'no CUDA', webgpu: 'no adapter', cpu: 'protobuf parsing failed' });
    const log: string[] = [];
    const sessions = new SessionFactory({ provider: 'auto', cpuThreads: 0, log: (line) => log.push(line) }, runtime.create);
    const refused = await sessions.create('/bundle/cell_encoder.onnx').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AtlasError);
    expect(refused).toMatchObject({
      code: 'EXECUTION_PROVIDER_UNAVAILABLE',
      message:
        'No execution provider could load /bundle/cell_encoder.onnx: cuda: no CUDA; webgpu: no adapter; cpu: protobuf parsing failed. ' +
        'Use LANGCELL_EXECUTION_PROVIDER=cpu, or see README "GPU" for installing the CUDA provider.',
    });
    expect(sessions.provider).toBeUndefined();
    expect(log).toEqual([]);
  });

  it('a provider asked for by name is the only one tried: no fallback to the CPU', async () => {
    const runtime = fakeRuntime({ cuda: 'no CUDA' });
    const sessions = new SessionFactory({ provider: 'cuda', cpuThreads: 0 }, runtime.create);
    await expect(sessions.create('/bundle/cell_encoder.onnx')).rejects.toMatchObject({ code: 'EXECUTION_PROVIDER_UNAVAILABLE' });
    expect(runtime.providersTried()).toEqual(['cuda']);
  });
});
