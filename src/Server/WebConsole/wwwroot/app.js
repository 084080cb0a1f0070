// Settings › Secrets. Every call goes through api.js; every value typed here leaves in one request body and the
// field is cleared at once. Nothing is written to localStorage or sessionStorage.
import * as api from './api.js';
import { $, el, toast, ago, openDialog, wireCloseButtons, showProblem, valueField } from './ui.js';

const MAX_VALUE_BYTES = 64 * 1024;
const NAME_RULE = /^[A-Z_][A-Z0-9_]{0,254}$/;
const MASK = '••••••••';

const state = { me: null, view: 'organization', project: '', search: '', showSystem: false, secrets: [], cursor: null, menuFor: null };

// ---------- sign-in ----------

async function start() {
  wireCloseButtons();
  wireSignIn();
  wireConsole();
  window.addEventListener('signed-out', () => showSignIn());
  try {
    if (!(await api.session()).signedIn) { showSignIn(); return; }
    state.me = await api.me();
    await showConsole();
  } catch {
    showSignIn();
  }
}

function showSignIn() {
  $('console').hidden = true;
  $('sign-out').hidden = true;
  $('who').textContent = '';
  $('sign-in').hidden = false;
  $('token-field').focus();
}

function wireSignIn() {
  $('sign-in-form').addEventListener('submit', async event => {
    event.preventDefault();
    const field = $('token-field');
    const token = field.value.trim();
    field.value = '';
    $('token-error').textContent = '';
    if (!token) { $('token-error').textContent = 'Paste an API token.'; return; }
    try {
      await api.signIn(token);
      state.me = await api.me();
      await showConsole();
    } catch (error) {
      $('token-error').textContent = error.status === 429 ? 'Too many attempts; wait a minute and try again.' : 'That token was not accepted.';
      field.focus();
    }
  });
  $('sign-out').addEventListener('click', async () => {
    try { await api.signOut(); } catch { /* the cookie is gone either way */ }
    state.me = null;
    showSignIn();
  });
}

async function showConsole() {
  $('sign-in').hidden = true;
  $('console').hidden = false;
  $('sign-out').hidden = false;
  $('who').textContent = `Signed in as ${state.me.user}`;
  const picker = $('project-picker');
  picker.replaceChildren(...(state.me.projects || []).map(p => el('option', { value: p }, p)));
  state.project = state.project || (state.me.projects || [])[0] || '';
  picker.value = state.project;
  await selectView(state.view, false);
  refreshCounts();
}

// ---------- tabs and list ----------

function wireConsole() {
  const tabs = [...document.querySelectorAll('[role=tab]')];
  for (const tab of tabs) {
    tab.addEventListener('click', () => selectView(tab.dataset.view, true));
    tab.addEventListener('keydown', event => {
      const i = tabs.indexOf(tab);
      const next = event.key === 'ArrowRight' ? tabs[(i + 1) % tabs.length] : event.key === 'ArrowLeft' ? tabs[(i - 1 + tabs.length) % tabs.length] : null;
      if (next) { event.preventDefault(); next.focus(); selectView(next.dataset.view, true); }
    });
  }
  $('project-picker').addEventListener('change', event => { state.project = event.target.value; loadSecrets(); refreshCounts(); });
  let timer = null;
  $('search').addEventListener('input', event => {
    clearTimeout(timer);
    timer = setTimeout(() => { state.search = event.target.value.trim(); loadSecrets(); }, 150);
  });
  $('show-system').addEventListener('change', event => { state.showSystem = event.target.checked; renderSecrets(); });
  $('more').addEventListener('click', () => loadSecrets(true));
  wireMenu();
  wireNew();
  wireReplace();
  wireEdit();
  wireDelete();
  wireImport();
  wireAudit();
  document.addEventListener('keydown', event => { if (event.key === 'Escape' && !$('row-menu').hidden) closeMenu(true); });
}

const isSecretView = view => view === 'organization' || view === 'project' || view === 'personal';

function ownerOf(view) {
  if (view === 'organization') return state.me.organization || 'default';
  if (view === 'project') return state.project;
  return state.me.user;
}

