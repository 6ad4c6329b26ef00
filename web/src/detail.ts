import { type Api, ApiError, asApiError } from './api.js';
import { badge } from './badge.js';
import { copyText } from './clipboard.js';
import { confirmAction } from './confirm.js';
import { announce, byId, h, ICONS, icon, replaceChildren } from './dom.js';
import { displayName, downloadName, formatBytes, formatDate, formatDimensions } from './format.js';
import type { LiveUpdates } from './live.js';
import type { ImageStore } from './store.js';
import { largest, type Thumbnails } from './thumbs.js';
import type { ImageJson, VariantJson } from './types.js';
import { canRetry, reasonBox, retryFailedBox } from './uploads.js';

/**
 * One image: a preview, every preset with its size, format and bytes (copy link, download), the original's facts,
 * and retry or delete. Follows the image live while shown.
 */
export class Detail {
  readonly #api: Api;
  readonly #store: ImageStore;
  readonly #live: LiveUpdates;
  readonly #thumbs: Thumbnails;
  readonly #view = byId<HTMLElement>('detail-view');
  #id: string | null = null;
  #busy = false;
  /** Why the last Retry of the image shown was not taken. */
  #retryError: ApiError | null = null;

  constructor(deps: { api: Api; store: ImageStore; live: LiveUpdates; thumbs: Thumbnails }) {
    this.#api = deps.api;
    this.#store = deps.store;
    this.#live = deps.live;
    this.#thumbs = deps.thumbs;
    this.#store.subscribe((event) => {
      if (this.#id === null) return;
      if (event.type === 'remove' && event.id === this.#id) this.#renderMissing();
      else if (event.type === 'update' && event.image.id === this.#id) this.#render(event.image);
    });
  }

  async show(id: string): Promise<void> {
    this.#id = id;
    this.#retryError = null;
    const known = this.#store.get(id);
    if (known) this.#render(known);
    else replaceChildren(this.#view, this.#nav(), h('p', { class: 'muted' }, 'Loading…'));
    this.#focusTitle();
    try {
      const image = await this.#api.getImage(id);
      if (this.#id !== id) return;
      this.#store.set(image);
      this.#live.watch(image);
      if (!known) {
        this.#render(this.#store.get(id) ?? image);
        this.#focusTitle();
      }
    } catch (error) {
      if (this.#id !== id) return;
      if (error instanceof ApiError && error.status === 404) this.#renderMissing();
      else if (!known) {
        replaceChildren(
          this.#view,
          this.#nav(),
          reasonBox(error instanceof ApiError ? error.plain : 'The image could not be loaded.', null),
        );
      }
    }
  }

  hide(): void {
    this.#id = null;
  }

  #focusTitle(): void {
    this.#view.querySelector<HTMLElement>('h1')?.focus();
  }

  #nav(): HTMLElement {
    return h(
      'nav',
      { class: 'detail-nav', 'aria-label': 'Back' },
      h('a', { class: 'back', href: '#/' }, icon(ICONS.back), 'All images'),
    );
  }

  #renderMissing(): void {
    replaceChildren(
      this.#view,
      this.#nav(),
      h('h1', { tabindex: -1 }, 'Image not found'),
      h('p', { class: 'muted' }, 'This image does not exist. It may have been deleted.'),
    );
  }

  #render(image: ImageJson): void {
    const name = displayName(image);
    const actions = h('div', { class: 'detail-actions' });
    if (canRetry(image)) {
      actions.append(
        h(
          'button',
          { class: 'btn', type: 'button', 'data-focus': 'retry', onclick: () => void this.#retry(image) },
          icon(ICONS.retry),
          'Retry',
        ),
      );
    }
    actions.append(
      h(
        'button',
        {
          class: 'btn btn-danger-quiet',
          type: 'button',
          'data-focus': 'delete',
          onclick: () => void this.#delete(image),
        },
        icon(ICONS.trash),
        'Delete',
      ),
    );

    const status =
      image.status === 'failed'
        ? reasonBox(
            image.error
              ? new ApiError(422, image.error.code, image.error.message).plain
              : 'The image could not be processed.',
            image.error?.code,
          )
        : image.status === 'done'
          ? null
          : h(
              'p',
              { class: 'upload-status' },
              h('span', { class: 'spinner', 'aria-hidden': 'true' }),
              image.status === 'queued' ? 'Waiting for a worker…' : 'Making thumbnails…',
            );

    const preview = largest(image);
    replaceChildren(
      this.#view,
      this.#nav(),
      h(
        'div',
        { class: 'detail-head' },
        h('div', { class: 'detail-title' }, h('h1', { tabindex: -1, title: name }, name), badge(image.status)),
        actions,
      ),
      status,
      image.status === 'failed' && this.#retryError ? retryFailedBox(this.#retryError) : null,
      h(
        'div',
        // A failed image has nothing to preview: the facts take the row.
        { class: image.status === 'failed' ? 'detail-grid is-single' : 'detail-grid' },
        image.status === 'failed'
          ? null
          : h(
              'figure',
              { class: 'detail-preview' },
              preview
                ? this.#thumbs.picture(image, preview, `${name}, ${preview.preset} thumbnail`, 'preview')
                : h('span', { class: 'preview is-placeholder' }, icon(ICONS.image)),
            ),
        h(
          'section',
          { class: 'card facts-card', 'aria-labelledby': 'original-title' },
          h('h2', { id: 'original-title' }, 'Original'),
          this.#facts(image),
        ),
      ),
      h(
        'section',
        { class: 'variants', 'aria-labelledby': 'variants-title' },
        h('h2', { id: 'variants-title' }, 'Thumbnails'),
        this.#variants(image),
      ),
    );
  }

  #facts(image: ImageJson): HTMLElement {
    const { original } = image;
    const rows: Array<[string, string | HTMLElement]> = [];
    if (image.sourceUrl) rows.push(['Fetched from', h('code', { class: 'hash' }, image.sourceUrl)]);
    if (original) {
      rows.push(
        ['File name', original.filename ?? '—'],
        ['Format', original.format.toUpperCase()],
        ['Dimensions', `${formatDimensions(original.width, original.height)} px`],
        ['Size', formatBytes(original.bytes)],
      );
      if (original.frames > 1) rows.push(['Frames', String(original.frames)]);
    } else {
      rows.push(['Original', 'not fetched yet']);
    }
    rows.push(
      ['Uploaded', formatDate(image.createdAt)],
      ['Finished', image.completedAt ? formatDate(image.completedAt) : '—'],
      ['Attempts', String(image.attempts)],
      ['Image id', h('code', {}, image.id)],
    );
    if (original) rows.push(['SHA-256', h('code', { class: 'hash' }, original.sha256)]);
    const list = h('dl', { class: 'facts' });
    for (const [term, value] of rows) list.append(h('div', {}, h('dt', {}, term), h('dd', {}, value)));
    return list;
  }

