import ort from 'onnxruntime-node';
import { AtlasError } from '../errors.ts';

/** Where the ONNX graphs run. `auto` tries the GPU providers that can load here, then the CPU. */
export type ExecutionProviderChoice = 'cpu' | 'webgpu' | 'cuda' | 'auto';
export type ExecutionProvider = Exclude<ExecutionProviderChoice, 'auto'>;

export interface SessionOptions {
  provider: ExecutionProviderChoice;
  /** Intra-op threads for the CPU provider; 0 lets onnxruntime decide (one per physical core). */
  cpuThreads: number;
  /** Receives one line saying which provider was chosen and why. */
  log?: (message: string) => void;
}

export const DEFAULT_SESSION_OPTIONS: SessionOptions = { provider: 'cpu', cpuThreads: 0 };

/** Opens one graph with one provider; onnxruntime's own by default, a fake in tests. */
export type SessionCreator = (modelPath: string, options: ort.InferenceSession.SessionOptions) => Promise<ort.InferenceSession>;

const createOrtSession: SessionCreator = (modelPath, options) => ort.InferenceSession.create(modelPath, options);

/** Order in which `auto` tries providers: CUDA where its libraries are installed, WebGPU (Vulkan), CPU. */
const AUTO_ORDER: readonly ExecutionProvider[] = ['cuda', 'webgpu', 'cpu'];

/**
 * The one place that creates onnxruntime sessions. A `SessionFactory` resolves the execution
 * provider on its first session (trying each candidate for real, since a bundled provider may
 * still find no GPU) and then uses the same provider for every graph of a bundle.
 */
export class SessionFactory {
  private resolved: ExecutionProvider | undefined;

  constructor(
    private readonly options: SessionOptions = DEFAULT_SESSION_OPTIONS,
    private readonly createSession: SessionCreator = createOrtSession,
  ) {}

  /** The provider in use, once a session has been created. */
  get provider(): ExecutionProvider | undefined {
    return this.resolved;
  }

  async create(modelPath: string): Promise<ort.InferenceSession> {
    if (this.resolved) return this.createWith(modelPath, this.resolved);
    const candidates = this.options.provider === 'auto' ? AUTO_ORDER : [this.options.provider];
    const failures: string[] = [];
    for (const provider of candidates) {
      try {
        const session = await this.createWith(modelPath, provider);
        this.resolved = provider;
        const skipped = failures.length > 0 ? ` (unavailable: ${failures.join('; ')})` : '';
        this.options.log?.(`onnxruntime execution provider: ${provider}${skipped}`);
        return session;
      } catch (error) {
        failures.push(`${provider}: ${(error as Error).message.split('\n')[0]}`);
      }
    }
    throw new AtlasError(
      'EXECUTION_PROVIDER_UNAVAILABLE',
      `No execution provider could load ${modelPath}: ${failures.join('; ')}. ` +
        'Use LANGCELL_EXECUTION_PROVIDER=cpu, or see README "GPU" for installing the CUDA provider.',
    );
  }

  private createWith(modelPath: string, provider: ExecutionProvider): Promise<ort.InferenceSession> {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: [provider],
      graphOptimizationLevel: 'all',
    };
    if (provider === 'cpu' && this.options.cpuThreads > 0) {
      sessionOptions.intraOpNumThreads = this.options.cpuThreads;
      sessionOptions.interOpNumThreads = 1;
    }
    return this.createSession(modelPath, sessionOptions);
  }
}

/** Right-pads token sequences into int64 `input_ids` and `attention_mask` tensors [B, maxLen]. */
export function paddedBatch(sequences: readonly Int32Array[], padId: number): { inputIds: ort.Tensor; attentionMask: ort.Tensor; length: number } {
  const length = Math.max(1, ...sequences.map((s) => s.length));
  const ids = new BigInt64Array(sequences.length * length).fill(BigInt(padId));
  const mask = new BigInt64Array(sequences.length * length);
  sequences.forEach((sequence, row) => {
    const offset = row * length;
    for (let i = 0; i < sequence.length; i += 1) {
      ids[offset + i] = BigInt(sequence[i]!);
      mask[offset + i] = 1n;
    }
  });
  const dims = [sequences.length, length];
  return { inputIds: new ort.Tensor('int64', ids, dims), attentionMask: new ort.Tensor('int64', mask, dims), length };
}

export { ort };