async function selectView(view, focusTab) {
  state.view = view;
  for (const tab of document.querySelectorAll('[role=tab]')) {
    const selected = tab.dataset.view === view;
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
    if (selected && focusTab) tab.focus();
  }
  $('panel-secrets').hidden = !isSecretView(view);
  $('panel-audit').hidden = view !== 'audit';
  $('panel-runs').hidden = view !== 'runs';
  $('panel-secrets').setAttribute('aria-labelledby', `tab-${isSecretView(view) ? view : 'organization'}`);
  $('project-picker-wrap').hidden = view !== 'project';
  $('new-open').hidden = $('import-open').hidden = !isSecretView(view);
  if (isSecretView(view)) await loadSecrets();
  else if (view === 'audit') await loadAudit();
  else await loadRuns();
}

async function refreshCounts() {
  for (const view of ['organization', 'project', 'personal']) {
    const slot = document.querySelector(`[data-count=${view}]`);
    if (view === 'project' && !state.project) { slot.textContent = '0'; continue; }
    try {
      const page = await api.listSecrets({ scope: view, project: state.project, limit: 200 });
      slot.textContent = String(page.data.length) + (page.nextCursor ? '+' : '');
    } catch { slot.textContent = ''; }
  }
}

async function loadSecrets(more = false) {
  const status = $('secrets-state');
  if (!more) { state.secrets = []; state.cursor = null; }
  if (state.view === 'project' && !state.project) {
    state.secrets = [];
    renderSecrets('No project to show: you are not a member of any project.');
    return;
  }
  status.className = 'state';
  status.textContent = 'Loading secrets…';
  try {
    const page = await api.listSecrets({ scope: state.view, project: state.project, search: state.search, cursor: more ? state.cursor : null });
    state.secrets = more ? state.secrets.concat(page.data) : page.data;
    state.cursor = page.nextCursor;
    renderSecrets();
  } catch (error) {
    status.textContent = '';
    toast(`Could not load secrets: ${error.message}`, 'error');
  }
}

function renderSecrets(emptyText) {
  const rows = state.secrets.filter(s => state.showSystem || !s.system);
  const status = $('secrets-state');
  const body = $('secrets-body');
  $('more').hidden = !state.cursor;
  if (rows.length === 0) {
    // The rows go too, not just the table: a hidden row is still in the page for anything that reads it.
    body.replaceChildren();
    $('secrets-table').hidden = true;
    status.className = 'state empty';
    status.textContent = emptyText || (state.search ? `No secrets match “${state.search}”.` : 'No secrets here yet. Create one with “New secret” or import a .env file.');
    return;
  }
  status.className = 'state';
  status.textContent = '';
  $('secrets-table').hidden = false;
  // A list that arrives while a keyboard user is on a row's button keeps their place on the new row's button.
  const focused = body.contains(document.activeElement) ? document.activeElement.getAttribute('aria-label') : null;
  body.replaceChildren(...rows.map(secretRow));
  if (focused) [...body.querySelectorAll('button[aria-label]')].find(b => b.getAttribute('aria-label') === focused)?.focus();
}

function secretRow(secret) {
  const members = Array.isArray(secret.members) ? secret.members.length : (secret.members ?? 0);
  const actions = el('button', { type: 'button', class: 'ghost', 'aria-haspopup': 'menu', 'aria-label': `Actions for ${secret.name}`, onclick: event => openMenu(secret, event.currentTarget) }, '⋯');
  return el('tr', { 'data-name': secret.name },
    el('td', {}, el('code', { class: 'mono' }, secret.name), secret.system ? el('span', { class: 'badge system' }, secret.integration || 'system') : null),
    el('td', {}, el('span', { class: 'mask', 'aria-label': 'value hidden' }, MASK), el('span', { class: 'meta' }, `v${secret.version} · updated ${ago(secret.updatedAt)} by ${secret.updatedBy}`)),
    el('td', {}, secret.description || ''),
    el('td', {}, secret.lastUsedAt ? ago(secret.lastUsedAt) : 'never'),
    el('td', {}, String(members)),
    el('td', {}, actions));
}

// ---------- row menu ----------

