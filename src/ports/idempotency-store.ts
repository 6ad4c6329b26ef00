/** What a second request with a known Idempotency-Key finds. */
export interface IdempotencyClaim {
  /** SHA-256 of the first request's file. */
  readonly sha256: string;
  /** The first request's image; `null` while that request is still creating it. */
  readonly imageId: string | null;
}

/** Remembers `Idempotency-Key`s of uploads per tenant, so a retried upload never creates a second image. */
export interface IdempotencyStore {
  /**
   * Claims the key for this request atomically: `undefined` when this request won (it must `complete` or `release`),
   * or the existing claim when another request holds the key. A claim still pending (no image) that was made before
   * `staleBefore` belonged to a request that died between claiming and completing (its process crashed): it is taken
   * over, atomically, as if it had been released.
   */
  claim(
    tenant: string,
    key: string,
    sha256: string,
    at: Date,
    staleBefore: Date,
  ): Promise<IdempotencyClaim | undefined>;
  /** Records the winner's image; the first image recorded for a key stays (a taken-over claim's late twin loses). */
  complete(tenant: string, key: string, imageId: string): Promise<void>;
  /** Gives the key up (the winner's upload failed), so a retry may claim it again. */
  release(tenant: string, key: string): Promise<void>;
}
