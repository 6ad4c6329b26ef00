import { Readable } from 'node:stream';
import { ThumbsmithError } from '../domain/errors.js';

/**
 * A body stream that fails with `TS_FETCH_TOO_LARGE` as soon as more than `maxBytes` arrive (counted while
 * streaming; `Content-Length` is not trusted), and turns the source's errors into catalogue errors via `mapError`.
 * Destroying this stream destroys the source at once, which releases the socket.
 */
export class CappedBody extends Readable {
  readonly #source: Readable;
  readonly #maxBytes: number;
  #received = 0;
  #ended = false;

  constructor(source: Readable, maxBytes: number, mapError: (error: unknown) => Error) {
    super();
    this.#source = source;
    this.#maxBytes = maxBytes;
    source.on('data', (chunk: Buffer) => this.#onData(chunk));
    source.pause();
    source.once('end', () => {
      this.#ended = true;
      this.push(null);
    });
    // `on`, not `once`: undici emits a second 'error' when a body we already gave up on is destroyed.
    source.on('error', (error) => this.destroy(mapError(error)));
    source.once('close', () => {
      // A source that closes without 'end' or 'error' was cut short; never hand out a silently truncated body.
      if (!this.#ended && !this.destroyed) {
        this.destroy(new ThumbsmithError('TS_FETCH_FAILED', 'The upstream connection closed before the body ended'));
      }
    });
  }

  /** Bytes received so far. */
  get bytesReceived(): number {
    return this.#received;
  }

  override _read(): void {
    this.#source.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#ended) this.#source.destroy();
    callback(error);
  }

  #onData(chunk: Buffer): void {
    if (this.destroyed) return;
    this.#received += chunk.length;
    if (this.#received > this.#maxBytes) {
      this.destroy(
        new ThumbsmithError('TS_FETCH_TOO_LARGE', `The body is larger than ${this.#maxBytes} bytes`, {
          extensions: { limit: this.#maxBytes },
        }),
      );
      return;
    }
    if (!this.push(chunk)) this.#source.pause();
  }
}