function openMenu(secret, button) {
  const menu = $('row-menu');
  state.menuFor = { secret, button };
  const readOnly = secret.system || (secret.myRole && secret.myRole !== 'admin');
  for (const item of menu.querySelectorAll('[role=menuitem]')) {
    const action = item.dataset.action;
    item.hidden = readOnly && ['replace', 'edit', 'delete'].includes(action);
    item.tabIndex = -1;
  }
  const rect = button.getBoundingClientRect();
  menu.style.top = `${window.scrollY + rect.bottom + 4}px`;
  menu.style.left = `${Math.max(8, window.scrollX + rect.right - 200)}px`;
  menu.hidden = false;
  button.setAttribute('aria-expanded', 'true');
  menu.querySelector('[role=menuitem]:not([hidden])').focus();
}

function closeMenu(returnFocus) {
  const menu = $('row-menu');
  if (menu.hidden) return;
  menu.hidden = true;
  const opener = state.menuFor?.button;
  opener?.setAttribute('aria-expanded', 'false');
  if (returnFocus && opener?.isConnected) opener.focus();
}

function wireMenu() {
  const menu = $('row-menu');
  menu.addEventListener('keydown', event => {
    const items = [...menu.querySelectorAll('[role=menuitem]:not([hidden])')];
    const i = items.indexOf(document.activeElement);
    if (event.key === 'ArrowDown') { event.preventDefault(); items[(i + 1) % items.length].focus(); }
    if (event.key === 'ArrowUp') { event.preventDefault(); items[(i - 1 + items.length) % items.length].focus(); }
    if (event.key === 'Tab') closeMenu(false);
  });
  document.addEventListener('click', event => {
    if (!menu.hidden && !menu.contains(event.target) && event.target !== state.menuFor?.button) closeMenu(false);
  });
  menu.addEventListener('click', event => {
    const action = event.target.closest('[role=menuitem]')?.dataset.action;
    if (!action) return;
    const { secret } = state.menuFor;
    // Back on the row's button first, so a dialog opened from here returns focus to it when it closes.
    closeMenu(true);
    ({ replace: openReplace, edit: openEdit, delete: openDelete, members: openMembers, versions: openVersions, usage: openUsage, copy: copyReference })[action](secret);
  });
}

async function copyReference(secret) {
  const reference = secret.reference || `{{secrets.${secret.name}}}`;
  try {
    await navigator.clipboard.writeText(reference);
    toast(`Copied ${reference}`);
  } catch {
    toast(`Reference: ${reference}`);
  }
  state.menuFor?.button?.focus();
}

// ---------- new secret ----------

let newValue;

function wireNew() {
  const name = $('new-name');
  newValue = valueField($('new-value'), $('new-show'), $('new-value-count'), MAX_VALUE_BYTES, validateNew);
  name.addEventListener('input', () => {
    const start = name.selectionStart, end = name.selectionEnd;
    name.value = name.value.toUpperCase();
    name.setSelectionRange(start, end);
    validateNew();
  });
  $('new-open').addEventListener('click', () => {
    name.value = '';
    $('new-description').value = '';
    newValue.reset();
    for (const id of ['new-name-error', 'new-value-error', 'new-description-error', 'new-error']) $(id).textContent = '';
    $('new-where').textContent = `In ${scopeLabel(state.view)}`;
    validateNew();
    openDialog($('new-dialog'), name);
  });
  $('new-form').addEventListener('submit', async event => {
    event.preventDefault();
    if (!validateNew()) return;
    const secret = { scope: state.view, owner: ownerOf(state.view), name: name.value };
    const body = { value: $('new-value').value, description: $('new-description').value || undefined };
    try {
      await api.putSecret(api.secretPath(secret), body, { ifNoneMatch: '*' });
      newValue.reset();
      $('new-dialog').close();
      toast(`Created ${secret.name}`);
      await loadSecrets();
      refreshCounts();
    } catch (error) {
      if (error.status === 412) $('new-name-error').textContent = `${secret.name} already exists here; use “Replace value” to change it.`;
      else showProblem(error, { name: 'new-name-error', value: 'new-value-error', description: 'new-description-error' }, 'new-error');
    }
  });
}

