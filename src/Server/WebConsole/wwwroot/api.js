// The console's only door to the server: the same public HTTP API any client uses, authenticated by the HttpOnly
// session cookie. Unsafe requests carry the antiforgery request token in a header. No value is ever kept here:
// a value typed into a dialog goes into one request body and the field is cleared.

let csrf = null;

/** An API error with the problem document's code, detail and per-field errors. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `request failed (${status})`);
    this.status = status;
    this.code = problem?.code || null;
    this.problem = problem || {};
    this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
  }
}

async function antiforgery() {
  if (csrf === null) {
    const response = await fetch('/console/antiforgery', { credentials: 'same-origin', cache: 'no-store' });
    if (!response.ok) throw new ApiError(response.status, await problemOf(response));
    csrf = (await response.json()).token;
  }
  return csrf;
}

async function problemOf(response) {
  const type = response.headers.get('content-type') || '';
  if (type.includes('json')) {
    try { return await response.json(); } catch { return null; }
  }
  return null;
}

/** Sends one request; returns { status, headers, body } or throws ApiError. */
export async function request(method, url, { json, text, headers = {}, accept = 'application/json' } = {}) {
  const init = { method, credentials: 'same-origin', cache: 'no-store', headers: { Accept: accept, ...headers } };
  if (method !== 'GET' && method !== 'HEAD') init.headers['X-CSRF-TOKEN'] = await antiforgery();
  if (json !== undefined) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(json); }
  if (text !== undefined) { init.headers['Content-Type'] = 'text/plain; charset=utf-8'; init.body = text; }
  const response = await fetch(url, init);
  if (response.status === 401 && !url.startsWith('/console/')) {
    window.dispatchEvent(new CustomEvent('signed-out'));
  }
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  let body = null;
  if (response.status !== 204) {
    const type = response.headers.get('content-type') || '';
    body = type.includes('json') ? await response.json() : await response.text();
  }
  return { status: response.status, headers: response.headers, body };
}

/** The list items of a response, whether it is a bare array or { data: [...] }. */
export const items = body => Array.isArray(body) ? body : (body?.data ?? body?.items ?? []);

// Antiforgery tokens are bound to who is signed in: fetch a fresh one after signing in or out.
export const signIn = token => request('POST', '/console/session', { json: { token } }).finally(() => { csrf = null; });
export const signOut = () => request('DELETE', '/console/session').finally(() => { csrf = null; });
export const session = () => request('GET', '/console/session').then(r => r.body);
export const me = () => request('GET', '/api/v1/me').then(r => r.body);

/** The resource path of a secret, from its scope, owner and name. */
export function secretPath(secret) {
  const name = encodeURIComponent(secret.name);
  const owner = encodeURIComponent(secret.owner);
  switch ((secret.scope || '').toLowerCase()) {
    case 'organization': return `/api/v1/organizations/${owner}/secrets/${name}`;
    case 'project': return `/api/v1/projects/${owner}/secrets/${name}`;
    default: return `/api/v1/users/${owner}/secrets/${name}`;
  }
}

/** The base path for secrets of a scope and owner (creation, imports). */
export function scopeBase(scope, owner) {
  const o = encodeURIComponent(owner);
  return scope === 'organization' ? `/api/v1/organizations/${o}` : scope === 'project' ? `/api/v1/projects/${o}` : `/api/v1/users/${o}`;
}

export function listSecrets({ scope, project, search, cursor, limit = 100 }) {
  const q = new URLSearchParams({ scope, limit: String(limit) });
  if (project && scope === 'project') q.set('project', project);
  if (search) q.set('search', search);
  if (cursor) q.set('cursor', cursor);
  return request('GET', `/api/v1/secrets?${q}`).then(r => ({ data: items(r.body), nextCursor: r.body?.nextCursor ?? null }));
}

export const getSecret = secret => request('GET', secretPath(secret));

export function putSecret(path, { value, description }, { ifMatch, ifNoneMatch } = {}) {
  const headers = {};
  if (ifMatch) headers['If-Match'] = ifMatch;
  if (ifNoneMatch) headers['If-None-Match'] = ifNoneMatch;
  const json = description === undefined ? { value } : { value, description };
  return request('PUT', path, { json, headers });
}

export const patchSecret = (secret, description) => request('PATCH', secretPath(secret), { json: { description } });
export const deleteSecret = (secret, etag) => request('DELETE', secretPath(secret), { headers: etag ? { 'If-Match': etag } : {} });
export const versions = secret => request('GET', `${secretPath(secret)}/versions`).then(r => items(r.body));
export const restore = (secret, version) => request('POST', `${secretPath(secret)}/versions/${version}/restore`);
export const members = secret => request('GET', `${secretPath(secret)}/members`).then(r => items(r.body));
export const putMember = (secret, user, role) => request('PUT', `${secretPath(secret)}/members/${encodeURIComponent(user)}`, { json: { role } });
export const deleteMember = (secret, user) => request('DELETE', `${secretPath(secret)}/members/${encodeURIComponent(user)}`);
export const usages = secret => request('GET', `${secretPath(secret)}/usages`).then(r => r.body);

export function importEnv(scope, owner, text, dryRun) {
  return request('POST', `${scopeBase(scope, owner)}/imports?dryRun=${dryRun ? 'true' : 'false'}`, { text }).then(r => r.body);
}

export function audit({ action, since, cursor, limit = 100 }, accept = 'application/json') {
  const q = new URLSearchParams({ limit: String(limit) });
  if (action) q.set('action', action);
  if (since) q.set('since', since);
  if (cursor) q.set('cursor', cursor);
  return request('GET', `/api/v1/audit?${q}`, { accept });
}

export const runs = (limit = 50) => request('GET', `/api/v1/runs?limit=${limit}`).then(r => items(r.body));
export const run = id => request('GET', `/api/v1/runs/${encodeURIComponent(id)}`).then(r => r.body);
