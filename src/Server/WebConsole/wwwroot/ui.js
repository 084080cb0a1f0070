// Small DOM helpers. Text always goes in through textContent, never as markup.

export const $ = id => document.getElementById(id);

/** Creates an element with attributes and children (strings become text nodes). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function toast(message, kind = 'info') {
  const node = el('div', { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, message);
  $('toasts').append(node);
  setTimeout(() => node.remove(), 6000);
}

/** "2 h ago", "just now", or a date. */
export function ago(when) {
  if (!when) return 'never';
  const seconds = Math.max(0, (Date.now() - new Date(when).getTime()) / 1000);
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  if (seconds < 86400 * 30) return `${Math.floor(seconds / 86400)} d ago`;
  return new Date(when).toISOString().slice(0, 10);
}

export const utf8Length = text => new TextEncoder().encode(text).length;

export function bytes(n) {
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`;
}

/**
 * Opens a modal dialog (the browser traps focus in it and closes it on Escape) and returns focus on close. The close
 * event comes a task after the dialog closed: a keyboard user may already have moved on (Escape then Enter opens the
 * row's menu), so focus goes back to the opener only if nothing else holds it by then.
 */
export function openDialog(dialog, focus) {
  const opener = document.activeElement;
  dialog.addEventListener('close', () => {
    const now = document.activeElement;
    const lost = !now || now === document.body || dialog.contains(now);
    if (lost && opener && opener.isConnected) opener.focus();
  }, { once: true });
  dialog.showModal();
  if (focus) focus.focus();
}

/** Wires every [data-close] button inside dialogs to close its dialog, and keeps Tab inside an open dialog. */
export function wireCloseButtons() {
  for (const button of document.querySelectorAll('dialog [data-close]')) {
    button.addEventListener('click', () => button.closest('dialog').close());
  }
  for (const dialog of document.querySelectorAll('dialog')) {
    dialog.addEventListener('keydown', event => trapTab(dialog, event));
  }
}

const FOCUSABLE = 'button, [href], input, select, textarea, [tabindex]:not([tabindex="-1"])';

/** A modal dialog already makes the page behind it inert; this also stops Tab from leaving it for the browser's own UI. */
function trapTab(dialog, event) {
  if (event.key !== 'Tab') return;
  const items = [...dialog.querySelectorAll(FOCUSABLE)].filter(e => !e.disabled && !e.hidden && e.offsetParent !== null);
  if (items.length === 0) return;
  const first = items[0], last = items[items.length - 1];
  if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
  else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
}

/** Shows a problem's per-field errors beside fields (map: problem field → element id), the rest in a general slot. */
export function showProblem(error, fields, general) {
  for (const id of Object.values(fields)) $(id).textContent = '';
  let shown = false;
  for (const item of error.errors || []) {
    const field = (item.field || item.name || item.pointer || '').replace(/^\/?/, '').toLowerCase();
    const target = fields[field];
    if (target) { $(target).textContent = item.message || item.detail || String(item); shown = true; }
  }
  if (!shown) $(general).textContent = error.message;
}

/** A value field that is masked while typing, with a show toggle and a UTF-8 byte counter up to the limit. */
export function valueField(textarea, toggle, counter, limit, onChange) {
  const update = () => {
    const n = utf8Length(textarea.value);
    counter.textContent = `${bytes(n)} of 64 KiB`;
    counter.classList.toggle('field-error', n > limit);
    onChange?.();
  };
  textarea.addEventListener('input', update);
  toggle.addEventListener('change', () => textarea.classList.toggle('shown', toggle.checked));
  return {
    reset() { textarea.value = ''; toggle.checked = false; textarea.classList.remove('shown'); update(); },
    tooLong: () => utf8Length(textarea.value) > limit,
  };
}