function validateNew() {
  const name = $('new-name').value;
  let problem = '';
  if (name && !NAME_RULE.test(name)) {
    const i = [...name].findIndex((c, k) => !(/[A-Z_]/.test(c) || (k > 0 && /[0-9]/.test(c))));
    problem = i === 0 && /[0-9]/.test(name[0]) ? 'A name cannot start with a digit.' : i >= 0 ? `“${name[i]}” at position ${i + 1} is not allowed: use A–Z, 0–9 and _.` : 'At most 255 characters.';
  }
  $('new-name-error').textContent = problem;
  const valueOk = $('new-value').value.length > 0 && !newValue.tooLong();
  const ok = name.length > 0 && !problem && valueOk;
  $('new-create').disabled = !ok;
  return ok;
}

const scopeLabel = view => view === 'organization' ? `the organization ${ownerOf(view)}` : view === 'project' ? `project ${state.project}` : 'your personal secrets';

// ---------- replace value ----------

let replaceValue;
let replacing = null;

function wireReplace() {
  replaceValue = valueField($('replace-value'), $('replace-show'), $('replace-value-count'), MAX_VALUE_BYTES, () => {
    $('replace-save').disabled = $('replace-value').value.length === 0 || replaceValue.tooLong();
  });
  $('replace-reload').addEventListener('click', async () => {
    await refreshReplacing();
    $('replace-conflict').hidden = true;
    $('replace-value').focus();
  });
  $('replace-form').addEventListener('submit', async event => {
    event.preventDefault();
    try {
      await api.putSecret(api.secretPath(replacing), { value: $('replace-value').value }, { ifMatch: replacing.etag });
      replaceValue.reset();
      $('replace-dialog').close();
      toast(`Replaced the value of ${replacing.name}`);
      await loadSecrets();
    } catch (error) {
      if (error.status === 412) {
        let now = null;
        try { now = (await api.getSecret(replacing)).body; } catch { /* deleted meanwhile */ }
        $('replace-conflict-text').textContent = now
          ? `${replacing.name} changed since this dialog opened: it is now v${now.version}, updated by ${now.updatedBy}. Reload to replace the current version.`
          : `${replacing.name} was deleted since this dialog opened.`;
        $('replace-conflict').hidden = false;
      } else {
        $('replace-error').textContent = error.message;
      }
    }
  });
}

async function refreshReplacing() {
  const response = await api.getSecret(replacing);
  replacing = { ...replacing, ...response.body, etag: response.headers.get('ETag') || response.body.etag };
  $('replace-current').textContent = `${replacing.name} · current version v${replacing.version}, updated ${ago(replacing.updatedAt)} by ${replacing.updatedBy}`;
}

async function openReplace(secret) {
  replacing = { ...secret };
  replaceValue.reset();
  $('replace-conflict').hidden = true;
  $('replace-error').textContent = '';
  try { await refreshReplacing(); } catch (error) { toast(error.message, 'error'); return; }
  openDialog($('replace-dialog'), $('replace-value'));
}

// ---------- edit details ----------

let editing = null;

function wireEdit() {
  $('edit-form').addEventListener('submit', async event => {
    event.preventDefault();
    try {
      await api.patchSecret(editing, $('edit-description').value);
      $('edit-dialog').close();
      toast(`Saved ${editing.name}`);
      await loadSecrets();
    } catch (error) {
      $('edit-error').textContent = error.message;
    }
  });
}

function openEdit(secret) {
  editing = secret;
  $('edit-name').value = secret.name;
  $('edit-description').value = secret.description || '';
  $('edit-error').textContent = '';
  openDialog($('edit-dialog'), $('edit-description'));
}

// ---------- delete ----------

let deleting = null;

function wireDelete() {
  $('delete-confirm').addEventListener('input', () => { $('delete-go').disabled = $('delete-confirm').value !== deleting?.name; });
  $('delete-form').addEventListener('submit', async event => {
    event.preventDefault();
    if ($('delete-confirm').value !== deleting.name) return;
    try {
      await api.deleteSecret(deleting, deleting.etag);
      $('delete-dialog').close();
      toast(`Deleted ${deleting.name}`);
      await loadSecrets();
      refreshCounts();
    } catch (error) {
      $('delete-error').textContent = error.status === 412 ? `${deleting.name} changed since this dialog opened; close and try again.` : error.message;
    }
  });
}