  #variants(image: ImageJson): HTMLElement {
    const list = h('ul', { class: 'variant-list' });
    const byPreset = new Map(image.variants.map((variant) => [variant.preset, variant]));
    const presets = [
      ...new Set([...image.variants.map((variant) => variant.preset), ...Object.keys(image.links.thumbnails)]),
    ];
    for (const preset of presets) {
      const variant = byPreset.get(preset);
      list.append(variant ? this.#variant(image, variant) : this.#missingVariant(image, preset));
    }
    return list;
  }

  #variant(image: ImageJson, variant: VariantJson): HTMLElement {
    return h(
      'li',
      { class: 'variant-card' },
      this.#thumbs.picture(image, variant, `${variant.preset} thumbnail`, 'thumb'),
      h(
        'div',
        { class: 'variant-body' },
        h('h3', {}, variant.preset),
        h(
          'p',
          { class: 'variant-facts' },
          `${formatDimensions(variant.width, variant.height)} · ${variant.format.toUpperCase()} · ${formatBytes(variant.bytes)}`,
        ),
        h(
          'div',
          { class: 'variant-actions' },
          h(
            'button',
            {
              class: 'btn btn-small',
              type: 'button',
              'data-focus': `copy-${variant.preset}`,
              'aria-label': `Copy link to ${variant.preset}`,
              onclick: (event) => void this.#copy(event.currentTarget as HTMLButtonElement, variant),
            },
            icon(ICONS.copy),
            h('span', {}, 'Copy link'),
          ),
          h(
            'button',
            {
              class: 'btn btn-small',
              type: 'button',
              'data-focus': `download-${variant.preset}`,
              'aria-label': `Download ${variant.preset}`,
              onclick: () => void this.#download(image, variant),
            },
            icon(ICONS.download),
            'Download',
          ),
        ),
      ),
    );
  }

  #missingVariant(image: ImageJson, preset: string): HTMLElement {
    const text =
      image.status === 'failed'
        ? 'Not made: the image failed.'
        : image.status === 'done'
          ? 'Not made.'
          : 'Not made yet…';
    return h(
      'li',
      { class: 'variant-card is-missing' },
      image.status === 'failed' ? null : h('span', { class: 'thumb is-placeholder' }, icon(ICONS.image)),
      h('div', { class: 'variant-body' }, h('h3', {}, preset), h('p', { class: 'variant-facts' }, text)),
    );
  }

  async #copy(button: HTMLButtonElement, variant: VariantJson): Promise<void> {
    const url = new URL(variant.url, window.location.href).href;
    const copied = await copyText(url);
    const label = button.querySelector('span');
    if (label) label.textContent = copied ? 'Copied' : 'Copy failed';
    announce(copied ? `Link to ${variant.preset} copied.` : `Could not copy the link. It is ${url}`);
    window.setTimeout(() => {
      if (label) label.textContent = 'Copy link';
    }, 2000);
  }

  async #download(image: ImageJson, variant: VariantJson): Promise<void> {
    try {
      const blob = await this.#api.thumbnail(image.id, variant.preset);
      const url = URL.createObjectURL(blob);
      const link = h('a', { href: url, download: downloadName(image, variant.preset, variant.format), hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      announce(`Download failed. ${error instanceof ApiError ? error.plain : ''}`);
    }
  }

  async #retry(image: ImageJson): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const updated = await this.#api.retryImage(image.id);
      this.#retryError = null;
      this.#store.set(updated);
      this.#live.watch(updated);
      announce(`${displayName(image)} queued again.`);
    } catch (error) {
      this.#retryError = asApiError(error);
      announce(`Could not retry. ${this.#retryError.plain}`);
      const shown = this.#store.get(image.id);
      if (this.#id === image.id && shown) this.#render(shown);
    } finally {
      this.#busy = false;
    }
  }

  async #delete(image: ImageJson): Promise<void> {
    const name = displayName(image);
    const confirmed = await confirmAction({
      title: 'Delete this image?',
      message: `“${name}” and all its thumbnails will be removed from the server. This cannot be undone.`,
      confirm: 'Delete',
    });
    // The dialog closes on navigation; this also holds should the view have moved to another image meanwhile.
    if (!confirmed || this.#id !== image.id) return;
    try {
      await this.#api.deleteImage(image.id);
    } catch (error) {
      // Already gone is as good as deleted; anything else (including a server without DELETE) is said out loud.
      const gone = error instanceof ApiError && error.status === 404 && !error.unsupported;
      if (!gone) {
        announce(`Could not delete. ${error instanceof ApiError ? error.plain : ''}`);
        return;
      }
    }
    this.#id = null;
    this.#thumbs.forget(image.id);
    this.#store.remove(image.id);
    announce(`${name} deleted.`);
    window.location.hash = '#/';
  }
}
