#!/usr/bin/env node
// An fwp-sandbox command adapter in Node.js 20, standard library only (http, crypto, readline,
// fetch). Written from the README's "Test your integration" protocol: a hello line, then one JSON
// answer line per request line, matched by id. stdout carries the protocol only; logs go to stderr.
//
//   fwp-sandbox conform run --adapter "command:node examples/node-adapter/adapter.js"
//
// It behaves as an integration should: one cached token per tenant, one Idempotency-Key per
// filing reused on every retry, Retry-After honoured, exponential backoff on 5xx, callbacks
// verified on the raw body (signature and timestamp), answered at once, acted on once per event.
'use strict';

const crypto = require('node:crypto');
const http = require('node:http');
const readline = require('node:readline');
const { workflowSteps } = require('./workflow-steps.js');

const STEPS = [
  'subscribe_callbacks', 'file_new_application', 'answer_correction', 'track_application',
  'extend', 'change', 'cancel', 'reissue_electronic', 'register_insurance', 'register_essc',
  'read_card', 'act_on_reminders', 'withdraw', 'reapply', 'enter_sms_code', 'inspect_qr',
  'permit_status', 'record_entry', 'act_on_new_permits', 'file_in_china',
];
const BACKOFF_MS = [200, 400, 800, 1600, 3200];
const MAX_ATTEMPTS = 6;
const TOLERANCE_S = 300;
const TIMEOUT_MS = 3000;   // a request with no answer by then is retried (with the same key)
const ANSWERABLE = ['RETURNED_FOR_CORRECTION', 'SUPPLEMENT_REQUESTED'];

const log = (...args) => console.error('[node-adapter]', ...args);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const send = (message) => process.stdout.write(JSON.stringify(message) + '\n');

class Unanswered extends Error {}

// One client per tenant: its token, its filings, its callback receiver -------------------------

class Client {
  constructor(sandbox) {
    this.sandbox = sandbox;
    this.token = null;
    this.tokenExpires = 0;
    this.filed = new Map();      // "permit/kind" -> application id
    this.receiver = null;
  }

  async bearer() {
    if (this.token && Date.now() < this.tokenExpires) return this.token;
    const employer = this.sandbox.employer;
    const answer = await fetch(employer.token_url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials', client_id: employer.client_id,
        client_secret: employer.client_secret,
      }),
    });
    if (answer.status !== 200) throw new Error(`token: ${answer.status}`);
    const token = await answer.json();
    this.token = token.access_token;
    this.tokenExpires = Date.now() + ((token.expires_in || 3600) - 30) * 1000;
    return this.token;
  }

  // Every call: the same key on every attempt; Retry-After honoured; backoff on 5xx. A POST
  // without a key is never re-sent blindly: with no usable answer it throws Unanswered, and the
  // caller looks whether it was applied before sending it again.
  async call(method, path, { body, key, auth = true, headers = {} } = {}) {
    const blind = method === 'POST' && !key;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const sent = { ...headers };
      if (auth) sent.Authorization = `Bearer ${await this.bearer()}`;
      if (key) sent['Idempotency-Key'] = key;
      if (body !== undefined) sent['Content-Type'] = 'application/json';
      // The body is read inside the same try: a connection dropped after the status line (an
      // incomplete answer) is no answer at all, like one dropped before it.
      let answer;
      let text;
      try {
        answer = await fetch(this.sandbox.base_url + path, {
          method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        text = await answer.text();
      } catch (error) {
        if (blind) throw new Unanswered(`${method} ${path}: ${error.message}`);
        log(`${method} ${path}: ${error.message}; retrying`);
        await sleep(BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]);
        continue;
      }
      if (answer.status === 401 && auth && attempt === 0) { this.token = null; continue; }
      const retryable = answer.status >= 500 || answer.status === 429;
      if (!retryable || attempt === MAX_ATTEMPTS - 1) {
        return { status: answer.status, body: text ? JSON.parse(text) : {} };
      }
      if (blind && answer.status !== 503 && answer.status !== 429) {
        throw new Unanswered(`${method} ${path}: ${answer.status}`);
      }
      const wait = answer.headers.get('retry-after');
      await sleep(wait !== null ? Number(wait) * 1000 : BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]);
    }
    throw new Error(`${method} ${path}: no answer`);
  }

  employer(method, path, options = {}) { return this.call(method, '/fwp/v1' + path, options); }

  app(method, path, body, token) {
    const headers = { 'X-Sandbox-Tenant': this.sandbox.tenant_id };
    if (token) headers.Authorization = `Bearer ${token}`;
    return this.call(method, '/ssc/v1' + path, { body, headers, auth: false });
  }
}