async function openDelete(secret) {
  deleting = secret;
  $('delete-confirm').value = '';
  $('delete-go').disabled = true;
  $('delete-error').textContent = '';
  $('delete-lead').textContent = `Delete ${secret.name} and every version of its value. This cannot be undone.`;
  const slot = $('delete-usages');
  slot.replaceChildren(el('p', { class: 'muted' }, 'Looking for workflows that use it…'));
  openDialog($('delete-dialog'), $('delete-confirm'));
  try {
    const used = await api.usages(secret);
    const workflows = workflowsOf(used);
    slot.replaceChildren(workflows.length === 0
      ? el('p', { class: 'muted' }, 'No workflow uses it.')
      : el('div', {}, el('p', {}, `These workflows use it and will fail until it exists again:`), el('ul', { class: 'plain', 'aria-label': 'Workflows that use it' }, workflows.map(w => el('li', {}, w)))));
  } catch {
    slot.replaceChildren(el('p', { class: 'muted' }, 'Could not check which workflows use it.'));
  }
}

function workflowsOf(used) {
  const list = Array.isArray(used) ? used : (used?.workflows ?? used?.data ?? []);
  return [...new Set(list.map(u => typeof u === 'string' ? u : (u.workflow ?? u.name)).filter(Boolean))];
}

// ---------- import ----------

function wireImport() {
  const text = $('import-text');
  text.addEventListener('input', () => { $('import-go').disabled = true; $('import-preview').hidden = true; });
  $('import-open').addEventListener('click', () => {
    text.value = '';
    $('import-preview').hidden = true;
    $('import-go').disabled = true;
    $('import-error').textContent = '';
    $('import-where').textContent = `Into ${scopeLabel(state.view)}. All lines or none.`;
    openDialog($('import-dialog'), text);
  });
  $('import-preview-go').addEventListener('click', async () => {
    $('import-error').textContent = '';
    try {
      const report = await api.importEnv(state.view, ownerOf(state.view), text.value, true);
      const lines = reportLines(report);
      $('import-rows').replaceChildren(...lines.map(l => el('tr', {}, el('td', {}, String(l.line)), el('td', {}, el('code', {}, l.name || '')), el('td', {}, l.reason ? `${l.action}: ${l.reason}` : l.action))));
      $('import-preview').hidden = false;
      $('import-go').disabled = !lines.some(l => l.action === 'create' || l.action === 'update') || lines.some(l => l.action === 'invalid');
    } catch (error) {
      $('import-error').textContent = error.message;
    }
  });
  $('import-form').addEventListener('submit', async event => {
    event.preventDefault();
    try {
      const report = await api.importEnv(state.view, ownerOf(state.view), text.value, false);
      text.value = '';
      $('import-dialog').close();
      const lines = reportLines(report);
      toast(`Imported ${lines.filter(l => l.action === 'create').length} new and ${lines.filter(l => l.action === 'update').length} updated secrets`);
      await loadSecrets();
      refreshCounts();
    } catch (error) {
      $('import-error').textContent = error.message;
    }
  });
}

function reportLines(report) {
  // The API's report: created and updated names with their line, and skipped lines with why; never a value.
  const lines = [
    ...(report?.created ?? []).map(l => ({ line: l.line, name: l.name, action: 'create', reason: '' })),
    ...(report?.updated ?? []).map(l => ({ line: l.line, name: l.name, action: 'update', reason: '' })),
    ...(report?.skipped ?? []).map(l => ({ line: l.line, name: l.name ?? '', action: l.malformed || /invalid|malformed|expected/i.test(l.message ?? '') ? 'invalid' : 'skip', reason: l.message ?? '' })),
  ];
  return lines.sort((a, b) => a.line - b.line);
}

// ---------- drawers: members, versions, usage ----------

function openDrawer(title, body) {
  $('drawer-title').textContent = title;
  $('drawer-body').replaceChildren(body);
  if (!$('drawer').open) openDialog($('drawer'), $('drawer').querySelector('[data-close]'));
}

