import { type Api, ApiError } from './api.js';
import { KeyRefused } from './auth.js';
import { type BadgeState, badge } from './badge.js';
import { announce, byId, h, ICONS, icon, replaceChildren } from './dom.js';
import { formatBytes, formatDimensions } from './format.js';
import type { LiveUpdates } from './live.js';
import type { ImageStore } from './store.js';
import type { Thumbnails } from './thumbs.js';
import type { ImageJson } from './types.js';

type Phase = 'waiting' | 'uploading' | 'sent' | 'rejected' | 'error';

interface Upload {
  readonly key: number;
  readonly file: File;
  readonly element: HTMLLIElement;
  readonly previewUrl: string;
  phase: Phase;
  loaded: number;
  imageId: string | null;
  error: ApiError | null;
  progress: { bar: HTMLElement; track: HTMLElement; text: HTMLElement } | null;
}

const CONCURRENCY = 3;

/**
 * The upload list: every chosen or dropped file becomes a card that shows its upload progress, then the image's
 * live status, then its thumbnails (or, when it fails, why, in plain words). At most three uploads run at once.
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
      const item: Upload = {
        key: this.#nextKey++,
        file,
        element: h('li', { class: 'upload-card' }),
        previewUrl: URL.createObjectURL(file),
        phase: 'waiting',
        loaded: 0,
        imageId: null,
        error: null,
        progress: null,
      };
      this.#items.push(item);
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

  #pump(): void {
    while (this.#running < CONCURRENCY) {
      const next = this.#items.find((item) => item.phase === 'waiting');
      if (!next) break;
      this.#running++;
      void this.#upload(next).finally(() => {
        this.#running--;
        this.#pump();
      });
    }
    this.#updateCount();
  }

  async #upload(item: Upload): Promise<void> {
    item.phase = 'uploading';
    item.loaded = 0;
    item.error = null;
    this.#render(item);
    try {
      const image = await this.#api.upload(item.file, ({ loaded, total }) => {
        item.loaded = loaded;
        this.#showProgress(item, loaded, total);
      });
      item.phase = 'sent';
      item.imageId = image.id;
      this.#store.set(image);
      this.#live.watch(this.#store.get(image.id) ?? image);
      this.#onAccepted(image);
      this.#render(item);
    } catch (error) {
      const apiError =
        error instanceof ApiError ? error : error instanceof KeyRefused ? new ApiError(401) : new ApiError(0);
      item.error = apiError;
      // A 4xx is about the file (not an image, too large): sending it again cannot help. Anything else can.
      item.phase = apiError.status >= 400 && apiError.status < 500 && apiError.status !== 401 ? 'rejected' : 'error';
      announce(`${item.file.name}: ${item.phase === 'rejected' ? 'rejected' : 'not sent'}. ${apiError.plain}`);
      this.#render(item);
    }
    this.#updateCount();
  }

  #image(item: Upload): ImageJson | undefined {
    return item.imageId ? this.#store.get(item.imageId) : undefined;
  }

  #state(item: Upload): BadgeState {
    if (item.phase === 'sent') return this.#image(item)?.status ?? 'queued';
    return item.phase;
  }

  #announceStatus(item: Upload, image: ImageJson): void {
    const name = item.file.name;
    if (image.status === 'done') announce(`${name}: done, ${image.variants.length} thumbnails ready.`);
    else if (image.status === 'failed') announce(`${name}: failed. ${this.#reason(image)}`);
    else if (image.status === 'processing') announce(`${name}: making thumbnails.`);
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

    const preview = h('span', { class: 'upload-preview' });
    const localImage = h('img', { alt: '', src: item.previewUrl, decoding: 'async' });
    localImage.addEventListener('error', () => {
      localImage.remove();
      preview.append(icon(ICONS.image));
    });
    preview.append(localImage);

    const meta = [formatBytes(item.file.size)];
    if (image?.original) {
      const { format, width, height } = image.original;
      meta.push(`${format.toUpperCase()} ${formatDimensions(width, height)}`);
    }

    const body = h(
      'div',
      { class: 'upload-main' },
      h(
        'div',
        { class: 'upload-top' },
        h('span', { class: 'upload-name', title: item.file.name }, item.file.name),
        badge(state),
      ),
      h('div', { class: 'upload-meta' }, meta.join(' · ')),
    );

    if (state === 'waiting' || state === 'uploading') {
      const bar = h('span', { class: 'progress-bar' });
      const track = h(
        'span',
        {
          class: 'progress',
          role: 'progressbar',
          'aria-label': `Upload of ${item.file.name}`,
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
      if (state === 'uploading') this.#showProgress(item, item.loaded, item.file.size);
    } else if (state === 'queued' || state === 'processing') {
      body.append(
        h(
          'p',
          { class: 'upload-status' },
          h('span', { class: 'spinner', 'aria-hidden': 'true' }),
          state === 'queued' ? 'Uploaded. Waiting for a worker…' : 'Making thumbnails…',
        ),
      );
    } else if (state === 'done' && image) {
      body.append(this.#strip(image));
    } else if (state === 'failed' && image) {
      body.append(reasonBox(this.#reason(image), image.error?.code));
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
    if (state === 'failed' && image) {
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
    replaceChildren(item.element, preview, body);
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
      this.#store.set(image);
      this.#live.watch(image);
      announce(`${item.file.name}: queued again.`);
    } catch (error) {
      announce(`${item.file.name}: could not retry. ${error instanceof ApiError ? error.plain : ''}`);
    }
  }

  #drop(item: Upload): void {
    const index = this.#items.indexOf(item);
    if (index >= 0) this.#items.splice(index, 1);
    item.element.remove();
    URL.revokeObjectURL(item.previewUrl);
    this.#updateCount();
  }

  #clearFinished(): void {
    for (const item of [...this.#items]) {
      const state = this.#state(item);
      if (state === 'done' || state === 'failed' || state === 'rejected') this.#drop(item);
    }
    announce('Finished uploads cleared from the list.');
  }

  #updateCount(): void {
    const total = this.#items.length;
    this.#section.hidden = total === 0;
    const finished = this.#items.filter((item) => ['done', 'failed', 'rejected'].includes(this.#state(item))).length;
    this.#count.textContent = total > 0 ? `${finished} of ${total} finished` : '';
  }
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