function expect(answer, ...statuses) {
  if (!statuses.includes(answer.status)) {
    throw new Error(`answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`);
  }
  return answer.body;
}

const clients = new Map();
const clientFor = (sandbox) => {
  if (!clients.has(sandbox.tenant_id)) clients.set(sandbox.tenant_id, new Client(sandbox));
  return clients.get(sandbox.tenant_id);
};

// The callback receiver: verify on the raw body, answer 204 at once, act on each event once -----

function verified(secret, header, raw) {
  const fields = Object.fromEntries((header || '').split(',').map((part) => part.split('=', 2)));
  const stamp = Number(fields.t);
  if (!fields.t || !fields.v1 || !Number.isInteger(stamp)) return false;
  if (Math.abs(Date.now() / 1000 - stamp) > TOLERANCE_S) return false;
  const expected = crypto.createHmac('sha256', secret).update(`${stamp}.`).update(raw).digest('hex');
  const given = Buffer.from(fields.v1);
  return given.length === expected.length && crypto.timingSafeEqual(given, Buffer.from(expected));
}

function startReceiver(client, secret) {
  const receiver = { seen: new Set(), pending: Promise.resolve(), statuses: new Map() };
  receiver.server = http.createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      if (!verified(secret, request.headers['x-sandbox-signature'], raw)) {
        response.writeHead(401).end();
        return;
      }
      response.writeHead(204).end();
      const event = JSON.parse(raw.toString('utf8'));
      if (receiver.seen.has(event.id)) return;
      receiver.seen.add(event.id);
      receiver.pending = receiver.pending.then(() => onEvent(client, receiver, event)).catch(log);
    });
  });
  return new Promise((resolve) => {
    receiver.server.listen(0, '127.0.0.1', () => {
      receiver.url = `http://127.0.0.1:${receiver.server.address().port}/fwp-events`;
      resolve(receiver);
    });
  });
}

async function onEvent(client, receiver, event) {
  if (event.type !== 'application.status_changed') return;
  const id = event.data.application.id;
  receiver.statuses.set(id, event.data.to_status);
  if (event.data.to_status === 'APPROVED') {
    await client.employer('GET', `/applications/${id}/notification-letter`);
  }
}

// The steps -------------------------------------------------------------------------------------

async function file(client, permit, kind, body) {
  const filed = expect(await client.employer('POST', `/work-permits/${permit}/${kind}`,
    { body, key: crypto.randomUUID() }), 201);
  client.filed.set(`${permit}/${kind}`, filed.id);
  return { application_id: filed.id };
}