async function openMembers(secret) {
  let list;
  try { list = await api.members(secret); } catch (error) { toast(error.message, 'error'); return; }
  const canManage = secret.myRole === 'admin' || !secret.myRole;
  const admins = list.filter(m => (m.role || '').toLowerCase() === 'admin' && !m.implicit);
  const rows = list.map(m => {
    const role = (m.role || '').toLowerCase();
    const locked = m.implicit || m.locked || (role === 'admin' && admins.length <= 1);
    return el('tr', {},
      el('td', {}, m.user),
      el('td', {}, role === 'admin' ? 'Admin' : 'Member', m.implicit ? el('span', { class: 'badge' }, 'scope admin') : null),
      el('td', {}, locked || !canManage ? el('span', { class: 'locked' }, m.implicit ? 'implicit' : locked ? 'last admin' : '') :
        el('button', { type: 'button', 'aria-label': `Remove ${m.user}`, onclick: async () => {
          try { await api.deleteMember(secret, m.user); toast(`Removed ${m.user}`); openMembers(secret); } catch (error) { toast(error.message, 'error'); }
        } }, 'Remove')));
  });
  const form = el('form', { autocomplete: 'off', class: 'add-member' },
    el('label', { for: 'member-user' }, 'User'), el('input', { id: 'member-user', autocomplete: 'off' }),
    el('label', { for: 'member-role' }, 'Role'), el('select', { id: 'member-role' }, el('option', { value: 'member' }, 'Member'), el('option', { value: 'admin' }, 'Admin')),
    el('p', { class: 'field-error', id: 'member-error', role: 'alert' }),
    el('div', { class: 'buttons' }, el('button', { type: 'submit', class: 'primary' }, 'Add member')));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    try {
      await api.putMember(secret, $('member-user').value.trim(), $('member-role').value);
      toast(`Added ${$('member-user').value.trim()}`);
      openMembers(secret);
    } catch (error) { $('member-error').textContent = error.message; }
  });
  const personal = (secret.scope || '').toLowerCase() === 'personal';
  openDrawer(`Members of ${secret.name}`, el('div', {},
    el('table', { class: 'grid' }, el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'User'), el('th', { scope: 'col' }, 'Role'), el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, 'Actions')))), el('tbody', {}, rows)),
    personal ? el('p', { class: 'muted' }, 'Personal secrets cannot be shared.') : canManage ? form : null));
}

async function openVersions(secret) {
  let list;
  try { list = await api.versions(secret); } catch (error) { toast(error.message, 'error'); return; }
  const newest = Math.max(...list.map(v => v.version));
  const rows = list.map(v => el('tr', {},
    el('td', {}, `v${v.version}`),
    el('td', {}, ago(v.createdAt ?? v.at)),
    el('td', {}, v.createdBy ?? v.by ?? ''),
    el('td', {}, v.source ?? ''),
    el('td', {}, v.version === newest || secret.system ? el('span', { class: 'locked' }, v.version === newest ? 'current' : '') :
      el('button', { type: 'button', 'aria-label': `Restore v${v.version}`, onclick: () => confirmRestore(secret, v.version) }, 'Restore'))));
  openDrawer(`Versions of ${secret.name}`, el('table', { class: 'grid' },
    el('thead', {}, el('tr', {}, ['Version', 'When', 'By', 'Source'].map(h => el('th', { scope: 'col' }, h)), el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, 'Actions')))),
    el('tbody', {}, rows)));
}

function confirmRestore(secret, version) {
  $('confirm-title').textContent = `Restore v${version}?`;
  $('confirm-text').textContent = `${secret.name} gets a new version holding the value of v${version}. Runs that start after this use it.`;
  $('confirm-go').textContent = 'Restore';
  const form = $('confirm-form');
  const onSubmit = async event => {
    event.preventDefault();
    form.removeEventListener('submit', onSubmit);
    $('confirm-dialog').close();
    try {
      await api.restore(secret, version);
      toast(`Restored v${version} of ${secret.name}`);
      await loadSecrets();
      const fresh = state.secrets.find(s => s.name === secret.name && s.owner === secret.owner) || secret;
      openVersions(fresh);
    } catch (error) { toast(error.message, 'error'); }
  };
  form.addEventListener('submit', onSubmit);
  $('confirm-dialog').addEventListener('close', () => form.removeEventListener('submit', onSubmit), { once: true });
  openDialog($('confirm-dialog'), $('confirm-go'));
}

