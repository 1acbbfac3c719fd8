#!/usr/bin/env node
// The smallest useful command adapter: the protocol's whole loop and one step, permit_status,
// which is all the permit-expiry scenario needs (every other scenario is SKIPPED, naming the
// steps it lacks). Start here, then add steps; adapter.js next to it offers every step.
//
//   fwp-sandbox conform run --adapter "command:node examples/node-adapter/minimal.js" --scenarios permit-expiry
//
// The rules that trip a first adapter up: the hello is the first line on stdout; every message is
// ONE line of JSON ending in a newline (no pretty-printing); an answer carries the request's id
// as it came (a number, not a string); logs go to stderr, never stdout.
'use strict';

const readline = require('node:readline');

const send = (message) => process.stdout.write(JSON.stringify(message) + '\n');
const log = (...args) => console.error('[minimal]', ...args);
const IN_FORCE = ['NOTICE_ISSUED', 'ENTERED', 'PENDING_ORIGINALS_CHECK', 'ACTIVE', 'EXPIRING', 'LEGACY_PHYSICAL'];
const tokens = new Map(); // client_id -> {value, expires}: one token for its lifetime (FWP-TOKEN-01)

async function bearer(employer) {
  const cached = tokens.get(employer.client_id);
  if (cached && Date.now() < cached.expires) return cached.value;
  const answer = await fetch(employer.token_url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: employer.client_id,
      client_secret: employer.client_secret }),
  });
  if (answer.status !== 200) throw new Error(`token: ${answer.status}`);
  const token = await answer.json();
  tokens.set(employer.client_id, { value: token.access_token,
    expires: Date.now() + (token.expires_in - 60) * 1000 });
  return token.access_token;
}

const steps = {
  // The HR system asks whether the permit is valid today: read it now, never from memory.
  async permit_status(sandbox, { permit }) {
    const employer = sandbox.employer;
    const answer = await fetch(`${employer.api}/work-permits/${permit}`, {
      headers: { Authorization: `Bearer ${await bearer(employer)}` },
    });
    if (answer.status !== 200) throw new Error(`GET /work-permits/${permit}: ${answer.status}`);
    const current = await answer.json();
    return { valid: IN_FORCE.includes(current.status), status: current.status, valid_to: current.valid_to };
  },
};

send({ hello: { name: 'minimal-node', steps: Object.keys(steps) } });

// One request at a time: answer each line before reading the next.
let queue = Promise.resolve();
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  queue = queue.then(async () => {
    const request = JSON.parse(line);
    try {
      send({ id: request.id, ok: true, output: await steps[request.step](request.sandbox, request.input) });
    } catch (error) {
      log(request.step, error);
      send({ id: request.id, ok: false, error: String(error.message || error) });
    }
  });
});