const steps = {
  async subscribe_callbacks(client, { secret }) {
    client.receiver = await startReceiver(client, secret);
    return { url: client.receiver.url };
  },

  async file_new_application(client, { person, job, category, qualification_route, documents }) {
    const foreigner = expect(await client.employer('POST', '/foreigners',
      { body: person, key: crypto.randomUUID() }), 201);
    const application = expect(await client.employer('POST', '/applications', {
      body: { type: 'NEW_OVERSEAS', foreigner_id: foreigner.id, category, qualification_route, job, documents },
      key: crypto.randomUUID(),
    }), 201);
    return { foreigner_id: foreigner.id, application_id: application.id };
  },

  async answer_correction(client, { application, documents }) {
    const current = expect(await client.employer('GET', `/applications/${application}`), 200);
    const asked = new Set((current.defects || []).map((d) => d.document_type).filter(Boolean));
    const body = {
      documents: [...current.documents, ...documents.filter((d) => asked.has(d.type))],
      note: 'The documents the defect list asked for are attached',
    };
    const path = `/applications/${application}/corrections`;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      try {
        expect(await client.employer('POST', path, { body }), 200);
        return {};
      } catch (error) {
        if (!(error instanceof Unanswered)) throw error;
        // Applied or not? Back off, look, and send again only if it was not.
        await sleep(BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]);
        const again = expect(await client.employer('GET', `/applications/${application}`), 200);
        if (!ANSWERABLE.includes(again.status)) return {};
      }
    }
    throw new Error(`${path}: no answer`);
  },

  async track_application(client, { application }) {
    if (client.receiver) await client.receiver.pending;
    const current = expect(await client.employer('GET', `/applications/${application}`), 200);
    const report = {
      status: current.status, permit_number: current.work_permit_number || null,
      reason: (current.decision && current.decision.reason) || null,
    };
    if (current.type === 'EXTENSION' && report.permit_number) {
      const permit = expect(await client.employer('GET', `/work-permits/${report.permit_number}`), 200);
      report.permit_valid_to = permit.valid_to;
    }
    return report;
  },

  extend: (client, { permit, new_contract_end }) => file(client, permit, 'extension', { new_contract_end }),
  cancel: (client, { permit, reason, contract_end_date }) =>
    file(client, permit, 'cancellation', { reason, contract_end_date }),
  reissue_electronic: (client, { permit }) => file(client, permit, 'reissue-electronic', undefined),

  async act_on_reminders(client, { new_contract_end }) {
    const messages = expect(await client.employer('GET', '/messages?limit=100'), 200).items;
    const ended = new Set(messages.filter((m) => m.kind === 'PERMIT_EXPIRED').map((m) => m.work_permit_number));
    const due = [...new Set(messages.filter((m) => m.kind === 'EXTENSION_REMINDER')
      .map((m) => m.work_permit_number))].filter((n) => !ended.has(n)).sort();
    const filed = [];
    for (const number of due) {
      if (client.filed.has(`${number}/extension`)) continue;
      const out = await file(client, number, 'extension', { new_contract_end });
      filed.push({ permit_number: number, ...out });
    }
    return { filed };
  },

  async register_insurance(client, { person }) {
    const answer = await client.call('POST', '/ssc/v1/insured-persons', { body: person });
    return { ssn: expect(answer, 201).ssn };
  },

  async register_essc(client, { person, password }) {
    const answer = await client.app('POST', '/essc/registrations', {
      full_name: person.full_name, id_type: 'WORK_PERMIT_NUMBER',
      id_number: person.work_permit_number, password,
    });
    // A refusal names what to do (E_LEGACY_NEEDS_REISSUE: the employer's reissue): no retry here.
    const refused = (body, registration) => ({
      registered: false, problem: body.code || null, awaiting: null, registration,
    });
    if (answer.status !== 201) return refused(answer.body, null);
    const id = answer.body.id;
    const checked = await client.app('POST', `/essc/registrations/${id}/face-verification`,
      { nonce: answer.body.face_challenge.nonce });
    // A failed face check needs the person in front of the camera again: reported, not retried.
    if (checked.status !== 200) return refused(checked.body, id);
    const out = { registered: checked.body.status === 'ISSUED', problem: null, awaiting: null, registration: id };
    if (checked.body.status !== 'REAL_NAME_CHECK_REQUIRED') return out;
    // A physical card exists: the real-name check by bank card; the SMS code comes to the phone.
    const sent = expect(await client.app('POST', `/essc/registrations/${id}/real-name-check`, {
      method: 'BANK_CARD', bank_card_number: person.bank_card, mobile: person.mobile,
    }), 200);
    return { ...out, awaiting: sent.status === 'SMS_CODE_SENT' ? 'SMS_CODE' : null };
  },

  ...workflowSteps({ expect, file }),

  async read_card(client, { person, password }) {
    const login = await client.app('POST', '/essc/sessions', {
      id_type: 'WORK_PERMIT_NUMBER', id_number: person.work_permit_number, password,
    });
    // No e-SSC (yet): nothing on a card to read.
    if (login.status === 401) return { permit_number: null, permit_status: 'NO E-SSC', permit_form: null };
    const session = expect(login, 200);
    const card = expect(await client.app('GET', '/essc/card', undefined, session.access_token), 200);
    const permit = card.work_permit || {};
    return {
      permit_number: permit.work_permit_number || null, permit_status: permit.status || null,
      permit_form: permit.form || null,
    };
  },
};

// The protocol: hello, then one answer per request, by id ---------------------------------------

async function handle(request) {
  try {
    const step = steps[request.step];
    if (!step) throw new Error(`unsupported step ${request.step}`);
    const output = await step(clientFor(request.sandbox), request.input || {});
    send({ id: request.id, ok: true, output });
  } catch (error) {
    send({ id: request.id, ok: false, error: String(error && error.message || error) });
  }
}

send({ hello: { name: 'node-example', steps: STEPS } });
const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim()) handle(JSON.parse(line));
});
lines.on('close', () => {
  for (const client of clients.values()) if (client.receiver) client.receiver.server.close();
  process.exit(0);
});
