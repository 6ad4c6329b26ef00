import './styles.css';
import { Api } from './api.js';
import { KeyKeeper } from './auth.js';
import { closeDialogs } from './confirm.js';
import { Detail } from './detail.js';
import { announce, byId } from './dom.js';
import { Gallery } from './gallery.js';
import { linkForm } from './link-form.js';
import { type LiveMode, LiveUpdates } from './live.js';
import { ImageStore } from './store.js';
import { Thumbnails } from './thumbs.js';
import { Uploads } from './uploads.js';

const keys = new KeyKeeper();
const api = new Api(keys);
const store = new ImageStore();
const thumbs = new Thumbnails(api);

const MODE_TEXT: Record<LiveMode, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  polling: 'Auto-refresh',
  offline: 'Offline',
};
const live = new LiveUpdates(api, store, {
  onMode: (mode) => {
    byId('connection').dataset.mode = mode;
    byId('connection-text').textContent = MODE_TEXT[mode];
  },
  // Images uploaded elsewhere (another tab, the command-line client) join the gallery as they appear.
  onNew: (image) => gallery.add(image),
  // Events were missed (the stream could not resume): the list is read again.
  onReset: () => void gallery.reload(),
});

const gallery = new Gallery({ api, store, live, thumbs });
const uploads = new Uploads({ api, store, live, thumbs, onAccepted: (image) => gallery.add(image) });
const detail = new Detail({ api, store, live, thumbs });

// ---- files: picker and drag-and-drop (anywhere on the page) ----
const input = byId<HTMLInputElement>('file-input');
input.addEventListener('change', () => {
  if (input.files) uploads.add([...input.files]);
  input.value = '';
});

linkForm(uploads);

const dropzone = byId('dropzone');
let dragDepth = 0;
const hasFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;
document.addEventListener('dragenter', (event) => {
  if (!hasFiles(event)) return;
  dragDepth++;
  dropzone.classList.add('is-dragging');
});
document.addEventListener('dragleave', (event) => {
  if (!hasFiles(event)) return;
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) dropzone.classList.remove('is-dragging');
});
document.addEventListener('dragover', (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
});
document.addEventListener('drop', (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  dragDepth = 0;
  dropzone.classList.remove('is-dragging');
  const files = [...(event.dataTransfer?.files ?? [])];
  if (byId('detail-view').hidden === false) window.location.hash = '#/';
  uploads.add(files);
});

// ---- API key ----
const keyButton = byId<HTMLButtonElement>('key-button');
const keyBanner = byId('key-banner');
// The header says what the server last said of the key, never merely that one is stored.
const KEY_STATES = {
  accepted: { text: 'API key ✓', label: 'API key accepted (change or forget)' },
  refused: { text: 'API key ✗', label: 'API key refused by the server (change or forget)' },
  unknown: { text: 'API key', label: 'API key (saved; change or forget)' },
} as const;
const showKeyState = () => {
  keyButton.hidden = keys.key === null && !keys.declined;
  const state = keys.key === null ? null : keys.verdict;
  keyButton.textContent = state ? KEY_STATES[state].text : 'API key';
  keyButton.setAttribute('aria-label', state ? KEY_STATES[state].label : 'Enter API key');
  keyButton.dataset.verdict = state ?? 'none';
  keyBanner.hidden = !keys.declined;
};
const askForKey = () =>
  keys.open().then(
    () => {
      live.reconnect();
      void gallery.reload();
    },
    () => undefined,
  );
keys.onChange(showKeyState);
keyButton.addEventListener('click', () => void askForKey());
byId('key-banner-button').addEventListener('click', () => void askForKey());
byId('key-forget').addEventListener('click', () => {
  keys.set(null);
  byId<HTMLDialogElement>('key-dialog').close();
  announce('The API key was forgotten on this device.');
});
for (const button of document.querySelectorAll<HTMLButtonElement>('#key-dialog [data-close]')) {
  button.addEventListener('click', () => byId<HTMLDialogElement>('key-dialog').close());
}
showKeyState();

// ---- views: #/ (home) and #/images/<id> (detail) ----
const homeView = byId('home-view');
const detailView = byId('detail-view');
let lastTile: string | null = null;

function route(): void {
  const match = /^#\/images\/([^/?#]+)$/.exec(window.location.hash);
  if (match?.[1]) {
    const id = decodeURIComponent(match[1]);
    lastTile = id;
    homeView.hidden = true;
    detailView.hidden = false;
    document.title = 'Image · Thumbsmith';
    window.scrollTo(0, 0);
    void detail.show(id);
    return;
  }
  detail.hide();
  const wasDetail = !detailView.hidden;
  detailView.hidden = true;
  homeView.hidden = false;
  document.title = 'Thumbsmith';
  if (wasDetail) {
    // Back where the person left: the tile they opened, else the top of the page.
    const tile = lastTile ? document.querySelector<HTMLElement>(`[data-id="${CSS.escape(lastTile)}"]`) : null;
    if (tile) tile.focus();
    else byId('main').focus();
  }
}
// Back and Forward fire popstate, and hashchange too when only the hash moved; a dialog closes on either.
window.addEventListener('popstate', closeDialogs);
window.addEventListener('hashchange', () => {
  closeDialogs();
  route();
});

route();
live.start();
void gallery.reload();
