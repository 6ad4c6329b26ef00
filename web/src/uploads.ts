// Over 400 lines on purpose: one upload card's whole life (pick, send with progress, follow, retry, remove) is one
// state machine; its DOM pieces live in dom.ts, badge.ts and thumbs.ts already.

import { type Api, ApiError, asApiError } from './api.js';
import { type BadgeState, badge } from './badge.js';
import { announce, byId, h, ICONS, icon, replaceChildren } from './dom.js';
import { formatBytes, formatDimensions, linkName } from './format.js';
import type { LiveUpdates } from './live.js';
import type { ImageStore } from './store.js';
import { atLeast, type Thumbnails } from './thumbs.js';
import type { ImageJson } from './types.js';

type Phase = 'waiting' | 'hashing' | 'uploading' | 'sent' | 'rejected' | 'error' | 'duplicate';

interface Upload {
  readonly key: number;
  /** The file's name, or the link's (its last path segment, else its host). */
  readonly name: string;
  /** The file to send; `null` for a link, which the server fetches itself. */
  readonly file: File | null;
  readonly element: HTMLLIElement;
  /** The file's local preview; a link has none and shows its thumbnail once there is one. */
  readonly previewUrl: string | null;
  phase: Phase;
  loaded: number;
  imageId: string | null;
  /** The image of the same bytes the page already has (phase `duplicate`): this file was not sent again. */
  twinId: string | null;
  /** "Upload anyway": send it even though the same bytes are already an image. */
  force: boolean;
  error: ApiError | null;
  /** Why the last Retry was not taken, said on the card until the next one. */
  retryError: ApiError | null;
  progress: { bar: HTMLElement; track: HTMLElement; text: HTMLElement } | null;
}

type FileUpload = Upload & { readonly file: File };

const CONCURRENCY = 3;
/** States a card stays in (the "finished" count, "Clear finished"). */
const FINISHED: readonly BadgeState[] = ['done', 'failed', 'rejected', 'duplicate'];

/** What a queued or processing card says; an upload by URL has no original until the worker has fetched it. */
const PENDING_WORDS = {
  queued: { stored: 'Uploaded. Waiting for a worker…', fetching: 'Link received. Waiting for a worker…' },
  processing: { stored: 'Making thumbnails…', fetching: 'Fetching…' },
} as const;

/**
 * The upload list: every chosen or dropped file becomes a card that shows its upload progress, then the image's
 * live status, then its thumbnails (or, when it fails, why, in plain words). At most three uploads run at once.
 * A link the server accepted gets the same card from its live status on.
 */
export class Uploads {
  readonly #api: Api;
  readonly #store: ImageStore;
  readonly #live: LiveUpdates;
  readonly #thumbs: Thumbnails;
  readonly #onAccepted: (image: ImageJson) => void;
  readonly #items: Upload[] = [];
  readonly #list = byId<HTMLUListElement>('upload-list');
  readonly #section = byId<HTMLElement>('uploads');
  readonly #count = byId<HTMLElement>('uploads-count');
  #nextKey = 0;
  #running = 0;