async function openUsage(secret) {
  let used;
  try { used = await api.usages(secret); } catch (error) { toast(error.message, 'error'); return; }
  const workflows = workflowsOf(used);
  const runList = used?.runs ?? [];
  openDrawer(`Usage of ${secret.name}`, el('div', {},
    el('h3', {}, 'Workflows'),
    workflows.length ? el('ul', { class: 'plain' }, workflows.map(w => el('li', {}, w))) : el('p', { class: 'muted' }, 'No workflow references it.'),
    el('h3', {}, 'Runs'),
    runList.length ? el('ul', { class: 'plain' }, runList.map(r => el('li', {}, `${r.runId ?? r.run ?? ''} · ${ago(r.at ?? r.usedAt)}`))) : el('p', { class: 'muted' }, 'No run has used it yet.')));
}

// ---------- audit ----------

function wireAudit() {
  $('audit-action').addEventListener('change', loadAudit);
  $('audit-since').addEventListener('change', loadAudit);
  $('audit-csv').addEventListener('click', async () => {
    try {
      const response = await api.audit(auditFilter(), 'text/csv');
      const url = URL.createObjectURL(new Blob([response.body], { type: 'text/csv' }));
      const link = el('a', { href: url, download: 'audit.csv' });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (error) { toast(error.message, 'error'); }
  });
}

const auditFilter = () => ({ action: $('audit-action').value, since: $('audit-since').value ? new Date($('audit-since').value).toISOString() : '' });

async function loadAudit() {
  const status = $('audit-state');
  status.className = 'state';
  status.textContent = 'Loading the audit log…';
  try {
    const entries = api.items((await api.audit(auditFilter())).body);
    $('audit-table').hidden = entries.length === 0;
    status.className = entries.length ? 'state' : 'state empty';
    status.textContent = entries.length ? '' : 'No audit entries match.';
    $('audit-body').replaceChildren(...entries.map(e => el('tr', {},
      el('td', {}, new Date(e.at ?? e.timestamp).toLocaleString()), el('td', {}, e.actor ?? ''), el('td', {}, e.action ?? ''),
      el('td', {}, e.name ? el('code', {}, e.name) : ''), el('td', {}, e.detail ?? ''))));
  } catch (error) {
    status.textContent = '';
    toast(`Could not load the audit log: ${error.message}`, 'error');
  }
}

// ---------- runs ----------

async function loadRuns() {
  const status = $('runs-state');
  status.className = 'state';
  status.textContent = 'Loading runs…';
  try {
    const list = await api.runs(20);
    // Each run's nodes, statuses and durations come from its (masked) record.
    const records = await Promise.all(list.map(r => api.run(r.id ?? r.runId).catch(() => null)));
    status.className = list.length ? 'state' : 'state empty';
    status.textContent = list.length ? '' : 'No runs yet.';
    $('runs-list').replaceChildren(...list.map((r, i) => runItem({ ...r, runId: r.id ?? r.runId, nodes: records[i]?.nodes ?? [] })));
  } catch (error) {
    status.textContent = '';
    toast(`Could not load runs: ${error.message}`, 'error');
  }
}

const lower = s => String(s ?? '').toLowerCase();
const duration = (a, b) => a && b ? `${Math.max(0, new Date(b) - new Date(a))} ms` : '';

function runItem(run) {
  const nodes = run.nodes ?? [];
  return el('li', {},
    el('div', { class: 'row' },
      el('span', {}, el('strong', {}, run.workflow ?? ''), ' · ', el('span', { class: `status-${lower(run.status)}` }, lower(run.status)), ' · ', ago(run.startedAt)),
      el('button', { type: 'button', 'aria-label': `Open run ${run.runId}`, onclick: () => openRun(run.runId) }, 'Open')),
    nodes.length ? el('ul', { class: 'plain', 'aria-label': `Nodes of run ${run.runId}` }, nodes.map(n => el('li', {}, `${n.id} · ${lower(n.status)}${duration(n.startedAt, n.endedAt) ? ' · ' + duration(n.startedAt, n.endedAt) : ''}`))) : null);
}

async function openRun(id) {
  try {
    const record = await api.run(id);
    $('run-title').textContent = `Run ${id}`;
    $('run-record').textContent = JSON.stringify(record, null, 2);
    openDialog($('run-dialog'), $('run-dialog').querySelector('[data-close]'));
  } catch (error) { toast(error.message, 'error'); }
}

start();
