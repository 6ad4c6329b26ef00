import type { Api } from './api.js';
import { h, ICONS, icon } from './dom.js';
import type { ImageJson, VariantJson } from './types.js';

const IN_FLIGHT = 4;

/**
 * Thumbnails are fetched with the API key (an <img src> could not send it) and shown through blob: URLs, one per
 * variant version, fetched at most a few at a time so uploads and the event stream keep their connections.
 */
export class Thumbnails {
  readonly #api: Api;
  readonly #urls = new Map<string, Promise<string>>();
  readonly #queue: Array<() => void> = [];
  #active = 0;

  constructor(api: Api) {
    this.#api = api;
  }

  /** A blob: URL of the variant's bytes (cached per id, preset and preset version). */
  url(image: ImageJson, variant: VariantJson): Promise<string> {
    const key = `${image.id}/${variant.preset}/${variant.presetVersion}`;
    let url = this.#urls.get(key);
    if (!url) {
      url = this.#limited(() => this.#api.thumbnail(image.id, variant.preset)).then((blob) =>
        URL.createObjectURL(blob),
      );
      url.catch(() => this.#urls.delete(key));
      this.#urls.set(key, url);
    }
    return url;
  }

  /** Frees the blob URLs of a deleted image. */
  forget(id: string): void {
    for (const [key, url] of this.#urls) {
      if (!key.startsWith(`${id}/`)) continue;
      this.#urls.delete(key);
      url.then(URL.revokeObjectURL, () => undefined);
    }
  }

  /**
   * A framed <img> for a variant: a calm placeholder until the bytes arrive, the picture once they do.
   * `alt` is empty for decorative copies (the caption next to it names it).
   */
  picture(image: ImageJson, variant: VariantJson, alt: string, className = 'thumb'): HTMLElement {
    const frame = h('span', { class: `${className} is-loading` });
    const img = h('img', { alt, width: variant.width, height: variant.height, decoding: 'async' });
    frame.append(img);
    this.url(image, variant).then(
      (src) => {
        img.src = src;
        frame.classList.remove('is-loading');
      },
      () => {
        frame.classList.replace('is-loading', 'is-broken');
        img.remove();
        frame.append(icon(ICONS.image));
      },
    );
    return frame;
  }

  #limited<T>(task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const run = () => {
        this.#active++;
        task()
          .then(resolve, reject)
          .finally(() => {
            this.#active--;
            this.#queue.shift()?.();
          });
      };
      if (this.#active < IN_FLIGHT) run();
      else this.#queue.push(run);
    });
  }
}

/** The smallest variant at least `minWidth` wide (else the largest): sharp tiles without fetching the biggest. */
export const atLeast = (image: ImageJson, minWidth: number): VariantJson | undefined =>
  [...image.variants]
    .sort((a, b) => a.width * a.height - b.width * b.height)
    .find((variant) => variant.width >= minWidth) ?? largest(image);

/** The largest variant, for the detail view's preview. */
export const largest = (image: ImageJson): VariantJson | undefined =>
  [...image.variants].sort((a, b) => b.width * b.height - a.width * a.height)[0];