  constructor(deps: {
    api: Api;
    store: ImageStore;
    live: LiveUpdates;
    thumbs: Thumbnails;
    onAccepted: (image: ImageJson) => void;
  }) {
    this.#api = deps.api;
    this.#store = deps.store;
    this.#live = deps.live;
    this.#thumbs = deps.thumbs;
    this.#onAccepted = deps.onAccepted;
    this.#store.subscribe((event) => {
      const id = event.type === 'remove' ? event.id : event.image.id;
      const item = this.#items.find((candidate) => candidate.imageId === id);
      if (!item) return;
      if (event.type === 'remove') {
        this.#drop(item);
        return;
      }
      const { image, previous } = event;
      if (previous?.status !== image.status) this.#announceStatus(item, image);
      this.#render(item);
      this.#updateCount();
    });
    byId('uploads-clear').addEventListener('click', () => this.#clearFinished());
  }

  /** Queues files for upload, in the order given. */
  add(files: Iterable<File>): void {
    let added = 0;
    // A batch keeps the order it was chosen in; a newer batch goes above older ones.
    const batch = document.createDocumentFragment();
    for (const file of files) {
      const item = this.#item(file.name, file);
      batch.append(item.element);
      this.#render(item);
      added++;
    }
    if (added === 0) return;
    this.#list.prepend(batch);
    this.#section.hidden = false;
    announce(`${added} ${added === 1 ? 'file' : 'files'} added to the upload list.`);
    this.#pump();
  }

  /**
   * Asks the server to fetch an image from a link; its card appears once the server takes it. A link refused at
   * once (not http(s), a private address…) makes no card: the ApiError thrown is said next to the link field,
   * where it can be corrected.
   */
  async addLink(url: string): Promise<void> {
    let image: ImageJson;
    try {
      image = await this.#api.uploadUrl(url);
    } catch (error) {
      throw asApiError(error);
    }
    const item = this.#item(linkName(url), null);
    this.#list.prepend(item.element);
    this.#section.hidden = false;
    announce(`${item.name}: link added to the upload list.`);
    this.#accept(item, image);
    this.#updateCount();
  }

  #item(name: string, file: File | null): Upload {
    const item: Upload = {
      key: this.#nextKey++,
      name,
      file,
      element: h('li', { class: 'upload-card' }),
      previewUrl: file && URL.createObjectURL(file),
      phase: 'waiting',
      loaded: 0,
      imageId: null,
      twinId: null,
      force: false,
      error: null,
      retryError: null,
      progress: null,
    };
    this.#items.push(item);
    return item;
  }

  /** The server took the upload: from here on the card follows the image. */
  #accept(item: Upload, image: ImageJson): void {
    item.phase = 'sent';
    item.imageId = image.id;
    this.#store.set(image);
    const known = this.#store.get(image.id) ?? image;
    // The event stream can bring a later status (a fast failure) before this answer: the store kept it, but no card
    // listened then, so it is said now.
    if (known.status !== image.status) this.#announceStatus(item, known);
    this.#live.watch(known);
    this.#onAccepted(image);
    this.#render(item);
  }

  #pump(): void {
    while (this.#running < CONCURRENCY) {
      const next = this.#items.find((item): item is FileUpload => item.phase === 'waiting' && item.file !== null);
      if (!next) break;
      this.#running++;
      void this.#upload(next).finally(() => {
        this.#running--;
        this.#pump();
      });
    }
    this.#updateCount();
  }

  async #upload(item: FileUpload): Promise<void> {
    item.phase = 'hashing';
    const twin = item.force ? undefined : await this.#twinOf(item.file);
    if (twin) {
      item.phase = 'duplicate';
      item.twinId = twin.id;
      announce(`${item.name}: already uploaded, not sent again.`);
      this.#render(item);
      this.#updateCount();
      return;
    }
    item.phase = 'uploading';
    item.loaded = 0;
    item.error = null;
    this.#render(item);
    try {
      const image = await this.#api.upload(item.file, ({ loaded, total }) => {
        item.loaded = loaded;
        this.#showProgress(item, loaded, total);
      });
      this.#accept(item, image);
    } catch (error) {
      const apiError = asApiError(error);
      item.error = apiError;
      // A 4xx is about the file (not an image, too large): sending it again cannot help. Anything else can.
      item.phase = apiError.status >= 400 && apiError.status < 500 && apiError.status !== 401 ? 'rejected' : 'error';
      announce(`${item.name}: ${item.phase === 'rejected' ? 'rejected' : 'not sent'}. ${apiError.plain}`);
      this.#render(item);
    }
    this.#updateCount();
  }

  /**
   * An image the page knows with these exact bytes: the same file dropped again shows that one rather than make a
   * twin. Hashing needs a secure context (https, or localhost); elsewhere every file is sent.
   */
  async #twinOf(file: File): Promise<ImageJson | undefined> {
    if (!globalThis.crypto?.subtle) return undefined;
    try {
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
      const sha256 = Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
      return this.#store.withContent(sha256);
    } catch {
      return undefined; // unreadable here: the upload will say so
    }
  }

  #image(item: Upload): ImageJson | undefined {
    return item.imageId ? this.#store.get(item.imageId) : undefined;
  }

  #state(item: Upload): BadgeState {
    if (item.phase === 'sent') return this.#image(item)?.status ?? 'queued';
    if (item.phase === 'hashing') return 'uploading';
    return item.phase;
  }

  #announceStatus(item: Upload, image: ImageJson): void {
    const name = item.name;
    if (image.status === 'done') announce(`${name}: done, ${image.variants.length} thumbnails ready.`);
    else if (image.status === 'failed') announce(`${name}: failed. ${this.#reason(image)}`);
    else if (image.status === 'processing') {
      announce(`${name}: ${image.original ? 'making thumbnails' : 'fetching the link'}.`);
    }
  }

  #reason(image: ImageJson): string {
    return image.error
      ? new ApiError(422, image.error.code, image.error.message).plain
      : 'The image could not be processed.';
  }

  #render(item: Upload): void {
    const state = this.#state(item);
    const image = this.#image(item);
    item.element.dataset.state = state;
    item.progress = null;

    // A link's bytes are known once fetched; where it came from is known at once.
    const meta: string[] = [];
    if (image?.sourceUrl) meta.push(`From ${new URL(image.sourceUrl).host}`);
    const bytes = item.file?.size ?? image?.original?.bytes;
    if (bytes !== undefined) meta.push(formatBytes(bytes));
    if (image?.original) {
      const { format, width, height } = image.original;
      meta.push(`${format.toUpperCase()} ${formatDimensions(width, height)}`);
    }

    const body = h(
      'div',
      { class: 'upload-main' },
      h('div', { class: 'upload-top' }, h('span', { class: 'upload-name', title: item.name }, item.name), badge(state)),
      h('div', { class: 'upload-meta' }, meta.join(' · ')),
    );

    if (state === 'waiting' || state === 'uploading') {
      const bar = h('span', { class: 'progress-bar' });
      const track = h(
        'span',
        {
          class: 'progress',
          role: 'progressbar',
          'aria-label': `Upload of ${item.name}`,
          'aria-valuemin': 0,
          'aria-valuemax': 100,
          'aria-valuenow': 0,
        },
        bar,
      );
      const text = h(
        'span',
        { class: 'progress-text' },
        state === 'waiting' ? 'Waiting for a free slot…' : 'Starting…',
      );
      item.progress = { bar, track, text };
      body.append(h('div', { class: 'progress-row' }, track, text));
      if (state === 'uploading') this.#showProgress(item, item.loaded, item.file?.size ?? 0);
    } else if (state === 'queued' || state === 'processing') {
      body.append(
        h(
          'p',
          { class: 'upload-status' },
          h('span', { class: 'spinner', 'aria-hidden': 'true' }),
          PENDING_WORDS[state][image?.original === null ? 'fetching' : 'stored'],
        ),
      );
    } else if (state === 'done' && image) {
      body.append(this.#strip(image));
    } else if (state === 'failed' && image) {
      body.append(reasonBox(this.#reason(image), image.error?.code));
      if (item.retryError) body.append(retryFailedBox(item.retryError));
    } else if (state === 'duplicate') {
      body.append(h('p', { class: 'upload-status' }, 'The same file is already here; it was not sent again.'));
    } else if ((state === 'rejected' || state === 'error') && item.error) {
      body.append(reasonBox(item.error.plain, item.error.code));
    }

    const actions = h('div', { class: 'upload-actions' });
    if (image) {
      actions.append(
        h(
          'a',
          { class: 'btn btn-small', href: `#/images/${image.id}`, 'data-focus': `details-${item.key}` },
          'Details',
        ),
      );
    }
    if (item.twinId) {
      actions.append(
        h(
          'a',
          { class: 'btn btn-small', href: `#/images/${item.twinId}`, 'data-focus': `twin-${item.key}` },
          'Show it',
        ),
        h(
          'button',
          {
            class: 'btn btn-small',
            type: 'button',
            'data-focus': `anyway-${item.key}`,
            onclick: () => {
              item.force = true;
              item.twinId = null;
              item.phase = 'waiting';
              this.#render(item);
              this.#pump();
            },
          },
          'Upload anyway',
        ),
      );
    }
    if (state === 'failed' && image && canRetry(image)) {
      actions.append(
        h(
          'button',
          {
            class: 'btn btn-small',
            type: 'button',
            'data-focus': `retry-${item.key}`,
            onclick: () => this.#retry(item),
          },
          icon(ICONS.retry),
          'Retry',
        ),
      );
    }
    if (state === 'error') {
      actions.append(
        h(
          'button',
          {
            class: 'btn btn-small',
            type: 'button',
            'data-focus': `again-${item.key}`,
            onclick: () => {
              item.phase = 'waiting';
              this.#render(item);
              this.#pump();
            },
          },
          icon(ICONS.retry),
          'Try again',
        ),
      );
    }
    if (actions.childElementCount > 0) body.append(actions);
    replaceChildren(item.element, this.#preview(item, image), body);
  }

  /** The file as chosen; a link has nothing to show until its thumbnails exist, then shows the smallest fitting one. */
  #preview(item: Upload, image: ImageJson | undefined): HTMLElement {
    const preview = h('span', { class: 'upload-preview' });
    const fallback = () => preview.replaceChildren(icon(item.file ? ICONS.image : ICONS.link));
    const variant = image?.status === 'done' ? atLeast(image, 64) : undefined;
    const source = item.previewUrl ?? (image && variant ? this.#thumbs.url(image, variant) : null);
    if (source === null) {
      fallback();
      return preview;
    }
    const img = h('img', { alt: '', decoding: 'async' });
    img.addEventListener('error', fallback);
    Promise.resolve(source).then((src) => {
      img.src = src;
    }, fallback);
    preview.append(img);
    return preview;
  }

  #strip(image: ImageJson): HTMLElement {
    const strip = h('ul', { class: 'variant-strip', 'aria-label': 'Thumbnails' });
    for (const variant of image.variants) {
      strip.append(
        h(
          'li',
          {},
          this.#thumbs.picture(image, variant, '', 'thumb thumb-small'),
          h(
            'span',
            { class: 'variant-caption' },
            h('strong', {}, variant.preset),
            h('span', {}, formatDimensions(variant.width, variant.height)),
          ),
        ),
      );
    }
    return strip;
  }

  #showProgress(item: Upload, loaded: number, total: number): void {
    if (!item.progress) return;
    const percent = total > 0 ? Math.min(100, Math.round((loaded / total) * 100)) : 0;
    item.progress.bar.style.width = `${percent}%`;
    item.progress.track.setAttribute('aria-valuenow', String(percent));
    item.progress.text.textContent = `${percent}% · ${formatBytes(loaded)} of ${formatBytes(total)}`;
  }

  async #retry(item: Upload): Promise<void> {
    if (!item.imageId) return;
    try {
      const image = await this.#api.retryImage(item.imageId);
      item.retryError = null;
      this.#store.set(image);
      this.#live.watch(image);
      announce(`${item.name}: queued again.`);
    } catch (error) {
      item.retryError = asApiError(error);
      announce(`${item.name}: could not retry. ${item.retryError.plain}`);
    }
    this.#render(item);
  }

  #drop(item: Upload): void {
    const index = this.#items.indexOf(item);
    if (index >= 0) this.#items.splice(index, 1);
    item.element.remove();
    if (item.previewUrl) URL.revokeObjectURL(item.previewUrl);
    this.#updateCount();
  }

  #clearFinished(): void {
    for (const item of [...this.#items]) {
      const state = this.#state(item);
      if (FINISHED.includes(state)) this.#drop(item);
    }
    announce('Finished uploads cleared from the list.');
  }

  #updateCount(): void {
    const total = this.#items.length;
    this.#section.hidden = total === 0;
    const finished = this.#items.filter((item) => FINISHED.includes(this.#state(item))).length;
    this.#count.textContent = total > 0 ? `${finished} of ${total} finished` : '';
  }
}

/**
 * Retry is offered only where it can help: the server says whether the failure was the image's own (corrupt, over a
 * limit: the same again) or passing (a storage outage, attempts run out).
 */
export const canRetry = (image: ImageJson): boolean => image.status === 'failed' && image.error?.retryable === true;

/** Why a Retry was not taken, said where the button was (an announcement alone is easily missed). */
export function retryFailedBox(error: ApiError): HTMLElement {
  const box = reasonBox(`Retry did not go through. ${error.plain}`, error.code);
  box.classList.add('retry-failed');
  box.setAttribute('role', 'alert');
  return box;
}

/** A failure in plain words, with the code small beside it for whoever reports it. */
export function reasonBox(text: string, code: string | undefined | null): HTMLElement {
  return h(
    'p',
    { class: 'reason' },
    icon(ICONS.alert),
    h('span', {}, text, code ? h('span', { class: 'code' }, code) : null),
  );
}
