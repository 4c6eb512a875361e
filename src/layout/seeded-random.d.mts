/** mulberry32: uniform numbers in [0, 1) from a 32-bit seed. */
export declare function seededRandom(seed: number): () => number;
